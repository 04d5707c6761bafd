package gcp

import (
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/compute/apiv1/computepb"

	"github.com/infrago/infra/providers/gcp/sim"
	"github.com/infrago/infra/sdk/rpc/propertypb"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

// TestMemberWaitsHealthy adds an instance to a health-checked pool with waitHealthy: the create must not finish
// before the pool finds the instance healthy, however long that takes; one that never gets healthy times out
// saying which state it stayed in.
func TestMemberWaitsHealthy(t *testing.T) {
	t.Parallel()
	timing := simTiming
	timing.HealthyAfter = 300 * time.Millisecond
	e := newSimEnv(t, sim.Options{Timing: timing})
	t.Cleanup(func() { assertNoObjects(t, e) })
	hc := e.make(HealthCheckToken, "hc", map[string]any{})
	tp := e.make(TargetPoolToken, "tp", map[string]any{"healthChecks": []any{hc.id}})
	i := e.make(InstanceToken, "i", map[string]any{"bootDisk": map[string]any{"image": debianFamily}})
	m := e.make(TargetPoolMemberToken, "m", map[string]any{"targetPool": tp.id, "instance": i.id, "waitHealthy": true})
	rec := e.sim.TargetPoolHealth(tp.id)
	if n := len(rec); n == 0 || len(rec[n-1].Healthy) != 1 || !strings.HasSuffix(rec[n-1].Healthy[0], i.id) {
		t.Errorf("the create of %s finished before its instance was healthy: health record %+v", m.id, rec)
	}

	// A stopped instance never passes.
	stopped := e.make(InstanceToken, "stopped", map[string]any{"bootDisk": map[string]any{"image": debianFamily}})
	o := e.oid(stopped.id, "zones", "instances")
	op, err := e.instances.Stop(e.ctx(), &computepb.StopInstanceRequest{Project: o.project, Zone: o.location, Instance: o.name})
	e.waitOp(op, err)
	urn := urnOf(TargetPoolMemberToken, "stopped")
	in := e.check(TargetPoolMemberToken, urn, nil, props(t, map[string]any{"targetPool": tp.id, "instance": stopped.id, "waitHealthy": true}))
	resp, err := e.srv.Create(e.ctx(), &pb.CreateRequest{Urn: string(urn), Type: TargetPoolMemberToken, Properties: propertypb.FromMap(in), Timeout: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ie := strings.Join(resp.GetInitErrors(), "; "); resp.GetId() == "" || !strings.Contains(ie, "stayed UNHEALTHY") || !strings.Contains(ie, "CustomTimeouts") {
		t.Errorf("waiting for a stopped instance: id %q, %q; want a timeout that says it stayed UNHEALTHY", resp.GetId(), ie)
	}
	if err := e.delete(TargetPoolMemberToken, urn, resp.GetId(), in, e.toMap(resp.GetProperties())); err != nil {
		t.Fatal(err)
	}
}
