package gcp

import (
	"context"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/compute/apiv1/computepb"
	"github.com/googleapis/gax-go/v2"
	"google.golang.org/api/dns/v1"
	"google.golang.org/protobuf/proto"

	"github.com/infrago/infra/providers/gcp/sim"

	"github.com/infrago/infra/sdk/resource"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

// resourceCase is one resource type's row in the table every resource passes: create, read (no drift), an
// in-place update, import, lookup by idempotency token, drift made behind the provider's back, a replacement,
// and delete (twice).
type resourceCase struct {
	typ string
	// inputs creates what the resource needs and returns its inputs.
	inputs func(e *env) map[string]any
	// update changes inputs in place (nil: the type cannot update).
	update func(in map[string]any)
	// checkUpdate checks that the update reached Google Cloud.
	checkUpdate func(e *env, id string)
	// drift changes the object behind the provider's back; driftProp is the input a Read must then report
	// changed ("" when the drift deletes the object).
	drift     func(e *env, id string)
	driftProp string
	// replace changes inputs in a way that replaces the object.
	replace func(in map[string]any)
	// importKeys are inputs an import must recover.
	importKeys []string
	// lookupEmpty is set for types whose Lookup finds nothing by design (their create cannot duplicate).
	lookupEmpty bool
}

// oid parses an ID in a test.
func (e *env) oid(id, scope, coll string) objectID {
	e.t.Helper()
	o, err := parseID(id, scope, coll)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

func (e *env) waitOp(op interface {
	Wait(ctx context.Context, opts ...gax.CallOption) error
}, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := op.Wait(e.ctx()); err != nil {
		e.t.Fatal(err)
	}
}

const debianFamily = "projects/debian-cloud/global/images/family/debian-12"

func resourceCases() []resourceCase {
	return []resourceCase{
		{
			typ: NetworkToken,
			inputs: func(e *env) map[string]any {
				return map[string]any{"description": "the test network"}
			},
			update: func(in map[string]any) { in["routingMode"] = "GLOBAL" },
			checkUpdate: func(e *env, id string) {
				o := e.oid(id, "global", "networks")
				n, err := e.networks.Get(e.ctx(), &computepb.GetNetworkRequest{Project: o.project, Network: o.name})
				if err != nil || n.GetRoutingConfig().GetRoutingMode() != "GLOBAL" {
					e.t.Errorf("after the update: %v, %v", n, err)
				}
			},
			drift: func(e *env, id string) {
				o := e.oid(id, "global", "networks")
				op, err := e.networks.Patch(e.ctx(), &computepb.PatchNetworkRequest{Project: o.project, Network: o.name,
					NetworkResource: &computepb.Network{RoutingConfig: &computepb.NetworkRoutingConfig{RoutingMode: proto.String("REGIONAL")}}})
				e.waitOp(op, err)
			},
			driftProp:  "routingMode",
			replace:    func(in map[string]any) { in["description"] = "the test network, v2" },
			importKeys: []string{"name", "project", "description", "routingMode"},
		},
		{
			typ: SubnetworkToken,
			inputs: func(e *env) map[string]any {
				n := e.make(NetworkToken, "net", map[string]any{})
				return map[string]any{"network": n.id, "ipCidrRange": "10.10.0.0/24"}
			},
			update: func(in map[string]any) { in["privateIpGoogleAccess"] = true },
			checkUpdate: func(e *env, id string) {
				o := e.oid(id, "regions", "subnetworks")
				s, err := e.subnets.Get(e.ctx(), &computepb.GetSubnetworkRequest{Project: o.project, Region: o.location, Subnetwork: o.name})
				if err != nil || !s.GetPrivateIpGoogleAccess() {
					e.t.Errorf("after the update: %v, %v", s, err)
				}
			},
			drift: func(e *env, id string) {
				o := e.oid(id, "regions", "subnetworks")
				s, err := e.subnets.Get(e.ctx(), &computepb.GetSubnetworkRequest{Project: o.project, Region: o.location, Subnetwork: o.name})
				if err != nil {
					e.t.Fatal(err)
				}
				op, err := e.subnets.Patch(e.ctx(), &computepb.PatchSubnetworkRequest{Project: o.project, Region: o.location, Subnetwork: o.name,
					SubnetworkResource: &computepb.Subnetwork{Fingerprint: s.Fingerprint, PrivateIpGoogleAccess: proto.Bool(false)}})
				e.waitOp(op, err)
			},
			driftProp:  "privateIpGoogleAccess",
			replace:    func(in map[string]any) { in["ipCidrRange"] = "10.20.0.0/24" },
			importKeys: []string{"name", "network", "ipCidrRange", "region"},
		},
		{
			typ: FirewallToken,
			inputs: func(e *env) map[string]any {
				return map[string]any{"allows": []any{map[string]any{"protocol": "tcp", "ports": []any{"80"}}}, "targetTags": []any{"web"}}
			},
			update: func(in map[string]any) {
				in["allows"] = []any{map[string]any{"protocol": "tcp", "ports": []any{"80", "443"}}}
				in["sourceRanges"] = []any{"10.0.0.0/8", "192.168.0.0/16"}
			},
			checkUpdate: func(e *env, id string) {
				o := e.oid(id, "global", "firewalls")
				f, err := e.firewalls.Get(e.ctx(), &computepb.GetFirewallRequest{Project: o.project, Firewall: o.name})
				if err != nil || len(f.GetAllowed()[0].GetPorts()) != 2 || len(f.GetSourceRanges()) != 2 {
					e.t.Errorf("after the update: %v, %v", f, err)
				}
			},
			drift: func(e *env, id string) {
				o := e.oid(id, "global", "firewalls")
				op, err := e.firewalls.Patch(e.ctx(), &computepb.PatchFirewallRequest{Project: o.project, Firewall: o.name,
					FirewallResource: &computepb.Firewall{SourceRanges: []string{"0.0.0.0/0"}}})
				e.waitOp(op, err)
			},
			driftProp:  "sourceRanges",
			replace:    func(in map[string]any) { in["network"] = "global/networks/default"; in["name"] = "fw-replaced" },
			importKeys: []string{"name", "network", "allows", "direction", "priority", "targetTags"},
		},
		{
			typ: AddressToken,
			inputs: func(e *env) map[string]any {
				return map[string]any{"labels": map[string]any{"app": "web"}}
			},
			update: func(in map[string]any) { in["labels"] = map[string]any{"app": "web", "env": "test"} },
			checkUpdate: func(e *env, id string) {
				o := e.oid(id, "regions", "addresses")
				a, err := e.addresses.Get(e.ctx(), &computepb.GetAddressRequest{Project: o.project, Region: o.location, Address: o.name})
				if err != nil || a.GetLabels()["env"] != "test" || a.GetLabels()[labelToken] == "" {
					e.t.Errorf("after the update: %v, %v", a.GetLabels(), err)
				}
			},
			drift: func(e *env, id string) {
				o := e.oid(id, "regions", "addresses")
				a, err := e.addresses.Get(e.ctx(), &computepb.GetAddressRequest{Project: o.project, Region: o.location, Address: o.name})
				if err != nil {
					e.t.Fatal(err)
				}
				labels := a.GetLabels()
				labels["app"] = "hacked"
				op, err := e.addresses.SetLabels(e.ctx(), &computepb.SetLabelsAddressRequest{Project: o.project, Region: o.location, Resource: o.name,
					RegionSetLabelsRequestResource: &computepb.RegionSetLabelsRequest{Labels: labels, LabelFingerprint: a.LabelFingerprint}})
				e.waitOp(op, err)
			},
			driftProp:  "labels",
			replace:    func(in map[string]any) { in["description"] = "the web address" },
			importKeys: []string{"name", "addressType", "address", "region", "labels"},
		},
		{
			typ: InstanceToken,
			inputs: func(e *env) map[string]any {
				return map[string]any{"bootDisk": map[string]any{"image": debianFamily}, "userData": "#cloud-config\nruncmd: [echo hi]\n",
					"labels": map[string]any{"app": "web"}, "tags": []any{"web"}, "metadata": map[string]any{"role": "web"}}
			},
			update: func(in map[string]any) {
				in["machineType"] = "e2-small"
				in["allowStoppingForUpdate"] = true
				in["labels"] = map[string]any{"app": "web", "tier": "front"}
				in["tags"] = []any{"web", "http"}
				in["startupScript"] = "#!/bin/sh\necho started\n"
			},
			checkUpdate: func(e *env, id string) {
				o := e.oid(id, "zones", "instances")
				i, err := e.instances.Get(e.ctx(), &computepb.GetInstanceRequest{Project: o.project, Zone: o.location, Instance: o.name})
				if err != nil || last(i.GetMachineType()) != "e2-small" || i.GetStatus() != "RUNNING" || len(i.GetTags().GetItems()) != 2 ||
					len(i.GetMetadata().GetItems()) != 3 || i.GetLabels()["tier"] != "front" {
					e.t.Errorf("after the update: %v, %v", i, err)
				}
			},
			drift: func(e *env, id string) {
				o := e.oid(id, "zones", "instances")
				i, err := e.instances.Get(e.ctx(), &computepb.GetInstanceRequest{Project: o.project, Zone: o.location, Instance: o.name})
				if err != nil {
					e.t.Fatal(err)
				}
				op, err := e.instances.SetTags(e.ctx(), &computepb.SetTagsInstanceRequest{Project: o.project, Zone: o.location, Instance: o.name,
					TagsResource: &computepb.Tags{Items: []string{"hacked"}, Fingerprint: i.GetTags().Fingerprint}})
				e.waitOp(op, err)
			},
			driftProp:  "tags",
			replace:    func(in map[string]any) { in["bootDisk"] = map[string]any{"image": debianFamily, "sizeGb": 20} },
			importKeys: []string{"name", "zone", "machineType", "bootDisk", "network", "subnetwork", "externalIp", "userData", "labels", "tags", "metadata"},
		},
		{
			typ:    HealthCheckToken,
			inputs: func(e *env) map[string]any { return map[string]any{"requestPath": "/healthz"} },
			update: func(in map[string]any) { in["checkIntervalSec"] = 10 },
			checkUpdate: func(e *env, id string) {
				o := e.oid(id, "global", "healthChecks")
				h, err := e.checks.Get(e.ctx(), &computepb.GetHealthCheckRequest{Project: o.project, HealthCheck: o.name})
				if err != nil || h.GetCheckIntervalSec() != 10 {
					e.t.Errorf("after the update: %v, %v", h, err)
				}
			},
			drift: func(e *env, id string) {
				o := e.oid(id, "global", "healthChecks")
				op, err := e.checks.Patch(e.ctx(), &computepb.PatchHealthCheckRequest{Project: o.project, HealthCheck: o.name,
					HealthCheckResource: &computepb.HealthCheck{HttpHealthCheck: &computepb.HTTPHealthCheck{Port: proto.Int32(80), RequestPath: proto.String("/hacked")}}})
				e.waitOp(op, err)
			},
			driftProp:  "requestPath",
			replace:    func(in map[string]any) { in["name"] = "hc-replaced" },
			importKeys: []string{"name", "type", "port", "requestPath"},
		},
		{
			typ: TargetPoolToken,
			inputs: func(e *env) map[string]any {
				hc := e.make(HealthCheckToken, "hc", map[string]any{})
				return map[string]any{"healthChecks": []any{hc.id}}
			},
			drift: func(e *env, id string) {
				o := e.oid(id, "regions", "targetPools")
				op, err := e.pools.Delete(e.ctx(), &computepb.DeleteTargetPoolRequest{Project: o.project, Region: o.location, TargetPool: o.name})
				e.waitOp(op, err)
			},
			replace:    func(in map[string]any) { in["sessionAffinity"] = "CLIENT_IP" },
			importKeys: []string{"name", "region", "healthChecks", "sessionAffinity"},
		},
		{
			typ: TargetPoolMemberToken,
			inputs: func(e *env) map[string]any {
				tp := e.make(TargetPoolToken, "tp", map[string]any{})
				i := e.make(InstanceToken, "i", map[string]any{"bootDisk": map[string]any{"image": debianFamily}})
				i2 := e.make(InstanceToken, "i2", map[string]any{"bootDisk": map[string]any{"image": debianFamily}})
				return map[string]any{"targetPool": tp.id, "instance": i.id, "_other": i2.id}
			},
			drift: func(e *env, id string) {
				o, inst, _ := parseMemberID(id)
				op, err := e.pools.RemoveInstance(e.ctx(), &computepb.RemoveInstanceTargetPoolRequest{Project: o.project, Region: o.location, TargetPool: o.name,
					TargetPoolsRemoveInstanceRequestResource: &computepb.TargetPoolsRemoveInstanceRequest{Instances: []*computepb.InstanceReference{{Instance: proto.String(inst)}}}})
				e.waitOp(op, err)
			},
			update: func(in map[string]any) { in["waitHealthy"] = true },
			checkUpdate: func(e *env, id string) {
				o, inst, _ := parseMemberID(id)
				tp, err := e.pools.Get(e.ctx(), &computepb.GetTargetPoolRequest{Project: o.project, Region: o.location, TargetPool: o.name})
				if err != nil || len(tp.GetInstances()) != 1 || !strings.HasSuffix(tp.GetInstances()[0], inst) {
					e.t.Errorf("the update of waitHealthy changed the pool's members: %v, %v", tp, err)
				}
			},
			replace:     func(in map[string]any) { in["instance"] = in["_other"] },
			importKeys:  []string{"targetPool", "instance"},
			lookupEmpty: true,
		},
		{
			typ: ForwardingRuleToken,
			inputs: func(e *env) map[string]any {
				tp := e.make(TargetPoolToken, "tp", map[string]any{})
				tp2 := e.make(TargetPoolToken, "tp2", map[string]any{})
				a := e.make(AddressToken, "ip", map[string]any{})
				return map[string]any{"target": tp.id, "portRange": "80", "ipAddress": pstr(a.out, "ipAddress"), "labels": map[string]any{"app": "web"}, "_other": tp2.id}
			},
			update: func(in map[string]any) { in["labels"] = map[string]any{"app": "web2"} },
			checkUpdate: func(e *env, id string) {
				o := e.oid(id, "regions", "forwardingRules")
				f, err := e.rules.Get(e.ctx(), &computepb.GetForwardingRuleRequest{Project: o.project, Region: o.location, ForwardingRule: o.name})
				if err != nil || !strings.Contains(f.GetTarget(), "/targetPools/tp-") || f.GetLabels()["app"] != "web2" {
					e.t.Errorf("after the update: %v, %v", f, err)
				}
			},
			drift: func(e *env, id string) {
				o := e.oid(id, "regions", "forwardingRules")
				f, err := e.rules.Get(e.ctx(), &computepb.GetForwardingRuleRequest{Project: o.project, Region: o.location, ForwardingRule: o.name})
				if err != nil {
					e.t.Fatal(err)
				}
				l := f.GetLabels()
				l["app"] = "hacked"
				op, err := e.rules.SetLabels(e.ctx(), &computepb.SetLabelsForwardingRuleRequest{Project: o.project, Region: o.location, Resource: o.name,
					RegionSetLabelsRequestResource: &computepb.RegionSetLabelsRequest{Labels: l, LabelFingerprint: f.LabelFingerprint}})
				e.waitOp(op, err)
			},
			driftProp:  "labels",
			replace:    func(in map[string]any) { in["portRange"] = "8080"; delete(in, "ipAddress") },
			importKeys: []string{"name", "target", "portRange", "ipProtocol", "ipAddress", "labels"},
		},
		{
			typ: InstanceGroupToken,
			inputs: func(e *env) map[string]any {
				i := e.make(InstanceToken, "i", map[string]any{"bootDisk": map[string]any{"image": debianFamily}})
				i2 := e.make(InstanceToken, "i2", map[string]any{"bootDisk": map[string]any{"image": debianFamily}})
				return map[string]any{"namedPorts": []any{map[string]any{"name": "http", "port": 80}}, "instances": []any{i.id}, "_other": i2.id}
			},
			update: func(in map[string]any) {
				in["namedPorts"] = []any{map[string]any{"name": "http", "port": 8080}}
				in["instances"] = []any{}
			},
			checkUpdate: func(e *env, id string) {
				o := e.oid(id, "zones", "instanceGroups")
				g, err := e.groups.Get(e.ctx(), &computepb.GetInstanceGroupRequest{Project: o.project, Zone: o.location, InstanceGroup: o.name})
				if err != nil || len(g.GetNamedPorts()) != 1 || g.GetNamedPorts()[0].GetPort() != 8080 || g.GetSize() != 0 {
					e.t.Errorf("after the update: %v, %v", g, err)
				}
			},
			drift: func(e *env, id string) {
				o := e.oid(id, "zones", "instanceGroups")
				g, err := e.groups.Get(e.ctx(), &computepb.GetInstanceGroupRequest{Project: o.project, Zone: o.location, InstanceGroup: o.name})
				if err != nil {
					e.t.Fatal(err)
				}
				op, err := e.groups.SetNamedPorts(e.ctx(), &computepb.SetNamedPortsInstanceGroupRequest{Project: o.project, Zone: o.location, InstanceGroup: o.name,
					InstanceGroupsSetNamedPortsRequestResource: &computepb.InstanceGroupsSetNamedPortsRequest{Fingerprint: g.Fingerprint,
						NamedPorts: []*computepb.NamedPort{{Name: proto.String("hacked"), Port: proto.Int32(81)}}}})
				e.waitOp(op, err)
			},
			driftProp:  "namedPorts",
			replace:    func(in map[string]any) { in["description"] = "the web group"; in["instances"] = []any{in["_other"]} },
			importKeys: []string{"name", "zone", "network", "namedPorts"},
		},
		groupMembershipCase(),
		{
			typ: BackendServiceToken,
			inputs: func(e *env) map[string]any {
				hc := e.make(HealthCheckToken, "hc", map[string]any{})
				g := e.make(InstanceGroupToken, "ig", map[string]any{"namedPorts": []any{map[string]any{"name": "http", "port": 80}}})
				return map[string]any{"healthChecks": []any{hc.id}, "backends": []any{map[string]any{"group": g.id}}}
			},
			update: func(in map[string]any) {
				in["timeoutSec"], in["description"] = 60, "the web service"
				group := in["backends"].([]any)[0].(map[string]any)["group"]
				in["backends"] = []any{map[string]any{"group": group, "balancingMode": "RATE", "maxRatePerInstance": 0.1}}
			},
			checkUpdate: func(e *env, id string) {
				o := e.oid(id, "global", "backendServices")
				b, err := e.backends.Get(e.ctx(), &computepb.GetBackendServiceRequest{Project: o.project, BackendService: o.name})
				if err != nil || b.GetTimeoutSec() != 60 || len(b.GetBackends()) != 1 || len(b.GetHealthChecks()) != 1 ||
					b.GetBackends()[0].GetBalancingMode() != "RATE" || b.GetBackends()[0].GetMaxRatePerInstance() != 0.1 {
					e.t.Errorf("after the update: %v, %v", b, err)
				}
			},
			drift: func(e *env, id string) {
				o := e.oid(id, "global", "backendServices")
				op, err := e.backends.Patch(e.ctx(), &computepb.PatchBackendServiceRequest{Project: o.project, BackendService: o.name,
					BackendServiceResource: &computepb.BackendService{TimeoutSec: proto.Int32(5)}})
				e.waitOp(op, err)
			},
			driftProp:  "timeoutSec",
			replace:    func(in map[string]any) { in["name"] = "bs-replaced" },
			importKeys: []string{"name", "protocol", "portName", "timeoutSec", "healthChecks", "backends"},
		},
		{
			typ: URLMapToken,
			inputs: func(e *env) map[string]any {
				hc := e.make(HealthCheckToken, "hc", map[string]any{})
				g := e.make(InstanceGroupToken, "ig", map[string]any{})
				bs := e.make(BackendServiceToken, "bs", map[string]any{"healthChecks": []any{hc.id}, "backends": []any{map[string]any{"group": g.id}}})
				api := e.make(BackendServiceToken, "api", map[string]any{"healthChecks": []any{hc.id}, "backends": []any{map[string]any{"group": g.id}}})
				return map[string]any{"defaultService": bs.id, "pathRules": []any{map[string]any{"paths": []any{"/api/*"}, "service": api.id}}}
			},
			update: func(in map[string]any) {
				in["description"] = "the web map"
				rules := in["pathRules"].([]any)
				svc := rules[0].(map[string]any)["service"]
				in["pathRules"] = []any{map[string]any{"paths": []any{"/api/*", "/v2/*"}, "service": svc}}
			},
			checkUpdate: func(e *env, id string) {
				o := e.oid(id, "global", "urlMaps")
				m, err := e.urlMaps.Get(e.ctx(), &computepb.GetUrlMapRequest{Project: o.project, UrlMap: o.name})
				if err != nil || m.GetDescription() != "the web map" || !strings.Contains(m.GetDefaultService(), "/backendServices/bs-") ||
					len(m.GetPathMatchers()) != 1 || len(m.GetPathMatchers()[0].GetPathRules()[0].GetPaths()) != 2 ||
					!strings.Contains(m.GetPathMatchers()[0].GetPathRules()[0].GetService(), "/backendServices/api-") {
					e.t.Errorf("after the update: %v, %v", m, err)
				}
			},
			drift: func(e *env, id string) {
				o := e.oid(id, "global", "urlMaps")
				op, err := e.urlMaps.Patch(e.ctx(), &computepb.PatchUrlMapRequest{Project: o.project, UrlMap: o.name,
					UrlMapResource: &computepb.UrlMap{Description: proto.String("hacked")}})
				e.waitOp(op, err)
			},
			driftProp:  "description",
			replace:    func(in map[string]any) { in["name"] = "um-replaced" },
			importKeys: []string{"name", "defaultService", "pathRules"},
		},
		proxyCase(),
		{
			typ: GlobalForwardingRuleToken,
			inputs: func(e *env) map[string]any {
				px := lbChain(e)
				a := e.make(AddressToken, "ip", map[string]any{"global": true})
				return map[string]any{"target": px, "ipAddress": pstr(a.out, "ipAddress"), "labels": map[string]any{"app": "web"}}
			},
			update: func(in map[string]any) { in["labels"] = map[string]any{"app": "web2"} },
			checkUpdate: func(e *env, id string) {
				o := e.oid(id, "global", "forwardingRules")
				f, err := e.global.Get(e.ctx(), &computepb.GetGlobalForwardingRuleRequest{Project: o.project, ForwardingRule: o.name})
				if err != nil || !strings.Contains(f.GetTarget(), "/targetHttpProxies/") || f.GetLabels()["app"] != "web2" || f.GetLabels()[labelToken] == "" {
					e.t.Errorf("after the update: %v, %v", f, err)
				}
			},
			drift: func(e *env, id string) {
				o := e.oid(id, "global", "forwardingRules")
				f, err := e.global.Get(e.ctx(), &computepb.GetGlobalForwardingRuleRequest{Project: o.project, ForwardingRule: o.name})
				if err != nil {
					e.t.Fatal(err)
				}
				l := f.GetLabels()
				l["app"] = "hacked"
				op, err := e.global.SetLabels(e.ctx(), &computepb.SetLabelsGlobalForwardingRuleRequest{Project: o.project, Resource: o.name,
					GlobalSetLabelsRequestResource: &computepb.GlobalSetLabelsRequest{Labels: l, LabelFingerprint: f.LabelFingerprint}})
				e.waitOp(op, err)
			},
			driftProp:  "labels",
			replace:    func(in map[string]any) { in["portRange"] = "8080"; delete(in, "ipAddress") },
			importKeys: []string{"name", "target", "portRange", "ipAddress", "labels"},
		},
		{
			typ: ManagedZoneToken,
			inputs: func(e *env) map[string]any {
				return map[string]any{"dnsName": "infra-test.example.com", "labels": map[string]any{"env": "test"}}
			},
			update: func(in map[string]any) { in["description"] = "the test zone" },
			checkUpdate: func(e *env, id string) {
				p, n, _ := parseZoneID(id)
				z, err := e.dns.ManagedZones.Get(p, n).Do()
				if err != nil || z.Description != "the test zone" {
					e.t.Errorf("after the update: %v, %v", z, err)
				}
			},
			drift: func(e *env, id string) {
				p, n, _ := parseZoneID(id)
				if _, err := e.dns.ManagedZones.Patch(p, n, &dns.ManagedZone{Description: "hacked"}).Do(); err != nil {
					e.t.Fatal(err)
				}
			},
			driftProp:  "description",
			replace:    func(in map[string]any) { in["dnsName"] = "infra-test-2.example.com" },
			importKeys: []string{"name", "dnsName", "description", "visibility", "labels"},
		},
		{
			typ: RecordSetToken,
			inputs: func(e *env) map[string]any {
				z := e.make(ManagedZoneToken, "zone", map[string]any{"dnsName": "records.example.com", "forceDestroy": true})
				return map[string]any{"managedZone": z.id, "name": "www.records.example.com", "type": "A", "ttl": 300, "rrdatas": []any{"10.0.0.1"}}
			},
			update: func(in map[string]any) { in["ttl"], in["rrdatas"] = 60, []any{"10.0.0.1", "10.0.0.2"} },
			checkUpdate: func(e *env, id string) {
				zone, name, typ, _ := parseRecordID(id)
				p, z, _ := parseZoneID(zone)
				rr, err := e.dns.ResourceRecordSets.Get(p, z, name, typ).Do()
				if err != nil || rr.Ttl != 60 || len(rr.Rrdatas) != 2 {
					e.t.Errorf("after the update: %v, %v", rr, err)
				}
			},
			drift: func(e *env, id string) {
				zone, name, typ, _ := parseRecordID(id)
				p, z, _ := parseZoneID(zone)
				rr, err := e.dns.ResourceRecordSets.Get(p, z, name, typ).Do()
				if err != nil {
					e.t.Fatal(err)
				}
				if _, err := e.dns.Changes.Create(p, z, &dns.Change{Deletions: []*dns.ResourceRecordSet{rr},
					Additions: []*dns.ResourceRecordSet{{Name: name, Type: typ, Ttl: 60, Rrdatas: []string{"192.0.2.66"}}}}).Do(); err != nil {
					e.t.Fatal(err)
				}
			},
			driftProp:   "rrdatas",
			replace:     func(in map[string]any) { in["name"] = "api.records.example.com" },
			importKeys:  []string{"managedZone", "name", "type", "ttl", "rrdatas"},
			lookupEmpty: true,
		},
	}
}

// TestResources runs every resource type through the table against the simulator, every exchange validated
// against the discovery documents.
func TestResources(t *testing.T) {
	t.Parallel()
	for _, c := range resourceCases() {
		t.Run(c.typ, func(t *testing.T) {
			t.Parallel()
			e := newSimEnv(t, simOptions())
			// Registered first, so it runs after every other cleanup: nothing the case made may be left.
			t.Cleanup(func() { assertNoObjects(t, e) })
			runResourceCase(t, e, c)
		})
	}
}

// TestAcceptance runs the same table against a real project, only with INFRA_ACC=1 and credentials.
func TestAcceptance(t *testing.T) {
	if ok, why := accEnabled(); !ok {
		t.Skip(why)
	}
	for _, c := range resourceCases() {
		t.Run(c.typ, func(t *testing.T) { runResourceCase(t, newAccEnv(t), c) })
	}
}

func runResourceCase(t *testing.T, e *env, c resourceCase) {
	raw := c.inputs(e)
	other := raw["_other"]
	delete(raw, "_other")
	urn := urnOf(c.typ, "res")
	token := newToken(t)

	// create
	in := e.check(c.typ, urn, nil, props(t, raw))
	id, out := e.create(c.typ, urn, in, token)
	if id == "" {
		t.Fatal("create returned no ID")
	}
	alive := map[string][2]resource.PropertyMap{id: {in, out}}
	t.Cleanup(func() {
		for id, io := range alive {
			_ = e.delete(c.typ, urn, id, io[0], io[1])
		}
	})

	// read: what was created reads back as it was declared, outputs included (a refresh shows no drift)
	rid, rin, rout := e.read(c.typ, urn, id, in, out)
	if rid != id {
		t.Fatalf("read after create: ID %q, want %q", rid, id)
	}
	for k, v := range out {
		if !rout[k].EqualIgnoringSecrets(v) {
			t.Errorf("output %s reads back as %v, but the create returned %v", k, rout[k], v)
		}
	}
	for k := range rout {
		if _, ok := out[k]; !ok {
			t.Errorf("output %s appears on read (%v) but the create did not return it", k, rout[k])
		}
	}
	if d := e.diff(c.typ, urn, id, rin, out, in); d.GetChanges() != pb.DiffResponse_NONE {
		t.Fatalf("read after create shows drift in %v:\nstate  %v\nread   %v", d.GetDiffs(), in, rin)
	}
	if d := e.diff(c.typ, urn, id, in, out, in); d.GetChanges() != pb.DiffResponse_NONE {
		t.Fatalf("the same inputs diff as %v", d.GetDiffs())
	}

	// in-place update
	if c.update != nil {
		next := copyMap(raw)
		c.update(next)
		nin := e.check(c.typ, urn, in, props(t, next))
		d := e.diff(c.typ, urn, id, in, out, nin)
		if d.GetChanges() != pb.DiffResponse_SOME || len(d.GetReplaces()) > 0 {
			t.Fatalf("update diff = %v (replaces %v); want an in-place change", d.GetDiffs(), d.GetReplaces())
		}
		out = e.update(c.typ, urn, id, in, out, nin)
		in, raw = nin, next
		alive[id] = [2]resource.PropertyMap{in, out}
		c.checkUpdate(e, id)
		if _, rin, _ := e.read(c.typ, urn, id, in, out); e.diff(c.typ, urn, id, rin, out, in).GetChanges() != pb.DiffResponse_NONE {
			t.Fatalf("read after the update shows drift:\nstate %v\nread  %v", in, rin)
		}
	}

	// import: recovered from the ID alone
	iid, iin, iout := e.read(c.typ, urn, id, nil, nil)
	if iid != id {
		t.Fatalf("import: ID %q, want %q", iid, id)
	}
	for _, k := range c.importKeys {
		if _, ok := iin[k]; !ok {
			t.Errorf("import did not recover input %s: %v", k, iin)
		}
	}
	if len(iout) == 0 {
		t.Error("import returned no outputs")
	}
	if d := e.diff(c.typ, urn, id, iin, iout, in); len(d.GetReplaces()) > 0 {
		t.Errorf("the program's inputs would replace the imported object: %v", d.GetReplaces())
	}

	// lookup by idempotency token (what recovers a create cut off by a crash)
	lid, lin, _ := e.lookup(c.typ, urn, token)
	switch {
	case c.lookupEmpty && lid != "":
		t.Errorf("lookup found %q; want nothing (creates of %s cannot duplicate)", lid, c.typ)
	case !c.lookupEmpty && lid != id:
		t.Errorf("lookup by token found %q, want %q", lid, id)
	case !c.lookupEmpty && e.diff(c.typ, urn, id, lin, out, in).GetReplaces() != nil:
		t.Errorf("the adopted object would be replaced: %v", lin)
	}
	if lid, _, _ := e.lookup(c.typ, urn, newToken(t)); lid != "" {
		t.Errorf("lookup with an unused token found %q", lid)
	}

	// drift behind the provider's back
	c.drift(e, id)
	did, din, _ := e.read(c.typ, urn, id, in, out)
	if c.driftProp == "" {
		if did != "" {
			t.Errorf("after the object was removed behind the provider's back, read found %q", did)
		}
		// Create it again, as the next up would.
		id, out = e.create(c.typ, urn, in, newToken(t))
		alive[id] = [2]resource.PropertyMap{in, out}
	} else {
		if did != id {
			t.Fatalf("read after drift: ID %q", did)
		}
		if din[c.driftProp].EqualIgnoringSecrets(in[c.driftProp]) {
			t.Errorf("read did not show the drift of %s: %v", c.driftProp, din[c.driftProp])
		}
		d := e.diff(c.typ, urn, id, din, out, in)
		if !contains(d.GetDiffs(), c.driftProp) {
			t.Errorf("the diff against the drifted object = %v; want %s", d.GetDiffs(), c.driftProp)
		}
		// The next update puts it back.
		if c.update != nil {
			out = e.update(c.typ, urn, id, din, out, in)
			alive[id] = [2]resource.PropertyMap{in, out}
			if _, rin, _ := e.read(c.typ, urn, id, in, out); e.diff(c.typ, urn, id, rin, out, in).GetChanges() != pb.DiffResponse_NONE {
				t.Errorf("the update did not undo the drift: %v", rin)
			}
		}
	}

	// replace: create the new object, then delete the old one
	next := copyMap(raw)
	if other != nil {
		next["_other"] = other
	}
	c.replace(next)
	delete(next, "_other")
	rin2 := e.check(c.typ, urn, in, props(t, next))
	d := e.diff(c.typ, urn, id, in, out, rin2)
	if len(d.GetReplaces()) == 0 {
		t.Fatalf("replace diff = %v with no replaces", d.GetDiffs())
	}
	id2, out2 := e.create(c.typ, urn, rin2, newToken(t))
	alive[id2] = [2]resource.PropertyMap{rin2, out2}
	if id2 == id {
		t.Fatalf("the replacement has the old ID %s", id)
	}
	if err := e.delete(c.typ, urn, id, in, out); err != nil {
		t.Fatalf("delete the replaced object: %v", err)
	}
	delete(alive, id)

	// delete, twice: an object that is gone is deleted already
	if err := e.delete(c.typ, urn, id2, rin2, out2); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if gid, _, _ := e.read(c.typ, urn, id2, rin2, out2); gid != "" {
		t.Errorf("read after delete found %q", gid)
	}
	if err := e.delete(c.typ, urn, id2, rin2, out2); err != nil {
		t.Errorf("deleting a deleted object: %v", err)
	}
	delete(alive, id2)
}

func copyMap(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// assertNoObjects fails the test if the simulator still holds objects.
func assertNoObjects(t *testing.T, e *env) {
	t.Helper()
	if e.sim == nil {
		return
	}
	if st := e.sim.Status(); st.Objects.Total() != 0 {
		t.Errorf("the simulator still holds %v", st.Paths)
	}
}

// simOptions are the simulator settings of the resource table: a short not-found window, so that every create
// is followed by reads that must wait for the new object.
func simOptions() sim.Options {
	return sim.Options{Faults: sim.Faults{NotFoundWindow: sim.Duration(15 * time.Millisecond)}}
}

// lbChain makes the back of a global HTTP load balancer (a health check, an instance group, a backend service,
// a URL map and a target HTTP proxy) and returns the proxy's ID.
func lbChain(e *env) string {
	hc := e.make(HealthCheckToken, "hc", map[string]any{})
	g := e.make(InstanceGroupToken, "ig", map[string]any{})
	bs := e.make(BackendServiceToken, "bs", map[string]any{"healthChecks": []any{hc.id}, "backends": []any{map[string]any{"group": g.id}}})
	um := e.make(URLMapToken, "um", map[string]any{"defaultService": bs.id})
	return e.make(TargetHTTPProxyToken, "px", map[string]any{"urlMap": um.id}).id
}

// proxyCase is the target HTTP proxy's row: its update points it at a second URL map, made with the first.
func proxyCase() resourceCase {
	var maps [2]string
	setMap := func(e *env, id, urlMap string) {
		o := e.oid(id, "global", "targetHttpProxies")
		op, err := e.proxies.SetUrlMap(e.ctx(), &computepb.SetUrlMapTargetHttpProxyRequest{Project: o.project, TargetHttpProxy: o.name,
			UrlMapReferenceResource: &computepb.UrlMapReference{UrlMap: proto.String(urlMap)}})
		e.waitOp(op, err)
	}
	return resourceCase{
		typ: TargetHTTPProxyToken,
		inputs: func(e *env) map[string]any {
			hc := e.make(HealthCheckToken, "hc", map[string]any{})
			g := e.make(InstanceGroupToken, "ig", map[string]any{})
			bs := e.make(BackendServiceToken, "bs", map[string]any{"healthChecks": []any{hc.id}, "backends": []any{map[string]any{"group": g.id}}})
			maps[0] = e.make(URLMapToken, "um", map[string]any{"defaultService": bs.id}).id
			maps[1] = e.make(URLMapToken, "um2", map[string]any{"defaultService": bs.id}).id
			return map[string]any{"urlMap": maps[0]}
		},
		update: func(in map[string]any) { in["urlMap"] = maps[1] },
		checkUpdate: func(e *env, id string) {
			o := e.oid(id, "global", "targetHttpProxies")
			p, err := e.proxies.Get(e.ctx(), &computepb.GetTargetHttpProxyRequest{Project: o.project, TargetHttpProxy: o.name})
			if err != nil || !sameRef(p.GetUrlMap(), maps[1]) {
				e.t.Errorf("after the update: %v, %v", p, err)
			}
		},
		drift:      func(e *env, id string) { setMap(e, id, maps[0]) },
		driftProp:  "urlMap",
		replace:    func(in map[string]any) { in["description"] = "the web proxy" },
		importKeys: []string{"name", "urlMap"},
	}
}

// groupMembershipCase is the instance group's second row: membership on its own, drifting by a removal behind the
// provider's back.
func groupMembershipCase() resourceCase {
	var member string
	return resourceCase{
		typ: InstanceGroupToken,
		inputs: func(e *env) map[string]any {
			// Three members: more than a page of the simulator's listInstances, so the reads must follow the token.
			var ids []any
			for _, n := range []string{"i", "i2", "i3"} {
				ids = append(ids, e.make(InstanceToken, n, map[string]any{"bootDisk": map[string]any{"image": debianFamily}}).id)
			}
			member = ids[1].(string)
			return map[string]any{"instances": ids}
		},
		update: func(in map[string]any) { in["namedPorts"] = []any{map[string]any{"name": "http", "port": 80}} },
		checkUpdate: func(e *env, id string) {
			o := e.oid(id, "zones", "instanceGroups")
			g, err := e.groups.Get(e.ctx(), &computepb.GetInstanceGroupRequest{Project: o.project, Zone: o.location, InstanceGroup: o.name})
			if err != nil || g.GetSize() != 3 || len(g.GetNamedPorts()) != 1 {
				e.t.Errorf("after the update: %v, %v", g, err)
			}
		},
		drift: func(e *env, id string) {
			o := e.oid(id, "zones", "instanceGroups")
			op, err := e.groups.RemoveInstances(e.ctx(), &computepb.RemoveInstancesInstanceGroupRequest{Project: o.project, Zone: o.location, InstanceGroup: o.name,
				InstanceGroupsRemoveInstancesRequestResource: &computepb.InstanceGroupsRemoveInstancesRequest{Instances: []*computepb.InstanceReference{{Instance: proto.String(member)}}}})
			e.waitOp(op, err)
		},
		driftProp:  "instances",
		replace:    func(in map[string]any) { in["name"] = "ig-replaced" },
		importKeys: []string{"name", "zone", "instances"},
	}
}
