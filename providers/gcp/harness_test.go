package gcp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	compute "cloud.google.com/go/compute/apiv1"
	"github.com/hashicorp/go-hclog"
	"google.golang.org/api/dns/v1"
	"google.golang.org/api/option"

	"github.com/infrago/infra/providers/gcp/sim"
	"github.com/infrago/infra/providers/gcp/sim/discovery"
	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/sdk/rpc/propertypb"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

// env is a configured gcp provider served in-process, the Google Cloud it talks to (the simulator, or a real
// project for acceptance tests), and clients for changing objects behind the provider's back.
type env struct {
	t   *testing.T
	srv *provider.Server
	// sim is nil against real Google Cloud.
	sim     *sim.Server
	real    bool
	log     *syncBuffer
	project string
	// url is the simulator's endpoint ("" against real Google Cloud).
	url string

	instances *compute.InstancesClient
	firewalls *compute.FirewallsClient
	networks  *compute.NetworksClient
	subnets   *compute.SubnetworksClient
	addresses *compute.AddressesClient
	pools     *compute.TargetPoolsClient
	rules     *compute.ForwardingRulesClient
	checks    *compute.HealthChecksClient
	groups    *compute.InstanceGroupsClient
	backends  *compute.BackendServicesClient
	urlMaps   *compute.UrlMapsClient
	proxies   *compute.TargetHttpProxiesClient
	global    *compute.GlobalForwardingRulesClient
	dns       *dns.Service
}

// syncBuffer collects the provider's log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// simTiming keeps the simulator's transitions short.
var simTiming = sim.Timing{OperationPending: 5 * time.Millisecond, OperationRunning: 20 * time.Millisecond,
	InstanceStart: 40 * time.Millisecond, InstanceStop: 20 * time.Millisecond, ChangeDone: 20 * time.Millisecond,
	HealthyAfter: 20 * time.Millisecond}

// docs are the discovery documents of Compute Engine and Cloud DNS that google.golang.org/api ships, loaded once.
var docs = sync.OnceValues(func() ([]*discovery.Doc, error) {
	var out []*discovery.Doc
	for _, rel := range []string{"compute/v1/compute-api.json", "dns/v1/dns-api.json"} {
		p, err := discovery.ShippedDocument(rel)
		if err != nil {
			return nil, err
		}
		d, err := discovery.Load(p)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
})

// validator checks every exchange of a simulator against the discovery documents and fails the test, when it
// ends, with each one that does not validate.
func validator(t *testing.T) func(sim.Exchange) {
	t.Helper()
	ds, err := docs()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var problems []string
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) > 0 {
			t.Errorf("%d simulator exchanges do not validate against the discovery documents:\n%s", len(problems), strings.Join(problems, "\n"))
		}
	})
	return func(ex sim.Exchange) {
		d := ds[0]
		if strings.HasPrefix(ex.Path, "/dns/") {
			d = ds[1]
		}
		for _, e := range d.Check(ex.Method, ex.Path, ex.Query, ex.Body, ex.Status, ex.Response) {
			mu.Lock()
			if len(problems) < 50 {
				problems = append(problems, e.Error())
			}
			mu.Unlock()
		}
	}
}

// newSimEnv starts a simulator (pages of two items, so that iterators must follow tokens), validating every
// exchange, and a provider configured against it.
func newSimEnv(t *testing.T, opts sim.Options) *env {
	t.Helper()
	if opts.PageSize == 0 {
		opts.PageSize = 2
	}
	if opts.Timing == (sim.Timing{}) {
		opts.Timing = simTiming
	}
	opts.Observe = validator(t)
	s := sim.New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	l, err := s.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = l.Close()
	})
	e := newEnv(t, map[string]any{"project": sim.DefaultProject, "region": "us-central1", "endpoint": l.URL,
		"pollInterval": "5ms", "retryMaxBackoff": "50ms", "maxRetries": 25})
	e.sim, e.url = s, l.URL
	e.project = sim.DefaultProject
	e.clients(option.WithEndpoint(l.URL), option.WithoutAuthentication())
	return e
}

// clients opens the clients the tests change objects with.
func (e *env) clients(opts ...option.ClientOption) {
	ctx := context.Background()
	var err error
	must := func() {
		if err != nil {
			e.t.Fatal(err)
		}
	}
	e.instances, err = compute.NewInstancesRESTClient(ctx, opts...)
	must()
	e.firewalls, err = compute.NewFirewallsRESTClient(ctx, opts...)
	must()
	e.networks, err = compute.NewNetworksRESTClient(ctx, opts...)
	must()
	e.subnets, err = compute.NewSubnetworksRESTClient(ctx, opts...)
	must()
	e.addresses, err = compute.NewAddressesRESTClient(ctx, opts...)
	must()
	e.pools, err = compute.NewTargetPoolsRESTClient(ctx, opts...)
	must()
	e.rules, err = compute.NewForwardingRulesRESTClient(ctx, opts...)
	must()
	e.checks, err = compute.NewHealthChecksRESTClient(ctx, opts...)
	must()
	e.groups, err = compute.NewInstanceGroupsRESTClient(ctx, opts...)
	must()
	e.backends, err = compute.NewBackendServicesRESTClient(ctx, opts...)
	must()
	e.urlMaps, err = compute.NewUrlMapsRESTClient(ctx, opts...)
	must()
	e.proxies, err = compute.NewTargetHttpProxiesRESTClient(ctx, opts...)
	must()
	e.global, err = compute.NewGlobalForwardingRulesRESTClient(ctx, opts...)
	must()
	dopts := opts
	if e.url != "" {
		dopts = []option.ClientOption{option.WithEndpoint(e.url + "/"), option.WithoutAuthentication()}
	}
	e.dns, err = dns.NewService(ctx, dopts...)
	must()
}

// accEnabled reports whether acceptance tests against real Google Cloud may run, and why not.
func accEnabled() (bool, string) {
	if os.Getenv("INFRA_ACC") != "1" {
		return false, "acceptance tests against real Google Cloud run only with INFRA_ACC=1 (and credentials); they create billable objects"
	}
	if os.Getenv("GOOGLE_CLOUD_PROJECT") == "" {
		return false, "INFRA_ACC=1 but GOOGLE_CLOUD_PROJECT is not set (Application Default Credentials must be set up too)"
	}
	return true, ""
}

// newAccEnv is a provider against the real project GOOGLE_CLOUD_PROJECT with Application Default Credentials. It
// skips the test unless acceptance tests are enabled.
func newAccEnv(t *testing.T) *env {
	t.Helper()
	if ok, why := accEnabled(); !ok {
		t.Skip(why)
	}
	project := os.Getenv("GOOGLE_CLOUD_PROJECT")
	e := newEnv(t, map[string]any{"project": project, "region": "us-central1", "pollInterval": "2s",
		"defaultLabels": map[string]any{"infra-acceptance": "true"}})
	e.real, e.project = true, project
	e.clients()
	return e
}

// newEnv serves the provider and configures it with cfg, checked as the engine would.
func newEnv(t *testing.T, cfg map[string]any) *env {
	t.Helper()
	buf := &syncBuffer{}
	log := hclog.New(&hclog.LoggerOptions{Name: "gcp", Level: hclog.Debug, Output: buf})
	srv, err := provider.NewServer(New(Options{Logger: log, Getenv: func(string) string { return "" }}))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, log: buf}
	checked, err := srv.CheckConfig(context.Background(), &pb.CheckRequest{News: propertypb.FromMap(props(t, cfg))})
	if err != nil || len(checked.GetFailures()) > 0 {
		t.Fatalf("CheckConfig: %v %v", err, checked.GetFailures())
	}
	if _, err := srv.Configure(context.Background(), &pb.ConfigureRequest{Config: checked.GetInputs()}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return e
}

func props(t testing.TB, m map[string]any) resource.PropertyMap {
	t.Helper()
	out := resource.PropertyMap{}
	for k, v := range m {
		pv, err := resource.FromGo(v)
		if err != nil {
			t.Fatalf("property %s: %v", k, err)
		}
		out[k] = pv
	}
	return out
}

func (e *env) toMap(m *propertypb.Map) resource.PropertyMap {
	e.t.Helper()
	pm, err := propertypb.ToMap(m)
	if err != nil {
		e.t.Fatal(err)
	}
	return pm
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	e.t.Cleanup(cancel)
	return ctx
}

func urnOf(typ, name string) resource.URN { return resource.NewURN("test", "gcp", "", typ, name) }

func newToken(t testing.TB) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// check runs Check and fails the test on failures.
func (e *env) check(typ string, urn resource.URN, olds, news resource.PropertyMap) resource.PropertyMap {
	e.t.Helper()
	resp, err := e.srv.Check(e.ctx(), &pb.CheckRequest{Urn: string(urn), Type: typ, Olds: propertypb.FromMap(olds), News: propertypb.FromMap(news)})
	if err != nil {
		e.t.Fatalf("Check %s: %v", typ, err)
	}
	if fs := resp.GetFailures(); len(fs) > 0 {
		var lines []string
		for _, f := range fs {
			lines = append(lines, f.GetProperty()+": "+f.GetReason())
		}
		e.t.Fatalf("Check %s failed:\n%s", typ, strings.Join(lines, "\n"))
	}
	return e.toMap(resp.GetInputs())
}

// checkFailures runs Check and returns its failures as "property: reason".
func (e *env) checkFailures(typ string, news resource.PropertyMap) []string {
	e.t.Helper()
	resp, err := e.srv.Check(e.ctx(), &pb.CheckRequest{Urn: string(urnOf(typ, "x")), Type: typ, News: propertypb.FromMap(news)})
	if err != nil {
		e.t.Fatalf("Check %s: %v", typ, err)
	}
	var out []string
	for _, f := range resp.GetFailures() {
		out = append(out, f.GetProperty()+": "+f.GetReason())
	}
	return out
}

func (e *env) create(typ string, urn resource.URN, in resource.PropertyMap, token string) (string, resource.PropertyMap) {
	e.t.Helper()
	resp, err := e.srv.Create(e.ctx(), &pb.CreateRequest{Urn: string(urn), Type: typ, Properties: propertypb.FromMap(in),
		Timeout: 240, IdempotencyToken: token})
	if err != nil {
		e.t.Fatalf("Create %s: %v", typ, err)
	}
	if len(resp.GetInitErrors()) > 0 {
		e.t.Fatalf("Create %s: %v", typ, resp.GetInitErrors())
	}
	return resp.GetId(), e.toMap(resp.GetProperties())
}

func (e *env) read(typ string, urn resource.URN, id string, in, out resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap) {
	e.t.Helper()
	resp, err := e.srv.Read(e.ctx(), &pb.ReadRequest{Urn: string(urn), Type: typ, Id: id, Inputs: propertypb.FromMap(in), Properties: propertypb.FromMap(out)})
	if err != nil {
		e.t.Fatalf("Read %s %s: %v", typ, id, err)
	}
	return resp.GetId(), e.toMap(resp.GetInputs()), e.toMap(resp.GetProperties())
}

func (e *env) lookup(typ string, urn resource.URN, token string) (string, resource.PropertyMap, resource.PropertyMap) {
	e.t.Helper()
	resp, err := e.srv.Lookup(e.ctx(), &pb.LookupRequest{Urn: string(urn), Type: typ, IdempotencyToken: token})
	if err != nil {
		e.t.Fatalf("Lookup %s: %v", typ, err)
	}
	return resp.GetId(), e.toMap(resp.GetInputs()), e.toMap(resp.GetProperties())
}

func (e *env) diff(typ string, urn resource.URN, id string, oldIn, oldOut, news resource.PropertyMap) *pb.DiffResponse {
	e.t.Helper()
	resp, err := e.srv.Diff(e.ctx(), &pb.DiffRequest{Urn: string(urn), Type: typ, Id: id, OldInputs: propertypb.FromMap(oldIn),
		OldOutputs: propertypb.FromMap(oldOut), News: propertypb.FromMap(news)})
	if err != nil {
		e.t.Fatalf("Diff %s: %v", typ, err)
	}
	return resp
}

func (e *env) update(typ string, urn resource.URN, id string, oldIn, oldOut, news resource.PropertyMap) resource.PropertyMap {
	e.t.Helper()
	resp, err := e.srv.Update(e.ctx(), &pb.UpdateRequest{Urn: string(urn), Type: typ, Id: id, OldInputs: propertypb.FromMap(oldIn),
		Olds: propertypb.FromMap(oldOut), News: propertypb.FromMap(news), Timeout: 240})
	if err != nil {
		e.t.Fatalf("Update %s %s: %v", typ, id, err)
	}
	return e.toMap(resp.GetProperties())
}

func (e *env) delete(typ string, urn resource.URN, id string, in, out resource.PropertyMap) error {
	e.t.Helper()
	_, err := e.srv.Delete(e.ctx(), &pb.DeleteRequest{Urn: string(urn), Type: typ, Id: id, Inputs: propertypb.FromMap(in),
		Properties: propertypb.FromMap(out), Timeout: 240})
	return err
}

// object is a resource created through the provider, for tests that build on it.
type object struct {
	typ     string
	urn     resource.URN
	id      string
	in, out resource.PropertyMap
	token   string
}

// make checks and creates a resource, and deletes it when the test ends.
func (e *env) make(typ, name string, inputs map[string]any) *object {
	e.t.Helper()
	o := &object{typ: typ, urn: urnOf(typ, name), token: newToken(e.t)}
	o.in = e.check(typ, o.urn, nil, props(e.t, inputs))
	o.id, o.out = e.create(typ, o.urn, o.in, o.token)
	e.t.Cleanup(func() { _ = e.delete(typ, o.urn, o.id, o.in, o.out) })
	return o
}

func pstr(m resource.PropertyMap, k string) string {
	v := m[k]
	for v.IsSecret() {
		v = v.SecretElement()
	}
	if v.Kind() != resource.KindString {
		return ""
	}
	return v.StringValue()
}
