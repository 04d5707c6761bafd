package digitalocean

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"github.com/hashicorp/go-hclog"

	"github.com/infrago/infra/providers/digitalocean/sim"
	"github.com/infrago/infra/providers/digitalocean/sim/openapi"
	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/sdk/rpc/propertypb"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

// env is a configured digitalocean provider served in-process, the DigitalOcean it talks to (the simulator, or a
// real account for acceptance tests), and a godo client for changing objects behind the provider's back.
type env struct {
	t   *testing.T
	srv *provider.Server
	// sim is nil against real DigitalOcean.
	sim *sim.Server
	log *syncBuffer
	do  *godo.Client
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

// simTiming keeps the simulator's transitions short but observable.
var simTiming = sim.Timing{DropletActive: 40 * time.Millisecond, ActionComplete: 20 * time.Millisecond,
	LoadBalancerActive: 40 * time.Millisecond, HealthyAfter: 20 * time.Millisecond}

// description is DigitalOcean's API description, parsed once for the package's tests.
var description = openapi.New()

// validator checks every exchange of a simulator against DigitalOcean's API description and fails the test,
// when it ends, with each one that does not conform. A request the description rules out is fine when the
// simulator refused it, as DigitalOcean would.
func validator(t *testing.T) func(sim.Exchange) {
	t.Helper()
	var mu sync.Mutex
	var problems []string
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) > 0 {
			t.Errorf("%d simulator exchanges do not match DigitalOcean's API description:\n%s", len(problems), strings.Join(problems, "\n"))
		}
	})
	return func(x sim.Exchange) {
		errs := description.Check(context.Background(), openapi.Exchange{Method: x.Method, Path: x.Path, Query: x.Query, Body: x.Body,
			Status: x.Status, ResponseHeader: x.ResponseHeader, Response: x.Response})
		mu.Lock()
		defer mu.Unlock()
		for _, e := range errs {
			var p *openapi.Problem
			if errors.As(e, &p) && p.Request && x.Status >= 400 && x.Status < 500 {
				continue
			}
			if len(problems) < 50 {
				problems = append(problems, e.Error())
			}
		}
	}
}

// newSimEnv starts a simulator (pages of two items, so that lists must follow links.pages), validating every
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
	e := newEnv(t, map[string]any{"token": sim.DefaultToken, "endpoint": l.URL, "pollInterval": "5ms",
		"retryMinBackoff": "10ms", "retryMaxBackoff": "100ms", "maxRetries": 25}, nil)
	e.sim = s
	e.client(l.URL, sim.DefaultToken)
	return e
}

// client opens the godo client the tests change objects with.
func (e *env) client(url, token string) {
	var opts []godo.ClientOpt
	if url != "" {
		opts = append(opts, godo.SetBaseURL(url+"/"))
	}
	c, err := godo.New(&http.Client{Transport: bearer{token}}, opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.do = c
}

// bearer adds a token to every request.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// accEnabled reports whether acceptance tests against real DigitalOcean may run, and why not.
func accEnabled() (bool, string) {
	if os.Getenv("INFRA_ACC") != "1" {
		return false, "acceptance tests against real DigitalOcean run only with INFRA_ACC=1 (and DIGITALOCEAN_TOKEN); they create billable objects"
	}
	if os.Getenv("DIGITALOCEAN_TOKEN") == "" {
		return false, "INFRA_ACC=1 but DIGITALOCEAN_TOKEN is not set"
	}
	return true, ""
}

// newAccEnv is a provider against the real account of DIGITALOCEAN_TOKEN. It skips the test unless acceptance
// tests are enabled.
func newAccEnv(t *testing.T) *env {
	t.Helper()
	if ok, why := accEnabled(); !ok {
		t.Skip(why)
	}
	e := newEnv(t, map[string]any{"pollInterval": "2s"}, os.Getenv)
	e.client("", os.Getenv("DIGITALOCEAN_TOKEN"))
	return e
}

// newEnv serves the provider and configures it with cfg, checked as the engine would.
func newEnv(t *testing.T, cfg map[string]any, getenv func(string) string) *env {
	t.Helper()
	buf := &syncBuffer{}
	log := hclog.New(&hclog.LoggerOptions{Name: "digitalocean", Level: hclog.Debug, Output: buf})
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	srv, err := provider.NewServer(New(Options{Logger: log, Getenv: getenv}))
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

func urnOf(typ, name string) resource.URN {
	return resource.NewURN("test", "digitalocean", "", typ, name)
}

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

func (e *env) lookup(typ string, urn resource.URN, token string, in resource.PropertyMap) (string, resource.PropertyMap, error) {
	e.t.Helper()
	resp, err := e.srv.Lookup(e.ctx(), &pb.LookupRequest{Urn: string(urn), Type: typ, IdempotencyToken: token, Inputs: propertypb.FromMap(in)})
	if err != nil {
		return "", nil, err
	}
	return resp.GetId(), e.toMap(resp.GetInputs()), nil
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
	id      string
	in, out resource.PropertyMap
}

// make checks and creates a resource, and deletes it when the test ends.
func (e *env) make(typ, name string, inputs map[string]any) *object {
	e.t.Helper()
	urn := urnOf(typ, name)
	o := &object{}
	o.in = e.check(typ, urn, nil, props(e.t, inputs))
	o.id, o.out = e.create(typ, urn, o.in, newToken(e.t))
	e.t.Cleanup(func() { _ = e.delete(typ, urn, o.id, o.in, o.out) })
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

func pnum(m resource.PropertyMap, k string) int {
	v := m[k]
	if v.Kind() != resource.KindNumber {
		return 0
	}
	return int(v.NumberValue())
}
