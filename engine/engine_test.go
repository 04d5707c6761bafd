package engine

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/infrago/infra/engine/deploy"
	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/engine/plugin"
	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/stacks/state"
)

// fakeHost is a Host whose providers live in memory. It records what was started and prestarted.
type fakeHost struct {
	mu         sync.Mutex
	known      map[string]bool
	started    []string
	prestarted []string
	deleted    []string
	failDelete error
}

func (h *fakeHost) Start(_ context.Context, pkg string) (deploy.Provider, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.known[pkg] {
		return nil, errors.New("no provider " + pkg)
	}
	h.started = append(h.started, pkg)
	return &fakeProvider{host: h, pkg: pkg}, nil
}

func (h *fakeHost) Prestart(pkg string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.prestarted = append(h.prestarted, pkg)
}

func (h *fakeHost) Has(pkg string) bool { return h.known[pkg] }

// fakeProvider implements what a destroy asks of a provider; any other call panics through the nil embedded
// interface, which fails the test loudly.
type fakeProvider struct {
	deploy.Provider
	host *fakeHost
	pkg  string
}

func (p *fakeProvider) Package() string          { return p.pkg }
func (p *fakeProvider) Schema() *provider.Schema { return &provider.Schema{Name: p.pkg} }
func (p *fakeProvider) CheckConfig(_ context.Context, req plugin.CheckRequest) (resource.PropertyMap, []plugin.CheckFailure, error) {
	return req.News, nil, nil
}
func (p *fakeProvider) Configure(context.Context, resource.PropertyMap) error { return nil }
func (p *fakeProvider) Cancel(context.Context) error                          { return nil }
func (p *fakeProvider) Delete(_ context.Context, req plugin.DeleteRequest) error {
	p.host.mu.Lock()
	defer p.host.mu.Unlock()
	if p.host.failDelete != nil {
		return p.host.failDelete
	}
	p.host.deleted = append(p.host.deleted, req.ID)
	return nil
}

// twoThings is a state with a fake provider instance and two resources it manages, b depending on a.
func twoThings() *state.Snapshot {
	prov := resource.NewURN("dev", "shop", "", "infra:providers:fake", "default")
	ref := resource.NewProviderRef(prov, "p-1")
	a := resource.NewURN("dev", "shop", "", "fake:index:Thing", "a")
	b := resource.NewURN("dev", "shop", "", "fake:index:Thing", "b")
	return &state.Snapshot{Project: "shop", Stack: "dev", Resources: []*state.Resource{
		{URN: prov, Type: "infra:providers:fake", ID: "p-1", Custom: true, Inputs: resource.PropertyMap{}},
		{URN: a, Type: "fake:index:Thing", ID: "a-1", Custom: true, Provider: ref},
		{URN: b, Type: "fake:index:Thing", ID: "b-1", Custom: true, Provider: ref, Dependencies: []resource.URN{a}},
	}}
}

func options(h Host, old *state.Snapshot) Options {
	return Options{Options: deploy.Options{Project: "shop", Stack: "dev", Parallel: 4}, Host: h, Old: old,
		Config: resource.PropertyMap{"fake:region": resource.NewString("eu-1"), "shop:greeting": resource.NewString("hi"),
			"other:key": resource.NewString("x")}}
}

func TestDestroyDeletesInReverseOrderThroughTheHost(t *testing.T) {
	t.Parallel()
	h := &fakeHost{known: map[string]bool{"fake": true}}
	var mu sync.Mutex
	var kinds []events.Kind
	o := options(h, twoThings())
	o.Events = events.SinkFunc(func(e events.Event) {
		mu.Lock()
		kinds = append(kinds, e.Kind)
		mu.Unlock()
	})
	res, err := Destroy(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(h.deleted, ",") != "b-1,a-1" {
		t.Fatalf("deleted %v, want b before a (b depends on a)", h.deleted)
	}
	if res.Snapshot == nil || len(res.Snapshot.Resources) != 0 || res.Changes[events.OpDelete] != 3 || !res.HasChanges {
		t.Fatalf("result %+v", res)
	}
	if len(kinds) == 0 || kinds[0] != events.KindPrelude || kinds[len(kinds)-1] != events.KindSummary {
		t.Fatalf("events %v do not start with the prelude and end with the summary", kinds)
	}
	sort.Strings(h.prestarted)
	if strings.Join(h.prestarted, ",") != "fake,fake" {
		t.Fatalf("prestarted %v, want the provider of the old state (and of the fake: config keys), not shop: or other:", h.prestarted)
	}
}

func TestDestroyPreviewChangesNothing(t *testing.T) {
	t.Parallel()
	h := &fakeHost{known: map[string]bool{"fake": true}}
	o := options(h, twoThings())
	o.DryRun = true
	res, err := Destroy(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.deleted) != 0 || res.Snapshot != nil || res.Changes[events.OpDelete] != 3 {
		t.Fatalf("a preview deleted %v (result %+v)", h.deleted, res)
	}
}

func TestDestroyFailureIsShownAndKeepsWhatRemains(t *testing.T) {
	t.Parallel()
	h := &fakeHost{known: map[string]bool{"fake": true}, failDelete: errors.New("object is in use")}
	res, err := Destroy(context.Background(), options(h, twoThings()))
	if err == nil || !events.Shown(err) {
		t.Fatalf("err = %v, want a failure already shown through the events", err)
	}
	if res == nil || res.Snapshot == nil || len(res.Snapshot.Resources) != 3 {
		t.Fatalf("the failed destroy's snapshot does not keep every resource: %+v", res)
	}
}

func TestDeployOptionsPassThroughAndProviderConfig(t *testing.T) {
	t.Parallel()
	h := &fakeHost{known: map[string]bool{"fake": true}}
	o := options(h, nil)
	o.Targets, o.ContinueOnError, o.HashKey = []string{"x"}, true, []byte("k")
	d := o.deployOptions()
	if d.Project != "shop" || d.Parallel != 4 || len(d.Targets) != 1 || !d.ContinueOnError || string(d.HashKey) != "k" {
		t.Fatalf("deploy options lost fields: %+v", d)
	}
	if d.Host != Host(h) {
		t.Fatal("the deployment does not start providers through the engine's host")
	}
	cfg := d.ProviderConfig("fake")
	if len(cfg) != 1 || cfg["region"].StringValue() != "eu-1" {
		t.Fatalf("provider config of fake = %v, want region only", cfg)
	}
	if len(d.ProviderConfig("none")) != 0 {
		t.Fatal("a package without config keys got some")
	}
}
