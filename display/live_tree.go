package display

import (
	"math"
	"sort"
	"time"

	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/sdk/resource"
)

// tree is what the live display knows about resources: every resource seen (to draw the parents of a step in
// flight) and the steps in flight. Every event costs O(1) here; the work of ordering the tree is done per frame
// and is proportional to the steps in flight, never to the size of the stack.
type tree struct {
	nodes map[resource.URN]*node
	// flights are the steps started and not yet finished. A resource can have two at once (the replacement
	// of a delete-before-replace and the deletion of its old object), so they are keyed by URN and operation.
	flights map[flightKey]*flight
	// next numbers nodes in the order they were first seen: siblings are drawn in that order.
	next int64
	// counts for the status line.
	done, same, failed int
}

type flightKey struct {
	urn resource.URN
	op  events.Op
}

// node is one resource. Only strings are kept: the engine may reuse the Step an event points to.
type node struct {
	urn    resource.URN
	parent resource.URN
	order  int64
	// step is a copy of the resource's latest step, for its label.
	step events.Step
}

type flight struct {
	node  *node
	op    events.Op
	start time.Time
	step  events.Step
}

func newTree() *tree {
	return &tree{nodes: map[resource.URN]*node{}, flights: map[flightKey]*flight{}}
}

// node returns the node of urn, creating it (or a placeholder, for a parent not seen yet) when needed.
func (t *tree) node(urn, parent resource.URN) *node {
	n, ok := t.nodes[urn]
	if !ok {
		t.next++
		n = &node{urn: urn, order: t.next}
		n.step = events.Step{URN: urn, Type: urn.Type()}
		t.nodes[urn] = n
	}
	if parent != "" {
		n.parent = parent
		if _, ok := t.nodes[parent]; !ok {
			t.node(parent, "")
		}
	}
	return n
}

// lite is the part of a step the tree keeps: no property maps, which the engine owns.
func lite(s *events.Step) events.Step {
	return events.Step{URN: s.URN, Type: s.Type, Op: s.Op, Parent: s.Parent, Custom: s.Custom, Logical: s.Logical,
		DryRun: s.DryRun, Retained: s.Retained}
}

func (t *tree) start(s *events.Step, now time.Time) {
	n := t.node(s.URN, s.Parent)
	n.step = lite(s)
	t.flights[flightKey{s.URN, s.Op}] = &flight{node: n, op: s.Op, start: now, step: n.step}
}

func (t *tree) finish(s *events.Step, failed bool) {
	n := t.node(s.URN, s.Parent)
	n.step = lite(s)
	delete(t.flights, flightKey{s.URN, s.Op})
	switch {
	case failed:
		t.failed++
	case s.Op == events.OpSame:
		t.same++
	default:
		t.done++
	}
}

// row is one line of the tree: a step in flight, or a resource drawn only because a step in flight is under it.
type row struct {
	step   events.Step
	flight *flight
}

// rows lays out the steps in flight as a tree: each under its parents, siblings in the order they were first
// seen. Parents with nothing in flight are drawn too, without a status, so every step is seen in its place.
func (t *tree) rows() []row {
	if len(t.flights) == 0 {
		return nil
	}
	type entry struct {
		path []int64 // the orders of the ancestors and then of the node: the tree order
		f    *flight
		line []*node // ancestors, root first, then the node
	}
	entries := make([]entry, 0, len(t.flights))
	for _, f := range t.flights {
		var chain []*node
		for n, depth := f.node, 0; n != nil && depth < 64; depth++ {
			chain = append(chain, n)
			if n.parent == "" {
				break
			}
			n = t.nodes[n.parent]
		}
		// Reverse: root first.
		for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
			chain[i], chain[j] = chain[j], chain[i]
		}
		path := make([]int64, len(chain), len(chain)+1)
		for i, n := range chain {
			path[i] = n.order
		}
		// A step comes before the steps of its children (whose next element is an order, at least 1), and two
		// steps of one resource in the order they started.
		path = append(path, math.MinInt64/2+f.start.UnixNano()/2)
		entries = append(entries, entry{path: path, f: f, line: chain})
	}
	sort.Slice(entries, func(i, j int) bool { return lessPath(entries[i].path, entries[j].path) })
	var out []row
	shown := map[*node]bool{}
	for _, e := range entries {
		for _, anc := range e.line[:len(e.line)-1] {
			if !shown[anc] {
				shown[anc] = true
				out = append(out, row{step: anc.step})
			}
		}
		shown[e.f.node] = true
		out = append(out, row{step: e.f.step, flight: e.f})
	}
	return out
}

func lessPath(a, b []int64) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}
