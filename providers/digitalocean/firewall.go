package digitalocean

import (
	"context"
	"fmt"
	"slices"

	"github.com/digitalocean/godo"

	"github.com/infrago/infra/sdk/provider"
)

const firewallDoc = "A cloud firewall: the traffic droplets accept and send, applied to droplets by ID or by tag. Every " +
	"change is made in place. A droplet behind a cloud firewall accepts only what an inbound rule allows, so " +
	"remember outbound rules too (DNS, package mirrors). Import it by its UUID."

// FirewallRule is one inbound or outbound rule.
type FirewallRule struct {
	Protocol string `infra:"protocol" doc:"tcp, udp or icmp."`
	Ports    string `infra:"ports" default:"" doc:"A port (80), a range (8000-9000) or all; leave empty for icmp."`
	// Addresses and the rest name the other side: the sources of an inbound rule, the destinations of an
	// outbound one.
	Addresses        []string `infra:"addresses" doc:"IPv4 and IPv6 addresses and ranges, such as 0.0.0.0/0 and ::/0 for everyone."`
	DropletIDs       []int    `infra:"dropletIds" doc:"Droplets, by ID."`
	Tags             []string `infra:"tags" doc:"Droplets carrying these tags."`
	LoadBalancerUIDs []string `infra:"loadBalancerUids" doc:"Load balancers, by UUID (for droplets that accept traffic only from their load balancer)."`
}

// FirewallArgs are the inputs of digitalocean:index:Firewall.
type FirewallArgs struct {
	Name          *string        `infra:"name" doc:"The firewall's name. Unset: derived from the resource's name with a random suffix."`
	InboundRules  []FirewallRule `infra:"inboundRules" doc:"The traffic the droplets accept; the other side is where it comes from."`
	OutboundRules []FirewallRule `infra:"outboundRules" doc:"The traffic the droplets may send; the other side is where it goes."`
	DropletIDs    []int          `infra:"dropletIds" doc:"The droplets it applies to, by ID."`
	Tags          []string       `infra:"tags" doc:"It applies to every droplet carrying one of these tags."`
}

// FirewallState are the outputs of digitalocean:index:Firewall.
type FirewallState struct {
	FirewallArgs
	URN       string `infra:"urn" doc:"The firewall's DigitalOcean URN (do:firewall:UUID)."`
	CreatedAt string `infra:"createdAt" doc:"When the firewall was created, in RFC 3339."`
}

type firewallResource struct{ p *doProvider }

// Check names the firewall and validates its rules.
func (r *firewallResource) Check(_ context.Context, req provider.CheckRequest[FirewallArgs]) (FirewallArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := fillName(req.URN, &req.OldInputs, &in, func(a *FirewallArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs failures
	for side, rules := range map[string][]FirewallRule{"inboundRules": in.InboundRules, "outboundRules": in.OutboundRules} {
		for i, rule := range rules {
			prop := fmt.Sprintf("%s[%d]", side, i)
			switch {
			case !slices.Contains([]string{"tcp", "udp", "icmp"}, rule.Protocol):
				fs.add(prop, "protocol %q is not tcp, udp or icmp", rule.Protocol)
			case rule.Protocol != "icmp" && rule.Ports == "":
				fs.add(prop, "a %s rule needs ports: a port such as 80, a range such as 8000-9000, or all", rule.Protocol)
			}
			if len(rule.Addresses)+len(rule.DropletIDs)+len(rule.Tags)+len(rule.LoadBalancerUIDs) == 0 {
				fs.add(prop, "the rule names no addresses, droplets, tags or load balancers, so it matches nothing")
			}
		}
	}
	fs.tags("tags", in.Tags)
	return in, fs, nil
}

// Diff compares the rules as sets of the same rules in any order.
func (r *firewallResource) Diff(_ context.Context, req provider.DiffRequest[FirewallArgs, FirewallState]) (provider.DiffResponse, error) {
	return provider.DiffStructs(req.OldInputs, req.Inputs)
}

func fwRequest(in FirewallArgs) *godo.FirewallRequest {
	req := &godo.FirewallRequest{Name: *in.Name, DropletIDs: in.DropletIDs, Tags: in.Tags,
		InboundRules: []godo.InboundRule{}, OutboundRules: []godo.OutboundRule{}}
	if req.DropletIDs == nil {
		req.DropletIDs = []int{}
	}
	if req.Tags == nil {
		req.Tags = []string{}
	}
	for _, r := range in.InboundRules {
		req.InboundRules = append(req.InboundRules, godo.InboundRule{Protocol: r.Protocol, PortRange: wirePorts(r),
			Sources: &godo.Sources{Addresses: r.Addresses, DropletIDs: r.DropletIDs, Tags: r.Tags, LoadBalancerUIDs: r.LoadBalancerUIDs}})
	}
	for _, r := range in.OutboundRules {
		req.OutboundRules = append(req.OutboundRules, godo.OutboundRule{Protocol: r.Protocol, PortRange: wirePorts(r),
			Destinations: &godo.Destinations{Addresses: r.Addresses, DropletIDs: r.DropletIDs, Tags: r.Tags, LoadBalancerUIDs: r.LoadBalancerUIDs}})
	}
	return req
}

// wirePorts is the ports a rule is sent with: ICMP has none, which DigitalOcean writes as "0".
func wirePorts(r FirewallRule) string {
	if r.Protocol == "icmp" && r.Ports == "" {
		return "0"
	}
	return r.Ports
}

// fwPorts is the ports of a rule as the program writes them: DigitalOcean answers "0" for all ports of tcp and
// udp (and for icmp, which has none).
func fwPorts(protocol, ports string) string {
	if protocol == "icmp" && (ports == "0" || ports == "") {
		return ""
	}
	if ports == "0" {
		return "all"
	}
	return ports
}

func fwState(fw *godo.Firewall, old *FirewallArgs) FirewallState {
	in := FirewallArgs{Name: ptr(fw.Name), DropletIDs: fw.DropletIDs, Tags: fw.Tags}
	for _, r := range fw.InboundRules {
		s := r.Sources
		if s == nil {
			s = &godo.Sources{}
		}
		in.InboundRules = append(in.InboundRules, FirewallRule{Protocol: r.Protocol, Ports: fwPorts(r.Protocol, r.PortRange),
			Addresses: s.Addresses, DropletIDs: s.DropletIDs, Tags: s.Tags, LoadBalancerUIDs: s.LoadBalancerUIDs})
	}
	for _, r := range fw.OutboundRules {
		d := r.Destinations
		if d == nil {
			d = &godo.Destinations{}
		}
		in.OutboundRules = append(in.OutboundRules, FirewallRule{Protocol: r.Protocol, Ports: fwPorts(r.Protocol, r.PortRange),
			Addresses: d.Addresses, DropletIDs: d.DropletIDs, Tags: d.Tags, LoadBalancerUIDs: d.LoadBalancerUIDs})
	}
	if old != nil {
		// "all" and "0" are the same ports; keep the program's spelling.
		keepPorts(in.InboundRules, old.InboundRules)
		keepPorts(in.OutboundRules, old.OutboundRules)
	}
	return FirewallState{FirewallArgs: in, URN: fw.URN(), CreatedAt: fw.Created}
}

func keepPorts(live, prog []FirewallRule) {
	for i := range live {
		if i < len(prog) && live[i].Ports == "all" && (prog[i].Ports == "0" || prog[i].Ports == "1-65535") {
			live[i].Ports = prog[i].Ports
		}
	}
}

// Create creates the firewall.
func (r *firewallResource) Create(ctx context.Context, req provider.CreateRequest[FirewallArgs]) (provider.CreateResponse[FirewallState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.CreateResponse[FirewallState]{}, err
	}
	fw, _, err := c.godo.Firewalls.Create(ctx, fwRequest(req.Inputs))
	if err != nil {
		return provider.CreateResponse[FirewallState]{}, fmt.Errorf("create firewall %s: %w", *req.Inputs.Name, err)
	}
	resp, err := r.read(ctx, c, fw.ID, &req.Inputs, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[FirewallState]{ID: fw.ID, Outputs: fwState(fw, &req.Inputs)}, notVisible("firewall "+fw.ID, err)
	}
	return provider.CreateResponse[FirewallState]{ID: fw.ID, Outputs: resp.Outputs}, nil
}

func (r *firewallResource) read(ctx context.Context, c *client, id string, old *FirewallArgs, wait bool) (provider.ReadResponse[FirewallArgs, FirewallState], error) {
	fw, found, err := getFresh(ctx, c, func() (*godo.Firewall, error) {
		fw, _, err := c.godo.Firewalls.Get(ctx, id)
		return fw, err
	}, !wait)
	if err != nil || !found {
		return provider.ReadResponse[FirewallArgs, FirewallState]{}, wrapRead("firewall "+id, err)
	}
	st := fwState(fw, old)
	return provider.ReadResponse[FirewallArgs, FirewallState]{ID: fw.ID, Inputs: st.FirewallArgs, Outputs: st}, nil
}

// Read reads the firewall for refresh and import.
func (r *firewallResource) Read(ctx context.Context, req provider.ReadRequest[FirewallArgs, FirewallState]) (provider.ReadResponse[FirewallArgs, FirewallState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[FirewallArgs, FirewallState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the firewall a cut-off create made by its name (generated names are unique).
func (r *firewallResource) Lookup(ctx context.Context, req provider.LookupRequest[FirewallArgs]) (provider.ReadResponse[FirewallArgs, FirewallState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[FirewallArgs, FirewallState]{}, err
	}
	fws, err := listAll(ctx, func(opt *godo.ListOptions) ([]godo.Firewall, *godo.Response, error) {
		return c.godo.Firewalls.List(ctx, opt)
	})
	if err != nil {
		return provider.ReadResponse[FirewallArgs, FirewallState]{}, fmt.Errorf("look for the firewall of %s: %w", req.URN, err)
	}
	var match []godo.Firewall
	for _, fw := range fws {
		if fw.Name == str(req.Inputs.Name) {
			match = append(match, fw)
		}
	}
	switch len(match) {
	case 0:
		return provider.ReadResponse[FirewallArgs, FirewallState]{}, nil
	case 1:
		st := fwState(&match[0], nil)
		return provider.ReadResponse[FirewallArgs, FirewallState]{ID: match[0].ID, Inputs: st.FirewallArgs, Outputs: st}, nil
	}
	return provider.ReadResponse[FirewallArgs, FirewallState]{}, fmt.Errorf("look for the firewall of %s: %d firewalls are named %q; import the right one with `infra import`",
		req.URN, len(match), str(req.Inputs.Name))
}

// Update replaces the firewall's rules, droplets and tags.
func (r *firewallResource) Update(ctx context.Context, req provider.UpdateRequest[FirewallArgs, FirewallState]) (provider.UpdateResponse[FirewallState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.UpdateResponse[FirewallState]{}, err
	}
	fw, _, err := c.godo.Firewalls.Update(ctx, req.ID, fwRequest(req.Inputs))
	if err != nil {
		return provider.UpdateResponse[FirewallState]{}, fmt.Errorf("update firewall %s: %w", req.ID, err)
	}
	return provider.UpdateResponse[FirewallState]{Outputs: fwState(fw, &req.Inputs)}, nil
}

// Delete deletes the firewall; one that is gone already is fine.
func (r *firewallResource) Delete(ctx context.Context, req provider.DeleteRequest[FirewallArgs, FirewallState]) error {
	c, err := r.p.client()
	if err != nil {
		return err
	}
	if _, err := c.godo.Firewalls.Delete(ctx, req.ID); err != nil && !isNotFound(err) {
		return fmt.Errorf("delete firewall %s: %w", req.ID, err)
	}
	return nil
}
