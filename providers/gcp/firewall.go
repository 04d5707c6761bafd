package gcp

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/protobuf/proto"

	"github.com/infrago/infra/sdk/provider"
)

const firewallDoc = "A VPC firewall rule: traffic it allows or denies, from source ranges or tags to target tags. Every " +
	"field but name, project and network changes in place (a full update); those replace it. Import it by its path, " +
	"projects/P/global/firewalls/NAME."

// FirewallRule is one protocol and its ports that a firewall allows or denies.
type FirewallRule struct {
	Protocol string   `infra:"protocol" doc:"The IP protocol: tcp, udp, icmp, esp, ah, sctp, ipip, all, or a protocol number."`
	Ports    []string `infra:"ports" doc:"The ports or port ranges, such as 80 or 8000-8080 (tcp, udp and sctp only). Unset: every port."`
}

// Doc describes FirewallRule in the schema.
func (FirewallRule) Doc() string { return "A protocol and ports of a firewall rule." }

// FirewallArgs are the inputs of gcp:compute:Firewall.
type FirewallArgs struct {
	Name              *string        `infra:"name,replace" doc:"The firewall's name. Unset: derived from the resource's name with a random suffix."`
	Project           *string        `infra:"project,replace" doc:"The project. Unset: the provider's project."`
	Network           *string        `infra:"network,replace" doc:"The network the rule applies to, by path or partial URL. Unset: global/networks/default."`
	Description       *string        `infra:"description" doc:"A description of the rule."`
	Direction         string         `infra:"direction" default:"INGRESS" doc:"INGRESS (traffic to the targets) or EGRESS (traffic from them)."`
	Priority          int            `infra:"priority" default:"1000" doc:"The priority, 0 (highest) to 65535; the rule with the highest priority that matches decides."`
	Allows            []FirewallRule `infra:"allows" doc:"What the rule allows. Give allows or denies."`
	Denies            []FirewallRule `infra:"denies" doc:"What the rule denies."`
	SourceRanges      []string       `infra:"sourceRanges" doc:"The IPv4 ranges an ingress rule applies to traffic from, such as 0.0.0.0/0. Unset with no sourceTags: every address."`
	DestinationRanges []string       `infra:"destinationRanges" doc:"The ranges an egress rule applies to traffic to."`
	SourceTags        []string       `infra:"sourceTags" doc:"The network tags of the instances an ingress rule applies to traffic from."`
	TargetTags        []string       `infra:"targetTags" doc:"The network tags of the instances the rule applies to. Unset: every instance of the network."`
	Disabled          bool           `infra:"disabled" default:"false" doc:"Whether the rule is switched off."`
}

// FirewallState are the outputs of gcp:compute:Firewall.
type FirewallState struct {
	FirewallArgs
	SelfLink string `infra:"selfLink" doc:"The firewall's URL."`
}

type firewallResource struct{ p *gcpProvider }

// Check names the firewall and validates what the schema cannot.
func (r *firewallResource) Check(_ context.Context, req provider.CheckRequest[FirewallArgs]) (FirewallArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := checkAutoName(req.URN, &req.OldInputs, &in, func(a *FirewallArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	fail := func(p, format string, args ...any) {
		fs = append(fs, provider.CheckFailure{Property: p, Reason: fmt.Sprintf(format, args...)})
	}
	if m := checkName("name", *in.Name); m != nil {
		fail("name", "%s", *m)
	}
	if in.Direction != "INGRESS" && in.Direction != "EGRESS" {
		fail("direction", "direction %q is not INGRESS or EGRESS", in.Direction)
	}
	if in.Priority < 0 || in.Priority > 65535 {
		fail("priority", "priority %d is not between 0 and 65535", in.Priority)
	}
	if (len(in.Allows) == 0) == (len(in.Denies) == 0) {
		fail("allows", "give allows or denies (one of them, not both)")
	}
	for i, rl := range append(slices.Clone(in.Allows), in.Denies...) {
		if rl.Protocol == "" {
			fail("allows", "rule %d has no protocol; give tcp, udp, icmp, all or a protocol number", i)
		}
	}
	return in, fs, nil
}

// Diff treats an unset project and network as unchanged, and lists of ranges and tags as sets.
func (r *firewallResource) Diff(_ context.Context, req provider.DiffRequest[FirewallArgs, FirewallState]) (provider.DiffResponse, error) {
	news, old := req.Inputs, req.OldInputs
	if news.Network != nil && old.Network != nil && sameRef(*news.Network, *old.Network) {
		news.Network = old.Network
	}
	for _, p := range [][2]*[]string{{&news.SourceRanges, &old.SourceRanges}, {&news.DestinationRanges, &old.DestinationRanges},
		{&news.SourceTags, &old.SourceTags}, {&news.TargetTags, &old.TargetTags}} {
		if sameSet(*p[0], *p[1]) {
			*p[0] = *p[1]
		}
	}
	return provider.DiffStructs(old, news, "project", "network")
}

func firewallResource2pb(in FirewallArgs) *computepb.Firewall {
	fw := &computepb.Firewall{Name: in.Name, Network: in.Network, Description: in.Description, Direction: proto.String(in.Direction),
		Priority: proto.Int32(int32(in.Priority)), SourceRanges: in.SourceRanges, DestinationRanges: in.DestinationRanges,
		SourceTags: in.SourceTags, TargetTags: in.TargetTags, Disabled: proto.Bool(in.Disabled)}
	if fw.Network == nil {
		fw.Network = proto.String("global/networks/default")
	}
	for _, a := range in.Allows {
		fw.Allowed = append(fw.Allowed, &computepb.Allowed{IPProtocol: proto.String(a.Protocol), Ports: a.Ports})
	}
	for _, d := range in.Denies {
		fw.Denied = append(fw.Denied, &computepb.Denied{IPProtocol: proto.String(d.Protocol), Ports: d.Ports})
	}
	if fw.Description == nil {
		fw.Description = proto.String("")
	}
	return fw
}

// Create inserts the firewall and waits for the operation.
func (r *firewallResource) Create(ctx context.Context, req provider.CreateRequest[FirewallArgs]) (provider.CreateResponse[FirewallState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[FirewallState]{}, err
	}
	in := req.Inputs
	project, err := c.needProject(in.Project)
	if err != nil {
		return provider.CreateResponse[FirewallState]{}, err
	}
	op, err := c.firewalls.Insert(ctx, &computepb.InsertFirewallRequest{Project: project, FirewallResource: firewallResource2pb(in),
		RequestId: proto.String(requestID(req.IdempotencyToken))}, c.retry)
	if err != nil {
		return provider.CreateResponse[FirewallState]{}, fmt.Errorf("insert firewall %s: %w", *in.Name, err)
	}
	id := objectID{project: project, name: *in.Name}.path("global", "firewalls")
	if err := c.wait(ctx, op, "firewall "+id); err != nil {
		return provider.CreateResponse[FirewallState]{}, err
	}
	resp, err := r.read(ctx, c, id, &in, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[FirewallState]{ID: id, Outputs: FirewallState{FirewallArgs: in}}, notVisible(id, err)
	}
	return provider.CreateResponse[FirewallState]{ID: id, Outputs: resp.Outputs}, nil
}

func (r *firewallResource) read(ctx context.Context, c *clients, id string, old *FirewallArgs, wait bool) (provider.ReadResponse[FirewallArgs, FirewallState], error) {
	oid, err := parseID(id, "global", "firewalls")
	if err != nil {
		return provider.ReadResponse[FirewallArgs, FirewallState]{}, err
	}
	fw, err := getRetrying(ctx, c, func() (*computepb.Firewall, error) {
		return c.firewalls.Get(ctx, &computepb.GetFirewallRequest{Project: oid.project, Firewall: oid.name}, c.retry)
	}, !wait)
	if err != nil || fw == nil {
		return provider.ReadResponse[FirewallArgs, FirewallState]{}, wrapRead(id, err)
	}
	in := FirewallArgs{Name: proto.String(fw.GetName()), Project: proto.String(oid.project), Network: proto.String(rel(fw.GetNetwork())),
		Description: optStr(fw.GetDescription()), Direction: fw.GetDirection(), Priority: int(fw.GetPriority()),
		SourceRanges: fw.GetSourceRanges(), DestinationRanges: fw.GetDestinationRanges(), SourceTags: fw.GetSourceTags(),
		TargetTags: fw.GetTargetTags(), Disabled: fw.GetDisabled()}
	for _, a := range fw.GetAllowed() {
		in.Allows = append(in.Allows, FirewallRule{Protocol: a.GetIPProtocol(), Ports: a.GetPorts()})
	}
	for _, d := range fw.GetDenied() {
		in.Denies = append(in.Denies, FirewallRule{Protocol: d.GetIPProtocol(), Ports: d.GetPorts()})
	}
	if old != nil {
		in.Project = keepIfSet(old.Project, in.Project)
		in.Network = keepRef(old.Network, fw.GetNetwork())
		if old.Network == nil && sameRef("global/networks/default", fw.GetNetwork()) {
			in.Network = nil
		}
		// Google fills in 0.0.0.0/0 for an ingress rule with no sources.
		if len(old.SourceRanges) == 0 && len(old.SourceTags) == 0 && slices.Equal(in.SourceRanges, []string{"0.0.0.0/0"}) {
			in.SourceRanges = nil
		}
		in.SourceRanges, in.DestinationRanges = sameOrder(in.SourceRanges, old.SourceRanges), sameOrder(in.DestinationRanges, old.DestinationRanges)
		in.SourceTags, in.TargetTags = sameOrder(in.SourceTags, old.SourceTags), sameOrder(in.TargetTags, old.TargetTags)
	}
	return provider.ReadResponse[FirewallArgs, FirewallState]{ID: id, Inputs: in, Outputs: FirewallState{FirewallArgs: in, SelfLink: fw.GetSelfLink()}}, nil
}

// Read reads the firewall for refresh and import.
func (r *firewallResource) Read(ctx context.Context, req provider.ReadRequest[FirewallArgs, FirewallState]) (provider.ReadResponse[FirewallArgs, FirewallState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[FirewallArgs, FirewallState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the firewall a cut-off create made by the operation its requestId started.
func (r *firewallResource) Lookup(ctx context.Context, req provider.LookupRequest[FirewallArgs]) (provider.ReadResponse[FirewallArgs, FirewallState], error) {
	return lookupByOperation(ctx, r.p, req.URN, req.IdempotencyToken, r.read)
}

// Update replaces the rule's fields with an update (PUT), so that removed ranges and tags go too.
func (r *firewallResource) Update(ctx context.Context, req provider.UpdateRequest[FirewallArgs, FirewallState]) (provider.UpdateResponse[FirewallState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[FirewallState]{}, err
	}
	oid, err := parseID(req.ID, "global", "firewalls")
	if err != nil {
		return provider.UpdateResponse[FirewallState]{}, err
	}
	in := req.Inputs
	in.Name = proto.String(oid.name)
	op, err := c.firewalls.Update(ctx, &computepb.UpdateFirewallRequest{Project: oid.project, Firewall: oid.name, FirewallResource: firewallResource2pb(in),
		RequestId: proto.String(newRequestID())}, c.retry)
	if err != nil {
		return provider.UpdateResponse[FirewallState]{}, fmt.Errorf("update firewall %s: %w", req.ID, err)
	}
	if err := c.wait(ctx, op, "firewall "+req.ID); err != nil {
		return provider.UpdateResponse[FirewallState]{}, err
	}
	resp, err := r.read(ctx, c, req.ID, &req.Inputs, true)
	if err != nil || resp.ID == "" {
		return provider.UpdateResponse[FirewallState]{}, notVisible(req.ID, err)
	}
	return provider.UpdateResponse[FirewallState]{Outputs: resp.Outputs}, nil
}

// Delete deletes the firewall.
func (r *firewallResource) Delete(ctx context.Context, req provider.DeleteRequest[FirewallArgs, FirewallState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	oid, err := parseID(req.ID, "global", "firewalls")
	if err != nil {
		return err
	}
	return c.deleteWith(ctx, req.ID, func(rid string) (*computeOp, error) {
		return c.firewalls.Delete(ctx, &computepb.DeleteFirewallRequest{Project: oid.project, Firewall: oid.name, RequestId: &rid}, c.retry)
	})
}

// sameOrder returns live in the order of want when they hold the same strings, and sorted otherwise, so that a
// reordering by Google is not a change.
func sameOrder(live, want []string) []string {
	if live == nil {
		return nil
	}
	if sameSet(live, want) {
		return slices.Clone(want)
	}
	out := slices.Clone(live)
	sort.Strings(out)
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		if seen[x]--; seen[x] < 0 {
			return false
		}
	}
	return true
}
