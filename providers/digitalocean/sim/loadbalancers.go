package sim

import (
	"net/http"
	"slices"
	"time"

	"github.com/infrago/infra/internal/healthrecord"
)

// loadBalancer is a regional load balancer; its members are its droplet_ids or the droplets carrying its tag.
type loadBalancer struct {
	id, name, region, tag, ip string
	vpcUUID                   string
	dropletIDs                []int
	// spec holds the settings stored as sent: forwarding_rules, health_check, sticky_sessions and the flags.
	spec              map[string]any
	created, activeAt time.Time
	seq               int
	health            healthrecord.Record[int]
	// joined is when each member became one: a droplet added to a running load balancer must pass its health
	// checks before it counts.
	joined map[int]time.Time
}

// HealthSample is the set of a load balancer's healthy members (droplet IDs) from At on.
type HealthSample = healthrecord.Sample[int]

// lbSettings are the fields of a load balancer request stored as sent, with DigitalOcean's defaults.
var lbSettings = map[string]any{"algorithm": "round_robin", "redirect_http_to_https": false, "enable_proxy_protocol": false,
	"enable_backend_keepalive": false, "http_idle_timeout_seconds": 60, "disable_lets_encrypt_dns_records": false, "size_unit": 1,
	"size": "lb-small", "forwarding_rules": []any{}, "sticky_sessions": map[string]any{"type": "none"},
	"health_check": map[string]any{"protocol": "http", "port": 80, "path": "/", "check_interval_seconds": 10, "response_timeout_seconds": 5,
		"healthy_threshold": 5, "unhealthy_threshold": 3}}

func (s *Server) members(lb *loadBalancer) []*droplet {
	var out []*droplet
	for _, d := range sorted(s.st.droplets, dropletSeq) {
		if (lb.tag != "" && slices.Contains(d.tags, lb.tag)) || (lb.tag == "" && slices.Contains(lb.dropletIDs, d.id)) {
			out = append(out, d)
		}
	}
	return out
}

// healthy lists the members that pass health checks at now: up and a member for at least Timing.HealthyAfter.
// It records when new members joined.
func (s *Server) healthy(lb *loadBalancer, now time.Time) []int {
	if lb.joined == nil {
		lb.joined = map[int]time.Time{}
	}
	var out []int
	current := map[int]bool{}
	for _, d := range s.members(lb) {
		current[d.id] = true
		if _, known := lb.joined[d.id]; !known {
			lb.joined[d.id] = now
		}
		since := d.upSince
		if j := lb.joined[d.id]; j.After(since) {
			since = j
		}
		if d.statusAt(now) == "active" && !now.Before(since.Add(s.timing.HealthyAfter)) {
			out = append(out, d.id)
		}
	}
	for id := range lb.joined {
		if !current[id] {
			delete(lb.joined, id)
		}
	}
	return out
}

// recordHealthLocked adds a sample to every load balancer whose healthy set changed.
func (s *Server) recordHealthLocked(now time.Time) {
	for _, lb := range s.st.lbs {
		lb.health.Observe(now, s.healthy(lb, now))
	}
}

// LoadBalancerHealth returns the load balancer's health record: one sample each time its set of healthy members
// changed, oldest first (nil for an unknown id).
func (s *Server) LoadBalancerHealth(id string) []HealthSample {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.opts.Now())
	lb, found := s.st.lbs[id]
	if !found {
		return nil
	}
	return lb.health.Clone()
}

// MinHealthySince is the fewest healthy members the load balancer had from t on, counted from the first moment
// after t that it had one: a rolling deploy that never left it without a healthy droplet gives at least 1, one that
// did gives 0. It is -1 when the load balancer had no healthy member at any time from t on (or does not exist).
func (s *Server) MinHealthySince(id string, t time.Time) int {
	return healthrecord.MinSince(s.LoadBalancerHealth(id), t)
}

func (s *Server) lbView(lb *loadBalancer, now time.Time) map[string]any {
	v := map[string]any{}
	for k, d := range lbSettings {
		v[k] = d
	}
	for k, x := range lb.spec {
		v[k] = x
	}
	status := "active"
	if now.Before(lb.activeAt) {
		status = "new"
	}
	ids := []int{}
	for _, d := range s.members(lb) {
		ids = append(ids, d.id)
	}
	v["id"], v["name"], v["ip"], v["status"], v["created_at"] = lb.id, lb.name, lb.ip, status, timestamp(lb.created)
	v["region"], v["tag"], v["droplet_ids"], v["vpc_uuid"] = s.regionView(lb.region), lb.tag, ids, lb.vpcUUID
	v["project_id"] = "0c4d3a2b-5f1e-4b6c-9d8e-7f6a5b4c3d2e"
	if status == "new" {
		v["ip"] = ""
	}
	return v
}

// applyLB checks and stores a load balancer create or update body.
func (s *Server) applyLB(lb *loadBalancer, b map[string]any) *apiError {
	name, region := str(b, "name"), str(b, "region")
	if name == "" || !s.st.hasRegion(region) {
		return unprocessable("A load balancer needs a name and one of the regions %v.", s.st.regions)
	}
	rules, _ := b["forwarding_rules"].([]any)
	if len(rules) == 0 {
		return unprocessable("A load balancer needs at least one forwarding rule.")
	}
	for _, r := range rules {
		m, _ := r.(map[string]any)
		ep, tp := str(m, "entry_protocol"), str(m, "target_protocol")
		valid := []string{"http", "https", "http2", "http3", "tcp", "udp"}
		_, eport := num(m, "entry_port")
		_, tport := num(m, "target_port")
		if !slices.Contains(valid, ep) || !slices.Contains(valid, tp) || !eport || !tport {
			return unprocessable("Each forwarding rule needs entry_protocol, entry_port, target_protocol and target_port.")
		}
	}
	ids, isList := ints(b, "droplet_ids")
	if !isList {
		return unprocessable("droplet_ids must be a list of droplet ids")
	}
	t := str(b, "tag")
	if t != "" && len(ids) > 0 {
		return unprocessable("Specify either droplet_ids or tag, not both.")
	}
	for _, id := range ids {
		if d := s.st.droplets[id]; d == nil || d.region != region {
			return unprocessable("Droplet %d does not exist in region %s.", id, region)
		}
	}
	if lb.region != "" && lb.region != region {
		return unprocessable("The region of a load balancer cannot be changed.")
	}
	vpcUUID := str(b, "vpc_uuid")
	switch {
	case vpcUUID == "" && lb.vpcUUID != "":
		// An update that leaves vpc_uuid out keeps the load balancer's VPC.
		vpcUUID = lb.vpcUUID
	case vpcUUID == "":
		vpcUUID = s.st.defaultVPC(region).id
	default:
		if v := s.st.vpcs[vpcUUID]; v == nil || v.region != region {
			return unprocessable("VPC %q does not exist in region %s.", vpcUUID, region)
		}
	}
	if lb.vpcUUID != "" && lb.vpcUUID != vpcUUID {
		return unprocessable("The VPC of a load balancer cannot be changed.")
	}
	lb.name, lb.region, lb.tag, lb.dropletIDs, lb.vpcUUID = name, region, t, ids, vpcUUID
	lb.spec = map[string]any{}
	for k := range lbSettings {
		if v, set := b[k]; set && v != nil {
			lb.spec[k] = v
		}
	}
	return nil
}

// loadBalancersRoute serves /v2/load_balancers, /v2/load_balancers/{id} and .../droplets.
func (s *Server) loadBalancersRoute(req *request) response {
	if len(req.segs) == 1 {
		switch req.method {
		case http.MethodGet:
			var out []any
			for _, lb := range sorted(s.st.lbs, func(lb *loadBalancer) int { return lb.seq }) {
				out = append(out, s.lbView(lb, req.now))
			}
			return s.page(req, "load_balancers", out)
		case http.MethodPost:
			lb := &loadBalancer{id: s.rng.uuid(), created: req.now, activeAt: req.now.Add(s.timing.LoadBalancerActive), seq: s.st.id()}
			if e := s.applyLB(lb, req.body); e != nil {
				return fail(e)
			}
			s.st.ipSeq++
			lb.ip = "192.0.2." + itoa(2+s.st.ipSeq%250)
			s.st.lbs[lb.id] = lb
			return response{status: http.StatusAccepted, value: map[string]any{"load_balancer": s.lbView(lb, req.now)}}
		}
		return fail(notFound())
	}
	lb, found := s.st.lbs[req.segs[1]]
	if !found {
		return fail(notFound())
	}
	switch {
	case len(req.segs) == 2 && req.method == http.MethodGet:
		if s.fresh(lb.created, req.now) {
			return fail(notFound())
		}
		return ok(map[string]any{"load_balancer": s.lbView(lb, req.now)})
	case len(req.segs) == 2 && req.method == http.MethodPut:
		next := *lb
		if e := s.applyLB(&next, req.body); e != nil {
			return fail(e)
		}
		*lb = next
		return ok(map[string]any{"load_balancer": s.lbView(lb, req.now)})
	case len(req.segs) == 2 && req.method == http.MethodDelete:
		delete(s.st.lbs, lb.id)
		return noContent()
	case len(req.segs) == 3 && req.segs[2] == "droplets" && (req.method == http.MethodPost || req.method == http.MethodDelete):
		if lb.tag != "" {
			return fail(unprocessable("This load balancer selects droplets by tag %q; droplets cannot be added by id.", lb.tag))
		}
		ids, isList := ints(req.body, "droplet_ids")
		if !isList || len(ids) == 0 {
			return fail(unprocessable("droplet_ids must list at least one droplet id"))
		}
		for _, id := range ids {
			if d := s.st.droplets[id]; d == nil || d.region != lb.region {
				return fail(unprocessable("Droplet %d does not exist in region %s.", id, lb.region))
			}
		}
		for _, id := range ids {
			if req.method == http.MethodPost && !slices.Contains(lb.dropletIDs, id) {
				lb.dropletIDs = append(lb.dropletIDs, id)
			}
			if req.method == http.MethodDelete {
				lb.dropletIDs = slices.DeleteFunc(lb.dropletIDs, func(x int) bool { return x == id })
			}
		}
		return noContent()
	}
	return fail(notFound())
}
