package sim

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// managedZone is a Cloud DNS managed zone and what it holds.
type managedZone struct {
	project string
	seq     int
	data    map[string]any
	// records are the zone's record sets by "<name> <type>".
	records map[string]map[string]any
	changes []*change
}

// change is a Cloud DNS change: pending until doneAt, then done.
type change struct {
	id                  string
	additions, deletion []any
	start, doneAt       time.Time
	status              string
}

func (c *change) view() map[string]any {
	out := map[string]any{"kind": "dns#change", "id": c.id, "status": c.status, "startTime": c.start.UTC().Format(time.RFC3339Nano)}
	if len(c.additions) > 0 {
		out["additions"] = c.additions
	}
	if len(c.deletion) > 0 {
		out["deletions"] = c.deletion
	}
	return out
}

var (
	dnsNamePattern  = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+$`)
	recordNameRegex = regexp.MustCompile(`^(\*\.)?([_a-z0-9]([-_a-z0-9]{0,61}[_a-z0-9])?\.)+$`)
)

// dnsRecordTypes are the record types the simulator accepts.
var dnsRecordTypes = map[string]bool{"A": true, "AAAA": true, "CNAME": true, "TXT": true, "MX": true, "NS": true, "SOA": true,
	"SRV": true, "CAA": true, "PTR": true}

// dns serves a Cloud DNS request; the path is split after /dns/v1/.
func (s *Server) dns(req *request) response {
	g := req.segs
	if len(g) < 3 || g[0] != "projects" || g[2] != "managedZones" {
		return fail(notFound(strings.Join(g, "/")))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advanceLocked(now)
	project := g[1]
	if !s.st.projects[project] {
		return fail(errf(http.StatusNotFound, "notFound", "The 'parameters.project' resource named '%s' does not exist.", project))
	}
	rest := g[3:]
	if len(rest) == 0 {
		switch req.method {
		case http.MethodGet:
			return s.listZones(req, project)
		case http.MethodPost:
			return s.createZone(req, project, now)
		}
		return fail(errf(http.StatusMethodNotAllowed, "invalid", "use GET or POST"))
	}
	key := project + "/" + rest[0]
	z, found := s.st.zones[key]
	if !found || now.Before(z.visibleAt(s)) {
		return fail(errf(http.StatusNotFound, "notFound", "The 'parameters.managedZone' resource named '%s' does not exist.", rest[0]))
	}
	if len(rest) == 1 {
		switch req.method {
		case http.MethodGet:
			return ok(z.view())
		case http.MethodDelete:
			for _, r := range z.records {
				if !(r["name"] == z.data["dnsName"] && (r["type"] == "SOA" || r["type"] == "NS")) {
					return fail(errf(http.StatusBadRequest, "containerNotEmpty", "The resource named '%s' cannot be deleted because it is not empty", rest[0]))
				}
			}
			delete(s.st.zones, key)
			return response{status: http.StatusNoContent}
		case http.MethodPatch, http.MethodPut:
			return s.patchZone(req, z, now)
		}
		return fail(errf(http.StatusMethodNotAllowed, "invalid", "use GET, PATCH or DELETE"))
	}
	switch rest[1] {
	case "changes":
		switch {
		case len(rest) == 2 && req.method == http.MethodPost:
			return s.createChange(req, z, now)
		case len(rest) == 2 && req.method == http.MethodGet:
			var items []map[string]any
			for _, c := range z.changes {
				items = append(items, c.view())
			}
			return s.dnsPage(req, "dns#changesListResponse", "changes", items)
		case len(rest) == 3 && req.method == http.MethodGet:
			for _, c := range z.changes {
				if c.id == rest[2] {
					return ok(c.view())
				}
			}
			return fail(errf(http.StatusNotFound, "notFound", "The 'parameters.changeId' resource named '%s' does not exist.", rest[2]))
		}
	case "rrsets":
		switch {
		case len(rest) == 2 && req.method == http.MethodGet:
			return s.listRecords(req, z)
		case len(rest) == 4 && req.method == http.MethodGet:
			r, found := z.records[rest[2]+" "+rest[3]]
			if !found {
				return fail(errf(http.StatusNotFound, "notFound", "The 'parameters.name' resource named '%s' does not exist.", rest[2]))
			}
			return ok(deepCopy(r))
		}
	}
	return fail(notFound(strings.Join(g, "/")))
}

// visibleAt is when a zone starts to be found (the not-found-after-create fault).
func (z *managedZone) visibleAt(_ *Server) time.Time {
	t, _ := z.data["_visibleAt"].(time.Time)
	return t
}

func (s *Server) createZone(req *request, project string, now time.Time) response {
	b := req.body
	name, _ := b["name"].(string)
	dnsName, _ := b["dnsName"].(string)
	desc, hasDesc := b["description"].(string)
	switch {
	case !namePattern.MatchString(name):
		return fail(invalid("Invalid value for 'entity.managedZone.name': '%s'", name))
	case !dnsNamePattern.MatchString(dnsName):
		return fail(invalid("Invalid value for 'entity.managedZone.dnsName': '%s'. A DNS name ends with a dot", dnsName))
	case !hasDesc:
		return fail(invalid("Required value 'entity.managedZone.description' not specified"))
	}
	if _, exists := s.st.zones[project+"/"+name]; exists {
		return fail(errf(http.StatusConflict, "alreadyExists", "The resource 'entity.managedZone' named '%s' already exists", name))
	}
	vis, _ := b["visibility"].(string)
	if vis == "" {
		vis = "public"
	}
	if vis != "public" && vis != "private" {
		return fail(invalid("Invalid value for 'entity.managedZone.visibility': '%s'", vis))
	}
	labels, _ := b["labels"].(map[string]any)
	if e := checkLabels(labels); e != nil {
		return fail(e)
	}
	if labels == nil {
		labels = map[string]any{}
	}
	seq := s.st.nextSeq()
	shard := seq%4 + 1
	ns := []any{}
	for i := 1; i <= 4; i++ {
		ns = append(ns, fmt.Sprintf("ns-cloud-%c%d.googledomains.com.", 'a'+rune(shard-1), i))
	}
	z := &managedZone{project: project, seq: seq, records: map[string]map[string]any{}}
	z.data = map[string]any{"kind": "dns#managedZone", "name": name, "dnsName": dnsName, "description": desc, "id": uid(s.rng.uint64()),
		"nameServers": ns, "creationTime": now.UTC().Format(time.RFC3339Nano), "visibility": vis, "labels": deepCopy(labels)}
	if pc, ok := b["privateVisibilityConfig"]; ok && vis == "private" {
		z.data["privateVisibilityConfig"] = deepCopy(pc)
	}
	z.records[dnsName+" SOA"] = map[string]any{"kind": "dns#resourceRecordSet", "name": dnsName, "type": "SOA", "ttl": float64(21600),
		"rrdatas": []any{fmt.Sprintf("%s cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300", ns[0])}}
	z.records[dnsName+" NS"] = map[string]any{"kind": "dns#resourceRecordSet", "name": dnsName, "type": "NS", "ttl": float64(21600), "rrdatas": ns}
	s.st.zones[project+"/"+name] = z
	out := deepCopy(z.data)
	z.data["_visibleAt"] = now.Add(time.Duration(s.faults.NotFoundWindow))
	return ok(out)
}

func (s *Server) patchZone(req *request, z *managedZone, _ time.Time) response {
	for k, v := range req.body {
		switch k {
		case "description":
			d, _ := v.(string)
			z.data["description"] = d
		case "labels":
			if e := checkLabels(v); e != nil {
				return fail(e)
			}
			l, _ := v.(map[string]any)
			if l == nil {
				l = map[string]any{}
			}
			z.data["labels"] = deepCopy(l)
		case "name", "dnsName", "kind", "id", "nameServers", "creationTime", "visibility":
			if v != nil && fmt.Sprint(v) != fmt.Sprint(z.data[k]) && k != "kind" {
				return fail(invalid("Invalid value for 'entity.managedZone.%s': it cannot be changed", k))
			}
		default:
			return fail(invalid("Invalid value for 'entity.managedZone.%s': the simulator cannot change it", k))
		}
	}
	// A patch answers with an Operation of the zone (dns#operation), done at once.
	return ok(map[string]any{"kind": "dns#operation", "id": strconv.Itoa(s.st.nextSeq()), "status": "done", "type": "UPDATE",
		"startTime": s.opts.Now().UTC().Format(time.RFC3339Nano), "zoneContext": map[string]any{"newValue": z.view(), "oldValue": z.view()}})
}

// view is the zone without the simulator's bookkeeping.
func (z *managedZone) view() map[string]any {
	out := deepCopy(z.data).(map[string]any)
	delete(out, "_visibleAt")
	return out
}

func (s *Server) listZones(req *request, project string) response {
	var zs []*managedZone
	for _, z := range s.st.zones {
		if z.project == project {
			zs = append(zs, z)
		}
	}
	sort.Slice(zs, func(i, j int) bool { return zs[i].seq < zs[j].seq })
	want := req.param("dnsName")
	var items []map[string]any
	for _, z := range zs {
		if want == "" || z.data["dnsName"] == want {
			items = append(items, z.view())
		}
	}
	return s.dnsPage(req, "dns#managedZonesListResponse", "managedZones", items)
}

// dnsPage answers one page of a Cloud DNS list, items under key.
func (s *Server) dnsPage(req *request, kind, key string, items []map[string]any) response {
	start, end, next, e := s.pageBounds(req, len(items))
	if e != nil {
		return fail(e)
	}
	out := map[string]any{"kind": kind, key: nonNil(items[start:end])}
	if next != "" {
		out["nextPageToken"] = next
	}
	return ok(out)
}

func (s *Server) listRecords(req *request, z *managedZone) response {
	keys := make([]string, 0, len(z.records))
	for k := range z.records {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	name, typ := req.param("name"), req.param("type")
	if typ != "" && name == "" {
		return fail(invalid("Invalid value for 'parameters.type': a type filter needs a name"))
	}
	var items []map[string]any
	for _, k := range keys {
		r := z.records[k]
		if (name == "" || r["name"] == name) && (typ == "" || r["type"] == typ) {
			items = append(items, deepCopy(r).(map[string]any))
		}
	}
	return s.dnsPage(req, "dns#resourceRecordSetsListResponse", "rrsets", items)
}

// createChange applies a change's deletions and additions atomically.
func (s *Server) createChange(req *request, z *managedZone, now time.Time) response {
	dels, adds := listOf(req.body["deletions"]), listOf(req.body["additions"])
	if len(dels)+len(adds) == 0 {
		return fail(invalid("The 'entity.change' resource has no additions or deletions"))
	}
	next := map[string]map[string]any{}
	for k, v := range z.records {
		next[k] = v
	}
	for i, raw := range dels {
		r, _ := raw.(map[string]any)
		k := fmt.Sprint(r["name"]) + " " + fmt.Sprint(r["type"])
		cur, found := next[k]
		if !found {
			return fail(errf(http.StatusNotFound, "notFound", "The 'entity.change.deletions[%d]' resource named '%s (%s)' does not exist.", i, r["name"], r["type"]))
		}
		if fmt.Sprint(cur["ttl"]) != fmt.Sprint(r["ttl"]) || fmt.Sprint(cur["rrdatas"]) != fmt.Sprint(r["rrdatas"]) {
			return fail(errf(http.StatusPreconditionFailed, "conditionNotMet", "The resource 'entity.change.deletions[%d]' named '%s (%s)' does not match the existing record set", i, r["name"], r["type"]))
		}
		delete(next, k)
	}
	for i, raw := range adds {
		r, _ := raw.(map[string]any)
		name, _ := r["name"].(string)
		typ, _ := r["type"].(string)
		if !recordNameRegex.MatchString(name) || !strings.HasSuffix(name, fmt.Sprint(z.data["dnsName"])) {
			return fail(invalid("Invalid value for 'entity.change.additions[%d].name': '%s'. The name must end with the zone's DNS name %s", i, name, z.data["dnsName"]))
		}
		if !dnsRecordTypes[typ] {
			return fail(invalid("Invalid value for 'entity.change.additions[%d].type': '%s'", i, typ))
		}
		if e := checkRRDatas(i, typ, listOf(r["rrdatas"])); e != nil {
			return fail(e)
		}
		if _, exists := next[name+" "+typ]; exists {
			return fail(errf(http.StatusConflict, "alreadyExists", "The resource 'entity.change.additions[%d]' named '%s (%s)' already exists", i, name, typ))
		}
		rec := deepCopy(r).(map[string]any)
		rec["kind"] = "dns#resourceRecordSet"
		if _, ok := rec["ttl"]; !ok {
			rec["ttl"] = float64(300)
		}
		next[name+" "+typ] = rec
	}
	z.records = next
	c := &change{id: strconv.Itoa(len(z.changes) + 1), additions: adds, deletion: dels, start: now, doneAt: now.Add(s.timing.ChangeDone), status: "pending"}
	z.changes = append(z.changes, c)
	return ok(c.view())
}

func checkRRDatas(i int, typ string, datas []any) *apiError {
	if len(datas) == 0 {
		return invalid("Invalid value for 'entity.change.additions[%d].rrdata': a record set needs at least one value", i)
	}
	for _, d := range datas {
		v, _ := d.(string)
		switch typ {
		case "A":
			if ip := parseIP(v); ip == nil || ip.To4() == nil {
				return invalid("Invalid value for 'entity.change.additions[%d].rrdata': '%s' is not an IPv4 address", i, v)
			}
		case "AAAA":
			if ip := parseIP(v); ip == nil || ip.To4() != nil {
				return invalid("Invalid value for 'entity.change.additions[%d].rrdata': '%s' is not an IPv6 address", i, v)
			}
		case "CNAME":
			if len(datas) > 1 || !strings.HasSuffix(v, ".") {
				return invalid("Invalid value for 'entity.change.additions[%d].rrdata': a CNAME holds one name ending with a dot", i)
			}
		case "MX":
			if f := strings.Fields(v); len(f) != 2 || !strings.HasSuffix(f[1], ".") {
				return invalid("Invalid value for 'entity.change.additions[%d].rrdata': '%s' is not '<preference> <host>.'", i, v)
			}
		}
	}
	return nil
}
