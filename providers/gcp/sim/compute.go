package sim

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// compute serves a Compute Engine request; the path is split after /compute/v1/.
func (s *Server) compute(req *request, hr *http.Request) response {
	g := req.segs
	if len(g) < 2 || g[0] != "projects" {
		return fail(notFound(strings.Join(g, "/")))
	}
	project := g[1]
	rest := g[2:]
	if len(rest) == 0 {
		return fail(errf(http.StatusMethodNotAllowed, "invalid", "projects.get is not simulated"))
	}
	switch rest[0] {
	case "zones", "regions":
		if len(rest) <= 2 {
			return s.locations(req, project, rest)
		}
		sc := scope{project: project, kind: rest[0], name: rest[1]}
		return s.scoped(req, hr, sc, rest[2:])
	case "global":
		sc := scope{project: project, kind: "global"}
		if len(rest) == 5 && rest[1] == "images" && rest[2] == "family" && req.method == http.MethodGet {
			return s.imageFromFamily(project, rest[3]+"/"+rest[4])
		}
		if len(rest) == 4 && rest[1] == "images" && rest[2] == "family" && req.method == http.MethodGet {
			return s.imageFromFamily(project, rest[3])
		}
		return s.scoped(req, hr, sc, rest[1:])
	case "aggregated":
		if len(rest) == 2 && req.method == http.MethodGet {
			return s.aggregated(req, project, rest[1])
		}
	case "targetHttpProxies":
		// setUrlMap of a global target HTTP proxy is the one method whose path has no "global/".
		if len(rest) == 3 && rest[2] == "setUrlMap" && req.method == http.MethodPost {
			return s.scoped(req, hr, scope{project: project, kind: "global"}, []string{"targetHttpProxies", rest[1], "setUrlMap"})
		}
	}
	return fail(notFound(strings.Join(g, "/")))
}

// scoped serves the collections of one scope: rest is "<collection>[/<name>[/<verb>]]".
func (s *Server) scoped(req *request, hr *http.Request, sc scope, rest []string) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advanceLocked(now)
	resp := s.scopedLocked(req, hr, sc, rest, now)
	// A change of members or instances is a change of health: record it at the time of the request that made it.
	s.recordHealthLocked(now)
	return resp
}

func (s *Server) scopedLocked(req *request, hr *http.Request, sc scope, rest []string, now time.Time) response {
	if e := s.st.checkScope(sc); e != nil {
		return fail(e)
	}
	if len(rest) == 0 || len(rest) > 3 {
		return fail(notFound(sc.path() + "/" + strings.Join(rest, "/")))
	}
	segment := rest[0]
	if segment == "operations" {
		return s.operationRequest(req, hr, sc, rest[1:])
	}
	if segment == "machineTypes" && sc.kind == "zones" {
		return s.machineTypes(req, sc, rest[1:])
	}
	if segment == "diskTypes" && sc.kind == "zones" && len(rest) == 2 {
		if !diskTypes[rest[1]] {
			return fail(notFound(sc.path() + "/diskTypes/" + rest[1]))
		}
		return ok(map[string]any{"kind": "compute#diskType", "name": rest[1], "zone": linkBase + sc.path(),
			"selfLink": linkBase + sc.path() + "/diskTypes/" + rest[1], "validDiskSize": "10GB-65536GB", "defaultDiskSizeGb": "10"})
	}
	c := collFor(sc.kind, segment)
	if c == nil {
		return fail(notFound(sc.path() + "/" + segment))
	}
	switch {
	case len(rest) == 1 && req.method == http.MethodGet:
		return s.list(req, sc, c)
	case len(rest) == 1 && req.method == http.MethodPost:
		if c.readOnly || (!s.st.projects[sc.project]) {
			return fail(errf(http.StatusForbidden, "forbidden", "Required '%s.create' permission for '%s'", segment, sc.path()))
		}
		return s.insert(req, sc, c, now)
	case len(rest) == 2 && req.method == http.MethodGet:
		o, e := s.find(sc, c, rest[1], now)
		if e != nil {
			return fail(e)
		}
		return ok(o.view(s))
	case len(rest) == 2 && req.method == http.MethodDelete:
		return s.remove(req, sc, c, rest[1], now)
	case len(rest) == 2 && (req.method == http.MethodPatch || req.method == http.MethodPut):
		return s.modify(req, sc, c, rest[1], now)
	case len(rest) == 3 && req.method == http.MethodPost:
		if rest[2] == "listInstances" && segment == "instanceGroups" {
			return s.listGroupInstances(req, sc, rest[1], now)
		}
		if rest[2] == "getHealth" && segment == "targetPools" {
			return s.targetPoolHealth(req, sc, rest[1], now)
		}
		verb, known := c.verbs[rest[2]]
		if !known {
			return fail(notFound(sc.path() + "/" + strings.Join(rest, "/")))
		}
		o, e := s.find(sc, c, rest[1], now)
		if e != nil {
			return fail(e)
		}
		if op, done := s.repeated(req); done {
			return ok(op.view(now))
		}
		if e := verb(s, o, sc, req.body, now); e != nil {
			return fail(e)
		}
		return ok(s.newOperation(req, sc, rest[2], o, now).view(now))
	}
	return fail(errf(http.StatusMethodNotAllowed, "invalid", "%s %s is not a method of %s", req.method, strings.Join(rest, "/"), segment))
}

// find returns the object called name in a collection of a scope, or Google's 404.
func (s *Server) find(sc scope, c *collection, name string, now time.Time) (*object, *apiError) {
	path := sc.path() + "/" + c.segment + "/" + name
	o, ok := s.st.objects[path]
	if !ok || o.coll != c || now.Before(o.visibleAt) {
		return nil, notFound(path)
	}
	return o, nil
}

// view is the object as a get returns it.
func (o *object) view(s *Server) map[string]any {
	out := deepCopy(o.data).(map[string]any)
	if o.coll.segment == "instanceGroups" {
		out["size"] = len(o.members)
	}
	return out
}

// insert creates an object from the request body and answers with the operation that creates it.
func (s *Server) insert(req *request, sc scope, c *collection, now time.Time) response {
	if op, done := s.repeated(req); done {
		return ok(op.view(now))
	}
	body := req.body
	if body == nil {
		return fail(invalid("Required field 'resource' not specified"))
	}
	name, _ := body["name"].(string)
	if name == "" {
		return fail(invalid("Invalid value for field 'resource.name': ''. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'"))
	}
	if !namePattern.MatchString(name) {
		return fail(invalid("Invalid value for field 'resource.name': '%s'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'", name))
	}
	path := sc.path() + "/" + c.segment + "/" + name
	if _, exists := s.st.objects[path]; exists {
		return fail(errf(http.StatusConflict, "alreadyExists", "The resource '%s' already exists", path))
	}
	for _, k := range []string{"id", "selfLink", "creationTimestamp", "kind"} {
		delete(body, k)
	}
	data := deepCopy(body).(map[string]any)
	if e := s.resolveRefs(sc, data, ""); e != nil {
		return fail(e)
	}
	o := &object{path: path, coll: c, seq: s.st.nextSeq(), data: data, visibleAt: now.Add(time.Duration(s.faults.NotFoundWindow))}
	data["id"] = uid(s.rng.uint64())
	data["kind"] = c.kind
	data["selfLink"] = linkBase + path
	data["creationTimestamp"] = timestamp(now)
	switch sc.kind {
	case "regions":
		data["region"] = linkBase + sc.path()
	case "zones":
		data["zone"] = linkBase + sc.path()
	}
	if c.labels {
		if _, ok := data["labels"]; !ok {
			data["labels"] = map[string]any{}
		}
		if e := checkLabels(data["labels"]); e != nil {
			return fail(e)
		}
		data["labelFingerprint"] = fingerprint(now, o.seq)
	}
	if c.fingerprinted {
		data["fingerprint"] = fingerprint(now, o.seq+1)
	}
	if c.prepare != nil {
		if e := c.prepare(s, o, sc, now); e != nil {
			return fail(e)
		}
	}
	s.st.objects[path] = o
	return ok(s.newOperation(req, sc, "insert", o, now).view(now))
}

// remove deletes an object unless another uses it.
func (s *Server) remove(req *request, sc scope, c *collection, name string, now time.Time) response {
	if op, done := s.repeated(req); done {
		return ok(op.view(now))
	}
	o, e := s.find(sc, c, name, now)
	if e != nil {
		return fail(e)
	}
	if o.builtin || c.readOnly {
		return fail(errf(http.StatusBadRequest, "resourceInUseByAnotherResource", "The resource '%s' is a default object the simulator keeps", o.path))
	}
	if user := s.userOf(o); user != "" {
		return fail(errf(http.StatusBadRequest, "resourceInUseByAnotherResource",
			"The %s resource '%s' is already being used by '%s'", strings.TrimSuffix(c.segment, "s"), o.path, user))
	}
	if c.segment == "instances" && o.data["status"] != "TERMINATED" && o.data["status"] != "STOPPING" {
		// The instance goes away once the operation is done; until then it is STOPPING.
		o.data["status"] = "STOPPING"
	}
	op := s.newOperation(req, sc, "delete", o, now)
	s.forget(o)
	return ok(op.view(now))
}

// forget removes an object and what goes with it: an instance's auto-delete disks and its memberships.
func (s *Server) forget(o *object) {
	delete(s.st.objects, o.path)
	for _, a := range s.st.objects {
		if a.coll.segment == "addresses" && refersTo(a.data["users"], linkBase+o.path) {
			delete(a.data, "users")
			a.data["status"] = "RESERVED"
		}
	}
	if o.coll.segment != "instances" {
		return
	}
	link := linkBase + o.path
	for _, d := range listOf(o.data["disks"]) {
		dm, _ := d.(map[string]any)
		if auto, _ := dm["autoDelete"].(bool); auto {
			if src, _ := dm["source"].(string); src != "" {
				delete(s.st.objects, strings.TrimPrefix(src, linkBase))
			}
		}
	}
	for _, other := range s.st.objects {
		switch other.coll.segment {
		case "targetPools":
			other.data["instances"] = without(listOf(other.data["instances"]), link)
		case "instanceGroups":
			other.members = withoutString(other.members, link)
		}
	}
}

// userOf names an object that refers to o, which keeps o from being deleted (memberships do not).
func (s *Server) userOf(o *object) string {
	link := linkBase + o.path
	for _, other := range sortedObjects(s.st.objects, func(x *object) bool { return x != o }) {
		if o.coll.segment == "instances" && contains(other.members, link) {
			continue
		}
		for k, v := range other.data {
			if k == "selfLink" || (k == "instances" && other.coll.segment == "targetPools") ||
				k == "users" {
				continue
			}
			if refersTo(v, link) {
				return other.path
			}
		}
		if o.coll.segment == "addresses" && other.coll.segment == "forwardingRules" && other.data["IPAddress"] == o.data["address"] &&
			scopeOfPath(other.path) == scopeOfPath(o.path) {
			return other.path
		}
	}
	return ""
}

// scopeOfPath is the scope part of an object path ("projects/p/regions/r").
func scopeOfPath(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) >= 4 && parts[2] == "global" {
		return strings.Join(parts[:3], "/")
	}
	if len(parts) >= 4 {
		return strings.Join(parts[:4], "/")
	}
	return p
}

func refersTo(v any, link string) bool {
	switch x := v.(type) {
	case string:
		return x == link
	case []any:
		for _, e := range x {
			if refersTo(e, link) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if refersTo(e, link) {
				return true
			}
		}
	}
	return false
}

// modify serves patch (a merge of the body into the object) and update (the body replaces the object's
// writable fields).
func (s *Server) modify(req *request, sc scope, c *collection, name string, now time.Time) response {
	if c.mutable == nil {
		return fail(errf(http.StatusMethodNotAllowed, "invalid", "%s cannot be changed", c.segment))
	}
	if op, done := s.repeated(req); done {
		return ok(op.view(now))
	}
	o, e := s.find(sc, c, name, now)
	if e != nil {
		return fail(e)
	}
	if req.body == nil {
		return fail(invalid("Required field 'resource' not specified"))
	}
	if c.fingerprinted {
		if fp, given := req.body["fingerprint"].(string); given && fp != o.data["fingerprint"] {
			return fail(errf(http.StatusPreconditionFailed, "conditionNotMet",
				"Supplied fingerprint does not match current metadata fingerprint."))
		}
	}
	if n, given := req.body["name"].(string); given && n != name {
		return fail(invalid("Invalid value for field 'resource.name': '%s'. The name of a resource cannot change", n))
	}
	changes := deepCopy(req.body).(map[string]any)
	for _, k := range []string{"id", "selfLink", "creationTimestamp", "kind", "name", "fingerprint", "region", "zone", "labelFingerprint"} {
		delete(changes, k)
	}
	if e := s.resolveRefs(sc, changes, ""); e != nil {
		return fail(e)
	}
	if c.mutable[0] != "" {
		for k := range changes {
			if !contains(c.mutable, k) {
				return fail(invalid("Invalid value for field 'resource.%s': the field cannot be changed with %s", k, strings.ToLower(req.method)))
			}
		}
	}
	next := deepCopy(o.data).(map[string]any)
	if req.method == http.MethodPut {
		for k := range next {
			if !outputField(k) {
				delete(next, k)
			}
		}
	}
	for k, v := range changes {
		next[k] = v
	}
	saved := o.data
	o.data = next
	if c.prepare != nil {
		if e := c.prepare(s, o, sc, now); e != nil {
			o.data = saved
			return fail(e)
		}
	}
	if c.fingerprinted {
		o.data["fingerprint"] = fingerprint(now, o.seq+s.st.nextSeq())
	}
	verb := "patch"
	if req.method == http.MethodPut {
		verb = "update"
	}
	return ok(s.newOperation(req, sc, verb, o, now).view(now))
}

// outputField reports whether a field is set by the service, and survives an update that does not name it.
func outputField(k string) bool {
	switch k {
	case "id", "kind", "selfLink", "creationTimestamp", "name", "region", "zone", "fingerprint", "labelFingerprint", "labels":
		return true
	}
	return false
}

// waitFor blocks until op is done, the request is cancelled, or limit passes, releasing the lock meanwhile.
func (s *Server) waitFor(ctx context.Context, op *operation, limit time.Duration) {
	deadline := s.opts.Now().Add(limit)
	for {
		now := s.opts.Now()
		if op.status(now) == "DONE" || now.After(deadline) {
			return
		}
		s.mu.Unlock()
		t := time.NewTimer(min(op.doneAt.Sub(now)+time.Millisecond, 50*time.Millisecond))
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		s.mu.Lock()
		if ctx.Err() != nil {
			return
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

func withoutString(l []string, s string) []string {
	var out []string
	for _, x := range l {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

func without(l []any, s string) []any {
	out := []any{}
	for _, x := range l {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// deepCopy copies a decoded JSON value.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
