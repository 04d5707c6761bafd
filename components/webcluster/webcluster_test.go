package webcluster

import (
	"regexp"
	"strings"
	"testing"

	"github.com/infrago/infra/sdk/infra"
	"github.com/infrago/infra/sdk/infratest"
	"github.com/infrago/infra/sdk/resource"

	"github.com/infrago/infra/components/webcluster/webclustertest"
)

// cloudMocks play the three providers: webclustertest's, which the programs using the component use too.
var cloudMocks = webclustertest.Mocks()

func cluster(args Args) func(*infra.Context) error {
	return func(ctx *infra.Context) error {
		web, err := New(ctx, "web", &args)
		if err != nil {
			return err
		}
		ctx.Export("url", web.URL)
		ctx.Export("addresses", web.Addresses)
		return nil
	}
}

// shape is what differs between the clouds in a cluster's resources.
type shape struct {
	cloud                Cloud
	vm, member           string
	memberOf             func(member *infratest.Resource) string // the VM's reference in a membership
	waitKey              string
	loadBalancer, record string
	lbAddress            string
	nameServers          []string
}

var shapes = []shape{
	{cloud: AWS, vm: "aws:ec2:Instance", member: "aws:lb:TargetGroupAttachment",
		memberOf: func(m *infratest.Resource) string { return m.Inputs["targetId"].StringValue() }, waitKey: "waitHealthy",
		loadBalancer: "aws:lb:LoadBalancer", record: "aws:route53:Record", lbAddress: "web.us-east-1.elb.amazonaws.com",
		nameServers: []string{"ns-1.example.net", "ns-2.example.net"}},
	{cloud: GCP, vm: "gcp:compute:Instance", member: "gcp:compute:TargetPoolMember",
		memberOf: func(m *infratest.Resource) string { return m.Inputs["instance"].StringValue() }, waitKey: "waitHealthy",
		loadBalancer: "gcp:compute:ForwardingRule", record: "gcp:dns:RecordSet", lbAddress: "198.51.100.7",
		nameServers: []string{"ns-1.example.net", "ns-2.example.net"}},
	{cloud: DigitalOcean, vm: "digitalocean:index:Droplet", waitKey: "waitHealthyIn",
		loadBalancer: "digitalocean:index:LoadBalancer", record: "digitalocean:index:DomainRecord", lbAddress: "198.51.100.9",
		nameServers: doNameServers},
}

// TestClusterOnEachCloud checks the cluster each cloud gets from the same Args: Count VMs with the cloud-init,
// each in the load balancer with a health-gated membership and created only after the one before it is
// healthy (what makes a release rolling), a load balancer checking /health, a www record, and the outputs.
func TestClusterOnEachCloud(t *testing.T) {
	t.Parallel()
	for _, sh := range shapes {
		t.Run(string(sh.cloud), func(t *testing.T) {
			t.Parallel()
			res := infratest.Run(t, cluster(Args{Cloud: sh.cloud, Count: 3, Domain: "shop.example.com", Message: "v1"}), cloudMocks)
			comp := res.Require(t, Type, "web")
			var gates []*infratest.Resource // what VM n+1 waits for: VM n's membership, or VM n itself
			for n := range 3 {
				vm := res.Require(t, sh.vm, vmName("web", n))
				if vm.Parent != comp.URN {
					t.Errorf("%s is not a child of the component", vm.Name)
				}
				if ud := vm.Inputs["userData"].StringValue(); !strings.Contains(ud, "<h1>v1</h1>") || !strings.Contains(ud, HealthPath) {
					t.Errorf("%s boots with %q; want the default cloud-init serving v1 and %s", vm.Name, ud, HealthPath)
				}
				gate := vm
				if sh.member != "" {
					gate = res.Require(t, sh.member, vmName("web", n))
					if sh.memberOf(gate) != vm.ID {
						t.Errorf("membership %s names %q, want %s", gate.Name, sh.memberOf(gate), vm.ID)
					}
				}
				if w := gate.Inputs[sh.waitKey]; w.IsNull() || (w.Kind() == resource.KindBool && !w.BoolValue()) {
					t.Errorf("%s does not wait for health (%s = %v)", gate.Name, sh.waitKey, w)
				}
				if n > 0 && !vm.DependsOn(gates[n-1]) {
					t.Errorf("%s does not wait for %s: a release would not be rolling (depends on %v)", vm.Name, gates[n-1].Name, vm.Dependencies)
				}
				gates = append(gates, gate)
			}
			if got := len(res.OfType(sh.vm)); got != 3 {
				t.Errorf("%d VMs, want 3", got)
			}
			res.Require(t, sh.loadBalancer, lbName(sh))
			rec := res.Require(t, sh.record, "web-www")
			if !rec.DependsOn(res.Require(t, sh.loadBalancer, lbName(sh))) && sh.cloud != GCP {
				t.Errorf("the www record does not point at the load balancer: %v", rec.Inputs)
			}

			want := resource.NewList([]resource.PropertyValue{resource.NewString("203.0.113.10"), resource.NewString("203.0.113.11"), resource.NewString("203.0.113.12")})
			if got, _ := res.Output("addresses"); !got.Equal(want) {
				t.Errorf("addresses = %v, want %v", got, want)
			}
			if got, _ := res.Output("url"); got.StringValue() != "http://www.shop.example.com/" {
				t.Errorf("url = %v", got)
			}
			if got := comp.Outputs["loadBalancer"]; got.StringValue() != sh.lbAddress {
				t.Errorf("loadBalancer = %v, want %s", got, sh.lbAddress)
			}
			var ns []string
			for _, v := range comp.Outputs["nameServers"].ListValue() {
				ns = append(ns, v.StringValue())
			}
			if strings.Join(ns, ",") != strings.Join(sh.nameServers, ",") {
				t.Errorf("nameServers = %v, want %v", ns, sh.nameServers)
			}
		})
	}
}

func lbName(sh shape) string {
	if sh.cloud == GCP {
		return "web-http"
	}
	return "web"
}

// TestHealthChecks checks that each cloud's load balancer checks HealthPath.
func TestHealthChecks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cloud     Cloud
		typ, name string
		path      func(*infratest.Resource) string
	}{
		{AWS, "aws:lb:TargetGroup", "web", func(r *infratest.Resource) string {
			return r.Inputs["healthCheck"].MapValue()["path"].StringValue()
		}},
		{GCP, "gcp:compute:HealthCheck", "web", func(r *infratest.Resource) string { return r.Inputs["requestPath"].StringValue() }},
		{DigitalOcean, "digitalocean:index:LoadBalancer", "web", func(r *infratest.Resource) string {
			return r.Inputs["healthCheck"].MapValue()["path"].StringValue()
		}},
	}
	for _, tc := range cases {
		t.Run(string(tc.cloud), func(t *testing.T) {
			t.Parallel()
			res := infratest.Run(t, cluster(Args{Cloud: tc.cloud, Count: 1, Domain: "shop.example.com"}), cloudMocks)
			if got := tc.path(res.Require(t, tc.typ, tc.name)); got != HealthPath {
				t.Errorf("health check path %q, want %s", got, HealthPath)
			}
		})
	}
}

// TestPreview runs a preview: addresses are unknown until the VMs exist, and nothing fails on that.
func TestPreview(t *testing.T) {
	t.Parallel()
	for _, sh := range shapes {
		t.Run(string(sh.cloud), func(t *testing.T) {
			t.Parallel()
			res := infratest.Run(t, cluster(Args{Cloud: sh.cloud, Count: 2, Domain: "shop.example.com"}), cloudMocks, infratest.Preview())
			if got := len(res.OfType(sh.vm)); got != 2 {
				t.Errorf("%d VMs in the preview, want 2", got)
			}
			if got, _ := res.Output("addresses"); !got.ContainsUnknowns() {
				t.Errorf("addresses are known in a preview: %v", got)
			}
		})
	}
}

// TestCustomCloudInit checks that a given cloud-init document reaches every VM unchanged, with the size.
func TestCustomCloudInit(t *testing.T) {
	t.Parallel()
	doc := "#cloud-config\nruncmd: [\"/opt/app/serve --health /health\"]\n"
	res := infratest.Run(t, cluster(Args{Cloud: DigitalOcean, Count: 2, Domain: "shop.example.com", CloudInit: doc, Size: "s-2vcpu-2gb", Region: "ams3"}), cloudMocks)
	for _, d := range res.OfType("digitalocean:index:Droplet") {
		if d.Inputs["userData"].StringValue() != doc || d.Inputs["size"].StringValue() != "s-2vcpu-2gb" || d.Inputs["region"].StringValue() != "ams3" {
			t.Errorf("%s inputs %v", d.Name, d.Inputs)
		}
	}
}

// TestDropletTag checks that the tag that selects a cluster's droplets names the project and stack, so that two
// stacks of one program never share a load balancer's droplets.
func TestDropletTag(t *testing.T) {
	t.Parallel()
	tags := map[string]bool{}
	for _, stack := range []string{"dev", "prod"} {
		res := infratest.Run(t, cluster(Args{Cloud: DigitalOcean, Count: 1, Domain: "shop.example.com"}), cloudMocks,
			infratest.Project("shop"), infratest.Stack(stack))
		tag := res.Require(t, "digitalocean:index:Tag", "web").Inputs["name"].StringValue()
		if tag != "webcluster:shop:"+stack+":web" {
			t.Errorf("tag %q", tag)
		}
		tags[tag] = true
	}
	if len(tags) != 2 {
		t.Errorf("two stacks share a tag: %v", tags)
	}
	if got := dropletTag("my proj", "dev/1", "web!"); got != "webcluster:my-proj:dev-1:web-" {
		t.Errorf("dropletTag sanitised to %q", got)
	}
}

// TestArgsErrors checks that bad Args fail naming the field and what to do, before anything is registered.
func TestArgsErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args Args
		want string
	}{
		{"no cloud", Args{Count: 1, Domain: "a.example.com"}, "Args.Cloud is not set"},
		{"unknown cloud", Args{Cloud: "azure", Count: 1, Domain: "a.example.com"}, `Args.Cloud "azure"`},
		{"no VMs", Args{Cloud: AWS, Domain: "a.example.com"}, "Args.Count is 0"},
		{"no domain", Args{Cloud: GCP, Count: 1}, "Args.Domain"},
		{"bad domain", Args{Cloud: GCP, Count: 1, Domain: "not a domain"}, "not a DNS zone name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := infratest.RunErr(cluster(tc.args), cloudMocks)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "webcluster web") {
				t.Fatalf("err = %v, want one naming the cluster and %q", err, tc.want)
			}
			if res != nil && len(res.Resources) > 0 {
				t.Errorf("registered %d resources before failing", len(res.Resources))
			}
		})
	}
	if _, err := infratest.RunErr(func(ctx *infra.Context) error { _, err := New(ctx, "web", nil); return err }, cloudMocks); err == nil {
		t.Error("nil Args accepted")
	}
}

func TestNetworkTag(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"web": "webcluster-web", "Shop_Front": "webcluster-shop-front",
		strings.Repeat("a", 80): "webcluster-" + strings.Repeat("a", 52)} {
		if got := networkTag(in); got != want {
			t.Errorf("networkTag(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestGCPNameFollowsCloudInit checks that a Compute Engine VM's name changes with its cloud-init (Compute Engine
// would update user data in place, which cloud-init never reads) and with the stack, and stays a valid name.
func TestGCPNameFollowsCloudInit(t *testing.T) {
	t.Parallel()
	name := func(stack, msg string) string {
		res := infratest.Run(t, cluster(Args{Cloud: GCP, Count: 1, Domain: "shop.example.com", Message: msg}), cloudMocks, infratest.Stack(stack))
		return res.Require(t, "gcp:compute:Instance", "web-web-0").Inputs["name"].StringValue()
	}
	v1, v2, prod := name("dev", "v1"), name("dev", "v2"), name("prod", "v1")
	if v1 == v2 || v1 == prod || v1 != name("dev", "v1") {
		t.Errorf("names %q (v1), %q (v2), %q (prod v1): want one per cloud-init and stack, stable otherwise", v1, v2, prod)
	}
	valid := regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)
	for _, n := range []string{v1, instanceName("p", "s", strings.Repeat("Web_", 30), "x"), instanceName("p", "s", "9web", "x")} {
		if !valid.MatchString(n) {
			t.Errorf("%q is not a Compute Engine name", n)
		}
	}
}
