package deploy_test

import (
	"context"
	"errors"
	"fmt"
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

const (
	project   = "proj"
	stackName = "dev"
	thingType = "fake:index:Thing"
	// uniqueType's schema says replacements must delete first.
	uniqueType = "fake:index:Unique"
	compType   = "acme:web:Site"
)

func prop(secret, replace bool) provider.Property {
	return provider.Property{TypeSpec: provider.TypeSpec{Type: "string"}, Secret: secret, ReplaceOnChanges: replace}
}

var fakeSchema = &provider.Schema{
	Name: "fake", Version: "1.2.3",
	Resources: map[string]provider.ResourceSchema{
		thingType: {
			Inputs:  map[string]provider.Property{"name": prop(false, false), "size": prop(false, false), "tags": prop(false, false), "zone": prop(false, true), "password": prop(true, false)},
			Outputs: map[string]provider.Property{"name": prop(false, false), "size": prop(false, false), "tags": prop(false, false), "zone": prop(false, true), "password": prop(true, false), "arn": prop(false, false), "token": prop(true, false)},
		},
		uniqueType: {
			DeleteBeforeReplace: true,
			Inputs:              map[string]provider.Property{"zone": prop(false, true)},
			Outputs:             map[string]provider.Property{"zone": prop(false, true), "arn": prop(false, false)},
		},
	},
	Functions: map[string]provider.FunctionSchema{"fake:index:echo": {}},
}

// call is one provider call as the fake cloud saw it.
type call struct {
	Method string // Start, CheckConfig, Configure, Check, Diff, Create, Read, Update, Delete, Invoke
	Name   string // the resource's name (or the provider package for Start/Configure)
	ID     string
	Props  resource.PropertyMap
}

func (c call) String() string {
	if c.ID != "" {
		return c.Method + " " + c.Name + "#" + c.ID
	}
	return c.Method + " " + c.Name
}

type object struct {
	typ     string
	inputs  resource.PropertyMap
	outputs resource.PropertyMap
}

// fakeCloud is the world behind every fake provider instance: objects by ID, and a log of calls.
type fakeCloud struct {
	mu      sync.Mutex
	objects map[string]*object
	calls   []call
	nextID  int
	// fail makes a call fail: key "<Method> <name>".
	fail map[string]error
	// hold makes a call wait on the channel before proceeding: key "<Method> <name>".
	hold map[string]chan struct{}
}

func newCloud() *fakeCloud {
	return &fakeCloud{objects: map[string]*object{}, fail: map[string]error{}, hold: map[string]chan struct{}{}}
}

func (c *fakeCloud) record(method string, urn resource.URN, id string, props resource.PropertyMap) error {
	name := urn.Name()
	c.mu.Lock()
	c.calls = append(c.calls, call{Method: method, Name: name, ID: id, Props: props})
	err := c.fail[method+" "+name]
	h := c.hold[method+" "+name]
	c.mu.Unlock()
	if h != nil {
		<-h
	}
	return err
}

// log returns the calls so far, rendered; with methods given, only those.
func (c *fakeCloud) log(methods ...string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, cl := range c.calls {
		if len(methods) == 0 || contains(methods, cl.Method) {
			out = append(out, cl.String())
		}
	}
	return out
}

func (c *fakeCloud) reset() {
	c.mu.Lock()
	c.calls = nil
	c.mu.Unlock()
}

func (c *fakeCloud) ids() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for id := range c.objects {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// resourceMethods are the calls made about resources (not about provider instances).
var resourceMethods = []string{"Check", "Diff", "Create", "Read", "Update", "Delete"}

// mutations are the calls that change the cloud.
var mutations = []string{"Create", "Update", "Delete"}

type fakeProvider struct {
	cloud *fakeCloud
	pkg   string
}

var _ deploy.Provider = (*fakeProvider)(nil)

func (p *fakeProvider) Package() string          { return p.pkg }
func (p *fakeProvider) Schema() *provider.Schema { return fakeSchema }

func (p *fakeProvider) CheckConfig(_ context.Context, req plugin.CheckRequest) (resource.PropertyMap, []plugin.CheckFailure, error) {
	urn, news := req.URN, req.News
	if err := p.cloud.record("CheckConfig", urn, "", news); err != nil {
		return nil, nil, err
	}
	if v, ok := news["invalid"]; ok {
		return nil, []plugin.CheckFailure{{Property: "invalid", Reason: "must not be set, got " + v.String()}}, nil
	}
	return news.Copy(), nil, nil
}

func (p *fakeProvider) Configure(_ context.Context, config resource.PropertyMap) error {
	return p.cloud.record("Configure", resource.URN("urn:infra:x::x::x::"+p.pkg), "", config)
}

func (p *fakeProvider) Check(_ context.Context, req plugin.CheckRequest) (resource.PropertyMap, []plugin.CheckFailure, error) {
	urn, news := req.URN, req.News
	if err := p.cloud.record("Check", urn, "", news); err != nil {
		return nil, nil, err
	}
	if v, ok := news["size"]; ok && v.Kind() == resource.KindString && v.StringValue() == "huge" {
		return nil, []plugin.CheckFailure{{Property: "size", Reason: "too big"}, {Property: "name", Reason: "also wrong"}}, nil
	}
	return news.Copy(), nil, nil
}

func (p *fakeProvider) Diff(_ context.Context, req plugin.DiffRequest) (plugin.DiffResult, error) {
	urn, typ, id, oldIn, news := req.URN, req.Type, req.ID, req.OldInputs, req.News
	if err := p.cloud.record("Diff", urn, id, news); err != nil {
		return plugin.DiffResult{}, err
	}
	changed := resource.ChangedKeys(oldIn, news)
	r := plugin.DiffResult{Changes: len(changed) > 0, Changed: changed}
	for _, k := range changed {
		if fakeSchema.Resources[typ].Inputs[k].ReplaceOnChanges {
			r.Replaces = append(r.Replaces, k)
		}
	}
	return r, nil
}

func (p *fakeProvider) outputs(id string, inputs resource.PropertyMap) resource.PropertyMap {
	out := inputs.Copy()
	out["arn"] = resource.NewString("arn:" + id)
	out["token"] = resource.MakeSecret(resource.NewString("tok-" + id))
	return out
}

func (p *fakeProvider) Create(_ context.Context, req plugin.CreateRequest) (plugin.CreateResult, error) {
	urn, typ, props := req.URN, req.Type, req.Inputs
	if req.Token == "" {
		return plugin.CreateResult{}, errors.New("no idempotency token")
	}
	if err := p.cloud.record("Create", urn, "", props); err != nil {
		return plugin.CreateResult{}, err
	}
	p.cloud.mu.Lock()
	defer p.cloud.mu.Unlock()
	p.cloud.nextID++
	id := fmt.Sprintf("%s-%d", urn.Name(), p.cloud.nextID)
	outs := p.outputs(id, props)
	p.cloud.objects[id] = &object{typ: typ, inputs: props.Copy(), outputs: outs.Copy()}
	return plugin.CreateResult{ID: id, Outputs: outs}, nil
}

func (p *fakeProvider) Read(_ context.Context, req plugin.ReadRequest) (plugin.ReadResult, error) {
	urn, id := req.URN, req.ID
	if err := p.cloud.record("Read", urn, id, nil); err != nil {
		return plugin.ReadResult{}, err
	}
	p.cloud.mu.Lock()
	defer p.cloud.mu.Unlock()
	o, ok := p.cloud.objects[id]
	if !ok {
		return plugin.ReadResult{}, nil
	}
	return plugin.ReadResult{ID: id, Inputs: o.inputs.Copy(), Outputs: o.outputs.Copy()}, nil
}

func (p *fakeProvider) Update(_ context.Context, req plugin.UpdateRequest) (plugin.UpdateResult, error) {
	urn, id, news := req.URN, req.ID, req.News
	if err := p.cloud.record("Update", urn, id, news); err != nil {
		return plugin.UpdateResult{}, err
	}
	p.cloud.mu.Lock()
	defer p.cloud.mu.Unlock()
	o, ok := p.cloud.objects[id]
	if !ok {
		return plugin.UpdateResult{}, fmt.Errorf("update %s: no object %s", urn.Name(), id)
	}
	o.inputs = news.Copy()
	o.outputs = p.outputs(id, news)
	return plugin.UpdateResult{Outputs: o.outputs.Copy()}, nil
}

func (p *fakeProvider) Delete(_ context.Context, req plugin.DeleteRequest) error {
	urn, id := req.URN, req.ID
	if err := p.cloud.record("Delete", urn, id, nil); err != nil {
		return err
	}
	p.cloud.mu.Lock()
	defer p.cloud.mu.Unlock()
	if _, ok := p.cloud.objects[id]; !ok {
		return fmt.Errorf("delete %s: no object %s", urn.Name(), id)
	}
	delete(p.cloud.objects, id)
	return nil
}

func (p *fakeProvider) Invoke(_ context.Context, token string, args resource.PropertyMap) (resource.PropertyMap, []plugin.CheckFailure, error) {
	if err := p.cloud.record("Invoke", resource.URN("urn:infra:x::x::x::"+token), "", args); err != nil {
		return nil, nil, err
	}
	return args.Copy(), nil, nil
}

func (p *fakeProvider) Cancel(context.Context) error { return nil }

type fakeHost struct {
	cloud *fakeCloud
	// batch starts providers that answer ReadMany; unsupported ones that answer it as a provider predating it does.
	batch, unsupported bool
}

// fakeBatchProvider is a fake provider with batched reads.
type fakeBatchProvider struct {
	*fakeProvider
	unsupported bool
}

func (p *fakeBatchProvider) ReadMany(ctx context.Context, typ string, reqs []plugin.ReadRequest) ([]plugin.ReadResult, []error, error) {
	if err := p.cloud.record("ReadMany", resource.URN(fmt.Sprintf("urn:infra:x::x::x::%d", len(reqs))), "", nil); err != nil {
		return nil, nil, err
	}
	if p.unsupported {
		return nil, nil, plugin.ErrReadManyUnsupported
	}
	results, errs := make([]plugin.ReadResult, len(reqs)), make([]error, len(reqs))
	for i, r := range reqs {
		p.cloud.mu.Lock()
		o, ok := p.cloud.objects[r.ID]
		err := p.cloud.fail["Read "+r.URN.Name()]
		p.cloud.mu.Unlock()
		switch {
		case err != nil:
			errs[i] = err
		case ok:
			results[i] = plugin.ReadResult{ID: r.ID, Inputs: o.inputs.Copy(), Outputs: o.outputs.Copy()}
		}
	}
	return results, errs, nil
}

func (h fakeHost) Start(_ context.Context, pkg string) (deploy.Provider, error) {
	if err := h.cloud.record("Start", resource.URN("urn:infra:x::x::x::"+pkg), "", nil); err != nil {
		return nil, err
	}
	if pkg != "fake" {
		return nil, fmt.Errorf("no provider plugin for package %q", pkg)
	}
	if h.batch {
		return &fakeBatchProvider{fakeProvider: &fakeProvider{cloud: h.cloud, pkg: pkg}, unsupported: h.unsupported}, nil
	}
	return &fakeProvider{cloud: h.cloud, pkg: pkg}, nil
}

// eventLog collects events.
type eventLog struct {
	mu sync.Mutex
	es []events.Event
}

func (l *eventLog) Emit(e events.Event) {
	l.mu.Lock()
	l.es = append(l.es, e)
	l.mu.Unlock()
}

// steps renders the step events of the given kinds as "<kind> <op> <name>".
func (l *eventLog) steps(kinds ...events.Kind) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.es {
		if e.Step != nil && contains(kindsToStrings(kinds), string(e.Kind)) {
			out = append(out, fmt.Sprintf("%s %s %s", e.Kind, e.Step.Op, e.Step.URN.Name()))
		}
	}
	return out
}

func (l *eventLog) find(kind events.Kind, name string) *events.Step {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.es {
		if e.Kind == kind && e.Step != nil && e.Step.URN.Name() == name {
			return e.Step
		}
	}
	return nil
}

func (l *eventLog) diagnostics() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.es {
		if e.Diag != nil {
			out = append(out, string(e.Diag.Severity)+": "+e.Diag.Message)
		}
	}
	return out
}

func kindsToStrings(ks []events.Kind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

// world is a stack across runs: the cloud persists, and each run starts from the snapshot the previous left.
type world struct {
	t       *testing.T
	cloud   *fakeCloud
	snap    *state.Snapshot
	hashKey []byte
	config  resource.PropertyMap // the default fake provider's config
	// parallel for the next run (default 4).
	parallel int
	// continueOnError for the next run.
	continueOnError bool
	// host starts the providers (default: fakeHost on cloud).
	host *fakeHost
}

func (w *world) providerHost() fakeHost {
	if w.host != nil {
		return *w.host
	}
	return fakeHost{cloud: w.cloud}
}

func newWorld(t *testing.T) *world {
	return &world{t: t, cloud: newCloud(), hashKey: []byte("hash-key"), config: resource.PropertyMap{"region": resource.NewString("eu")}, parallel: 4}
}

// run is one deployment: New, the registrations in order (each error kept), then Finish when finish is set.
type run struct {
	d      *deploy.Deployment
	log    *eventLog
	res    map[string]*deploy.Result
	errs   map[string]error
	finish error
}

func (w *world) deployment(dry bool) (*deploy.Deployment, *eventLog) {
	log := &eventLog{}
	cfg := w.config
	d := deploy.New(w.snap, deploy.Options{
		Project: project, Stack: stackName, DryRun: dry, Parallel: w.parallel, Host: w.providerHost(),
		ProviderConfig: func(pkg string) resource.PropertyMap {
			if pkg == "fake" {
				return cfg.Copy()
			}
			return nil
		},
		HashKey: w.hashKey, Events: log, ContinueOnError: w.continueOnError,
	})
	return d, log
}

// up runs regs one after the other, then Finish, and keeps the snapshot for the next run unless dry.
func (w *world) up(dry bool, regs ...*deploy.Registration) *run {
	w.t.Helper()
	d, log := w.deployment(dry)
	r := &run{d: d, log: log, res: map[string]*deploy.Result{}, errs: map[string]error{}}
	ctx := context.Background()
	for _, reg := range regs {
		res, err := d.Register(ctx, reg)
		r.res[reg.Name] = res
		r.errs[reg.Name] = err
		mustVerify(w.t, d.Snapshot(), "after registering "+reg.Name)
	}
	r.finish = d.Finish(ctx)
	snap := d.Snapshot()
	mustVerify(w.t, snap, "after Finish")
	if !dry {
		w.snap = snap
	}
	return r
}

func mustVerify(t *testing.T, s *state.Snapshot, when string) {
	t.Helper()
	if err := s.Verify(); err != nil {
		t.Fatalf("Snapshot() %s does not verify: %v", when, err)
	}
}

// thing makes a registration of a fake:index:Thing.
func thing(name string, props resource.PropertyMap, mods ...func(*deploy.Registration)) *deploy.Registration {
	r := &deploy.Registration{Type: thingType, Name: name, Custom: true, Inputs: props}
	for _, m := range mods {
		m(r)
	}
	return r
}

func dependsOn(urns ...resource.URN) func(*deploy.Registration) {
	return func(r *deploy.Registration) { r.Dependencies = append(r.Dependencies, urns...) }
}

func parent(u resource.URN) func(*deploy.Registration) {
	return func(r *deploy.Registration) { r.Parent = u }
}

func typ(t string) func(*deploy.Registration) { return func(r *deploy.Registration) { r.Type = t } }

func thingURN(name string) resource.URN {
	return resource.NewURN(stackName, project, "", thingType, name)
}

func props(kv ...any) resource.PropertyMap {
	m := resource.PropertyMap{}
	for i := 0; i < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case string:
			m[kv[i].(string)] = resource.NewString(v)
		case resource.PropertyValue:
			m[kv[i].(string)] = v
		case int:
			m[kv[i].(string)] = resource.NewNumber(float64(v))
		default:
			panic(fmt.Sprintf("props: %T", v))
		}
	}
	return m
}

// live returns the snapshot's live resources by name (providers as "provider:<name>").
func live(s *state.Snapshot) map[string]*state.Resource {
	out := map[string]*state.Resource{}
	for _, r := range s.Resources {
		if r.Delete {
			continue
		}
		k := r.URN.Name()
		if resource.IsProviderType(r.Type) {
			k = "provider:" + k
		}
		out[k] = r
	}
	return out
}

func names(s *state.Snapshot) string {
	var out []string
	for _, r := range s.Resources {
		n := r.URN.Name()
		if r.Delete {
			n += "(delete)"
		}
		out = append(out, n)
	}
	return strings.Join(out, " ")
}

func join(l []string) string { return strings.Join(l, ", ") }

// indexOf returns where s appears in l, or -1.
func indexOf(l []string, s string) int {
	for i, x := range l {
		if x == s {
			return i
		}
	}
	return -1
}
