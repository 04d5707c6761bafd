package sim

import (
	"net/http"
	"strconv"
	"time"
)

// action is a DigitalOcean action: in-progress until done, then completed, when apply takes effect.
type action struct {
	id            int
	typ           string
	resourceType  string
	resourceID    int
	region        string
	started, done time.Time
	apply         func()
	applied       bool
}

func actionSeq(a *action) int { return a.id }

// newAction records an action that completes after d and then runs apply.
func (s *Server) newAction(typ, resourceType string, resourceID int, region string, now time.Time, d time.Duration, apply func()) *action {
	a := &action{id: s.st.id(), typ: typ, resourceType: resourceType, resourceID: resourceID, region: region, started: now, done: now.Add(d), apply: apply}
	s.st.actions[a.id] = a
	return a
}

func (s *Server) actionView(a *action, now time.Time) map[string]any {
	v := map[string]any{"id": a.id, "status": "in-progress", "type": a.typ, "started_at": timestamp(a.started), "completed_at": nil,
		"resource_id": a.resourceID, "resource_type": a.resourceType, "region_slug": a.region}
	if a.region != "" {
		v["region"] = s.regionView(a.region)
	} else {
		v["region"] = nil
	}
	if !now.Before(a.done) {
		v["status"], v["completed_at"] = "completed", timestamp(a.done)
	}
	return v
}

// actionsRoute serves /v2/actions and /v2/actions/{id}.
func (s *Server) actionsRoute(req *request) response {
	if req.method != http.MethodGet {
		return fail(notFound())
	}
	switch len(req.segs) {
	case 1:
		var out []any
		for _, a := range sorted(s.st.actions, actionSeq) {
			out = append(out, s.actionView(a, req.now))
		}
		return s.page(req, "actions", out)
	case 2:
		id, err := strconv.Atoi(req.segs[1])
		a, found := s.st.actions[id]
		if err != nil || !found {
			return fail(notFound())
		}
		return ok(map[string]any{"action": s.actionView(a, req.now)})
	}
	return fail(notFound())
}

// advanceLocked applies the actions that have completed by now and records load balancer health changes.
func (s *Server) advanceLocked(now time.Time) {
	for _, a := range sorted(s.st.actions, actionSeq) {
		if !a.applied && !now.Before(a.done) {
			a.applied = true
			if a.apply != nil {
				a.apply()
			}
		}
	}
	s.recordHealthLocked(now)
}
