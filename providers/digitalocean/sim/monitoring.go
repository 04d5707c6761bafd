package sim

import (
	"net/http"
	"slices"
	"strconv"
	"time"
)

// monitoringRoute serves the load balancer metric a rolling deploy reads:
// /v2/monitoring/metrics/load_balancer/droplets_health_checks?lb_id=&start=&end=. Other metrics are not simulated.
func (s *Server) monitoringRoute(req *request) response {
	if req.method != http.MethodGet || !slices.Equal(req.segs, []string{"monitoring", "metrics", "load_balancer", "droplets_health_checks"}) {
		return fail(notFound())
	}
	lbID := req.param("lb_id")
	start, okStart := unixParam(req.param("start"))
	end, okEnd := unixParam(req.param("end"))
	if lbID == "" || !okStart || !okEnd {
		return fail(badRequest("lb_id, start and end (UNIX seconds) are required"))
	}
	lb, found := s.st.lbs[lbID]
	if !found {
		return fail(notFound())
	}
	// One sample per member, taken now: the share (0 or 1) of its health checks that passed. A window that ends
	// before now or before the load balancer existed has no samples.
	at := req.now.Truncate(time.Second)
	result := []any{}
	if !end.Before(at) && !start.After(at) && !at.Before(lb.created.Truncate(time.Second)) {
		healthy := s.healthy(lb, req.now)
		for _, d := range s.members(lb) {
			v := "0"
			if slices.Contains(healthy, d.id) {
				v = "1"
			}
			result = append(result, map[string]any{
				"metric": map[string]any{"lb_id": lb.id, "droplet_id": strconv.Itoa(d.id)},
				"values": []any{[]any{at.Unix(), v}},
			})
		}
	}
	return ok(map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": result}})
}

func unixParam(v string) (time.Time, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}
