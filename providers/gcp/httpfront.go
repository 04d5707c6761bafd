package gcp

import (
	"context"
	"fmt"

	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/protobuf/proto"

	"github.com/infrago/infra/sdk/provider"
)

const targetHTTPProxyDoc = "A global target HTTP proxy of the global HTTP load balancer: it ends the clients' HTTP " +
	"connections and routes their requests by a URL map. urlMap changes in place (setUrlMap); any other change " +
	"replaces it. Target HTTP proxies carry no labels, so a create cut off by a crash is found again by the operation " +
	"its requestId started. Import it by its path, projects/P/global/targetHttpProxies/NAME."

// TargetHTTPProxyArgs are the inputs of gcp:compute:TargetHTTPProxy.
type TargetHTTPProxyArgs struct {
	Name        *string `infra:"name,replace" doc:"The proxy's name. Unset: derived from the resource's name with a random suffix."`
	Project     *string `infra:"project,replace" doc:"The project. Unset: the provider's project."`
	Description *string `infra:"description,replace" doc:"A description of the proxy."`
	URLMap      string  `infra:"urlMap" doc:"The URL map requests are routed by, by path (a gcp:compute:URLMap's ID). A change updates the proxy in place."`
}

// TargetHTTPProxyState are the outputs of gcp:compute:TargetHTTPProxy.
type TargetHTTPProxyState struct {
	TargetHTTPProxyArgs
	SelfLink string `infra:"selfLink" doc:"The proxy's URL, which a global forwarding rule's target names."`
}

type targetHTTPProxyResource struct{ p *gcpProvider }

// Check names the proxy and validates its reference.
func (r *targetHTTPProxyResource) Check(_ context.Context, req provider.CheckRequest[TargetHTTPProxyArgs]) (TargetHTTPProxyArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := checkAutoName(req.URN, &req.OldInputs, &in, func(a *TargetHTTPProxyArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	if m := checkName("name", *in.Name); m != nil {
		fs = append(fs, provider.CheckFailure{Property: "name", Reason: *m})
	}
	if _, err := parseID(in.URLMap, "global", "urlMaps"); err != nil {
		fs = append(fs, provider.CheckFailure{Property: "urlMap", Reason: "urlMap: " + err.Error()})
	}
	return in, fs, nil
}

// Diff treats an unset project as unchanged and the same map spelled differently as the same.
func (r *targetHTTPProxyResource) Diff(_ context.Context, req provider.DiffRequest[TargetHTTPProxyArgs, TargetHTTPProxyState]) (provider.DiffResponse, error) {
	news := req.Inputs
	if sameRef(news.URLMap, req.OldInputs.URLMap) {
		news.URLMap = req.OldInputs.URLMap
	}
	return provider.DiffStructs(req.OldInputs, news, "project")
}

// Create inserts the proxy.
func (r *targetHTTPProxyResource) Create(ctx context.Context, req provider.CreateRequest[TargetHTTPProxyArgs]) (provider.CreateResponse[TargetHTTPProxyState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[TargetHTTPProxyState]{}, err
	}
	in := req.Inputs
	project, err := c.needProject(in.Project)
	if err != nil {
		return provider.CreateResponse[TargetHTTPProxyState]{}, err
	}
	op, err := c.targetHTTPProxies.Insert(ctx, &computepb.InsertTargetHttpProxyRequest{Project: project, RequestId: proto.String(requestID(req.IdempotencyToken)),
		TargetHttpProxyResource: &computepb.TargetHttpProxy{Name: in.Name, Description: in.Description, UrlMap: proto.String(in.URLMap)}}, c.retry)
	if err != nil {
		return provider.CreateResponse[TargetHTTPProxyState]{}, fmt.Errorf("insert target HTTP proxy %s: %w", *in.Name, err)
	}
	id := objectID{project: project, name: *in.Name}.path("global", "targetHttpProxies")
	if err := c.wait(ctx, op, "target HTTP proxy "+id); err != nil {
		return provider.CreateResponse[TargetHTTPProxyState]{}, err
	}
	resp, err := r.read(ctx, c, id, &in, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[TargetHTTPProxyState]{ID: id, Outputs: TargetHTTPProxyState{TargetHTTPProxyArgs: in}}, notVisible(id, err)
	}
	return provider.CreateResponse[TargetHTTPProxyState]{ID: id, Outputs: resp.Outputs}, nil
}

func (r *targetHTTPProxyResource) get(ctx context.Context, c *clients, oid objectID, wait bool) (*computepb.TargetHttpProxy, error) {
	return getRetrying(ctx, c, func() (*computepb.TargetHttpProxy, error) {
		return c.targetHTTPProxies.Get(ctx, &computepb.GetTargetHttpProxyRequest{Project: oid.project, TargetHttpProxy: oid.name}, c.retry)
	}, !wait)
}

func (r *targetHTTPProxyResource) read(ctx context.Context, c *clients, id string, old *TargetHTTPProxyArgs, wait bool) (provider.ReadResponse[TargetHTTPProxyArgs, TargetHTTPProxyState], error) {
	oid, err := parseID(id, "global", "targetHttpProxies")
	if err != nil {
		return provider.ReadResponse[TargetHTTPProxyArgs, TargetHTTPProxyState]{}, err
	}
	tp, err := r.get(ctx, c, oid, wait)
	if err != nil || tp == nil {
		return provider.ReadResponse[TargetHTTPProxyArgs, TargetHTTPProxyState]{}, wrapRead(id, err)
	}
	in := TargetHTTPProxyArgs{Name: proto.String(tp.GetName()), Project: proto.String(oid.project), Description: optStr(tp.GetDescription()),
		URLMap: rel(tp.GetUrlMap())}
	if old != nil {
		in.Project = keepIfSet(old.Project, in.Project)
		in.URLMap = str(keepRef(&old.URLMap, tp.GetUrlMap()))
	}
	return provider.ReadResponse[TargetHTTPProxyArgs, TargetHTTPProxyState]{ID: id, Inputs: in,
		Outputs: TargetHTTPProxyState{TargetHTTPProxyArgs: in, SelfLink: tp.GetSelfLink()}}, nil
}

// Read reads the proxy for refresh and import.
func (r *targetHTTPProxyResource) Read(ctx context.Context, req provider.ReadRequest[TargetHTTPProxyArgs, TargetHTTPProxyState]) (provider.ReadResponse[TargetHTTPProxyArgs, TargetHTTPProxyState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[TargetHTTPProxyArgs, TargetHTTPProxyState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the proxy a cut-off create made by the operation its requestId started.
func (r *targetHTTPProxyResource) Lookup(ctx context.Context, req provider.LookupRequest[TargetHTTPProxyArgs]) (provider.ReadResponse[TargetHTTPProxyArgs, TargetHTTPProxyState], error) {
	return lookupByOperation(ctx, r.p, req.URN, req.IdempotencyToken, r.read)
}

// Update points the proxy at another URL map.
func (r *targetHTTPProxyResource) Update(ctx context.Context, req provider.UpdateRequest[TargetHTTPProxyArgs, TargetHTTPProxyState]) (provider.UpdateResponse[TargetHTTPProxyState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[TargetHTTPProxyState]{}, err
	}
	oid, err := parseID(req.ID, "global", "targetHttpProxies")
	if err != nil {
		return provider.UpdateResponse[TargetHTTPProxyState]{}, err
	}
	tp, err := r.get(ctx, c, oid, false)
	if err != nil || tp == nil {
		return provider.UpdateResponse[TargetHTTPProxyState]{}, notVisible(req.ID, err)
	}
	if !sameRef(tp.GetUrlMap(), req.Inputs.URLMap) {
		op, err := c.targetHTTPProxies.SetUrlMap(ctx, &computepb.SetUrlMapTargetHttpProxyRequest{Project: oid.project, TargetHttpProxy: oid.name,
			RequestId: proto.String(newRequestID()), UrlMapReferenceResource: &computepb.UrlMapReference{UrlMap: proto.String(req.Inputs.URLMap)}}, c.retry)
		if err != nil {
			return provider.UpdateResponse[TargetHTTPProxyState]{}, fmt.Errorf("set the URL map of %s: %w", req.ID, err)
		}
		if err := c.wait(ctx, op, "the URL map of "+req.ID); err != nil {
			return provider.UpdateResponse[TargetHTTPProxyState]{}, err
		}
	}
	resp, err := r.read(ctx, c, req.ID, &req.Inputs, true)
	if err != nil || resp.ID == "" {
		return provider.UpdateResponse[TargetHTTPProxyState]{}, notVisible(req.ID, err)
	}
	return provider.UpdateResponse[TargetHTTPProxyState]{Outputs: resp.Outputs}, nil
}

// Delete deletes the proxy.
func (r *targetHTTPProxyResource) Delete(ctx context.Context, req provider.DeleteRequest[TargetHTTPProxyArgs, TargetHTTPProxyState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	oid, err := parseID(req.ID, "global", "targetHttpProxies")
	if err != nil {
		return err
	}
	return c.deleteWith(ctx, req.ID, func(rid string) (*computeOp, error) {
		return c.targetHTTPProxies.Delete(ctx, &computepb.DeleteTargetHttpProxyRequest{Project: oid.project, TargetHttpProxy: oid.name, RequestId: &rid}, c.retry)
	})
}

const globalForwardingRuleDoc = "A global forwarding rule: the front of the global HTTP load balancer, sending HTTP " +
	"traffic for a global address and port to a target HTTP proxy. It is a type of its own rather than a scope of " +
	"gcp:compute:ForwardingRule because everything about it differs: its target (a proxy, not a pool), its address " +
	"(a global one), its ID and its client. It is labelled infra-token and infra-urn. target changes in place " +
	"(setTarget) and labels with setLabels; any other change replaces it. Import it by its path, " +
	"projects/P/global/forwardingRules/NAME."

// GlobalForwardingRuleArgs are the inputs of gcp:compute:GlobalForwardingRule.
type GlobalForwardingRuleArgs struct {
	Name        *string           `infra:"name,replace" doc:"The rule's name. Unset: derived from the resource's name with a random suffix."`
	Project     *string           `infra:"project,replace" doc:"The project. Unset: the provider's project."`
	Description *string           `infra:"description,replace" doc:"A description of the rule."`
	IPAddress   *string           `infra:"ipAddress,replace" doc:"The address traffic is received on: a global static address (the ipAddress of a gcp:compute:Address with global true). Unset: an ephemeral one."`
	PortRange   string            `infra:"portRange,replace" default:"80" doc:"The port forwarded: 80 or 8080 for a target HTTP proxy."`
	Target      string            `infra:"target" doc:"The target HTTP proxy traffic goes to, by path (a gcp:compute:TargetHTTPProxy's ID). A change updates the rule in place."`
	Labels      map[string]string `infra:"labels" doc:"The labels of the rule; the provider's default labels are added. A change updates them in place."`
}

// GlobalForwardingRuleState are the outputs of gcp:compute:GlobalForwardingRule.
type GlobalForwardingRuleState struct {
	GlobalForwardingRuleArgs
	SelfLink        string            `infra:"selfLink" doc:"The rule's URL."`
	IP              string            `infra:"ip" doc:"The address the rule receives traffic on: where the load balancer answers."`
	EffectiveLabels map[string]string `infra:"effectiveLabels" doc:"The labels of the rule: its own and the provider's default labels together."`
}

type globalForwardingRuleResource struct{ p *gcpProvider }

// Check names the rule and validates what the schema cannot.
func (r *globalForwardingRuleResource) Check(_ context.Context, req provider.CheckRequest[GlobalForwardingRuleArgs]) (GlobalForwardingRuleArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := checkAutoName(req.URN, &req.OldInputs, &in, func(a *GlobalForwardingRuleArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	if m := checkName("name", *in.Name); m != nil {
		fs = append(fs, provider.CheckFailure{Property: "name", Reason: *m})
	}
	if p := str(canonicalPorts(&in.PortRange)); p != "80-80" && p != "8080-8080" {
		fs = append(fs, provider.CheckFailure{Property: "portRange", Reason: fmt.Sprintf("portRange %q is not 80 or 8080, the ports a target HTTP proxy takes", in.PortRange)})
	}
	if _, err := parseID(in.Target, "global", "targetHttpProxies"); err != nil {
		fs = append(fs, provider.CheckFailure{Property: "target", Reason: "target: " + err.Error()})
	}
	fs = append(fs, checkLabelMap("labels", in.Labels)...)
	return in, fs, nil
}

// Diff treats unset project and address as unchanged, and "80" as "80-80".
func (r *globalForwardingRuleResource) Diff(_ context.Context, req provider.DiffRequest[GlobalForwardingRuleArgs, GlobalForwardingRuleState]) (provider.DiffResponse, error) {
	news := req.Inputs
	if str(canonicalPorts(&news.PortRange)) == str(canonicalPorts(&req.OldInputs.PortRange)) {
		news.PortRange = req.OldInputs.PortRange
	}
	if sameRef(news.Target, req.OldInputs.Target) {
		news.Target = req.OldInputs.Target
	}
	return provider.DiffStructs(req.OldInputs, news, "project", "ipAddress")
}

// Create inserts the rule, labelled with the create's token.
func (r *globalForwardingRuleResource) Create(ctx context.Context, req provider.CreateRequest[GlobalForwardingRuleArgs]) (provider.CreateResponse[GlobalForwardingRuleState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[GlobalForwardingRuleState]{}, err
	}
	in := req.Inputs
	project, err := c.needProject(in.Project)
	if err != nil {
		return provider.CreateResponse[GlobalForwardingRuleState]{}, err
	}
	op, err := c.globalForwarding.Insert(ctx, &computepb.InsertGlobalForwardingRuleRequest{Project: project, RequestId: proto.String(requestID(req.IdempotencyToken)),
		ForwardingRuleResource: &computepb.ForwardingRule{Name: in.Name, Description: in.Description, IPAddress: in.IPAddress, IPProtocol: proto.String("TCP"),
			PortRange: proto.String(in.PortRange), Target: proto.String(in.Target), LoadBalancingScheme: proto.String("EXTERNAL"),
			Labels: c.createLabels(req.URN, req.IdempotencyToken, in.Labels)}}, c.retry)
	if err != nil {
		return provider.CreateResponse[GlobalForwardingRuleState]{}, fmt.Errorf("insert global forwarding rule %s: %w", *in.Name, err)
	}
	id := objectID{project: project, name: *in.Name}.path("global", "forwardingRules")
	if err := c.wait(ctx, op, "global forwarding rule "+id); err != nil {
		return provider.CreateResponse[GlobalForwardingRuleState]{}, err
	}
	resp, err := r.read(ctx, c, id, &in, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[GlobalForwardingRuleState]{ID: id, Outputs: GlobalForwardingRuleState{GlobalForwardingRuleArgs: in}}, notVisible(id, err)
	}
	return provider.CreateResponse[GlobalForwardingRuleState]{ID: id, Outputs: resp.Outputs}, nil
}

func (r *globalForwardingRuleResource) get(ctx context.Context, c *clients, oid objectID, wait bool) (*computepb.ForwardingRule, error) {
	return getRetrying(ctx, c, func() (*computepb.ForwardingRule, error) {
		return c.globalForwarding.Get(ctx, &computepb.GetGlobalForwardingRuleRequest{Project: oid.project, ForwardingRule: oid.name}, c.retry)
	}, !wait)
}

func (r *globalForwardingRuleResource) read(ctx context.Context, c *clients, id string, old *GlobalForwardingRuleArgs, wait bool) (provider.ReadResponse[GlobalForwardingRuleArgs, GlobalForwardingRuleState], error) {
	oid, err := parseID(id, "global", "forwardingRules")
	if err != nil {
		return provider.ReadResponse[GlobalForwardingRuleArgs, GlobalForwardingRuleState]{}, err
	}
	fr, err := r.get(ctx, c, oid, wait)
	if err != nil || fr == nil {
		return provider.ReadResponse[GlobalForwardingRuleArgs, GlobalForwardingRuleState]{}, wrapRead(id, err)
	}
	in := GlobalForwardingRuleArgs{Name: proto.String(fr.GetName()), Project: proto.String(oid.project), Description: optStr(fr.GetDescription()),
		IPAddress: proto.String(fr.GetIPAddress()), PortRange: fr.GetPortRange(), Target: rel(fr.GetTarget())}
	var oldLabels map[string]string
	if old != nil {
		oldLabels = old.Labels
		in.Project, in.IPAddress = keepIfSet(old.Project, in.Project), keepIfSet(old.IPAddress, in.IPAddress)
		if str(canonicalPorts(&old.PortRange)) == in.PortRange {
			in.PortRange = old.PortRange
		}
		in.Target = str(keepRef(&old.Target, fr.GetTarget()))
	}
	in.Labels = c.userLabels(fr.GetLabels(), oldLabels)
	st := GlobalForwardingRuleState{GlobalForwardingRuleArgs: in, SelfLink: fr.GetSelfLink(), IP: fr.GetIPAddress(), EffectiveLabels: visibleLabels(fr.GetLabels())}
	return provider.ReadResponse[GlobalForwardingRuleArgs, GlobalForwardingRuleState]{ID: id, Inputs: in, Outputs: st}, nil
}

// Read reads the rule for refresh and import.
func (r *globalForwardingRuleResource) Read(ctx context.Context, req provider.ReadRequest[GlobalForwardingRuleArgs, GlobalForwardingRuleState]) (provider.ReadResponse[GlobalForwardingRuleArgs, GlobalForwardingRuleState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[GlobalForwardingRuleArgs, GlobalForwardingRuleState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the rule a cut-off create made by the operation its requestId started.
func (r *globalForwardingRuleResource) Lookup(ctx context.Context, req provider.LookupRequest[GlobalForwardingRuleArgs]) (provider.ReadResponse[GlobalForwardingRuleArgs, GlobalForwardingRuleState], error) {
	return lookupByOperation(ctx, r.p, req.URN, req.IdempotencyToken, r.read)
}

// Update sets the target and the labels.
func (r *globalForwardingRuleResource) Update(ctx context.Context, req provider.UpdateRequest[GlobalForwardingRuleArgs, GlobalForwardingRuleState]) (provider.UpdateResponse[GlobalForwardingRuleState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[GlobalForwardingRuleState]{}, err
	}
	oid, err := parseID(req.ID, "global", "forwardingRules")
	if err != nil {
		return provider.UpdateResponse[GlobalForwardingRuleState]{}, err
	}
	fr, err := r.get(ctx, c, oid, false)
	if err != nil || fr == nil {
		return provider.UpdateResponse[GlobalForwardingRuleState]{}, notVisible(req.ID, err)
	}
	if !sameRef(fr.GetTarget(), req.Inputs.Target) {
		op, err := c.globalForwarding.SetTarget(ctx, &computepb.SetTargetGlobalForwardingRuleRequest{Project: oid.project, ForwardingRule: oid.name,
			RequestId: proto.String(newRequestID()), TargetReferenceResource: &computepb.TargetReference{Target: proto.String(req.Inputs.Target)}}, c.retry)
		if err != nil {
			return provider.UpdateResponse[GlobalForwardingRuleState]{}, fmt.Errorf("set the target of %s: %w", req.ID, err)
		}
		if err := c.wait(ctx, op, "the target of "+req.ID); err != nil {
			return provider.UpdateResponse[GlobalForwardingRuleState]{}, err
		}
	}
	if want := c.desiredLabels(req.Inputs.Labels); !sameLabels(visibleLabels(fr.GetLabels()), want) {
		err := withFingerprint(ctx, c, "the labels of "+req.ID, func() (*computeOp, error) {
			cur, err := r.get(ctx, c, oid, false)
			if err != nil || cur == nil {
				return nil, notVisible(req.ID, err)
			}
			return c.globalForwarding.SetLabels(ctx, &computepb.SetLabelsGlobalForwardingRuleRequest{Project: oid.project, Resource: oid.name,
				GlobalSetLabelsRequestResource: &computepb.GlobalSetLabelsRequest{Labels: withInternal(cur.GetLabels(), want), LabelFingerprint: cur.LabelFingerprint}}, c.retry)
		})
		if err != nil {
			return provider.UpdateResponse[GlobalForwardingRuleState]{}, err
		}
	}
	resp, err := r.read(ctx, c, req.ID, &req.Inputs, true)
	if err != nil || resp.ID == "" {
		return provider.UpdateResponse[GlobalForwardingRuleState]{}, notVisible(req.ID, err)
	}
	return provider.UpdateResponse[GlobalForwardingRuleState]{Outputs: resp.Outputs}, nil
}

// Delete deletes the rule.
func (r *globalForwardingRuleResource) Delete(ctx context.Context, req provider.DeleteRequest[GlobalForwardingRuleArgs, GlobalForwardingRuleState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	oid, err := parseID(req.ID, "global", "forwardingRules")
	if err != nil {
		return err
	}
	return c.deleteWith(ctx, req.ID, func(rid string) (*computeOp, error) {
		return c.globalForwarding.Delete(ctx, &computepb.DeleteGlobalForwardingRuleRequest{Project: oid.project, ForwardingRule: oid.name, RequestId: &rid}, c.retry)
	})
}
