package sim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// defaultPage is Compute Engine's largest (and default) page size.
const defaultPage = 500

func sortBy[T any](l []T, key func(T) int) {
	sort.Slice(l, func(i, j int) bool { return key(l[i]) < key(l[j]) })
}

// pageBounds reads maxResults and pageToken and returns the slice of n items to answer and the next token.
func (s *Server) pageBounds(req *request, n int) (int, int, string, *apiError) {
	size := defaultPage
	if v := req.param("maxResults"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 0 || m > defaultPage {
			return 0, 0, "", invalid("Invalid value for field 'maxResults': '%s'. Must be between 0 and 500", v)
		}
		if m > 0 {
			size = m
		}
	}
	if s.opts.PageSize > 0 && s.opts.PageSize < size {
		size = s.opts.PageSize
	}
	start := 0
	if t := req.param("pageToken"); t != "" {
		raw, err := base64.RawURLEncoding.DecodeString(t)
		v, perr := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
		if err != nil || perr != nil || !strings.HasPrefix(string(raw), "offset:") || v < 0 || v > n {
			return 0, 0, "", invalid("Invalid value for field 'pageToken': '%s'", t)
		}
		start = v
	}
	end := min(start+size, n)
	next := ""
	if end < n {
		next = base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("offset:%d", end)))
	}
	return start, end, next, nil
}

// page answers a list: the items that pass the request's filter, one page of them.
func (s *Server) page(req *request, kind, self string, items []map[string]any) response {
	f, e := parseFilter(req.param("filter"))
	if e != nil {
		return fail(e)
	}
	var kept []map[string]any
	for _, it := range items {
		if f.match(it) {
			kept = append(kept, it)
		}
	}
	start, end, next, e := s.pageBounds(req, len(kept))
	if e != nil {
		return fail(e)
	}
	out := map[string]any{"kind": kind, "id": self, "selfLink": self, "items": nonNil(kept[start:end])}
	if next != "" {
		out["nextPageToken"] = next
	}
	return ok(out)
}

func nonNil(l []map[string]any) []map[string]any {
	if l == nil {
		return []map[string]any{}
	}
	return l
}

// list answers a collection's list in a scope.
func (s *Server) list(req *request, sc scope, c *collection) response {
	now := s.opts.Now()
	prefix := sc.path() + "/" + c.segment + "/"
	var items []map[string]any
	for _, o := range sortedObjects(s.st.objects, func(o *object) bool {
		return o.coll == c && strings.HasPrefix(o.path, prefix) && !now.Before(o.visibleAt)
	}) {
		items = append(items, o.view(s))
	}
	return s.page(req, c.listKind, linkBase+sc.path()+"/"+c.segment, items)
}

// aggregated answers an aggregated list: the collection's objects of every scope of a project, grouped by scope.
func (s *Server) aggregated(req *request, project, segment string) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advanceLocked(now)
	if !s.st.projects[project] {
		return fail(notFound("projects/" + project))
	}
	type entry struct {
		key  string
		item map[string]any
	}
	var all []entry
	switch segment {
	case "operations":
		for _, op := range s.sortedOps(func(op *operation) bool { return op.sc.project == project }) {
			all = append(all, entry{op.sc.key(), op.view(now)})
		}
	default:
		found := false
		for _, kind := range []string{"global", "regions", "zones"} {
			c := collFor(kind, segment)
			if c == nil {
				continue
			}
			found = true
			for _, o := range sortedObjects(s.st.objects, func(o *object) bool {
				return o.coll == c && strings.HasPrefix(o.path, "projects/"+project+"/") && !now.Before(o.visibleAt)
			}) {
				all = append(all, entry{scopeKeyOfPath(o.path), o.view(s)})
			}
		}
		if !found {
			return fail(notFound("projects/" + project + "/aggregated/" + segment))
		}
	}
	f, e := parseFilter(req.param("filter"))
	if e != nil {
		return fail(e)
	}
	var kept []entry
	for _, en := range all {
		if f.match(en.item) {
			kept = append(kept, en)
		}
	}
	start, end, next, e := s.pageBounds(req, len(kept))
	if e != nil {
		return fail(e)
	}
	items := map[string]any{}
	for _, en := range kept[start:end] {
		g, _ := items[en.key].(map[string]any)
		if g == nil {
			g = map[string]any{segment: []any{}}
			items[en.key] = g
		}
		g[segment] = append(g[segment].([]any), en.item)
	}
	self := linkBase + "projects/" + project + "/aggregated/" + segment
	out := map[string]any{"kind": aggregatedKinds[segment], "id": self, "selfLink": self, "items": items}
	if next != "" {
		out["nextPageToken"] = next
	}
	return ok(out)
}

// aggregatedKinds are the kinds of the aggregated lists the simulator serves.
var aggregatedKinds = map[string]string{"operations": "compute#operationAggregatedList", "instances": "compute#instanceAggregatedList",
	"addresses": "compute#addressAggregatedList", "forwardingRules": "compute#forwardingRuleAggregatedList",
	"subnetworks": "compute#subnetworkAggregatedList", "targetPools": "compute#targetPoolAggregatedList",
	"instanceGroups": "compute#instanceGroupAggregatedList", "disks": "compute#diskAggregatedList",
	"healthChecks": "compute#healthChecksAggregatedList", "backendServices": "compute#backendServiceAggregatedList",
	"urlMaps": "compute#urlMapsAggregatedList", "targetHttpProxies": "compute#targetHttpProxyAggregatedList"}

// scopeKeyOfPath is the aggregated-list key of an object path ("zones/us-central1-a").
func scopeKeyOfPath(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) > 2 && parts[2] == "global" {
		return "global"
	}
	if len(parts) > 3 {
		return parts[2] + "/" + parts[3]
	}
	return p
}

// locations serves the list and get of zones and regions.
func (s *Server) locations(req *request, project string, rest []string) response {
	if req.method != http.MethodGet {
		return fail(errf(http.StatusMethodNotAllowed, "invalid", "use GET"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.st.projects[project] {
		return fail(notFound("projects/" + project))
	}
	base := linkBase + "projects/" + project + "/"
	var items []map[string]any
	for i, r := range s.st.regions {
		if rest[0] == "regions" {
			var zones []any
			for _, z := range zonesOf(r) {
				zones = append(zones, base+"zones/"+z)
			}
			items = append(items, map[string]any{"kind": "compute#region", "id": uid(uint64(1000 + i)), "name": r, "status": "UP",
				"description": r, "selfLink": base + "regions/" + r, "zones": zones, "creationTimestamp": "1969-12-31T16:00:00.000-08:00"})
			continue
		}
		for j, z := range zonesOf(r) {
			items = append(items, map[string]any{"kind": "compute#zone", "id": uid(uint64(2000 + 10*i + j)), "name": z, "status": "UP",
				"description": z, "selfLink": base + "zones/" + z, "region": base + "regions/" + r,
				"creationTimestamp": "1969-12-31T16:00:00.000-08:00"})
		}
	}
	if len(rest) == 2 {
		for _, it := range items {
			if it["name"] == rest[1] {
				return ok(it)
			}
		}
		return fail(notFound("projects/" + project + "/" + rest[0] + "/" + rest[1]))
	}
	kind := "compute#zoneList"
	if rest[0] == "regions" {
		kind = "compute#regionList"
	}
	return s.page(req, kind, base+rest[0], items)
}

// diskTypes are the disk types of every zone.
var diskTypes = map[string]bool{"pd-standard": true, "pd-balanced": true, "pd-ssd": true}

// machineTypes serves the list and get of a zone's machine types.
func (s *Server) machineTypes(req *request, sc scope, rest []string) response {
	var names []string
	for n := range machineTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	var items []map[string]any
	for i, n := range names {
		mt := machineTypes[n]
		items = append(items, map[string]any{"kind": "compute#machineType", "id": uid(uint64(3000 + i)), "name": n, "guestCpus": mt[0],
			"memoryMb": mt[1], "zone": sc.name, "selfLink": linkBase + sc.path() + "/machineTypes/" + n, "isSharedCpu": strings.HasPrefix(n, "e2-m") || n == "e2-small",
			"maximumPersistentDisks": 128, "maximumPersistentDisksSizeGb": "263168", "description": fmt.Sprintf("%d vCPUs, %d MB RAM", mt[0], mt[1])})
	}
	if len(rest) == 1 {
		for _, it := range items {
			if it["name"] == rest[0] {
				return ok(it)
			}
		}
		return fail(notFound(sc.path() + "/machineTypes/" + rest[0]))
	}
	return s.page(req, "compute#machineTypeList", linkBase+sc.path()+"/machineTypes", items)
}

// imageFromFamily answers the newest ready image of a family.
func (s *Server) imageFromFamily(project, family string) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.familyImage(project, family); o != nil {
		return ok(o.view(s))
	}
	return fail(notFound("projects/" + project + "/global/images/family/" + family))
}

func (s *Server) familyImage(project, family string) *object {
	var best *object
	for _, o := range s.st.objects {
		if o.coll.segment == "images" && strings.HasPrefix(o.path, "projects/"+project+"/") && o.data["family"] == family {
			if best == nil || o.data["creationTimestamp"].(string) > best.data["creationTimestamp"].(string) {
				best = o
			}
		}
	}
	return best
}

// namePattern is what Compute Engine names must match.
var namePattern = regexp.MustCompile(`^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$`)

// labelKeyPattern and labelValuePattern are what label keys and values must match.
var (
	labelKeyPattern   = regexp.MustCompile(`^[a-z][-_a-z0-9]{0,62}$`)
	labelValuePattern = regexp.MustCompile(`^[-_a-z0-9]{0,63}$`)
)

func checkLabels(v any) *apiError {
	m, ok := v.(map[string]any)
	if !ok && v != nil {
		return invalid("Invalid value for field 'labels'")
	}
	if len(m) > 64 {
		return invalid("Invalid value for field 'labels': at most 64 labels")
	}
	for k, val := range m {
		sv, _ := val.(string)
		if !labelKeyPattern.MatchString(k) {
			return invalid("Invalid value for field 'labels': label key '%s' violates format constraints. Keys start with a lowercase letter and hold at most 63 lowercase letters, digits, _ and -", k)
		}
		if !labelValuePattern.MatchString(sv) {
			return invalid("Invalid value for field 'labels': label value '%s' violates format constraints. Values hold at most 63 lowercase letters, digits, _ and -", sv)
		}
	}
	return nil
}
