package sim

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// domain is a DNS zone and its records.
type domain struct {
	name    string
	ttl     int
	records []*record
	created time.Time
	seq     int
}

// record is one DNS record; builtin marks the NS and SOA records a domain gets by itself.
type record struct {
	id                          int
	typ, name, data, tag        string
	priority, port, weight, ttl any
	flags                       any
	builtin                     bool
}

func (r *record) view() map[string]any {
	return map[string]any{"id": r.id, "type": r.typ, "name": r.name, "data": r.data, "priority": r.priority, "port": r.port,
		"ttl": r.ttl, "weight": r.weight, "flags": r.flags, "tag": nilIfEmpty(r.tag)}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (d *domain) view() map[string]any {
	var zone strings.Builder
	zone.WriteString("$ORIGIN " + d.name + ".\n$TTL " + strconv.Itoa(d.ttl) + "\n")
	for _, r := range d.records {
		zone.WriteString(r.name + " IN " + r.typ + " " + r.data + "\n")
	}
	return map[string]any{"name": d.name, "ttl": d.ttl, "zone_file": zone.String()}
}

var domainName = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// recordTypes are the record types DigitalOcean serves, with the fields each needs besides type, name and data.
var recordTypes = map[string][]string{"A": nil, "AAAA": nil, "CNAME": nil, "TXT": nil, "NS": nil, "MX": {"priority"},
	"SRV": {"priority", "port", "weight"}, "CAA": {"flags", "tag"}, "SOA": nil}

// domainsRoute serves /v2/domains, /v2/domains/{name} and /v2/domains/{name}/records[/{id}].
func (s *Server) domainsRoute(req *request) response {
	if len(req.segs) == 1 {
		switch req.method {
		case http.MethodGet:
			var out []any
			for _, d := range sorted(s.st.domains, func(d *domain) int { return d.seq }) {
				out = append(out, d.view())
			}
			return s.page(req, "domains", out)
		case http.MethodPost:
			name := strings.TrimSuffix(strings.ToLower(str(req.body, "name")), ".")
			if !domainName.MatchString(name) {
				return fail(unprocessable("Name %q is not a valid domain name.", str(req.body, "name")))
			}
			if s.st.domains[name] != nil {
				return fail(unprocessable("Domain %s already exists.", name))
			}
			d := &domain{name: name, ttl: 1800, created: req.now, seq: s.st.id()}
			d.records = append(d.records, &record{id: s.st.id(), typ: "SOA", name: "@", data: "1800", ttl: 1800, builtin: true})
			for _, ns := range []string{"ns1.digitalocean.com", "ns2.digitalocean.com", "ns3.digitalocean.com"} {
				d.records = append(d.records, &record{id: s.st.id(), typ: "NS", name: "@", data: ns, ttl: 1800, builtin: true})
			}
			if ip := str(req.body, "ip_address"); ip != "" {
				d.records = append(d.records, &record{id: s.st.id(), typ: "A", name: "@", data: ip, ttl: 1800})
			}
			s.st.domains[name] = d
			return response{status: http.StatusCreated, value: map[string]any{"domain": d.view()}}
		}
		return fail(notFound())
	}
	d, found := s.st.domains[req.segs[1]]
	if !found {
		return fail(notFound())
	}
	switch {
	case len(req.segs) == 2 && req.method == http.MethodGet:
		if s.fresh(d.created, req.now) {
			return fail(notFound())
		}
		return ok(map[string]any{"domain": d.view()})
	case len(req.segs) == 2 && req.method == http.MethodDelete:
		delete(s.st.domains, d.name)
		return noContent()
	case len(req.segs) == 3 && req.segs[2] == "records" && req.method == http.MethodGet:
		var out []any
		typ, name := req.param("type"), req.param("name")
		for _, r := range d.records {
			if (typ == "" || r.typ == typ) && (name == "" || r.name == name || r.name+"."+d.name == name || (r.name == "@" && name == d.name)) {
				out = append(out, r.view())
			}
		}
		return s.page(req, "domain_records", out)
	case len(req.segs) == 3 && req.segs[2] == "records" && req.method == http.MethodPost:
		r := &record{id: s.st.id()}
		if e := applyRecord(r, req.body, true); e != nil {
			return fail(e)
		}
		d.records = append(d.records, r)
		return response{status: http.StatusCreated, value: map[string]any{"domain_record": r.view()}}
	case len(req.segs) == 4 && req.segs[2] == "records":
		id, _ := strconv.Atoi(req.segs[3])
		i := slices.IndexFunc(d.records, func(r *record) bool { return r.id == id })
		if i < 0 {
			return fail(notFound())
		}
		r := d.records[i]
		switch req.method {
		case http.MethodGet:
			return ok(map[string]any{"domain_record": r.view()})
		case http.MethodPut, http.MethodPatch:
			next := *r
			if e := applyRecord(&next, req.body, false); e != nil {
				return fail(e)
			}
			*r = next
			return ok(map[string]any{"domain_record": r.view()})
		case http.MethodDelete:
			d.records = slices.Delete(d.records, i, i+1)
			return noContent()
		}
	}
	return fail(notFound())
}

// applyRecord checks and stores a record body; a create needs every field of its type, an update only changes
// what it names.
func applyRecord(r *record, b map[string]any, create bool) *apiError {
	if t := str(b, "type"); t != "" || create {
		if _, known := recordTypes[t]; !known || t == "SOA" {
			return unprocessable("Record type %q is not one of A, AAAA, CAA, CNAME, MX, NS, SRV, TXT.", t)
		}
		r.typ = t
	}
	if n, set := b["name"].(string); set {
		r.name = n
	}
	if d, set := b["data"].(string); set {
		r.data = d
	}
	if r.name == "" || r.data == "" {
		return unprocessable("A record needs a name and data.")
	}
	if create {
		r.ttl = 1800
	}
	for _, k := range []string{"priority", "port", "weight", "ttl", "flags"} {
		v, set := b[k]
		if !set {
			continue
		}
		if _, isNum := num(b, k); v != nil && !isNum {
			return unprocessable("%s must be an integer", k)
		}
		switch k {
		case "priority":
			r.priority = v
		case "port":
			r.port = v
		case "weight":
			r.weight = v
		case "ttl":
			if v != nil {
				r.ttl = v
			}
		case "flags":
			r.flags = v
		}
	}
	if t, set := b["tag"].(string); set {
		r.tag = t
	}
	fields := map[string]any{"priority": r.priority, "port": r.port, "weight": r.weight, "flags": r.flags, "tag": nilIfEmpty(r.tag)}
	for _, k := range recordTypes[r.typ] {
		if fields[k] == nil {
			return unprocessable("A %s record needs %s.", r.typ, k)
		}
	}
	if r.typ == "CAA" && !slices.Contains([]string{"issue", "issuewild", "iodef"}, r.tag) {
		return unprocessable("A CAA record's tag must be issue, issuewild or iodef, not %q.", r.tag)
	}
	return nil
}

func jsonEqual(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(x) == string(y)
}
