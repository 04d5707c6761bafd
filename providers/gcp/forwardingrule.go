package gcp

import (
	"context"
	"fmt"
	"strings"

	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/protobuf/proto"

	"github.com/infrago/infra/sdk/provider"
)

const forwardingRuleDoc = "A regional forwarding rule: the front of a network load balancer, sending traffic for an address " +
	"and ports to a target pool. It is labelled infra-token and infra-urn. target changes in place (setTarget) and " +
	"labels with setLabels; any other change replaces it. The front of the global HTTP load balancer is a " +
	"gcp:compute:GlobalForwardingRule. Import it by its path, projects/P/regions/R/forwardingRules/NAME."

// ForwardingRuleArgs are the inputs of gcp:compute:ForwardingRule.
type ForwardingRuleArgs struct {
	Name        *string           `infra:"name,replace" doc:"The rule's name. Unset: derived from the resource's name with a random suffix."`
	Project     *string           `infra:"project,replace" doc:"The project. Unset: the provider's project."`
	Region      *string           `infra:"region,replace" doc:"The region. Unset: the provider's region."`
	Description *string           `infra:"description,replace" doc:"A description of the rule."`
	IPAddress   *string           `infra:"ipAddress,replace" doc:"The address traffic is received on: a static address (a gcp:compute:Address's ipAddress). Unset: an ephemeral one."`
	IPProtocol  string            `infra:"ipProtocol,replace" default:"TCP" doc:"TCP or UDP."`
	PortRange   *string           `infra:"portRange,replace" doc:"The port or range of ports forwarded, such as 80 or 8000-8080. Unset: every port."`
	Target      string            `infra:"target" doc:"The target pool traffic goes to, by path (a gcp:compute:TargetPool's ID). A change updates the rule in place."`
	Labels      map[string]string `infra:"labels" doc:"The labels of the rule; the provider's default labels are added. A change updates them in place."`
}

// ForwardingRuleState are the outputs of gcp:compute:ForwardingRule.
type ForwardingRuleState struct {
	ForwardingRuleArgs
	SelfLink        string            `infra:"selfLink" doc:"The rule's URL."`
	IP              string            `infra:"ip" doc:"The address the rule receives traffic on."`
	EffectiveLabels map[string]string `infra:"effectiveLabels" doc:"The labels of the rule: its own and the provider's default labels together."`
}

type forwardingRuleResource struct{ p *gcpProvider }

// Check names the rule and validates what the schema cannot.
func (r *forwardingRuleResource) Check(_ context.Context, req provider.CheckRequest[ForwardingRuleArgs]) (ForwardingRuleArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := checkAutoName(req.URN, &req.OldInputs, &in, func(a *ForwardingRuleArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	if m := checkName("name", *in.Name); m != nil {
		fs = append(fs, provider.CheckFailure{Property: "name", Reason: *m})
	}
	if in.IPProtocol != "TCP" && in.IPProtocol != "UDP" {
		fs = append(fs, provider.CheckFailure{Property: "ipProtocol", Reason: fmt.Sprintf("ipProtocol %q is not TCP or UDP", in.IPProtocol)})
	}
	if _, err := parseID(in.Target, "regions", "targetPools"); err != nil {
		fs = append(fs, provider.CheckFailure{Property: "target", Reason: "target: " + err.Error()})
	}
	fs = append(fs, checkLabelMap("labels", in.Labels)...)
	return in, fs, nil
}

// canonicalPorts writes a port range as Google does ("80" → "80-80").
func canonicalPorts(p *string) *string {
	if p == nil || strings.Contains(*p, "-") {
		return p
	}
	s := *p + "-" + *p
	return &s
}

// Diff treats unset project, region and address as unchanged, and "80" as "80-80".
func (r *forwardingRuleResource) Diff(_ context.Context, req provider.DiffRequest[ForwardingRuleArgs, ForwardingRuleState]) (provider.DiffResponse, error) {
	news := req.Inputs
	if str(canonicalPorts(news.PortRange)) == str(canonicalPorts(req.OldInputs.PortRange)) {
		news.PortRange = req.OldInputs.PortRange
	}
	if sameRef(news.Target, req.OldInputs.Target) {
		news.Target = req.OldInputs.Target
	}
	return provider.DiffStructs(req.OldInputs, news, "project", "region", "ipAddress")
}

// Create inserts the rule, labelled with the create's token.
func (r *forwardingRuleResource) Create(ctx context.Context, req provider.CreateRequest[ForwardingRuleArgs]) (provider.CreateResponse[ForwardingRuleState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[ForwardingRuleState]{}, err
	}
	in := req.Inputs
	project, err := c.needProject(in.Project)
	if err != nil {
		return provider.CreateResponse[ForwardingRuleState]{}, err
	}
	region, err := c.needRegion(in.Region)
	if err != nil {
		return provider.CreateResponse[ForwardingRuleState]{}, err
	}
	op, err := c.forwardingRules.Insert(ctx, &computepb.InsertForwardingRuleRequest{Project: project, Region: region, RequestId: proto.String(requestID(req.IdempotencyToken)),
		ForwardingRuleResource: &computepb.ForwardingRule{Name: in.Name, Description: in.Description, IPAddress: in.IPAddress, IPProtocol: proto.String(in.IPProtocol),
			PortRange: in.PortRange, Target: proto.String(in.Target), LoadBalancingScheme: proto.String("EXTERNAL"),
			Labels: c.createLabels(req.URN, req.IdempotencyToken, in.Labels)}}, c.retry)
	if err != nil {
		return provider.CreateResponse[ForwardingRuleState]{}, fmt.Errorf("insert forwarding rule %s: %w", *in.Name, err)
	}
	id := objectID{project: project, location: region, name: *in.Name}.path("regions", "forwardingRules")
	if err := c.wait(ctx, op, "forwarding rule "+id); err != nil {
		return provider.CreateResponse[ForwardingRuleState]{}, err
	}
	resp, err := r.read(ctx, c, id, &in, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[ForwardingRuleState]{ID: id, Outputs: ForwardingRuleState{ForwardingRuleArgs: in}}, notVisible(id, err)
	}
	return provider.CreateResponse[ForwardingRuleState]{ID: id, Outputs: resp.Outputs}, nil
}

func (r *forwardingRuleResource) get(ctx context.Context, c *clients, oid objectID, wait bool) (*computepb.ForwardingRule, error) {
	return getRetrying(ctx, c, func() (*computepb.ForwardingRule, error) {
		return c.forwardingRules.Get(ctx, &computepb.GetForwardingRuleRequest{Project: oid.project, Region: oid.location, ForwardingRule: oid.name}, c.retry)
	}, !wait)
}

func (r *forwardingRuleResource) read(ctx context.Context, c *clients, id string, old *ForwardingRuleArgs, wait bool) (provider.ReadResponse[ForwardingRuleArgs, ForwardingRuleState], error) {
	oid, err := parseID(id, "regions", "forwardingRules")
	if err != nil {
		return provider.ReadResponse[ForwardingRuleArgs, ForwardingRuleState]{}, err
	}
	fr, err := r.get(ctx, c, oid, wait)
	if err != nil || fr == nil {
		return provider.ReadResponse[ForwardingRuleArgs, ForwardingRuleState]{}, wrapRead(id, err)
	}
	in := ForwardingRuleArgs{Name: proto.String(fr.GetName()), Project: proto.String(oid.project), Region: proto.String(oid.location),
		Description: optStr(fr.GetDescription()), IPAddress: proto.String(fr.GetIPAddress()), IPProtocol: fr.GetIPProtocol(),
		PortRange: optStr(fr.GetPortRange()), Target: rel(fr.GetTarget())}
	var oldLabels map[string]string
	if old != nil {
		oldLabels = old.Labels
		in.Project, in.Region, in.IPAddress = keepIfSet(old.Project, in.Project), keepIfSet(old.Region, in.Region), keepIfSet(old.IPAddress, in.IPAddress)
		if str(canonicalPorts(old.PortRange)) == str(in.PortRange) {
			in.PortRange = old.PortRange
		}
		in.Target = str(keepRef(&old.Target, fr.GetTarget()))
	}
	in.Labels = c.userLabels(fr.GetLabels(), oldLabels)
	st := ForwardingRuleState{ForwardingRuleArgs: in, SelfLink: fr.GetSelfLink(), IP: fr.GetIPAddress(), EffectiveLabels: visibleLabels(fr.GetLabels())}
	return provider.ReadResponse[ForwardingRuleArgs, ForwardingRuleState]{ID: id, Inputs: in, Outputs: st}, nil
}

// Read reads the rule for refresh and import.
func (r *forwardingRuleResource) Read(ctx context.Context, req provider.ReadRequest[ForwardingRuleArgs, ForwardingRuleState]) (provider.ReadResponse[ForwardingRuleArgs, ForwardingRuleState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[ForwardingRuleArgs, ForwardingRuleState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the rule a cut-off create made by the operation its requestId started.
func (r *forwardingRuleResource) Lookup(ctx context.Context, req provider.LookupRequest[ForwardingRuleArgs]) (provider.ReadResponse[ForwardingRuleArgs, ForwardingRuleState], error) {
	return lookupByOperation(ctx, r.p, req.URN, req.IdempotencyToken, r.read)
}

// Update sets the target and the labels.
func (r *forwardingRuleResource) Update(ctx context.Context, req provider.UpdateRequest[ForwardingRuleArgs, ForwardingRuleState]) (provider.UpdateResponse[ForwardingRuleState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[ForwardingRuleState]{}, err
	}
	oid, err := parseID(req.ID, "regions", "forwardingRules")
	if err != nil {
		return provider.UpdateResponse[ForwardingRuleState]{}, err
	}
	fr, err := r.get(ctx, c, oid, false)
	if err != nil || fr == nil {
		return provider.UpdateResponse[ForwardingRuleState]{}, notVisible(req.ID, err)
	}
	if !sameRef(fr.GetTarget(), req.Inputs.Target) {
		op, err := c.forwardingRules.SetTarget(ctx, &computepb.SetTargetForwardingRuleRequest{Project: oid.project, Region: oid.location, ForwardingRule: oid.name,
			RequestId: proto.String(newRequestID()), TargetReferenceResource: &computepb.TargetReference{Target: proto.String(req.Inputs.Target)}}, c.retry)
		if err != nil {
			return provider.UpdateResponse[ForwardingRuleState]{}, fmt.Errorf("set the target of %s: %w", req.ID, err)
		}
		if err := c.wait(ctx, op, "the target of "+req.ID); err != nil {
			return provider.UpdateResponse[ForwardingRuleState]{}, err
		}
	}
	if want := c.desiredLabels(req.Inputs.Labels); !sameLabels(visibleLabels(fr.GetLabels()), want) {
		err := withFingerprint(ctx, c, "the labels of "+req.ID, func() (*computeOp, error) {
			cur, err := r.get(ctx, c, oid, false)
			if err != nil || cur == nil {
				return nil, notVisible(req.ID, err)
			}
			return c.forwardingRules.SetLabels(ctx, &computepb.SetLabelsForwardingRuleRequest{Project: oid.project, Region: oid.location, Resource: oid.name,
				RequestId: proto.String(newRequestID()), RegionSetLabelsRequestResource: &computepb.RegionSetLabelsRequest{
					Labels: withInternal(cur.GetLabels(), want), LabelFingerprint: cur.LabelFingerprint}}, c.retry)
		})
		if err != nil {
			return provider.UpdateResponse[ForwardingRuleState]{}, err
		}
	}
	resp, err := r.read(ctx, c, req.ID, &req.Inputs, true)
	if err != nil || resp.ID == "" {
		return provider.UpdateResponse[ForwardingRuleState]{}, notVisible(req.ID, err)
	}
	return provider.UpdateResponse[ForwardingRuleState]{Outputs: resp.Outputs}, nil
}

// Delete deletes the rule.
func (r *forwardingRuleResource) Delete(ctx context.Context, req provider.DeleteRequest[ForwardingRuleArgs, ForwardingRuleState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	oid, err := parseID(req.ID, "regions", "forwardingRules")
	if err != nil {
		return err
	}
	return c.deleteWith(ctx, req.ID, func(rid string) (*computeOp, error) {
		return c.forwardingRules.Delete(ctx, &computepb.DeleteForwardingRuleRequest{Project: oid.project, Region: oid.location, ForwardingRule: oid.name, RequestId: &rid}, c.retry)
	})
}
