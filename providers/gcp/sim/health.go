package sim

import (
	"net/http"
	"strings"
	"time"

	"github.com/infrago/infra/internal/healthrecord"
)

// poolHealthy lists the members of a target pool (by link, in the pool's order) that pass its health checks at
// now: RUNNING for Timing.HealthyAfter, counted from when the instance came up or joined the pool, whichever is
// later. A pool with no health check counts every RUNNING member, as Compute Engine does.
func (s *Server) poolHealthy(pool *object, now time.Time) []string {
	checked := len(listOf(pool.data["healthChecks"])) > 0
	var out []string
	for _, raw := range listOf(pool.data["instances"]) {
		link, _ := raw.(string)
		if s.memberHealthy(pool, link, checked, now) {
			out = append(out, link)
		}
	}
	return out
}

func (s *Server) memberHealthy(pool *object, link string, checked bool, now time.Time) bool {
	inst, found := s.st.objects[strings.TrimPrefix(link, linkBase)]
	if !found || inst.data["status"] != "RUNNING" {
		return false
	}
	if !checked {
		return true
	}
	since := inst.upSince
	if j := pool.joined[link]; j.After(since) {
		since = j
	}
	return !now.Before(since.Add(s.timing.HealthyAfter))
}

// recordHealthLocked adds a sample to every target pool whose healthy set changed.
func (s *Server) recordHealthLocked(now time.Time) {
	for _, o := range s.st.objects {
		if o.coll != nil && o.coll.segment == "targetPools" {
			o.health.Observe(now, s.poolHealthy(o, now))
		}
	}
}

// targetPoolHealth serves targetPools.getHealth: the health of one member, named by the body's instance.
func (s *Server) targetPoolHealth(req *request, sc scope, name string, now time.Time) response {
	pool, e := s.find(sc, collFor("regions", "targetPools"), name, now)
	if e != nil {
		return fail(e)
	}
	ref, _ := req.body["instance"].(string)
	if ref == "" {
		return fail(invalid("Required field 'instance' not specified"))
	}
	link, e := s.resolve(sc, "instance", ref)
	if e != nil {
		return fail(e)
	}
	if !refersTo(pool.data["instances"], link) {
		return fail(errf(http.StatusBadRequest, "invalid", "Resource '%s' is not a member of '%s'", link, pool.path))
	}
	state := "UNHEALTHY"
	if s.memberHealthy(pool, link, len(listOf(pool.data["healthChecks"])) > 0, now) {
		state = "HEALTHY"
	}
	status := map[string]any{"instance": link, "healthState": state}
	if inst, found := s.st.objects[strings.TrimPrefix(link, linkBase)]; found {
		for _, ni := range listOf(inst.data["networkInterfaces"]) {
			if m, _ := ni.(map[string]any); m != nil {
				if ip, _ := m["networkIP"].(string); ip != "" {
					status["ipAddress"] = ip
					break
				}
			}
		}
	}
	return ok(map[string]any{"kind": "compute#targetPoolInstanceHealth", "healthStatus": []any{status}})
}

// TargetPoolHealth returns a target pool's health record, by path ("projects/p/regions/r/targetPools/name"): one
// sample each time its set of healthy members (instance links) changed, oldest first; nil for an unknown pool.
// Samples are taken as requests are served, so a member is recorded healthy no earlier than it was.
func (s *Server) TargetPoolHealth(path string) []healthrecord.Sample[string] {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advanceLocked(now)
	s.recordHealthLocked(now)
	o, found := s.st.objects[strings.TrimPrefix(path, linkBase)]
	if !found || o.coll == nil || o.coll.segment != "targetPools" {
		return nil
	}
	return o.health.Clone()
}

// MinHealthySince is the fewest healthy members the target pool had from t on, counted from the first moment
// after t that it had one: at least 1 for a rolling deploy that never left it without a healthy instance, 0 for
// one that did, -1 when it had none at any time from t on (or does not exist).
func (s *Server) MinHealthySince(path string, t time.Time) int {
	return healthrecord.MinSince(s.TargetPoolHealth(path), t)
}
