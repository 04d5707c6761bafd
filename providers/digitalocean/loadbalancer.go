package digitalocean

import (
	"context"
	"fmt"
	"slices"

	"github.com/digitalocean/godo"

	"github.com/infrago/infra/sdk/provider"
)

const loadBalancerDoc = "A regional load balancer in front of droplets, named by ID (dropletIds) or selected by a tag " +
	"(dropletTag). Every setting but the region and the VPC changes in place; droplets that join are added before " +
	"those that leave are removed, so a replaced droplet's successor is in service before it goes. Import it by its " +
	"UUID."

// LBForwardingRule is one port a load balancer forwards.
type LBForwardingRule struct {
	EntryProtocol  string  `infra:"entryProtocol" doc:"The protocol clients use: http, https, http2, http3, tcp or udp."`
	EntryPort      int     `infra:"entryPort" doc:"The port clients connect to."`
	TargetProtocol string  `infra:"targetProtocol" doc:"The protocol spoken to the droplets: http, https, http2, tcp or udp."`
	TargetPort     int     `infra:"targetPort" doc:"The droplets' port."`
	CertificateID  *string `infra:"certificateId" doc:"The certificate to terminate TLS with, for https, http2 and http3 entries."`
	TLSPassthrough bool    `infra:"tlsPassthrough" default:"false" doc:"Whether TLS is passed through to the droplets instead of terminated."`
}

// LBHealthCheck is how a load balancer checks its droplets.
type LBHealthCheck struct {
	Protocol               string  `infra:"protocol" doc:"http, https or tcp."`
	Port                   int     `infra:"port" doc:"The droplets' port to check."`
	Path                   *string `infra:"path" doc:"The path an http or https check requests, such as /health."`
	CheckIntervalSeconds   *int    `infra:"checkIntervalSeconds" doc:"Seconds between two checks (3 to 300; DigitalOcean's default is 10)."`
	ResponseTimeoutSeconds *int    `infra:"responseTimeoutSeconds" doc:"Seconds a check waits for an answer (3 to 300; default 5)."`
	HealthyThreshold       *int    `infra:"healthyThreshold" doc:"Checks in a row that must pass before a droplet is healthy (2 to 10; default 5)."`
	UnhealthyThreshold     *int    `infra:"unhealthyThreshold" doc:"Checks in a row that must fail before a droplet is unhealthy (2 to 10; default 3)."`
}

// LBStickySessions is how a load balancer keeps a client on one droplet.
type LBStickySessions struct {
	Type             string  `infra:"type" doc:"none or cookies."`
	CookieName       *string `infra:"cookieName" doc:"The cookie's name, for cookies."`
	CookieTTLSeconds *int    `infra:"cookieTtlSeconds" doc:"The cookie's lifetime in seconds, for cookies."`
}

// LoadBalancerArgs are the inputs of digitalocean:index:LoadBalancer.
type LoadBalancerArgs struct {
	Name                   *string            `infra:"name" doc:"The load balancer's name, unique in the account. Unset: derived from the resource's name with a random suffix. A change renames it in place."`
	Region                 string             `infra:"region,replace" doc:"The region slug, such as nyc3. A change replaces it."`
	Size                   *string            `infra:"size" doc:"The size: lb-small, lb-medium or lb-large. Unset: DigitalOcean's lb-small."`
	ForwardingRules        []LBForwardingRule `infra:"forwardingRules" doc:"The ports it forwards; at least one."`
	HealthCheck            *LBHealthCheck     `infra:"healthCheck" doc:"How droplets are checked. Unset: DigitalOcean's default (http on port 80, path /)."`
	StickySessions         *LBStickySessions  `infra:"stickySessions" doc:"Session affinity. Unset: none."`
	DropletIDs             []int              `infra:"dropletIds" doc:"The droplets behind it, by ID. Alternative to dropletTag."`
	DropletTag             *string            `infra:"dropletTag" doc:"A tag selecting the droplets behind it: every droplet carrying it, now or later. Alternative to dropletIds."`
	RedirectHTTPToHTTPS    bool               `infra:"redirectHttpToHttps" default:"false" doc:"Whether http requests on port 80 are redirected to https on port 443."`
	EnableProxyProtocol    bool               `infra:"enableProxyProtocol" default:"false" doc:"Whether the PROXY protocol is used towards the droplets."`
	EnableBackendKeepalive bool               `infra:"enableBackendKeepalive" default:"false" doc:"Whether connections to the droplets are kept open between requests."`
	HTTPIdleTimeoutSeconds *int               `infra:"httpIdleTimeoutSeconds" doc:"Seconds an idle http connection is kept (30 to 600). Unset: 60."`
	VPCUUID                *string            `infra:"vpcUuid,replace" doc:"The VPC it is placed in. Unset: the region's default VPC. A change replaces it."`
}

// LoadBalancerState are the outputs of digitalocean:index:LoadBalancer.
type LoadBalancerState struct {
	LoadBalancerArgs
	IP        string `infra:"ip" doc:"The load balancer's public IPv4 address."`
	Status    string `infra:"status" doc:"new, active or errored."`
	URN       string `infra:"urn" doc:"The load balancer's DigitalOcean URN (do:loadbalancer:UUID)."`
	CreatedAt string `infra:"createdAt" doc:"When the load balancer was created, in RFC 3339."`
}

type loadBalancerResource struct{ p *doProvider }

var lbProtocols = []string{"http", "https", "http2", "http3", "tcp", "udp"}

// Check names the load balancer and validates its rules, health check and droplet selection.
func (r *loadBalancerResource) Check(_ context.Context, req provider.CheckRequest[LoadBalancerArgs]) (LoadBalancerArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := fillName(req.URN, &req.OldInputs, &in, func(a *LoadBalancerArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs failures
	fs.region("region", in.Region)
	if len(in.ForwardingRules) == 0 {
		fs.add("forwardingRules", "forwardingRules needs at least one rule, such as {entryProtocol: http, entryPort: 80, targetProtocol: http, targetPort: 80}")
	}
	for i, fr := range in.ForwardingRules {
		if !slices.Contains(lbProtocols, fr.EntryProtocol) || !slices.Contains(lbProtocols, fr.TargetProtocol) {
			fs.add(fmt.Sprintf("forwardingRules[%d]", i), "protocols %q and %q must be among %v", fr.EntryProtocol, fr.TargetProtocol, lbProtocols)
		}
		if fr.EntryPort < 1 || fr.EntryPort > 65535 || fr.TargetPort < 1 || fr.TargetPort > 65535 {
			fs.add(fmt.Sprintf("forwardingRules[%d]", i), "ports %d and %d must be between 1 and 65535", fr.EntryPort, fr.TargetPort)
		}
	}
	if hc := in.HealthCheck; hc != nil {
		if !slices.Contains([]string{"http", "https", "tcp"}, hc.Protocol) {
			fs.add("healthCheck.protocol", "healthCheck.protocol %q is not http, https or tcp", hc.Protocol)
		}
		if hc.Port < 1 || hc.Port > 65535 {
			fs.add("healthCheck.port", "healthCheck.port %d is not between 1 and 65535", hc.Port)
		}
	}
	if s := in.StickySessions; s != nil && s.Type != "none" && s.Type != "cookies" {
		fs.add("stickySessions.type", "stickySessions.type %q is not none or cookies", s.Type)
	}
	if len(in.DropletIDs) > 0 && in.DropletTag != nil {
		fs.add("dropletTag", "dropletIds and dropletTag are alternatives; set one of them")
	}
	return in, fs, nil
}

// Diff treats the settings DigitalOcean fills in while the program leaves them unset as unchanged.
func (r *loadBalancerResource) Diff(_ context.Context, req provider.DiffRequest[LoadBalancerArgs, LoadBalancerState]) (provider.DiffResponse, error) {
	return provider.DiffStructs(req.OldInputs, req.Inputs, "size", "healthCheck", "stickySessions", "httpIdleTimeoutSeconds", "vpcUuid")
}

func lbRequest(in LoadBalancerArgs) *godo.LoadBalancerRequest {
	req := &godo.LoadBalancerRequest{Name: *in.Name, Region: in.Region, SizeSlug: str(in.Size), DropletIDs: in.DropletIDs,
		Tag: str(in.DropletTag), RedirectHttpToHttps: in.RedirectHTTPToHTTPS, EnableProxyProtocol: in.EnableProxyProtocol,
		EnableBackendKeepalive: in.EnableBackendKeepalive, VPCUUID: str(in.VPCUUID)}
	for _, fr := range in.ForwardingRules {
		req.ForwardingRules = append(req.ForwardingRules, godo.ForwardingRule{EntryProtocol: fr.EntryProtocol, EntryPort: fr.EntryPort,
			TargetProtocol: fr.TargetProtocol, TargetPort: fr.TargetPort, CertificateID: str(fr.CertificateID), TlsPassthrough: fr.TLSPassthrough})
	}
	if hc := in.HealthCheck; hc != nil {
		req.HealthCheck = &godo.HealthCheck{Protocol: hc.Protocol, Port: hc.Port, Path: str(hc.Path), CheckIntervalSeconds: deref(hc.CheckIntervalSeconds),
			ResponseTimeoutSeconds: deref(hc.ResponseTimeoutSeconds), HealthyThreshold: deref(hc.HealthyThreshold), UnhealthyThreshold: deref(hc.UnhealthyThreshold)}
	}
	if s := in.StickySessions; s != nil {
		req.StickySessions = &godo.StickySessions{Type: s.Type, CookieName: str(s.CookieName), CookieTtlSeconds: deref(s.CookieTTLSeconds)}
	}
	if in.HTTPIdleTimeoutSeconds != nil {
		req.HTTPIdleTimeoutSeconds = ptr(uint64(*in.HTTPIdleTimeoutSeconds))
	}
	return req
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func optInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

// Create creates the load balancer and waits until it is active (it has its address then).
func (r *loadBalancerResource) Create(ctx context.Context, req provider.CreateRequest[LoadBalancerArgs]) (provider.CreateResponse[LoadBalancerState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.CreateResponse[LoadBalancerState]{}, err
	}
	in := req.Inputs
	lb, _, err := c.godo.LoadBalancers.Create(ctx, lbRequest(in))
	if err != nil {
		return provider.CreateResponse[LoadBalancerState]{}, fmt.Errorf("create load balancer %s: %w", *in.Name, err)
	}
	resp, err := r.waitActive(ctx, c, lb.ID, &in)
	if err != nil {
		return provider.CreateResponse[LoadBalancerState]{ID: lb.ID, Outputs: LoadBalancerState{LoadBalancerArgs: in}}, err
	}
	return provider.CreateResponse[LoadBalancerState]{ID: lb.ID, Outputs: resp.Outputs}, nil
}

func (r *loadBalancerResource) waitActive(ctx context.Context, c *client, id string, in *LoadBalancerArgs) (provider.ReadResponse[LoadBalancerArgs, LoadBalancerState], error) {
	var resp provider.ReadResponse[LoadBalancerArgs, LoadBalancerState]
	err := c.waitFor(ctx, "load balancer "+id+" to be active", func() (bool, error) {
		var err error
		resp, err = r.read(ctx, c, id, in, true)
		if err != nil {
			return false, err
		}
		switch {
		case resp.ID == "":
			return false, notVisible("load balancer "+id, nil)
		case resp.Outputs.Status == "errored":
			return false, fmt.Errorf("load balancer %s is errored", id)
		}
		return resp.Outputs.Status == "active", nil
	})
	return resp, err
}

func (r *loadBalancerResource) read(ctx context.Context, c *client, id string, old *LoadBalancerArgs, wait bool) (provider.ReadResponse[LoadBalancerArgs, LoadBalancerState], error) {
	lb, found, err := getFresh(ctx, c, func() (*godo.LoadBalancer, error) {
		lb, _, err := c.godo.LoadBalancers.Get(ctx, id)
		return lb, err
	}, !wait)
	if err != nil || !found {
		return provider.ReadResponse[LoadBalancerArgs, LoadBalancerState]{}, wrapRead("load balancer "+id, err)
	}
	in := lbInputs(lb, old)
	st := LoadBalancerState{LoadBalancerArgs: in, IP: lb.IP, Status: lb.Status, URN: lb.URN(), CreatedAt: lb.Created}
	st.VPCUUID = optStr(lb.VPCUUID)
	return provider.ReadResponse[LoadBalancerArgs, LoadBalancerState]{ID: lb.ID, Inputs: in, Outputs: st}, nil
}

// lbInputs are the inputs a load balancer shows. The settings DigitalOcean fills in are left unset while old (the
// state's inputs; nil for an import) leaves them unset.
func lbInputs(lb *godo.LoadBalancer, old *LoadBalancerArgs) LoadBalancerArgs {
	in := LoadBalancerArgs{Name: ptr(lb.Name), Size: optStr(lb.SizeSlug), RedirectHTTPToHTTPS: lb.RedirectHttpToHttps,
		EnableProxyProtocol: lb.EnableProxyProtocol, EnableBackendKeepalive: lb.EnableBackendKeepalive, VPCUUID: optStr(lb.VPCUUID),
		DropletTag: optStr(lb.Tag)}
	if lb.Region != nil {
		in.Region = lb.Region.Slug
	}
	if lb.Tag == "" {
		in.DropletIDs = slices.Clone(lb.DropletIDs)
		slices.Sort(in.DropletIDs)
	}
	for _, fr := range lb.ForwardingRules {
		in.ForwardingRules = append(in.ForwardingRules, LBForwardingRule{EntryProtocol: fr.EntryProtocol, EntryPort: fr.EntryPort,
			TargetProtocol: fr.TargetProtocol, TargetPort: fr.TargetPort, CertificateID: optStr(fr.CertificateID), TLSPassthrough: fr.TlsPassthrough})
	}
	if hc := lb.HealthCheck; hc != nil {
		in.HealthCheck = &LBHealthCheck{Protocol: hc.Protocol, Port: hc.Port, Path: optStr(hc.Path), CheckIntervalSeconds: optInt(hc.CheckIntervalSeconds),
			ResponseTimeoutSeconds: optInt(hc.ResponseTimeoutSeconds), HealthyThreshold: optInt(hc.HealthyThreshold), UnhealthyThreshold: optInt(hc.UnhealthyThreshold)}
	}
	if s := lb.StickySessions; s != nil {
		in.StickySessions = &LBStickySessions{Type: s.Type, CookieName: optStr(s.CookieName), CookieTTLSeconds: optInt(s.CookieTtlSeconds)}
	}
	if lb.HTTPIdleTimeoutSeconds != nil {
		in.HTTPIdleTimeoutSeconds = ptr(int(*lb.HTTPIdleTimeoutSeconds))
	}
	if old == nil {
		return in
	}
	if old.Size == nil {
		in.Size = nil
	}
	if old.VPCUUID == nil {
		in.VPCUUID = nil
	}
	if old.HTTPIdleTimeoutSeconds == nil {
		in.HTTPIdleTimeoutSeconds = nil
	}
	if old.StickySessions == nil && (in.StickySessions == nil || in.StickySessions.Type == "none") {
		in.StickySessions = nil
	}
	if old.HealthCheck == nil {
		in.HealthCheck = nil
	} else if in.HealthCheck != nil {
		// DigitalOcean fills in the timings the program left out.
		h, o := in.HealthCheck, old.HealthCheck
		keepUnset := func(live **int, prog *int) {
			if prog == nil {
				*live = nil
			}
		}
		keepUnset(&h.CheckIntervalSeconds, o.CheckIntervalSeconds)
		keepUnset(&h.ResponseTimeoutSeconds, o.ResponseTimeoutSeconds)
		keepUnset(&h.HealthyThreshold, o.HealthyThreshold)
		keepUnset(&h.UnhealthyThreshold, o.UnhealthyThreshold)
	}
	if len(old.DropletIDs) > 0 {
		// The program's order is kept when the set is the same.
		want := slices.Sorted(slices.Values(old.DropletIDs))
		if slices.Equal(want, in.DropletIDs) {
			in.DropletIDs = old.DropletIDs
		}
	}
	return in
}

// Read reads the load balancer for refresh and import.
func (r *loadBalancerResource) Read(ctx context.Context, req provider.ReadRequest[LoadBalancerArgs, LoadBalancerState]) (provider.ReadResponse[LoadBalancerArgs, LoadBalancerState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[LoadBalancerArgs, LoadBalancerState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the load balancer a cut-off create made by its name, which is unique in an account.
func (r *loadBalancerResource) Lookup(ctx context.Context, req provider.LookupRequest[LoadBalancerArgs]) (provider.ReadResponse[LoadBalancerArgs, LoadBalancerState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[LoadBalancerArgs, LoadBalancerState]{}, err
	}
	lbs, err := listAll(ctx, func(opt *godo.ListOptions) ([]godo.LoadBalancer, *godo.Response, error) {
		return c.godo.LoadBalancers.List(ctx, opt)
	})
	if err != nil {
		return provider.ReadResponse[LoadBalancerArgs, LoadBalancerState]{}, fmt.Errorf("look for the load balancer of %s: %w", req.URN, err)
	}
	for _, lb := range lbs {
		if lb.Name == str(req.Inputs.Name) {
			return r.waitActive(ctx, c, lb.ID, nil)
		}
	}
	return provider.ReadResponse[LoadBalancerArgs, LoadBalancerState]{}, nil
}

// Update adds the droplets that join, then applies the settings (which also drops the droplets that leave), so
// that a replacement droplet is in service before the one it replaces leaves.
func (r *loadBalancerResource) Update(ctx context.Context, req provider.UpdateRequest[LoadBalancerArgs, LoadBalancerState]) (provider.UpdateResponse[LoadBalancerState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.UpdateResponse[LoadBalancerState]{}, err
	}
	old, in := req.OldInputs, req.Inputs
	byID := old.DropletTag == nil && in.DropletTag == nil
	var added, removed []int
	for _, id := range in.DropletIDs {
		if !slices.Contains(old.DropletIDs, id) {
			added = append(added, id)
		}
	}
	for _, id := range old.DropletIDs {
		if !slices.Contains(in.DropletIDs, id) {
			removed = append(removed, id)
		}
	}
	if byID && len(added) > 0 {
		if _, err := c.godo.LoadBalancers.AddDroplets(ctx, req.ID, added...); err != nil {
			return provider.UpdateResponse[LoadBalancerState]{}, fmt.Errorf("add droplets %v to load balancer %s: %w", added, req.ID, err)
		}
	}
	oldRest, newRest := old, in
	oldRest.DropletIDs, newRest.DropletIDs = nil, nil
	d, err := provider.DiffStructs(oldRest, newRest, "size", "healthCheck", "stickySessions", "httpIdleTimeoutSeconds", "vpcUuid")
	if err != nil {
		return provider.UpdateResponse[LoadBalancerState]{}, err
	}
	switch {
	case d.HasChanges || !byID:
		body := lbRequest(in)
		if body.VPCUUID == "" {
			body.VPCUUID = str(req.OldOutputs.VPCUUID)
		}
		if _, _, err := c.godo.LoadBalancers.Update(ctx, req.ID, body); err != nil {
			return provider.UpdateResponse[LoadBalancerState]{}, fmt.Errorf("update load balancer %s: %w", req.ID, err)
		}
	case len(removed) > 0:
		if _, err := c.godo.LoadBalancers.RemoveDroplets(ctx, req.ID, removed...); err != nil && !isNotFound(err) {
			return provider.UpdateResponse[LoadBalancerState]{}, fmt.Errorf("remove droplets %v from load balancer %s: %w", removed, req.ID, err)
		}
	}
	resp, err := r.waitActive(ctx, c, req.ID, &in)
	if err != nil {
		return provider.UpdateResponse[LoadBalancerState]{}, err
	}
	return provider.UpdateResponse[LoadBalancerState]{Outputs: resp.Outputs}, nil
}

// Delete deletes the load balancer; one that is gone already is fine.
func (r *loadBalancerResource) Delete(ctx context.Context, req provider.DeleteRequest[LoadBalancerArgs, LoadBalancerState]) error {
	c, err := r.p.client()
	if err != nil {
		return err
	}
	if _, err := c.godo.LoadBalancers.Delete(ctx, req.ID); err != nil && !isNotFound(err) {
		return fmt.Errorf("delete load balancer %s: %w", req.ID, err)
	}
	return nil
}
