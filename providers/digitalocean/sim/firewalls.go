package sim

import (
	"net/http"
	"slices"
	"strconv"
	"time"
)

// firewall is a cloud firewall applied to its droplet_ids and the droplets carrying its tags.
type firewall struct {
	id, name          string
	inbound, outbound []any
	dropletIDs        []int
	tags              []string
	created           time.Time
	seq               int
}

func (s *Server) firewallView(fw *firewall, now time.Time) map[string]any {
	status := "succeeded"
	if now.Before(fw.created.Add(s.timing.ActionComplete)) {
		status = "waiting"
	}
	return map[string]any{"id": fw.id, "name": fw.name, "status": status, "created_at": timestamp(fw.created), "pending_changes": []any{},
		"inbound_rules": orEmptyAny(fw.inbound), "outbound_rules": orEmptyAny(fw.outbound), "droplet_ids": orEmptyInts(fw.dropletIDs),
		"tags": orEmpty(fw.tags)}
}

func orEmptyAny(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

func orEmptyInts(l []int) []int {
	if l == nil {
		return []int{}
	}
	return l
}

// checkRules validates inbound (sources) or outbound (destinations) rules.
func checkRules(raw any, side string) ([]any, *apiError) {
	if raw == nil {
		return nil, nil
	}
	rules, isList := raw.([]any)
	if !isList {
		return nil, unprocessable("rules must be a list")
	}
	for _, r := range rules {
		m, _ := r.(map[string]any)
		p := str(m, "protocol")
		if !slices.Contains([]string{"tcp", "udp", "icmp"}, p) {
			return nil, unprocessable("Rule protocol %q is not tcp, udp or icmp.", p)
		}
		if p != "icmp" && str(m, "ports") == "" {
			return nil, unprocessable("A %s rule needs ports (a port, a range such as 8000-9000, or \"all\").", p)
		}
		if p == "icmp" && str(m, "ports") == "" {
			// ICMP has no ports; DigitalOcean shows such a rule with ports "0".
			m["ports"] = "0"
		}
		if _, has := m[side].(map[string]any); !has {
			return nil, unprocessable("Each rule needs %s.", side)
		}
	}
	return rules, nil
}

func (s *Server) applyFirewall(fw *firewall, b map[string]any) *apiError {
	name := str(b, "name")
	if name == "" {
		return unprocessable("A firewall needs a name.")
	}
	in, e := checkRules(b["inbound_rules"], "sources")
	if e != nil {
		return e
	}
	out, e := checkRules(b["outbound_rules"], "destinations")
	if e != nil {
		return e
	}
	ids, isList := ints(b, "droplet_ids")
	tags, tagList := stringList(b, "tags")
	if !isList || !tagList {
		return unprocessable("droplet_ids must list droplet ids and tags tag names")
	}
	for _, id := range ids {
		if s.st.droplets[id] == nil {
			return unprocessable("Droplet %d does not exist.", id)
		}
	}
	fw.name, fw.inbound, fw.outbound, fw.dropletIDs, fw.tags = name, in, out, ids, tags
	return nil
}

// firewallsRoute serves /v2/firewalls, /v2/firewalls/{id}, .../droplets, .../tags and .../rules.
func (s *Server) firewallsRoute(req *request) response {
	if len(req.segs) == 1 {
		switch req.method {
		case http.MethodGet:
			var out []any
			for _, fw := range sorted(s.st.fws, func(fw *firewall) int { return fw.seq }) {
				out = append(out, s.firewallView(fw, req.now))
			}
			return s.page(req, "firewalls", out)
		case http.MethodPost:
			fw := &firewall{id: s.rng.uuid(), created: req.now, seq: s.st.id()}
			if e := s.applyFirewall(fw, req.body); e != nil {
				return fail(e)
			}
			s.st.fws[fw.id] = fw
			return response{status: http.StatusAccepted, value: map[string]any{"firewall": s.firewallView(fw, req.now)}}
		}
		return fail(notFound())
	}
	fw, found := s.st.fws[req.segs[1]]
	if !found {
		return fail(notFound())
	}
	if len(req.segs) == 2 {
		switch req.method {
		case http.MethodGet:
			if s.fresh(fw.created, req.now) {
				return fail(notFound())
			}
			return ok(map[string]any{"firewall": s.firewallView(fw, req.now)})
		case http.MethodPut:
			next := *fw
			if e := s.applyFirewall(&next, req.body); e != nil {
				return fail(e)
			}
			*fw = next
			return ok(map[string]any{"firewall": s.firewallView(fw, req.now)})
		case http.MethodDelete:
			delete(s.st.fws, fw.id)
			return noContent()
		}
		return fail(notFound())
	}
	if len(req.segs) != 3 || (req.method != http.MethodPost && req.method != http.MethodDelete) {
		return fail(notFound())
	}
	add := req.method == http.MethodPost
	switch req.segs[2] {
	case "droplets":
		ids, isList := ints(req.body, "droplet_ids")
		if !isList || len(ids) == 0 {
			return fail(unprocessable("droplet_ids must list at least one droplet id"))
		}
		for _, id := range ids {
			if s.st.droplets[id] == nil {
				return fail(unprocessable("Droplet %d does not exist.", id))
			}
			fw.dropletIDs = slices.DeleteFunc(fw.dropletIDs, func(x int) bool { return x == id })
			if add {
				fw.dropletIDs = append(fw.dropletIDs, id)
			}
		}
	case "tags":
		tags, isList := stringList(req.body, "tags")
		if !isList || len(tags) == 0 {
			return fail(unprocessable("tags must list at least one tag"))
		}
		for _, t := range tags {
			fw.tags = slices.DeleteFunc(fw.tags, func(x string) bool { return x == t })
			if add {
				fw.tags = append(fw.tags, t)
			}
		}
	case "rules":
		in, e := checkRules(req.body["inbound_rules"], "sources")
		if e != nil {
			return fail(e)
		}
		out, e := checkRules(req.body["outbound_rules"], "destinations")
		if e != nil {
			return fail(e)
		}
		fw.inbound, fw.outbound = editRules(fw.inbound, in, add), editRules(fw.outbound, out, add)
	default:
		return fail(notFound())
	}
	return noContent()
}

// editRules adds rules to have, or removes the ones equal to them.
func editRules(have, rules []any, add bool) []any {
	if add {
		return append(have, rules...)
	}
	return slices.DeleteFunc(have, func(r any) bool {
		for _, x := range rules {
			if jsonEqual(r, x) {
				return true
			}
		}
		return false
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
