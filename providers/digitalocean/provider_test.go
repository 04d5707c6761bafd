package digitalocean

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"

	"github.com/infrago/infra/providers/digitalocean/sim"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/sdk/rpc/propertypb"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

func TestParseSettings(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		name    string
		cfg     Config
		env     map[string]string
		wantErr string
		check   func(t *testing.T, s settings)
	}{
		{name: "token from config", cfg: Config{Token: ptr("dop_v1_a")}, check: func(t *testing.T, s settings) {
			if s.token != "dop_v1_a" || s.maxRetries != 10 || s.poll != 2*time.Second {
				t.Errorf("settings = %+v", s)
			}
		}},
		{name: "token from DIGITALOCEAN_TOKEN", env: map[string]string{"DIGITALOCEAN_TOKEN": "dop_v1_env"}, check: func(t *testing.T, s settings) {
			if s.token != "dop_v1_env" {
				t.Errorf("token = %q", s.token)
			}
		}},
		{name: "config wins over the environment", cfg: Config{Token: ptr("dop_v1_cfg")}, env: map[string]string{"DIGITALOCEAN_TOKEN": "dop_v1_env"},
			check: func(t *testing.T, s settings) {
				if s.token != "dop_v1_cfg" {
					t.Errorf("token = %q", s.token)
				}
			}},
		{name: "no token", wantErr: "digitalocean:token"},
		{name: "bad endpoint", cfg: Config{Token: ptr("x"), Endpoint: ptr("localhost:8086")}, wantErr: "digitalocean:endpoint"},
		{name: "endpoint from the environment", cfg: Config{Token: ptr("x")}, env: map[string]string{"DIGITALOCEAN_API_URL": "http://127.0.0.1:9/"},
			check: func(t *testing.T, s settings) {
				if s.endpoint != "http://127.0.0.1:9" {
					t.Errorf("endpoint = %q", s.endpoint)
				}
			}},
		{name: "bad poll interval", cfg: Config{Token: ptr("x"), PollInterval: ptr("soon")}, wantErr: "digitalocean:pollInterval"},
		{name: "negative retries", cfg: Config{Token: ptr("x"), MaxRetries: ptr(-1)}, wantErr: "digitalocean:maxRetries"},
		{name: "backoffs the wrong way round", cfg: Config{Token: ptr("x"), RetryMinBackoff: ptr("10s"), RetryMaxBackoff: ptr("1s")}, wantErr: "retryMinBackoff"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, err := parseSettings(c.cfg, env(c.env))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v; want one naming %s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, s)
		})
	}
}

func TestCheckFailures(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, sim.Options{})
	cases := []struct {
		typ    string
		inputs map[string]any
		want   string
	}{
		{DropletToken, map[string]any{"region": "New York", "size": testSize, "image": testImage}, "region"},
		{DropletToken, map[string]any{"region": "nyc3", "size": testSize, "image": testImage, "tags": []any{"bad tag"}}, "tags"},
		{DropletToken, map[string]any{"region": "nyc3", "size": testSize, "image": testImage, "tags": []any{"infra-token:x"}}, "tags"},
		{DropletToken, map[string]any{"region": "nyc3", "size": testSize, "image": testImage, "userData": strings.Repeat("x", maxUserData+1)}, "userData"},
		{SSHKeyToken, map[string]any{"publicKey": "not a key"}, "publicKey"},
		{VPCToken, map[string]any{"region": "nyc3", "ipRange": "10.0.0.0/8"}, "ipRange"},
		{LoadBalancerToken, map[string]any{"region": "nyc3"}, "forwardingRules"},
		{LoadBalancerToken, map[string]any{"region": "nyc3", "dropletIds": []any{1}, "dropletTag": "web",
			"forwardingRules": []any{map[string]any{"entryProtocol": "http", "entryPort": 80, "targetProtocol": "http", "targetPort": 80}}}, "dropletTag"},
		{FirewallToken, map[string]any{"inboundRules": []any{map[string]any{"protocol": "tcp", "addresses": []any{"0.0.0.0/0"}}}}, "inboundRules[0]"},
		{FirewallToken, map[string]any{"inboundRules": []any{map[string]any{"protocol": "tcp", "ports": "80"}}}, "inboundRules[0]"},
		{DomainToken, map[string]any{"name": "not a domain"}, "name"},
		{DomainRecordToken, map[string]any{"domain": "example.com", "type": "MX", "name": "@", "data": "mail.example.com."}, "priority"},
		{DomainRecordToken, map[string]any{"domain": "example.com", "type": "SPF", "name": "@", "data": "x"}, "type"},
		{ReservedIPAssignmentToken, map[string]any{"ipAddress": "not-an-ip", "dropletId": 1}, "ipAddress"},
	}
	for _, c := range cases {
		fs := e.checkFailures(c.typ, props(t, c.inputs))
		found := false
		for _, f := range fs {
			found = found || strings.HasPrefix(f, c.want+":")
		}
		if !found {
			t.Errorf("%s %v: failures %v; want one on %s", c.typ, c.inputs, fs, c.want)
		}
	}
}

// TestFaultsConverge makes every resource of a small web cluster while the simulator refuses a share of requests
// with 429 (and a Retry-After) or 500: godo's retrying client must carry each call through, and --verbose's log
// must show the retries.
func TestFaultsConverge(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, sim.Options{Faults: sim.Faults{RateLimitRate: 0.15, ErrorRate: 0.15, RetryAfter: sim.Duration(time.Millisecond)}})
	t.Cleanup(func() { assertNoObjects(t, e) })
	e.make(TagToken, "web", map[string]any{"name": "web"})
	d := e.make(DropletToken, "web", map[string]any{"region": "nyc3", "size": testSize, "image": testImage, "tags": []any{"web"}})
	ip := e.make(ReservedIPToken, "ip", map[string]any{"region": "nyc3"})
	e.make(ReservedIPAssignmentToken, "ipa", map[string]any{"ipAddress": ip.id, "dropletId": atoi(t, d.id)})
	e.make(LoadBalancerToken, "lb", map[string]any{"region": "nyc3", "dropletTag": "web",
		"forwardingRules": []any{map[string]any{"entryProtocol": "http", "entryPort": 80, "targetProtocol": "http", "targetPort": 80}}})
	st := e.sim.Stats()
	if st.RateLimited == 0 || st.ServerErrors == 0 {
		t.Fatalf("the simulator injected no faults: %+v", st)
	}
	if log := e.log.String(); !strings.Contains(log, "retrying request") {
		t.Errorf("the provider's log shows no retry:\n%s", log)
	}
}

func TestFunctions(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, sim.Options{})
	call := func(token string, args map[string]any) resource.PropertyMap {
		t.Helper()
		resp, err := e.srv.Invoke(e.ctx(), &pb.InvokeRequest{Token: token, Args: propertypb.FromMap(props(t, args))})
		if err != nil {
			t.Fatalf("%s: %v", token, err)
		}
		return e.toMap(resp.GetResult())
	}
	im := call(GetImageToken, map[string]any{"slug": testImage})
	if pstr(im, "slug") != testImage || pnum(im, "imageId") == 0 {
		t.Errorf("getImage = %v", im)
	}
	sizes := call(GetSizesToken, map[string]any{"region": "nyc3"})["sizes"].ListValue()
	if len(sizes) == 0 {
		t.Fatal("getSizes found no sizes in nyc3")
	}
	for i := 1; i < len(sizes); i++ {
		if sizes[i-1].MapValue()["priceMonthly"].NumberValue() > sizes[i].MapValue()["priceMonthly"].NumberValue() {
			t.Errorf("sizes are not cheapest first: %v", sizes)
		}
	}
	regions := call(GetRegionsToken, map[string]any{})["regions"].ListValue()
	if len(regions) != len(sim.DefaultRegions) {
		t.Errorf("getRegions = %d regions, want %d", len(regions), len(sim.DefaultRegions))
	}
	if _, err := e.srv.Invoke(e.ctx(), &pb.InvokeRequest{Token: GetImageToken, Args: propertypb.FromMap(props(t, map[string]any{"slug": "no-such-image"}))}); err == nil ||
		!strings.Contains(err.Error(), "no-such-image") {
		t.Errorf("getImage of a missing image: %v", err)
	}
}

// TestLookupAfterCutOffCreate is what an up does after a crash cut off a droplet's create: the droplet the create
// made is found by its token and adopted, with the program's inputs, and its tags are cleaned up with it.
func TestLookupAfterCutOffCreate(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, sim.Options{})
	t.Cleanup(func() { assertNoObjects(t, e) })
	urn, token := urnOf(DropletToken, "web"), newToken(t)
	in := e.check(DropletToken, urn, nil, props(t, map[string]any{"region": "nyc3", "size": testSize, "image": testImage, "userData": "#!/bin/sh\necho hi\n"}))
	id, out := e.create(DropletToken, urn, in, token)
	ds := e.sim.Droplets()
	if len(ds) != 1 || !contains(ds[0].Tags, tokenTag(token)) || !contains(ds[0].Tags, urnTag(urn)) {
		t.Fatalf("droplets = %+v; want one tagged with its URN and token", ds)
	}
	if tags := out["tags"]; tags.Kind() == resource.KindList && len(tags.ListValue()) > 0 {
		t.Errorf("the provider's own tags show in tags: %v", tags)
	}
	lid, lin, err := e.lookup(DropletToken, urn, token, in)
	if err != nil || lid != id || pstr(lin, "userData") != "#!/bin/sh\necho hi\n" {
		t.Fatalf("lookup = %q %v %v", lid, lin, err)
	}
	if err := e.delete(DropletToken, urn, id, in, out); err != nil {
		t.Fatal(err)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// TestReadMany reads droplets, one of them deleted behind the provider's back, with ReadMany and with Read: the
// answers must be the same, and above the list threshold ReadMany lists instead of getting each droplet.
func TestReadMany(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, sim.Options{PageSize: 200})
	t.Cleanup(func() { assertNoObjects(t, e) })
	var objs []*object
	var urns []resource.URN
	for n := range listThreshold + 2 {
		name := "web-" + strconv.Itoa(n)
		objs = append(objs, e.make(DropletToken, name, map[string]any{"region": "nyc3", "size": testSize, "image": testImage, "userData": "#!/bin/sh\n"}))
		urns = append(urns, urnOf(DropletToken, name))
	}
	gone, _, err := e.do.Droplets.Get(e.ctx(), atoi(t, objs[3].id))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.do.Droplets.Delete(e.ctx(), gone.ID); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// What deleting a droplet by hand leaves behind: the provider's tags on it.
		for _, tag := range gone.Tags {
			_, _ = e.do.Tags.Delete(context.Background(), tag)
		}
	})
	for _, count := range []int{3, len(objs)} {
		req := &pb.ReadManyRequest{Type: DropletToken}
		for i, o := range objs[:count] {
			req.Reads = append(req.Reads, &pb.ReadRequest{Urn: string(urns[i]), Type: DropletToken, Id: o.id, Inputs: propertypb.FromMap(o.in), Properties: propertypb.FromMap(o.out)})
		}
		before := e.sim.Stats().Requests
		resp, err := e.srv.ReadMany(e.ctx(), req)
		if err != nil {
			t.Fatal(err)
		}
		calls := e.sim.Stats().Requests - before
		if want := map[bool]int{true: 1, false: count}[count >= listThreshold]; calls != want {
			t.Errorf("ReadMany of %d droplets took %d calls, want %d", count, calls, want)
		}
		for i, o := range objs[:count] {
			res := resp.GetResults()[i]
			id, in, out := e.read(DropletToken, urns[i], o.id, o.in, o.out)
			if res.GetError() != "" || res.GetResponse().GetId() != id {
				t.Errorf("droplet %s: ReadMany %q %s, Read %q", o.id, res.GetResponse().GetId(), res.GetError(), id)
				continue
			}
			if id == "" {
				continue
			}
			if got := e.toMap(res.GetResponse().GetInputs()); !got.Equal(in) {
				t.Errorf("droplet %s: ReadMany inputs %v, Read inputs %v", o.id, got, in)
			}
			if got := e.toMap(res.GetResponse().GetProperties()); !got.Equal(out) {
				t.Errorf("droplet %s: ReadMany outputs %v, Read outputs %v", o.id, got, out)
			}
		}
	}
}

// TestDropletWaitsHealthy creates a droplet behind a load balancer with waitHealthyIn: the create must not finish
// before the load balancer's health checks pass on it, however long that takes after the droplet is active.
func TestDropletWaitsHealthy(t *testing.T) {
	t.Parallel()
	timing := simTiming
	timing.HealthyAfter = 300 * time.Millisecond
	e := newSimEnv(t, sim.Options{Timing: timing})
	t.Cleanup(func() { assertNoObjects(t, e) })
	lb, _, err := e.do.LoadBalancers.Create(e.ctx(), &godo.LoadBalancerRequest{Name: "web", Region: "nyc3", Tag: "web",
		ForwardingRules: []godo.ForwardingRule{{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = e.do.LoadBalancers.Delete(context.Background(), lb.ID)
		_, _ = e.do.Tags.Delete(context.Background(), "web")
	})
	urn := urnOf(DropletToken, "web-1")
	in := e.check(DropletToken, urn, nil, props(t, map[string]any{"region": "nyc3", "size": testSize, "image": testImage,
		"tags": []any{"web"}, "waitHealthyIn": lb.ID}))
	id, out := e.create(DropletToken, urn, in, newToken(t))
	health := e.sim.LoadBalancerHealth(lb.ID)
	if n := len(health); n == 0 || len(health[n-1].Healthy) != 1 || strconv.Itoa(health[n-1].Healthy[0]) != id {
		t.Errorf("the create finished before droplet %s was healthy: health record %+v", id, health)
	}
	if pstr(out, "waitHealthyIn") != lb.ID {
		t.Errorf("waitHealthyIn = %q, want it kept in the outputs", pstr(out, "waitHealthyIn"))
	}
	if _, rin, _ := e.read(DropletToken, urn, id, in, out); pstr(rin, "waitHealthyIn") != lb.ID {
		t.Errorf("read lost waitHealthyIn: %v", rin)
	}
	if err := e.delete(DropletToken, urn, id, in, out); err != nil {
		t.Fatal(err)
	}

	// A droplet the load balancer does not take in never passes: the wait times out saying so.
	urn = urnOf(DropletToken, "stray")
	in = e.check(DropletToken, urn, nil, props(t, map[string]any{"region": "nyc3", "size": testSize, "image": testImage, "waitHealthyIn": lb.ID}))
	resp, err := e.srv.Create(e.ctx(), &pb.CreateRequest{Urn: string(urn), Type: DropletToken, Properties: propertypb.FromMap(in), Timeout: 1, IdempotencyToken: newToken(t)})
	if err != nil {
		t.Fatal(err)
	}
	if ie := strings.Join(resp.GetInitErrors(), "; "); resp.GetId() == "" || !strings.Contains(ie, "never listed the droplet") {
		t.Errorf("waiting for a droplet not behind the load balancer: id %q, %q; want a timeout that says it was never listed", resp.GetId(), ie)
	}
	if err := e.delete(DropletToken, urn, resp.GetId(), in, e.toMap(resp.GetProperties())); err != nil {
		t.Fatal(err)
	}
}
