package sim

import (
	"net/http"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

func waitActive(t *testing.T, c *godo.Client, ids ...int) {
	t.Helper()
	for _, id := range ids {
		eventually(t, "droplet active", func() (bool, error) {
			got, _, err := c.Droplets.Get(t.Context(), id)
			return err == nil && got.Status == "active", err
		})
	}
}

func lbRequest(name, tag string, ids ...int) *godo.LoadBalancerRequest {
	return &godo.LoadBalancerRequest{Name: name, Region: "nyc3", Tag: tag, DropletIDs: ids, RedirectHttpToHttps: true,
		ForwardingRules: []godo.ForwardingRule{{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 8080}},
		HealthCheck:     &godo.HealthCheck{Protocol: "http", Port: 8080, Path: "/healthz", CheckIntervalSeconds: 10, ResponseTimeoutSeconds: 5, HealthyThreshold: 3, UnhealthyThreshold: 3},
		StickySessions:  &godo.StickySessions{Type: "cookies", CookieName: "lb", CookieTtlSeconds: 300}}
}

// TestRollingDeployHealth replaces a tagged load balancer's droplet the way a rolling deploy does, new before old,
// and checks the health record never shows it without a healthy droplet once it had one; then it does it the wrong
// way round and checks the record shows the gap.
func TestRollingDeployHealth(t *testing.T) {
	t.Parallel()
	s, c := start(t, Options{})
	ctx := t.Context()
	old := newDroplet(t, c, "web-old", "nyc3", "web")
	lb := must[*godo.LoadBalancer](t, "create lb")(c.LoadBalancers.Create(ctx, lbRequest("web", "web")))
	if lb.Status != "new" {
		t.Errorf("new lb status %q", lb.Status)
	}
	eventually(t, "lb active", func() (bool, error) {
		got, _, err := c.LoadBalancers.Get(ctx, lb.ID)
		return err == nil && got.Status == "active" && got.IP != "", err
	})
	started := time.Now()
	waitActive(t, c, old.ID)
	eventually(t, "old droplet healthy", func() (bool, error) { return len(last(s.LoadBalancerHealth(lb.ID))) == 1, nil })
	repl := newDroplet(t, c, "web-new", "nyc3", "web")
	waitActive(t, c, repl.ID)
	eventually(t, "both healthy", func() (bool, error) { return len(last(s.LoadBalancerHealth(lb.ID))) == 2, nil })
	if _, err := c.Droplets.Delete(ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	if n := s.MinHealthySince(lb.ID, started); n != 1 {
		t.Errorf("min healthy during the rolling deploy = %d, want 1 (record %+v)", n, s.LoadBalancerHealth(lb.ID))
	}
	// Old before new: the load balancer is left with nobody healthy.
	if _, err := c.Droplets.Delete(ctx, repl.ID); err != nil {
		t.Fatal(err)
	}
	third := newDroplet(t, c, "web-third", "nyc3", "web")
	waitActive(t, c, third.ID)
	eventually(t, "third healthy", func() (bool, error) { return len(last(s.LoadBalancerHealth(lb.ID))) == 1, nil })
	if n := s.MinHealthySince(lb.ID, started); n != 0 {
		t.Errorf("min healthy after deleting first = %d, want 0", n)
	}
	got := must[*godo.LoadBalancer](t, "get lb")(c.LoadBalancers.Get(ctx, lb.ID))
	if len(got.DropletIDs) != 1 || got.DropletIDs[0] != third.ID || !got.RedirectHttpToHttps || got.StickySessions.Type != "cookies" {
		t.Errorf("lb = %+v", got)
	}
}

func last(h []HealthSample) []int {
	if len(h) == 0 {
		return nil
	}
	return h[len(h)-1].Healthy
}

func TestLoadBalancerDroplets(t *testing.T) {
	t.Parallel()
	s, c := start(t, Options{})
	ctx := t.Context()
	a, b := newDroplet(t, c, "a", "nyc3"), newDroplet(t, c, "b", "nyc3")
	lb := must[*godo.LoadBalancer](t, "create lb")(c.LoadBalancers.Create(ctx, lbRequest("ids", "", a.ID)))
	if _, err := c.LoadBalancers.AddDroplets(ctx, lb.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if got := must[*godo.LoadBalancer](t, "get")(c.LoadBalancers.Get(ctx, lb.ID)); len(got.DropletIDs) != 2 {
		t.Errorf("droplets %v", got.DropletIDs)
	}
	if _, err := c.LoadBalancers.RemoveDroplets(ctx, lb.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	req := lbRequest("renamed", "", b.ID)
	req.ForwardingRules = append(req.ForwardingRules, godo.ForwardingRule{EntryProtocol: "tcp", EntryPort: 5432, TargetProtocol: "tcp", TargetPort: 5432})
	got := must[*godo.LoadBalancer](t, "update")(c.LoadBalancers.Update(ctx, lb.ID, req))
	if got.Name != "renamed" || len(got.ForwardingRules) != 2 || len(got.DropletIDs) != 1 {
		t.Errorf("updated lb %+v", got)
	}
	v := must[*godo.VPC](t, "vpc")(c.VPCs.Create(ctx, &godo.VPCCreateRequest{Name: "lbnet", RegionSlug: "nyc3"}))
	inVPC := lbRequest("in-vpc", "web")
	inVPC.VPCUUID = v.ID
	lbv := must[*godo.LoadBalancer](t, "create in vpc")(c.LoadBalancers.Create(ctx, inVPC))
	if lbv.VPCUUID != v.ID {
		t.Errorf("lb vpc %q, want %q", lbv.VPCUUID, v.ID)
	}
	if got := must[*godo.LoadBalancer](t, "update in vpc")(c.LoadBalancers.Update(ctx, lbv.ID, lbRequest("in-vpc2", "web"))); got.VPCUUID != v.ID {
		t.Errorf("update moved the lb to vpc %q", got.VPCUUID)
	}
	if _, err := c.LoadBalancers.Delete(ctx, lbv.ID); err != nil {
		t.Fatal(err)
	}
	bad := lbRequest("x", "web", a.ID)
	if _, _, err := c.LoadBalancers.Create(ctx, bad); statusOf(err) != http.StatusUnprocessableEntity {
		t.Errorf("both tag and droplet_ids: %v, want 422", err)
	}
	if _, err := c.LoadBalancers.Delete(ctx, lb.ID); err != nil {
		t.Fatal(err)
	}
	if o := s.Objects(); o.LoadBalancers != 0 {
		t.Errorf("objects %+v", o)
	}
}

func TestFirewalls(t *testing.T) {
	t.Parallel()
	s, c := start(t, Options{})
	ctx := t.Context()
	d := newDroplet(t, c, "fw", "nyc3")
	fw := must[*godo.Firewall](t, "create")(c.Firewalls.Create(ctx, &godo.FirewallRequest{Name: "web", DropletIDs: []int{d.ID}, Tags: []string{"web"},
		InboundRules: []godo.InboundRule{{Protocol: "tcp", PortRange: "80", Sources: &godo.Sources{Addresses: []string{"0.0.0.0/0", "::/0"}}},
			{Protocol: "tcp", PortRange: "22", Sources: &godo.Sources{Tags: []string{"bastion"}}}},
		OutboundRules: []godo.OutboundRule{{Protocol: "icmp", PortRange: "0", Destinations: &godo.Destinations{Addresses: []string{"0.0.0.0/0"}}}}}))
	if len(fw.InboundRules) != 2 || fw.DropletIDs[0] != d.ID {
		t.Errorf("firewall %+v", fw)
	}
	d2 := newDroplet(t, c, "fw2", "nyc3")
	if _, err := c.Firewalls.AddDroplets(ctx, fw.ID, d2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Firewalls.RemoveTags(ctx, fw.ID, "web"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Firewalls.AddRules(ctx, fw.ID, &godo.FirewallRulesRequest{InboundRules: []godo.InboundRule{{Protocol: "udp", PortRange: "53",
		Sources: &godo.Sources{Addresses: []string{"10.0.0.0/8"}}}}}); err != nil {
		t.Fatal(err)
	}
	got := must[*godo.Firewall](t, "get")(c.Firewalls.Get(ctx, fw.ID))
	if len(got.DropletIDs) != 2 || len(got.Tags) != 0 || len(got.InboundRules) != 3 {
		t.Errorf("firewall after edits %+v", got)
	}
	upd := must[*godo.Firewall](t, "update")(c.Firewalls.Update(ctx, fw.ID, &godo.FirewallRequest{Name: "web2",
		InboundRules: []godo.InboundRule{{Protocol: "tcp", PortRange: "443", Sources: &godo.Sources{LoadBalancerUIDs: []string{"x"}}}}}))
	if upd.Name != "web2" || len(upd.InboundRules) != 1 || len(upd.DropletIDs) != 0 {
		t.Errorf("updated %+v", upd)
	}
	if _, _, err := c.Firewalls.Create(ctx, &godo.FirewallRequest{Name: "bad", InboundRules: []godo.InboundRule{{Protocol: "gre"}}}); statusOf(err) != http.StatusUnprocessableEntity {
		t.Errorf("bad protocol: %v, want 422", err)
	}
	if _, err := c.Firewalls.Delete(ctx, fw.ID); err != nil {
		t.Fatal(err)
	}
	if o := s.Objects(); o.Firewalls != 0 {
		t.Errorf("objects %+v", o)
	}
}

func TestDomains(t *testing.T) {
	t.Parallel()
	s, c := start(t, Options{PageSize: 3})
	ctx := t.Context()
	dom := must[*godo.Domain](t, "create")(c.Domains.Create(ctx, &godo.DomainCreateRequest{Name: "example.com"}))
	if dom.Name != "example.com" {
		t.Errorf("domain %+v", dom)
	}
	records := []godo.DomainRecordEditRequest{
		{Type: "A", Name: "www", Data: "203.0.113.10", TTL: 300},
		{Type: "AAAA", Name: "www", Data: "2001:db8::10"},
		{Type: "CNAME", Name: "app", Data: "www.example.com."},
		{Type: "TXT", Name: "@", Data: "v=spf1 -all"},
		{Type: "MX", Name: "@", Data: "mail.example.com.", Priority: 10},
		{Type: "CAA", Name: "@", Data: "letsencrypt.org", Flags: 0, Tag: "issue"},
		{Type: "SRV", Name: "_sip._tcp", Data: "sip.example.com.", Priority: 10, Port: 5060, Weight: 5},
	}
	var ids []int
	for _, r := range records {
		got := must[*godo.DomainRecord](t, "create "+r.Type)(c.Domains.CreateRecord(ctx, "example.com", &r))
		if got.Type != r.Type || got.Data != r.Data || got.Priority != r.Priority || got.Port != r.Port {
			t.Errorf("record %+v from %+v", got, r)
		}
		ids = append(ids, got.ID)
	}
	var all []godo.DomainRecord
	opt := &godo.ListOptions{PerPage: 50}
	for {
		page, resp, err := c.Domains.Records(ctx, "example.com", opt)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if resp.Links == nil || resp.Links.IsLastPage() {
			break
		}
		n, _ := resp.Links.CurrentPage()
		opt.Page = n + 1
	}
	if len(all) != len(records)+4 { // SOA and three NS
		t.Errorf("%d records, want %d", len(all), len(records)+4)
	}
	if l := must[[]godo.DomainRecord](t, "by type")(c.Domains.RecordsByType(ctx, "example.com", "MX", nil)); len(l) != 1 {
		t.Errorf("%d MX records", len(l))
	}
	edited := must[*godo.DomainRecord](t, "edit")(c.Domains.EditRecord(ctx, "example.com", ids[0], &godo.DomainRecordEditRequest{Type: "A", Name: "www", Data: "203.0.113.11"}))
	if edited.Data != "203.0.113.11" {
		t.Errorf("edited %+v", edited)
	}
	if _, _, err := c.Domains.CreateRecord(ctx, "example.com", &godo.DomainRecordEditRequest{Type: "CAA", Name: "@", Data: "x", Tag: "nope"}); statusOf(err) != http.StatusUnprocessableEntity {
		t.Errorf("bad CAA tag: %v, want 422", err)
	}
	if o := s.Objects(); o.Domains != 1 || o.DomainRecords != len(records) {
		t.Errorf("objects %+v", o)
	}
	if _, err := c.Domains.DeleteRecord(ctx, "example.com", ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Domains.Delete(ctx, "example.com"); err != nil {
		t.Fatal(err)
	}
	if o := s.Objects(); o.Total() != 0 {
		t.Errorf("objects %+v", o)
	}
}

// TestJoiningMemberMustPassChecks adds an active droplet to a running load balancer: it counts as healthy only
// HealthyAfter after it joined, as a health check would find it, and stops counting while powered off.
func TestJoiningMemberMustPassChecks(t *testing.T) {
	t.Parallel()
	timing := fast
	timing.HealthyAfter = 400 * time.Millisecond
	s, c := start(t, Options{Timing: timing})
	ctx := t.Context()
	d := newDroplet(t, c, "late", "nyc3")
	waitActive(t, c, d.ID)
	// The description wants droplet_ids or tag on a create: create with d, take it out, and let it join again.
	lb := must[*godo.LoadBalancer](t, "create lb")(c.LoadBalancers.Create(ctx, lbRequest("join", "", d.ID)))
	if _, err := c.LoadBalancers.RemoveDroplets(ctx, lb.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(timing.HealthyAfter) // d has been active for longer than HealthyAfter now
	if _, err := c.LoadBalancers.AddDroplets(ctx, lb.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	if h := last(s.LoadBalancerHealth(lb.ID)); len(h) != 0 {
		t.Errorf("healthy right after joining: %v", h)
	}
	eventually(t, "joined droplet healthy", func() (bool, error) { return len(last(s.LoadBalancerHealth(lb.ID))) == 1, nil })
	waitAction(t, c, must[*godo.Action](t, "power off")(c.DropletActions.PowerOff(ctx, d.ID)))
	if h := last(s.LoadBalancerHealth(lb.ID)); len(h) != 0 {
		t.Errorf("healthy while off: %v", h)
	}
}
