package state

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/json"
	"fmt"

	"github.com/infrago/infra/sdk/resource"
)

// The journal records, while an update runs, what it is about to do and what it did, so that a run cut off at
// any moment (a crash, a kill, a lost machine) leaves nothing untracked. It is a sequence of JSON lines, one
// record each:
//
//	begin     written, and durable, before a provider is asked to change anything: the step, the resource and
//	          for a create the idempotency token the provider attaches to what it makes
//	success   the step finished; holds the resource's new state (absent for a delete)
//	failure   the step failed; holds the resource's state if the object exists anyway (not ready)
//	resolved  a later run settled an operation left pending by a crash
//	change    a state change that needed no provider call (a provider instance, a component, an import)
//
// Replaying the journal over the snapshot it was written on gives the state as it stood when the run stopped,
// and the operations that began but never ended.

// Journal steps.
const (
	StepCreate         = "create"
	StepUpdate         = "update"
	StepDelete         = "delete"
	StepReplace        = "replace" // the create half of a create-before-delete replacement
	StepDeleteReplaced = "delete-replaced"
	StepChange         = "change"
	StepChangeReplace  = "change-replace" // a state-only replacement (a provider instance with a new ID)
)

// Journal record kinds.
const (
	KindBegin    = "begin"
	KindSuccess  = "success"
	KindFailure  = "failure"
	KindResolved = "resolved"
)

// JournalRecord is one line of the journal.
type JournalRecord struct {
	Seq  int64        `json:"seq"`
	Op   string       `json:"op,omitempty"`
	Kind string       `json:"kind"`
	Step string       `json:"step,omitempty"`
	URN  resource.URN `json:"urn,omitempty"`
	// Type, Provider and Token identify a create so that it can be looked up after a crash; ID names the object
	// an update or delete is about.
	Type     string               `json:"type,omitempty"`
	Provider resource.ProviderRef `json:"provider,omitempty"`
	Token    string               `json:"token,omitempty"`
	ID       string               `json:"id,omitempty"`
	// Resource is the resource's new state (success, change, resolved adopt, failure of an object that exists).
	Resource *Resource `json:"-"`
	Error    string    `json:"error,omitempty"`
}

// PendingOp is an operation that began and never ended: the run stopped while a provider was working on it.
type PendingOp struct {
	Op       string
	Step     string
	URN      resource.URN
	Type     string
	Provider resource.ProviderRef
	Token    string
	ID       string
	// Inputs are the checked inputs a create was made with (nil in journals written before intents kept them).
	Inputs resource.PropertyMap
}

// Describe names the operation for people.
func (p PendingOp) Describe() string {
	switch p.Step {
	case StepCreate, StepReplace:
		return fmt.Sprintf("create of %s", p.URN)
	case StepUpdate:
		return fmt.Sprintf("update of %s (ID %s)", p.URN, p.ID)
	}
	return fmt.Sprintf("delete of %s (ID %s)", p.URN, p.ID)
}

// MarshalRecord encodes a record as one line (with its newline). The resource, if any, is encoded as in a
// snapshot, secrets encrypted.
func (c Codec) MarshalRecord(rec JournalRecord) ([]byte, error) {
	head, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	if rec.Resource == nil {
		return append(head, '\n'), nil
	}
	body, err := c.appendResource(nil, rec.Resource)
	if err != nil {
		return nil, fmt.Errorf("encode journal record for %s: %w", rec.Resource.URN, err)
	}
	out := make([]byte, 0, len(head)+len(body)+16)
	out = append(out, head[:len(head)-1]...)
	out = append(out, `,"resource":`...)
	out = append(out, body...)
	out = append(out, "}\n"...)
	return out, nil
}

type recordFile struct {
	JournalRecord
	Resource *fileResource `json:"resource"`
}

// UnmarshalJournal decodes journal bytes. A last line cut short (the writer died in the middle of it) is
// ignored: its record was never acknowledged. Anything else that does not decode is an error.
func (c Codec) UnmarshalJournal(data []byte) ([]JournalRecord, error) {
	var out []JournalRecord
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 512*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var rf recordFile
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rf); err != nil {
			if !bytes.HasSuffix(data, []byte("\n")) && !sc.Scan() {
				break // the last line, never finished
			}
			return nil, fmt.Errorf("decode journal line %d: %w", line, err)
		}
		rec := rf.JournalRecord
		switch rec.Kind {
		case KindBegin, KindSuccess, KindFailure, KindResolved:
		default:
			return nil, fmt.Errorf("decode journal line %d: unknown record kind %q", line, rec.Kind)
		}
		if rf.Resource != nil {
			r, err := c.decodeResource(*rf.Resource)
			if err != nil {
				return nil, fmt.Errorf("decode journal line %d: %w", line, err)
			}
			rec.Resource = r
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	return out, nil
}

// Replay applies journal records, in order, to a copy of base and returns the resulting snapshot and the
// operations that began and never ended (in the order they began).
func Replay(base *Snapshot, records []JournalRecord) (*Snapshot, []PendingOp) {
	s := &Snapshot{Project: base.Project, Stack: base.Stack, Serial: base.Serial, Outputs: base.Outputs}
	rs := append([]*Resource(nil), base.Resources...)
	live := func(urn resource.URN) int {
		for i := len(rs) - 1; i >= 0; i-- {
			if rs[i].URN == urn && !rs[i].Delete {
				return i
			}
		}
		return -1
	}
	upsert := func(r *Resource) {
		if i := live(r.URN); i >= 0 {
			rs = append(rs[:i], rs[i+1:]...)
		}
		rs = append(rs, r)
	}
	replace := func(r *Resource) {
		if i := live(r.URN); i >= 0 {
			old := rs[i].Copy()
			old.Delete = true
			rs[i] = old
		}
		rs = append(rs, r)
	}
	remove := func(urn resource.URN, id string) {
		for i := len(rs) - 1; i >= 0; i-- {
			if rs[i].URN == urn && rs[i].ID == id {
				rs = append(rs[:i], rs[i+1:]...)
				return
			}
		}
	}
	pending := map[string]JournalRecord{}
	var order []string
	for _, rec := range records {
		switch rec.Kind {
		case KindBegin:
			pending[rec.Op] = rec
			order = append(order, rec.Op)
			continue
		case KindSuccess, KindResolved, KindFailure:
			if rec.Op != "" {
				delete(pending, rec.Op)
			}
		}
		if rec.Kind == KindFailure && rec.Resource == nil {
			continue
		}
		switch rec.Step {
		case StepDelete, StepDeleteReplaced:
			if rec.Kind == KindSuccess {
				remove(rec.URN, rec.ID)
			}
		case StepReplace, StepChangeReplace:
			if rec.Resource != nil {
				replace(rec.Resource)
			}
		default:
			if rec.Resource != nil {
				upsert(rec.Resource)
			}
		}
	}
	s.Resources = SortResources(rs)
	var out []PendingOp
	for _, op := range order {
		if rec, ok := pending[op]; ok {
			p := PendingOp{Op: rec.Op, Step: rec.Step, URN: rec.URN, Type: rec.Type, Provider: rec.Provider,
				Token: rec.Token, ID: rec.ID}
			if rec.Resource != nil {
				p.Inputs = rec.Resource.Inputs
			}
			out = append(out, p)
		}
	}
	return s, out
}

// SortResources orders resources so that each comes after its parent, its provider instance and its
// dependencies, keeping the given order wherever it already works, and drops references to resources that are
// not there at all (objects that are gone). The result is suitable for a snapshot.
func SortResources(rs []*Resource) []*Resource {
	byURN := map[resource.URN][]int{}
	for i, r := range rs {
		byURN[r.URN] = append(byURN[r.URN], i)
	}
	// prereqs[i]: the entries i must follow. A reference by URN is satisfied by the live entry of that URN (or,
	// when only entries marked for deletion have it, the first of those); a provider reference by URN and ID.
	prereqs := make([][]int, len(rs))
	for i, r := range rs {
		for _, e := range r.Edges() {
			cands := byURN[e]
			pick := -1
			for _, j := range cands {
				if r.Provider != "" && e == r.Provider.URN() && rs[j].ID != r.Provider.ID() && IsProviderEntry(rs[j]) {
					continue
				}
				if pick < 0 || !rs[j].Delete && rs[pick].Delete {
					pick = j
				}
			}
			if pick >= 0 && pick != i {
				prereqs[i] = append(prereqs[i], pick)
			}
		}
	}
	// Kahn's algorithm, always taking the earliest ready entry, so existing order is kept where possible.
	indeg := make([]int, len(rs))
	next := make([][]int, len(rs))
	for i, ps := range prereqs {
		for _, p := range ps {
			indeg[i]++
			next[p] = append(next[p], i)
		}
	}
	ready := &intHeap{}
	for i := range rs {
		if indeg[i] == 0 {
			ready.items = append(ready.items, i)
		}
	}
	heap.Init(ready)
	out := make([]*Resource, 0, len(rs))
	done := make([]bool, len(rs))
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		done[i] = true
		out = append(out, rs[i])
		for _, n := range next[i] {
			indeg[n]--
			if indeg[n] == 0 {
				heap.Push(ready, n)
			}
		}
	}
	// A cycle cannot be ordered; keep those entries in their given order and let Verify report the cycle.
	for i, r := range rs {
		if !done[i] {
			out = append(out, r)
		}
	}
	return dropDanglingRefs(out)
}

// intHeap is a min-heap of positions: the earliest ready entry is taken first.
type intHeap struct{ items []int }

func (h *intHeap) Len() int           { return len(h.items) }
func (h *intHeap) Less(i, j int) bool { return h.items[i] < h.items[j] }
func (h *intHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *intHeap) Push(x any)         { h.items = append(h.items, x.(int)) }
func (h *intHeap) Pop() any {
	n := len(h.items)
	x := h.items[n-1]
	h.items = h.items[:n-1]
	return x
}

// IsProviderEntry reports whether r is a provider instance.
func IsProviderEntry(r *Resource) bool { return resource.IsProviderType(r.Type) }

// dropDanglingRefs removes dependency and parent references to URNs with no earlier entry.
func dropDanglingRefs(rs []*Resource) []*Resource {
	seen := make(map[resource.URN]bool, len(rs))
	present := make(map[resource.URN]bool, len(rs))
	for _, r := range rs {
		present[r.URN] = true
	}
	for i, r := range rs {
		dangling := r.Parent != "" && !present[r.Parent]
		for _, d := range r.Dependencies {
			dangling = dangling || !present[d]
		}
		if dangling {
			c := r.Copy()
			if c.Parent != "" && !present[c.Parent] {
				c.Parent = ""
			}
			deps := c.Dependencies[:0]
			for _, d := range c.Dependencies {
				if present[d] {
					deps = append(deps, d)
				}
			}
			c.Dependencies = deps
			rs[i] = c
		}
		seen[r.URN] = true
	}
	return rs
}
