package sim

import (
	"net/http"
	"strings"
	"time"
)

// operation is a Compute Engine long-running operation. Its status follows from the time: PENDING until
// runningAt, RUNNING until doneAt, then DONE.
type operation struct {
	path                string
	sc                  scope
	seq                 int
	id, name, opType    string
	targetLink          string
	targetID            string
	clientOperationID   string
	insertAt, runningAt time.Time
	doneAt              time.Time
}

func (op *operation) status(now time.Time) string {
	switch {
	case now.Before(op.runningAt):
		return "PENDING"
	case now.Before(op.doneAt):
		return "RUNNING"
	}
	return "DONE"
}

// view is the operation as a get returns it.
func (op *operation) view(now time.Time) map[string]any {
	st := op.status(now)
	out := map[string]any{"kind": "compute#operation", "id": op.id, "name": op.name, "operationType": op.opType,
		"targetLink": op.targetLink, "targetId": op.targetID, "status": st, "user": "infra-sim@" + op.sc.project + ".iam.gserviceaccount.com",
		"insertTime": timestamp(op.insertAt), "selfLink": linkBase + op.path, "progress": 0}
	if op.clientOperationID != "" {
		out["clientOperationId"] = op.clientOperationID
	}
	switch op.sc.kind {
	case "zones":
		out["zone"] = linkBase + op.sc.path()
	case "regions":
		out["region"] = linkBase + op.sc.path()
	}
	if st != "PENDING" {
		out["startTime"] = timestamp(op.runningAt)
	}
	if st == "DONE" {
		out["endTime"] = timestamp(op.doneAt)
		out["progress"] = 100
	}
	return out
}

// newOperation records an operation of type opType on o, and the request's requestId with it.
func (s *Server) newOperation(req *request, sc scope, opType string, o *object, now time.Time) *operation {
	seq := s.st.nextSeq()
	name := "operation-" + strings.ReplaceAll(now.UTC().Format("20060102150405.000"), ".", "") + "-" + s.rng.hex(13) + "-" + s.rng.hex(8)
	opScope := sc
	op := &operation{path: opScope.path() + "/operations/" + name, sc: opScope, seq: seq, id: uid(s.rng.uint64()), name: name,
		opType: opType, targetLink: linkBase + o.path, targetID: o.data["id"].(string), insertAt: now,
		runningAt: now.Add(s.timing.OperationPending)}
	op.doneAt = op.runningAt.Add(s.timing.OperationRunning + time.Duration(s.faults.SlowOperations))
	if id := req.param("requestId"); id != "" {
		op.clientOperationID = id
		s.st.requests[id] = op.path
	}
	s.st.ops[op.path] = op
	return op
}

// repeated returns the operation an earlier request with the same requestId started, if any: Compute Engine
// ignores a repeated request and answers with the first one's operation.
func (s *Server) repeated(req *request) (*operation, bool) {
	id := req.param("requestId")
	if id == "" {
		return nil, false
	}
	p, ok := s.st.requests[id]
	if !ok {
		return nil, false
	}
	op, ok := s.st.ops[p]
	return op, ok
}

// operationRequest serves get, wait, list and delete of a scope's operations.
func (s *Server) operationRequest(req *request, hr *http.Request, sc scope, rest []string) response {
	now := s.opts.Now()
	if len(rest) == 0 {
		if req.method != http.MethodGet {
			return fail(errf(http.StatusMethodNotAllowed, "invalid", "use GET to list operations"))
		}
		var items []map[string]any
		for _, op := range s.sortedOps(func(op *operation) bool { return op.sc == sc }) {
			items = append(items, op.view(now))
		}
		return s.page(req, "compute#operationList", linkBase+sc.path()+"/operations", items)
	}
	path := sc.path() + "/operations/" + rest[0]
	op, found := s.st.ops[path]
	if !found {
		return fail(notFound(path))
	}
	switch {
	case len(rest) == 1 && req.method == http.MethodGet:
		return ok(op.view(now))
	case len(rest) == 1 && req.method == http.MethodDelete:
		delete(s.st.ops, path)
		return response{status: http.StatusNoContent}
	case len(rest) == 2 && rest[1] == "wait" && req.method == http.MethodPost:
		s.waitFor(hr.Context(), op, 30*time.Second)
		return ok(op.view(s.opts.Now()))
	}
	return fail(notFound(path + "/" + strings.Join(rest[1:], "/")))
}

func (s *Server) sortedOps(keep func(*operation) bool) []*operation {
	var out []*operation
	for _, op := range s.st.ops {
		if keep(op) {
			out = append(out, op)
		}
	}
	sortBy(out, func(op *operation) int { return op.seq })
	return out
}

// advanceLocked moves every instance whose transition is due to its next status.
func (s *Server) advanceLocked(now time.Time) {
	for _, o := range s.st.objects {
		for o.next != "" && !now.Before(o.until) {
			o.data["status"] = o.next
			switch o.next {
			case "STAGING":
				o.next, o.until = "RUNNING", o.until.Add(s.timing.InstanceStart/2)
			case "RUNNING":
				o.next = ""
				o.upSince = o.until
				o.data["lastStartTimestamp"] = timestamp(o.until)
			default:
				o.next = ""
				o.data["lastStopTimestamp"] = timestamp(o.until)
			}
		}
	}
	for id, p := range s.st.requests {
		if _, ok := s.st.ops[p]; !ok {
			delete(s.st.requests, id)
		}
	}
	for _, z := range s.st.zones {
		for _, c := range z.changes {
			if c.status == "pending" && !now.Before(c.doneAt) {
				c.status = "done"
			}
		}
	}
}
