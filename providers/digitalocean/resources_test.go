package digitalocean

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"

	"github.com/infrago/infra/providers/digitalocean/sim"
	"github.com/infrago/infra/sdk/resource"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

// lookupKind is how a type finds the object a cut-off create made.
type lookupKind int

const (
	// byToken: by the create's token (a tag), so an unused token finds nothing.
	byToken lookupKind = iota
	// byInputs: by what makes the object unique (a name, a fingerprint), whatever the token.
	byInputs
	// noLookup: DigitalOcean gives nothing to find the object by; the engine asks.
	noLookup
)

// resourceCase is one resource type's row in the table every resource passes: create, read (no drift), an
// in-place update, import, lookup, drift made behind the provider's back, a replacement, and delete (twice).
type resourceCase struct {
	name, typ string
	// inputs creates what the resource needs and returns its inputs.
	inputs func(e *env) map[string]any
	// update changes inputs in place (nil: the type cannot update); checkUpdate checks it reached DigitalOcean.
	update      func(in map[string]any)
	checkUpdate func(e *env, id string)
	// drift changes the object behind the provider's back; driftProp is the input a Read must then report
	// changed ("" when the drift deletes the object).
	drift     func(e *env, id string)
	driftProp string
	// replace changes inputs in a way that replaces the object.
	replace    func(in map[string]any)
	importKeys []string
	// importBlind are inputs DigitalOcean does not return, which an import cannot recover.
	importBlind []string
	lookup      lookupKind
}

const (
	testImage = "ubuntu-24-04-x64"
	testSize  = "s-1vcpu-1gb"
	testKey   = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb7f9zmJ4CG9dG+Hj0PH6ARHYy5hGn6m3wZ7DWJh6kT test@infra"
	otherKey  = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOr0v2bM2o7U3Ksm3W1xY9r6TgPHaO4v8B3ZJ0G3Zq1X other@infra"
)

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

func (e *env) droplet(id string) *godo.Droplet {
	e.t.Helper()
	d, _, err := e.do.Droplets.Get(e.ctx(), atoi(e.t, id))
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func (e *env) waitAction(a *godo.Action, _ *godo.Response, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	for a.Status != godo.ActionCompleted {
		time.Sleep(10 * time.Millisecond)
		if a, _, err = e.do.Actions.Get(e.ctx(), a.ID); err != nil {
			e.t.Fatal(err)
		}
	}
}

// dropletFor makes a droplet other resources build on.
func dropletFor(e *env, name string) *object {
	return e.make(DropletToken, name, map[string]any{"region": "nyc3", "size": testSize, "image": testImage})
}

func resourceCases() []resourceCase {
	return []resourceCase{
		{
			name: "Droplet", typ: DropletToken,
			inputs: func(e *env) map[string]any {
				k := e.make(SSHKeyToken, "key", map[string]any{"publicKey": testKey})
				// Declared, so that they are deleted with the rest: a tag a droplet names is otherwise left behind.
				e.make(TagToken, "web", map[string]any{"name": "web"})
				e.make(TagToken, "blue", map[string]any{"name": "blue"})
				return map[string]any{"region": "nyc3", "size": testSize, "image": testImage, "sshKeys": []any{pstr(k.out, "fingerprint")},
					"userData": "#cloud-config\nruncmd: [echo hi]\n", "tags": []any{"web"}}
			},
			update: func(in map[string]any) {
				in["size"], in["tags"], in["backups"], in["ipv6"] = "s-2vcpu-2gb", []any{"web", "blue"}, true, true
				in["name"] = "renamed-web"
			},
			checkUpdate: func(e *env, id string) {
				d := e.droplet(id)
				if d.SizeSlug != "s-2vcpu-2gb" || d.Name != "renamed-web" || d.Status != "active" || !slices.Contains(d.Features, "backups") ||
					!slices.Contains(d.Features, "ipv6") || !slices.Contains(d.Tags, "blue") {
					e.t.Errorf("after the update: %+v", d)
				}
			},
			drift: func(e *env, id string) {
				if _, err := e.do.Tags.UntagResources(e.ctx(), "blue", &godo.UntagResourcesRequest{Resources: []godo.Resource{{ID: id, Type: godo.DropletResourceType}}}); err != nil {
					e.t.Fatal(err)
				}
			},
			driftProp:   "tags",
			replace:     func(in map[string]any) { in["userData"] = "#cloud-config\nruncmd: [echo bye]\n" },
			importKeys:  []string{"name", "region", "size", "image", "tags"},
			importBlind: []string{"sshKeys", "userData"},
			lookup:      byToken,
		},
		{
			name: "Droplet/rebuild", typ: DropletToken,
			inputs: func(e *env) map[string]any {
				return map[string]any{"region": "fra1", "size": testSize, "image": testImage}
			},
			update: func(in map[string]any) { in["image"] = "debian-12-x64" },
			checkUpdate: func(e *env, id string) {
				if d := e.droplet(id); d.Image == nil || d.Image.Slug != "debian-12-x64" {
					e.t.Errorf("after the rebuild: %+v", d.Image)
				}
			},
			drift: func(e *env, id string) {
				e.waitAction(e.do.DropletActions.Rename(e.ctx(), atoi(e.t, id), "changed-by-hand"))
			},
			driftProp:  "name",
			replace:    func(in map[string]any) { in["region"] = "ams3" },
			importKeys: []string{"name", "region", "size", "image"},
			lookup:     byToken,
		},
		{
			name: "SSHKey", typ: SSHKeyToken,
			inputs: func(e *env) map[string]any { return map[string]any{"publicKey": testKey} },
			update: func(in map[string]any) { in["name"] = "deploy-key" },
			checkUpdate: func(e *env, id string) {
				if k, _, err := e.do.Keys.GetByID(e.ctx(), atoi(e.t, id)); err != nil || k.Name != "deploy-key" {
					e.t.Errorf("after the update: %+v, %v", k, err)
				}
			},
			drift: func(e *env, id string) {
				if _, _, err := e.do.Keys.UpdateByID(e.ctx(), atoi(e.t, id), &godo.KeyUpdateRequest{Name: "by-hand"}); err != nil {
					e.t.Fatal(err)
				}
			},
			driftProp:  "name",
			replace:    func(in map[string]any) { in["publicKey"] = otherKey },
			importKeys: []string{"name", "publicKey"},
			lookup:     byInputs,
		},
		{
			name: "Tag", typ: TagToken,
			inputs: func(e *env) map[string]any { return map[string]any{"name": "web-tier"} },
			drift: func(e *env, id string) {
				if _, err := e.do.Tags.Delete(e.ctx(), id); err != nil {
					e.t.Fatal(err)
				}
			},
			replace:    func(in map[string]any) { in["name"] = "web-tier-2" },
			importKeys: []string{"name"},
			lookup:     byInputs,
		},
		{
			name: "VPC", typ: VPCToken,
			inputs: func(e *env) map[string]any {
				return map[string]any{"region": "nyc3", "ipRange": "10.20.0.0/24", "description": "the test network"}
			},
			update: func(in map[string]any) { in["description"] = "the test network, v2" },
			checkUpdate: func(e *env, id string) {
				if v, _, err := e.do.VPCs.Get(e.ctx(), id); err != nil || v.Description != "the test network, v2" {
					e.t.Errorf("after the update: %+v, %v", v, err)
				}
			},
			drift: func(e *env, id string) {
				if _, _, err := e.do.VPCs.Update(e.ctx(), id, &godo.VPCUpdateRequest{Name: "by-hand", Description: "by hand"}); err != nil {
					e.t.Fatal(err)
				}
			},
			driftProp:  "description",
			replace:    func(in map[string]any) { in["ipRange"] = "10.30.0.0/24" },
			importKeys: []string{"name", "region", "ipRange", "description"},
			lookup:     byInputs,
		},
		{
			name: "ReservedIP", typ: ReservedIPToken,
			inputs: func(e *env) map[string]any { return map[string]any{"region": "nyc3"} },
			drift: func(e *env, id string) {
				if _, err := e.do.ReservedIPs.Delete(e.ctx(), id); err != nil {
					e.t.Fatal(err)
				}
			},
			replace:    func(in map[string]any) { in["region"] = "sfo3" },
			importKeys: []string{"region"},
			lookup:     noLookup,
		},
		reservedIPAssignmentCase(),
		loadBalancerCase(),
		{
			name: "Firewall", typ: FirewallToken,
			inputs: func(e *env) map[string]any {
				d := dropletFor(e, "fw-target")
				return map[string]any{"dropletIds": []any{atoi(e.t, d.id)},
					"inboundRules": []any{map[string]any{"protocol": "tcp", "ports": "80", "addresses": []any{"0.0.0.0/0", "::/0"}}},
					"outboundRules": []any{map[string]any{"protocol": "tcp", "ports": "all", "addresses": []any{"0.0.0.0/0"}},
						map[string]any{"protocol": "icmp", "addresses": []any{"0.0.0.0/0"}}}}
			},
			update: func(in map[string]any) {
				in["inboundRules"] = append(in["inboundRules"].([]any), map[string]any{"protocol": "tcp", "ports": "22", "addresses": []any{"192.0.2.0/24"}})
			},
			checkUpdate: func(e *env, id string) {
				if fw, _, err := e.do.Firewalls.Get(e.ctx(), id); err != nil || len(fw.InboundRules) != 2 {
					e.t.Errorf("after the update: %+v, %v", fw, err)
				}
			},
			drift: func(e *env, id string) {
				if _, err := e.do.Firewalls.RemoveRules(e.ctx(), id, &godo.FirewallRulesRequest{InboundRules: []godo.InboundRule{
					{Protocol: "tcp", PortRange: "22", Sources: &godo.Sources{Addresses: []string{"192.0.2.0/24"}}}}}); err != nil {
					e.t.Fatal(err)
				}
			},
			driftProp:  "inboundRules",
			importKeys: []string{"name", "inboundRules", "outboundRules", "dropletIds"},
			lookup:     byInputs,
		},
		{
			name: "Domain", typ: DomainToken,
			inputs: func(e *env) map[string]any { return map[string]any{"name": "example-infra.com"} },
			drift: func(e *env, id string) {
				if _, err := e.do.Domains.Delete(e.ctx(), id); err != nil {
					e.t.Fatal(err)
				}
			},
			replace:    func(in map[string]any) { in["name"] = "example-infra.net" },
			importKeys: []string{"name"},
			lookup:     byInputs,
		},
		recordCase("A", map[string]any{"name": "www", "data": "192.0.2.10"}, func(in map[string]any) { in["data"] = "192.0.2.11"; in["ttl"] = 300 }),
		recordCase("MX", map[string]any{"name": "@", "data": "mail.example-infra.com.", "priority": 10}, func(in map[string]any) { in["priority"] = 20 }),
		recordCase("CAA", map[string]any{"name": "@", "data": "letsencrypt.org", "flags": 0, "tag": "issue"}, func(in map[string]any) { in["tag"] = "issuewild" }),
		recordCase("SRV", map[string]any{"name": "_sip._tcp", "data": "sip.example-infra.com.", "priority": 10, "port": 5060, "weight": 5},
			func(in map[string]any) { in["weight"] = 7 }),
		recordCase("TXT", map[string]any{"name": "@", "data": "v=spf1 -all"}, func(in map[string]any) { in["data"] = "v=spf1 mx -all" }),
	}
}

func reservedIPAssignmentCase() resourceCase {
	var drops [2]int
	return resourceCase{
		name: "ReservedIPAssignment", typ: ReservedIPAssignmentToken,
		inputs: func(e *env) map[string]any {
			ip := e.make(ReservedIPToken, "ip", map[string]any{"region": "nyc3"})
			drops[0] = atoi(e.t, dropletFor(e, "a").id)
			drops[1] = atoi(e.t, dropletFor(e, "b").id)
			return map[string]any{"ipAddress": ip.id, "dropletId": drops[0]}
		},
		update: func(in map[string]any) { in["dropletId"] = drops[1] },
		checkUpdate: func(e *env, id string) {
			addr, _, _ := strings.Cut(id, "/")
			if ip, _, err := e.do.ReservedIPs.Get(e.ctx(), addr); err != nil || ip.Droplet == nil || ip.Droplet.ID != drops[1] {
				e.t.Errorf("after the update: %+v, %v", ip, err)
			}
		},
		drift: func(e *env, id string) {
			addr, _, _ := strings.Cut(id, "/")
			e.waitAction(e.do.ReservedIPActions.Assign(e.ctx(), addr, drops[0]))
		},
		driftProp: "dropletId",
		replace: func(in map[string]any) {
			// A second address, made with the first.
			in["ipAddress"] = in["_other"]
		},
		importKeys: []string{"ipAddress", "dropletId"},
		lookup:     byInputs,
	}
}

func loadBalancerCase() resourceCase {
	var drops [2]int
	return resourceCase{
		name: "LoadBalancer", typ: LoadBalancerToken,
		inputs: func(e *env) map[string]any {
			drops[0] = atoi(e.t, dropletFor(e, "a").id)
			drops[1] = atoi(e.t, dropletFor(e, "b").id)
			return map[string]any{"region": "nyc3", "dropletIds": []any{drops[0]},
				"forwardingRules": []any{map[string]any{"entryProtocol": "http", "entryPort": 80, "targetProtocol": "http", "targetPort": 80}},
				"healthCheck":     map[string]any{"protocol": "http", "port": 80, "path": "/health"}}
		},
		update: func(in map[string]any) { in["dropletIds"] = []any{drops[1]}; in["redirectHttpToHttps"] = true },
		checkUpdate: func(e *env, id string) {
			if lb, _, err := e.do.LoadBalancers.Get(e.ctx(), id); err != nil || !slices.Equal(lb.DropletIDs, []int{drops[1]}) || !lb.RedirectHttpToHttps {
				e.t.Errorf("after the update: %+v, %v", lb, err)
			}
		},
		drift: func(e *env, id string) {
			if _, err := e.do.LoadBalancers.AddDroplets(e.ctx(), id, drops[0]); err != nil {
				e.t.Fatal(err)
			}
		},
		driftProp: "dropletIds",
		replace: func(in map[string]any) {
			in["region"], in["dropletTag"] = "nyc1", "web"
			delete(in, "dropletIds")
		},
		importKeys: []string{"name", "region", "forwardingRules", "healthCheck", "dropletIds"},
		lookup:     byInputs,
	}
}

// recordCase is a DomainRecord row of type typ in a domain made for it.
func recordCase(typ string, fields map[string]any, update func(map[string]any)) resourceCase {
	return resourceCase{
		name: "DomainRecord/" + typ, typ: DomainRecordToken,
		inputs: func(e *env) map[string]any {
			d := e.make(DomainToken, "zone", map[string]any{"name": "example-infra.com"})
			in := map[string]any{"domain": d.id, "type": typ}
			for k, v := range fields {
				in[k] = v
			}
			return in
		},
		update: update,
		checkUpdate: func(e *env, id string) {
			domain, n, _ := recordID(id)
			if _, _, err := e.do.Domains.Record(e.ctx(), domain, n); err != nil {
				e.t.Errorf("after the update: %v", err)
			}
		},
		drift: func(e *env, id string) {
			domain, n, _ := recordID(id)
			if _, _, err := e.do.Domains.EditRecord(e.ctx(), domain, n, &godo.DomainRecordEditRequest{Type: typ, Name: "changed-by-hand"}); err != nil {
				e.t.Fatal(err)
			}
		},
		driftProp: "name",
		replace: func(in map[string]any) {
			in["type"], in["data"] = "TXT", "replaced"
			if typ == "TXT" {
				in["type"], in["data"] = "A", "192.0.2.99"
			}
			for _, k := range []string{"priority", "port", "weight", "flags", "tag"} {
				delete(in, k)
			}
		},
		importKeys: []string{"domain", "type", "name", "data"},
		lookup:     byInputs,
	}
}

func TestResources(t *testing.T) {
	t.Parallel()
	for _, c := range resourceCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newSimEnv(t, sim.Options{Faults: sim.Faults{NotFoundAfterCreate: sim.Duration(15 * time.Millisecond)}})
			// Registered first, so it runs after every other cleanup: nothing the case made may be left.
			t.Cleanup(func() { assertNoObjects(t, e) })
			runResourceCase(t, e, c)
		})
	}
}

// TestAcceptance runs the same table against a real account, only with INFRA_ACC=1 and DIGITALOCEAN_TOKEN.
func TestAcceptance(t *testing.T) {
	if ok, why := accEnabled(); !ok {
		t.Skip(why)
	}
	for _, c := range resourceCases() {
		t.Run(c.name, func(t *testing.T) { runResourceCase(t, newAccEnv(t), c) })
	}
}

// assertNoObjects fails the test if the simulator still holds objects.
func assertNoObjects(t *testing.T, e *env) {
	t.Helper()
	if e.sim == nil {
		return
	}
	if o := e.sim.Objects(); o.Total() != 0 {
		t.Errorf("the simulator still holds %+v", o)
	}
}

func copyMap(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func runResourceCase(t *testing.T, e *env, c resourceCase) {
	raw := c.inputs(e)
	if c.typ == ReservedIPAssignmentToken {
		raw["_other"] = e.make(ReservedIPToken, "ip2", map[string]any{"region": "nyc3"}).id
	}
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

	// read: what was created reads back as it was declared (a refresh shows no drift)
	rid, rin, rout := e.read(c.typ, urn, id, in, out)
	if rid != id {
		t.Fatalf("read after create: ID %q, want %q", rid, id)
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
	known := in.Copy()
	for _, k := range c.importBlind {
		delete(known, k)
	}
	if d := e.diff(c.typ, urn, id, iin, iout, known); len(d.GetReplaces()) > 0 {
		t.Errorf("the program's inputs would replace the imported object: %v", d.GetReplaces())
	}

	// lookup (what recovers a create cut off by a crash)
	lid, lin, err := e.lookup(c.typ, urn, token, in)
	switch {
	case c.lookup == noLookup:
		if err == nil {
			t.Errorf("lookup of %s answered %q; want it refused, so that the engine asks", c.typ, lid)
		}
	case err != nil:
		t.Errorf("lookup: %v", err)
	case lid != id:
		t.Errorf("lookup found %q, want %q", lid, id)
	case e.diff(c.typ, urn, id, lin, out, in).GetReplaces() != nil:
		t.Errorf("the adopted object would be replaced: %v", lin)
	}
	if c.lookup == byToken {
		if lid, _, err := e.lookup(c.typ, urn, newToken(t), in); lid != "" || err != nil {
			t.Errorf("lookup with an unused token found %q (%v)", lid, err)
		}
	}

	// drift behind the provider's back
	c.drift(e, id)
	did, din, _ := e.read(c.typ, urn, id, in, out)
	if c.driftProp == "" {
		if did != "" {
			t.Errorf("after the object was removed behind the provider's back, read found %q", did)
		}
		// Create it again, as the next up would.
		delete(alive, id)
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
		if !slices.Contains(d.GetDiffs(), c.driftProp) {
			t.Errorf("the diff against the drifted object = %v; want %s", d.GetDiffs(), c.driftProp)
		}
		if c.update != nil {
			// The next update puts it back.
			out = e.update(c.typ, urn, id, din, out, in)
			alive[id] = [2]resource.PropertyMap{in, out}
			if _, rin, _ := e.read(c.typ, urn, id, in, out); e.diff(c.typ, urn, id, rin, out, in).GetChanges() != pb.DiffResponse_NONE {
				t.Errorf("the update did not undo the drift: %v", rin)
			}
		}
	}

	// replace: create the new object, then delete the old one
	if c.replace != nil {
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
		id, in, out = id2, rin2, out2
	}

	// delete, twice: an object that is gone is deleted already
	if err := e.delete(c.typ, urn, id, in, out); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if gid, _, _ := e.read(c.typ, urn, id, in, out); gid != "" {
		t.Errorf("read after delete found %q", gid)
	}
	if err := e.delete(c.typ, urn, id, in, out); err != nil {
		t.Errorf("deleting a deleted object: %v", err)
	}
	delete(alive, id)
}
