package gcp

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/protobuf/proto"

	"github.com/infrago/infra/sdk/provider"
)

const healthCheckDoc = "A global health check, HTTP or TCP, for target pools and backend services. Every field but name and " +
	"project changes in place (a full update); those replace it. Import it by its path, projects/P/global/healthChecks/NAME."

// HealthCheckArgs are the inputs of gcp:compute:HealthCheck.
type HealthCheckArgs struct {
	Name               *string `infra:"name,replace" doc:"The health check's name. Unset: derived from the resource's name with a random suffix."`
	Project            *string `infra:"project,replace" doc:"The project. Unset: the provider's project."`
	Description        *string `infra:"description" doc:"A description of the health check."`
	Type               string  `infra:"type" default:"HTTP" doc:"HTTP (a GET of requestPath must answer 200) or TCP (a connection must open)."`
	Port               int     `infra:"port" default:"80" doc:"The port probed."`
	RequestPath        *string `infra:"requestPath" doc:"The path an HTTP check requests. Unset: /."`
	CheckIntervalSec   int     `infra:"checkIntervalSec" default:"5" doc:"Seconds between two probes."`
	TimeoutSec         int     `infra:"timeoutSec" default:"5" doc:"Seconds a probe may take; at most checkIntervalSec."`
	HealthyThreshold   int     `infra:"healthyThreshold" default:"2" doc:"Successes in a row that make a backend healthy."`
	UnhealthyThreshold int     `infra:"unhealthyThreshold" default:"2" doc:"Failures in a row that make a backend unhealthy."`
}

// HealthCheckState are the outputs of gcp:compute:HealthCheck.
type HealthCheckState struct {
	HealthCheckArgs
	SelfLink string `infra:"selfLink" doc:"The health check's URL."`
}

type healthCheckResource struct{ p *gcpProvider }

// Check names the health check and validates what the schema cannot.
func (r *healthCheckResource) Check(_ context.Context, req provider.CheckRequest[HealthCheckArgs]) (HealthCheckArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := checkAutoName(req.URN, &req.OldInputs, &in, func(a *HealthCheckArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	fail := func(p, format string, args ...any) {
		fs = append(fs, provider.CheckFailure{Property: p, Reason: fmt.Sprintf(format, args...)})
	}
	if m := checkName("name", *in.Name); m != nil {
		fail("name", "%s", *m)
	}
	if in.Type != "HTTP" && in.Type != "TCP" {
		fail("type", "type %q is not HTTP or TCP", in.Type)
	}
	if in.Type == "TCP" && in.RequestPath != nil {
		fail("requestPath", "a TCP health check has no requestPath")
	}
	if in.Port < 1 || in.Port > 65535 {
		fail("port", "port %d is not between 1 and 65535", in.Port)
	}
	if in.TimeoutSec > in.CheckIntervalSec {
		fail("timeoutSec", "timeoutSec %d must be at most checkIntervalSec %d", in.TimeoutSec, in.CheckIntervalSec)
	}
	return in, fs, nil
}

// Diff treats an unset project as unchanged.
func (r *healthCheckResource) Diff(_ context.Context, req provider.DiffRequest[HealthCheckArgs, HealthCheckState]) (provider.DiffResponse, error) {
	return provider.DiffStructs(req.OldInputs, req.Inputs, "project")
}

func healthCheckPB(in HealthCheckArgs) *computepb.HealthCheck {
	hc := &computepb.HealthCheck{Name: in.Name, Description: in.Description, Type: proto.String(in.Type),
		CheckIntervalSec: proto.Int32(int32(in.CheckIntervalSec)), TimeoutSec: proto.Int32(int32(in.TimeoutSec)),
		HealthyThreshold: proto.Int32(int32(in.HealthyThreshold)), UnhealthyThreshold: proto.Int32(int32(in.UnhealthyThreshold))}
	if in.Type == "TCP" {
		hc.TcpHealthCheck = &computepb.TCPHealthCheck{Port: proto.Int32(int32(in.Port))}
	} else {
		path := "/"
		if in.RequestPath != nil {
			path = *in.RequestPath
		}
		hc.HttpHealthCheck = &computepb.HTTPHealthCheck{Port: proto.Int32(int32(in.Port)), RequestPath: proto.String(path)}
	}
	if hc.Description == nil {
		hc.Description = proto.String("")
	}
	return hc
}

// Create inserts the health check.
func (r *healthCheckResource) Create(ctx context.Context, req provider.CreateRequest[HealthCheckArgs]) (provider.CreateResponse[HealthCheckState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[HealthCheckState]{}, err
	}
	in := req.Inputs
	project, err := c.needProject(in.Project)
	if err != nil {
		return provider.CreateResponse[HealthCheckState]{}, err
	}
	op, err := c.healthChecks.Insert(ctx, &computepb.InsertHealthCheckRequest{Project: project, HealthCheckResource: healthCheckPB(in),
		RequestId: proto.String(requestID(req.IdempotencyToken))}, c.retry)
	if err != nil {
		return provider.CreateResponse[HealthCheckState]{}, fmt.Errorf("insert health check %s: %w", *in.Name, err)
	}
	id := objectID{project: project, name: *in.Name}.path("global", "healthChecks")
	if err := c.wait(ctx, op, "health check "+id); err != nil {
		return provider.CreateResponse[HealthCheckState]{}, err
	}
	resp, err := r.read(ctx, c, id, &in, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[HealthCheckState]{ID: id, Outputs: HealthCheckState{HealthCheckArgs: in}}, notVisible(id, err)
	}
	return provider.CreateResponse[HealthCheckState]{ID: id, Outputs: resp.Outputs}, nil
}

func (r *healthCheckResource) read(ctx context.Context, c *clients, id string, old *HealthCheckArgs, wait bool) (provider.ReadResponse[HealthCheckArgs, HealthCheckState], error) {
	oid, err := parseID(id, "global", "healthChecks")
	if err != nil {
		return provider.ReadResponse[HealthCheckArgs, HealthCheckState]{}, err
	}
	hc, err := getRetrying(ctx, c, func() (*computepb.HealthCheck, error) {
		return c.healthChecks.Get(ctx, &computepb.GetHealthCheckRequest{Project: oid.project, HealthCheck: oid.name}, c.retry)
	}, !wait)
	if err != nil || hc == nil {
		return provider.ReadResponse[HealthCheckArgs, HealthCheckState]{}, wrapRead(id, err)
	}
	in := HealthCheckArgs{Name: proto.String(hc.GetName()), Project: proto.String(oid.project), Description: optStr(hc.GetDescription()),
		Type: hc.GetType(), CheckIntervalSec: int(hc.GetCheckIntervalSec()), TimeoutSec: int(hc.GetTimeoutSec()),
		HealthyThreshold: int(hc.GetHealthyThreshold()), UnhealthyThreshold: int(hc.GetUnhealthyThreshold())}
	if hc.GetType() == "TCP" {
		in.Port = int(hc.GetTcpHealthCheck().GetPort())
	} else {
		in.Port = int(hc.GetHttpHealthCheck().GetPort())
		in.RequestPath = proto.String(hc.GetHttpHealthCheck().GetRequestPath())
	}
	if old != nil {
		in.Project = keepIfSet(old.Project, in.Project)
		if old.RequestPath == nil && str(in.RequestPath) == "/" {
			in.RequestPath = nil
		}
	}
	return provider.ReadResponse[HealthCheckArgs, HealthCheckState]{ID: id, Inputs: in, Outputs: HealthCheckState{HealthCheckArgs: in, SelfLink: hc.GetSelfLink()}}, nil
}

// Read reads the health check for refresh and import.
func (r *healthCheckResource) Read(ctx context.Context, req provider.ReadRequest[HealthCheckArgs, HealthCheckState]) (provider.ReadResponse[HealthCheckArgs, HealthCheckState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[HealthCheckArgs, HealthCheckState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the health check a cut-off create made by the operation its requestId started.
func (r *healthCheckResource) Lookup(ctx context.Context, req provider.LookupRequest[HealthCheckArgs]) (provider.ReadResponse[HealthCheckArgs, HealthCheckState], error) {
	return lookupByOperation(ctx, r.p, req.URN, req.IdempotencyToken, r.read)
}

// Update replaces the health check's fields (PUT).
func (r *healthCheckResource) Update(ctx context.Context, req provider.UpdateRequest[HealthCheckArgs, HealthCheckState]) (provider.UpdateResponse[HealthCheckState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[HealthCheckState]{}, err
	}
	oid, err := parseID(req.ID, "global", "healthChecks")
	if err != nil {
		return provider.UpdateResponse[HealthCheckState]{}, err
	}
	in := req.Inputs
	in.Name = proto.String(oid.name)
	op, err := c.healthChecks.Update(ctx, &computepb.UpdateHealthCheckRequest{Project: oid.project, HealthCheck: oid.name, HealthCheckResource: healthCheckPB(in),
		RequestId: proto.String(newRequestID())}, c.retry)
	if err != nil {
		return provider.UpdateResponse[HealthCheckState]{}, fmt.Errorf("update health check %s: %w", req.ID, err)
	}
	if err := c.wait(ctx, op, "health check "+req.ID); err != nil {
		return provider.UpdateResponse[HealthCheckState]{}, err
	}
	resp, err := r.read(ctx, c, req.ID, &req.Inputs, true)
	if err != nil || resp.ID == "" {
		return provider.UpdateResponse[HealthCheckState]{}, notVisible(req.ID, err)
	}
	return provider.UpdateResponse[HealthCheckState]{Outputs: resp.Outputs}, nil
}

// Delete deletes the health check.
func (r *healthCheckResource) Delete(ctx context.Context, req provider.DeleteRequest[HealthCheckArgs, HealthCheckState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	oid, err := parseID(req.ID, "global", "healthChecks")
	if err != nil {
		return err
	}
	return c.deleteWith(ctx, req.ID, func(rid string) (*computeOp, error) {
		return c.healthChecks.Delete(ctx, &computepb.DeleteHealthCheckRequest{Project: oid.project, HealthCheck: oid.name, RequestId: &rid}, c.retry)
	})
}

const targetPoolDoc = "A target pool: the backends of a regional network load balancer, with the health checks that tell " +
	"which take traffic. Its instances are gcp:compute:TargetPoolMember objects, so that adding a server adds one " +
	"membership. Every change replaces it. Import it by its path, projects/P/regions/R/targetPools/NAME."

// TargetPoolArgs are the inputs of gcp:compute:TargetPool.
type TargetPoolArgs struct {
	Name            *string  `infra:"name,replace" doc:"The pool's name. Unset: derived from the resource's name with a random suffix."`
	Project         *string  `infra:"project,replace" doc:"The project. Unset: the provider's project."`
	Region          *string  `infra:"region,replace" doc:"The region. Unset: the provider's region."`
	Description     *string  `infra:"description,replace" doc:"A description of the pool."`
	HealthChecks    []string `infra:"healthChecks,replace" doc:"The health checks of the pool's instances (at most one), by path such as a gcp:compute:HealthCheck's ID."`
	SessionAffinity string   `infra:"sessionAffinity,replace" default:"NONE" doc:"NONE, CLIENT_IP or CLIENT_IP_PROTO: which connections go to the same instance."`
}

// TargetPoolState are the outputs of gcp:compute:TargetPool.
type TargetPoolState struct {
	TargetPoolArgs
	SelfLink string `infra:"selfLink" doc:"The pool's URL."`
}

type targetPoolResource struct{ p *gcpProvider }

// Check names the pool and validates what the schema cannot.
func (r *targetPoolResource) Check(_ context.Context, req provider.CheckRequest[TargetPoolArgs]) (TargetPoolArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := checkAutoName(req.URN, &req.OldInputs, &in, func(a *TargetPoolArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	if m := checkName("name", *in.Name); m != nil {
		fs = append(fs, provider.CheckFailure{Property: "name", Reason: *m})
	}
	if len(in.HealthChecks) > 1 {
		fs = append(fs, provider.CheckFailure{Property: "healthChecks", Reason: fmt.Sprintf("a target pool takes at most one health check, not %d", len(in.HealthChecks))})
	}
	if !contains([]string{"NONE", "CLIENT_IP", "CLIENT_IP_PROTO"}, in.SessionAffinity) {
		fs = append(fs, provider.CheckFailure{Property: "sessionAffinity", Reason: fmt.Sprintf("sessionAffinity %q is not NONE, CLIENT_IP or CLIENT_IP_PROTO", in.SessionAffinity)})
	}
	return in, fs, nil
}

// Diff treats unset project and region as unchanged, and health checks spelled differently as the same.
func (r *targetPoolResource) Diff(_ context.Context, req provider.DiffRequest[TargetPoolArgs, TargetPoolState]) (provider.DiffResponse, error) {
	news := req.Inputs
	news.HealthChecks = keepRefs(req.OldInputs.HealthChecks, news.HealthChecks)
	if sameRefs(req.OldInputs.HealthChecks, req.Inputs.HealthChecks) {
		news.HealthChecks = req.OldInputs.HealthChecks
	}
	return provider.DiffStructs(req.OldInputs, news, "project", "region")
}

// sameRefs reports whether two lists of references name the same objects in the same order.
func sameRefs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameRef(a[i], b[i]) {
			return false
		}
	}
	return true
}

// Create inserts the pool.
func (r *targetPoolResource) Create(ctx context.Context, req provider.CreateRequest[TargetPoolArgs]) (provider.CreateResponse[TargetPoolState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[TargetPoolState]{}, err
	}
	in := req.Inputs
	project, err := c.needProject(in.Project)
	if err != nil {
		return provider.CreateResponse[TargetPoolState]{}, err
	}
	region, err := c.needRegion(in.Region)
	if err != nil {
		return provider.CreateResponse[TargetPoolState]{}, err
	}
	op, err := c.targetPools.Insert(ctx, &computepb.InsertTargetPoolRequest{Project: project, Region: region, RequestId: proto.String(requestID(req.IdempotencyToken)),
		TargetPoolResource: &computepb.TargetPool{Name: in.Name, Description: in.Description, HealthChecks: in.HealthChecks,
			SessionAffinity: proto.String(in.SessionAffinity)}}, c.retry)
	if err != nil {
		return provider.CreateResponse[TargetPoolState]{}, fmt.Errorf("insert target pool %s: %w", *in.Name, err)
	}
	id := objectID{project: project, location: region, name: *in.Name}.path("regions", "targetPools")
	if err := c.wait(ctx, op, "target pool "+id); err != nil {
		return provider.CreateResponse[TargetPoolState]{}, err
	}
	resp, err := r.read(ctx, c, id, &in, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[TargetPoolState]{ID: id, Outputs: TargetPoolState{TargetPoolArgs: in}}, notVisible(id, err)
	}
	return provider.CreateResponse[TargetPoolState]{ID: id, Outputs: resp.Outputs}, nil
}

func getPool(ctx context.Context, c *clients, oid objectID, wait bool) (*computepb.TargetPool, error) {
	return getRetrying(ctx, c, func() (*computepb.TargetPool, error) {
		return c.targetPools.Get(ctx, &computepb.GetTargetPoolRequest{Project: oid.project, Region: oid.location, TargetPool: oid.name}, c.retry)
	}, !wait)
}

func (r *targetPoolResource) read(ctx context.Context, c *clients, id string, old *TargetPoolArgs, wait bool) (provider.ReadResponse[TargetPoolArgs, TargetPoolState], error) {
	oid, err := parseID(id, "regions", "targetPools")
	if err != nil {
		return provider.ReadResponse[TargetPoolArgs, TargetPoolState]{}, err
	}
	tp, err := getPool(ctx, c, oid, wait)
	if err != nil || tp == nil {
		return provider.ReadResponse[TargetPoolArgs, TargetPoolState]{}, wrapRead(id, err)
	}
	in := TargetPoolArgs{Name: proto.String(tp.GetName()), Project: proto.String(oid.project), Region: proto.String(oid.location),
		Description: optStr(tp.GetDescription()), HealthChecks: keepRefs(nil, tp.GetHealthChecks()), SessionAffinity: tp.GetSessionAffinity()}
	if old != nil {
		in.Project, in.Region = keepIfSet(old.Project, in.Project), keepIfSet(old.Region, in.Region)
		in.HealthChecks = keepRefs(old.HealthChecks, tp.GetHealthChecks())
	}
	return provider.ReadResponse[TargetPoolArgs, TargetPoolState]{ID: id, Inputs: in, Outputs: TargetPoolState{TargetPoolArgs: in, SelfLink: tp.GetSelfLink()}}, nil
}

// Read reads the pool for refresh and import.
func (r *targetPoolResource) Read(ctx context.Context, req provider.ReadRequest[TargetPoolArgs, TargetPoolState]) (provider.ReadResponse[TargetPoolArgs, TargetPoolState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[TargetPoolArgs, TargetPoolState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the pool a cut-off create made by the operation its requestId started.
func (r *targetPoolResource) Lookup(ctx context.Context, req provider.LookupRequest[TargetPoolArgs]) (provider.ReadResponse[TargetPoolArgs, TargetPoolState], error) {
	return lookupByOperation(ctx, r.p, req.URN, req.IdempotencyToken, r.read)
}

// Delete deletes the pool.
func (r *targetPoolResource) Delete(ctx context.Context, req provider.DeleteRequest[TargetPoolArgs, TargetPoolState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	oid, err := parseID(req.ID, "regions", "targetPools")
	if err != nil {
		return err
	}
	return c.deleteWith(ctx, req.ID, func(rid string) (*computeOp, error) {
		return c.targetPools.Delete(ctx, &computepb.DeleteTargetPoolRequest{Project: oid.project, Region: oid.location, TargetPool: oid.name, RequestId: &rid}, c.retry)
	})
}

const targetPoolMemberDoc = "An instance's membership of a target pool (addInstance, removeInstance). A change of the pool or " +
	"the instance replaces it. " +
	"Import it by the pool's and the instance's paths joined by a comma."

// TargetPoolMemberArgs are the inputs of gcp:compute:TargetPoolMember.
type TargetPoolMemberArgs struct {
	TargetPool string `infra:"targetPool,replace" doc:"The pool, by path (a gcp:compute:TargetPool's ID)."`
	Instance   string `infra:"instance,replace" doc:"The instance, by path (a gcp:compute:Instance's ID), in a zone of the pool's region."`
	// WaitHealthy gates a rolling deploy: whatever depends on this membership waits until the instance serves.
	WaitHealthy bool `infra:"waitHealthy" default:"false" doc:"Whether creating the membership finishes only once the pool's health checks find the instance HEALTHY (targetPools.getHealth), so that what depends on it, such as the next instance of a rolling deploy, waits until it serves. A change affects only later creates."`
}

// TargetPoolMemberState are the outputs of gcp:compute:TargetPoolMember.
type TargetPoolMemberState struct {
	TargetPoolMemberArgs
}

type targetPoolMemberResource struct{ p *gcpProvider }

func memberID(pool, inst string) string { return rel(pool) + "," + rel(inst) }

// parseMemberID reads a membership's ID.
func parseMemberID(id string) (objectID, string, error) {
	pool, inst, ok := strings.Cut(id, ",")
	if !ok {
		return objectID{}, "", fmt.Errorf("ID %q is not of the form <pool path>,<instance path>", id)
	}
	oid, err := parseID(pool, "regions", "targetPools")
	if err != nil {
		return objectID{}, "", err
	}
	if _, err := parseID(inst, "zones", "instances"); err != nil {
		return objectID{}, "", err
	}
	return oid, rel(inst), nil
}

// Check validates both references.
func (r *targetPoolMemberResource) Check(_ context.Context, req provider.CheckRequest[TargetPoolMemberArgs]) (TargetPoolMemberArgs, []provider.CheckFailure, error) {
	var fs []provider.CheckFailure
	if _, err := parseID(req.Inputs.TargetPool, "regions", "targetPools"); err != nil {
		fs = append(fs, provider.CheckFailure{Property: "targetPool", Reason: "targetPool: " + err.Error()})
	}
	if _, err := parseID(req.Inputs.Instance, "zones", "instances"); err != nil {
		fs = append(fs, provider.CheckFailure{Property: "instance", Reason: "instance: " + err.Error()})
	}
	return req.Inputs, fs, nil
}

func (r *targetPoolMemberResource) change(ctx context.Context, id string, add bool) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	oid, inst, err := parseMemberID(id)
	if err != nil {
		return err
	}
	ref := &computepb.InstanceReference{Instance: proto.String(inst)}
	var op *computeOp
	if add {
		op, err = c.targetPools.AddInstance(ctx, &computepb.AddInstanceTargetPoolRequest{Project: oid.project, Region: oid.location, TargetPool: oid.name,
			RequestId: proto.String(newRequestID()), TargetPoolsAddInstanceRequestResource: &computepb.TargetPoolsAddInstanceRequest{Instances: []*computepb.InstanceReference{ref}}}, c.retry)
		if isReason(err, "alreadyExists") {
			return nil
		}
	} else {
		op, err = c.targetPools.RemoveInstance(ctx, &computepb.RemoveInstanceTargetPoolRequest{Project: oid.project, Region: oid.location, TargetPool: oid.name,
			RequestId: proto.String(newRequestID()), TargetPoolsRemoveInstanceRequestResource: &computepb.TargetPoolsRemoveInstanceRequest{Instances: []*computepb.InstanceReference{ref}}}, c.retry)
		if isNotFound(err) || isReason(err, "invalid") {
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("change the members of %s: %w", oid.path("regions", "targetPools"), err)
	}
	return c.wait(ctx, op, "the members of "+oid.path("regions", "targetPools"))
}

// Create adds the instance to the pool (a member already there is fine).
func (r *targetPoolMemberResource) Create(ctx context.Context, req provider.CreateRequest[TargetPoolMemberArgs]) (provider.CreateResponse[TargetPoolMemberState], error) {
	id := memberID(req.Inputs.TargetPool, req.Inputs.Instance)
	if err := r.change(ctx, id, true); err != nil {
		return provider.CreateResponse[TargetPoolMemberState]{}, err
	}
	var err error
	if req.Inputs.WaitHealthy {
		err = r.waitHealthy(ctx, id)
	}
	return provider.CreateResponse[TargetPoolMemberState]{ID: id, Outputs: TargetPoolMemberState{req.Inputs}}, err
}

// waitHealthy polls targetPools.getHealth until the pool finds the instance HEALTHY. A timeout names the state it
// stayed in.
func (r *targetPoolMemberResource) waitHealthy(ctx context.Context, id string) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	oid, inst, err := parseMemberID(id)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("%s to pass the health checks of %s", inst, oid.path("regions", "targetPools"))
	last := "not yet reported"
	delay := c.poll
	for {
		h, err := c.targetPools.GetHealth(ctx, &computepb.GetHealthTargetPoolRequest{Project: oid.project, Region: oid.location, TargetPool: oid.name,
			InstanceReferenceResource: &computepb.InstanceReference{Instance: proto.String(inst)}}, c.retry)
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		for _, s := range h.GetHealthStatus() {
			if s.GetHealthState() == "HEALTHY" {
				return nil
			}
			last = s.GetHealthState()
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return waitErr(what+" (it stayed "+last+")", ctx.Err())
		case <-t.C:
		}
		delay = min(delay*3/2, 10*c.poll)
	}
}

// Update records a changed waitHealthy, the one input that does not replace the membership: it only says how
// later creates wait.
func (r *targetPoolMemberResource) Update(_ context.Context, req provider.UpdateRequest[TargetPoolMemberArgs, TargetPoolMemberState]) (provider.UpdateResponse[TargetPoolMemberState], error) {
	return provider.UpdateResponse[TargetPoolMemberState]{Outputs: TargetPoolMemberState{req.Inputs}}, nil
}

// Read reports the membership while the pool lists the instance.
func (r *targetPoolMemberResource) Read(ctx context.Context, req provider.ReadRequest[TargetPoolMemberArgs, TargetPoolMemberState]) (provider.ReadResponse[TargetPoolMemberArgs, TargetPoolMemberState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[TargetPoolMemberArgs, TargetPoolMemberState]{}, err
	}
	oid, inst, err := parseMemberID(req.ID)
	if err != nil {
		return provider.ReadResponse[TargetPoolMemberArgs, TargetPoolMemberState]{}, err
	}
	tp, err := getPool(ctx, c, oid, false)
	if err != nil || tp == nil {
		return provider.ReadResponse[TargetPoolMemberArgs, TargetPoolMemberState]{}, wrapRead(req.ID, err)
	}
	for _, i := range tp.GetInstances() {
		if sameRef(i, inst) {
			in := TargetPoolMemberArgs{TargetPool: oid.path("regions", "targetPools"), Instance: inst}
			if !req.Import {
				in = req.Inputs
			}
			return provider.ReadResponse[TargetPoolMemberArgs, TargetPoolMemberState]{ID: req.ID, Inputs: in, Outputs: TargetPoolMemberState{in}}, nil
		}
	}
	return provider.ReadResponse[TargetPoolMemberArgs, TargetPoolMemberState]{}, nil
}

// Lookup finds nothing: adding a member twice makes no second object.
func (r *targetPoolMemberResource) Lookup(context.Context, provider.LookupRequest[TargetPoolMemberArgs]) (provider.ReadResponse[TargetPoolMemberArgs, TargetPoolMemberState], error) {
	return provider.ReadResponse[TargetPoolMemberArgs, TargetPoolMemberState]{}, nil
}

// Delete removes the instance from the pool (one gone already is fine).
func (r *targetPoolMemberResource) Delete(ctx context.Context, req provider.DeleteRequest[TargetPoolMemberArgs, TargetPoolMemberState]) error {
	return r.change(ctx, req.ID, false)
}
