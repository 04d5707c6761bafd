// Package plan records what a preview showed and makes an update do exactly that. A plan lists every resource's
// step (create, update, replace, delete, same) with the checked inputs the preview saw, and the state version it
// was computed against. An update enforcing a plan refuses, before it touches anything, a step whose operation
// or inputs differ — so what was reviewed is what is applied, whether the plan went through a file
// (`preview --save-plan`, `up --plan`) or was just shown before an interactive `up`'s prompt.
package plan

import (
	"fmt"
	"sort"
	"sync"

	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/sdk/resource"
)

// FormatVersion is the version of the plan file format.
const FormatVersion = 1

// Plan is what a preview would do.
type Plan struct {
	Project string
	Stack   string
	// BaseVersion and BaseJournal identify the state the plan was made against: its version and the last
	// sequence number of its journal.
	BaseVersion int64
	BaseJournal int64
	// Steps are the planned steps of registered resources, by URN.
	Steps map[resource.URN]Step
	// Deletes are the planned deletes, by URN (several for a URN that has replaced objects to delete).
	Deletes map[resource.URN][]events.Op
}

// Step is one planned registration step.
type Step struct {
	Op events.Op
	// Inputs are the checked inputs the preview saw; values it could not know are unknown.
	Inputs resource.PropertyMap
}

// New returns an empty plan for a stack at a state version.
func New(project, stack string, baseVersion, baseJournal int64) *Plan {
	return &Plan{Project: project, Stack: stack, BaseVersion: baseVersion, BaseJournal: baseJournal,
		Steps: map[resource.URN]Step{}, Deletes: map[resource.URN][]events.Op{}}
}

// Recorder builds a plan from a preview's events; it is an events.Sink to put next to the display.
type Recorder struct {
	mu   sync.Mutex
	plan *Plan
}

// NewRecorder records into p.
func NewRecorder(p *Plan) *Recorder { return &Recorder{plan: p} }

// Plan returns the plan recorded so far.
func (r *Recorder) Plan() *Plan {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.plan
}

// Emit implements events.Sink.
func (r *Recorder) Emit(e events.Event) {
	if e.Kind != events.KindStepDone || e.Step == nil {
		return
	}
	s := e.Step
	r.mu.Lock()
	defer r.mu.Unlock()
	switch s.Op {
	case events.OpDelete, events.OpDeleteReplaced:
		r.plan.Deletes[s.URN] = append(r.plan.Deletes[s.URN], s.Op)
	case events.OpRefresh, events.OpRead:
	default:
		if s.Logical {
			r.plan.Steps[s.URN] = Step{Op: s.Op, Inputs: s.New}
		}
	}
}

// weight orders operations by how much they do, for steps whose planned inputs held unknowns: such a step may
// turn out to do less than planned (an unknown that resolves to the old value), never more.
var weight = map[events.Op]int{events.OpSame: 0, events.OpUpdate: 1, events.OpReplace: 2, events.OpImport: 1, events.OpCreate: 2}

// CheckStep verifies that a registration's step is the planned one. It returns an error naming the first
// difference.
func (p *Plan) CheckStep(urn resource.URN, op events.Op, inputs resource.PropertyMap) error {
	planned, ok := p.Steps[urn]
	if !ok {
		return fmt.Errorf("%s: the plan has no step for it, but the update would %s it", urn, op)
	}
	if planned.Op != op {
		loose := planned.Inputs.ContainsUnknowns() && weight[op] < weight[planned.Op] && op != events.OpCreate
		if !loose {
			return fmt.Errorf("%s: the plan says %s, but the update would %s it", urn, planned.Op, op)
		}
	}
	if op == events.OpSame || planned.Op == events.OpSame {
		return nil
	}
	if path, want, got, ok := firstDifference(nil, planned.Inputs, inputs); !ok {
		return fmt.Errorf("%s: input %s is %s in the plan but %s now", urn, path, want, got)
	}
	return nil
}

// CheckDeletes verifies that the deletes an update is about to run are exactly the planned ones.
func (p *Plan) CheckDeletes(doomed map[resource.URN][]events.Op) error {
	var problems []string
	for urn, ops := range doomed {
		n := len(ops)
		if p.Steps[urn].Op == events.OpReplace {
			// A planned create-before-delete replacement deletes the old object at the end; a preview cannot
			// show that delete as a step of its own.
			for _, op := range ops {
				if op == events.OpDeleteReplaced {
					n--
					break
				}
			}
		}
		if len(p.Deletes[urn]) < n {
			problems = append(problems, fmt.Sprintf("%s: the update would delete it, but the plan does not", urn))
		}
	}
	for urn, ops := range p.Deletes {
		if len(doomed[urn]) < len(ops) {
			problems = append(problems, fmt.Sprintf("%s: the plan deletes it, but the update would not", urn))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	return fmt.Errorf("%s", problems[0])
}

// CheckComplete verifies, at the end of an update, that every planned registration step happened.
func (p *Plan) CheckComplete(registered map[resource.URN]bool) error {
	var missing []string
	for urn := range p.Steps {
		if !registered[urn] {
			missing = append(missing, string(urn))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return fmt.Errorf("%s: the plan has a step for it, but the program no longer declares it", missing[0])
}

// firstDifference compares planned with actual: a value the plan did not know matches anything, everything else
// must be equal (secretness aside). It returns the first path that differs and both values, for the message.
func firstDifference(prefix resource.PropertyPath, planned, actual resource.PropertyMap) (path, want, got string, ok bool) {
	keys := map[string]bool{}
	for k := range planned {
		keys[k] = true
	}
	for k := range actual {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		pv, pok := planned[k]
		av, aok := actual[k]
		if p, w, g, same := valueDifference(append(append(resource.PropertyPath(nil), prefix...), k), pv, pok, av, aok); !same {
			return p, w, g, false
		}
	}
	return "", "", "", true
}

func valueDifference(path resource.PropertyPath, pv resource.PropertyValue, pok bool, av resource.PropertyValue, aok bool) (string, string, string, bool) {
	show := func(v resource.PropertyValue, present bool) string {
		if !present {
			return "absent"
		}
		return v.String()
	}
	if !pok || !aok {
		if pok == aok {
			return "", "", "", true
		}
		return path.String(), show(pv, pok), show(av, aok), false
	}
	for pv.IsSecret() {
		pv = pv.SecretElement()
	}
	for av.IsSecret() {
		av = av.SecretElement()
	}
	if pv.IsUnknown() {
		return "", "", "", true
	}
	if pv.Kind() == resource.KindMap && av.Kind() == resource.KindMap {
		if p, w, g, ok := firstDifference(path, pv.MapValue(), av.MapValue()); !ok {
			return p, w, g, false
		}
		return "", "", "", true
	}
	if pv.Kind() == resource.KindList && av.Kind() == resource.KindList && len(pv.ListValue()) == len(av.ListValue()) {
		for i := range pv.ListValue() {
			if p, w, g, ok := valueDifference(append(append(resource.PropertyPath(nil), path...), i), pv.ListValue()[i], true,
				av.ListValue()[i], true); !ok {
				return p, w, g, false
			}
		}
		return "", "", "", true
	}
	if !pv.EqualIgnoringSecrets(av) {
		return path.String(), show(pv, true), show(av, true), false
	}
	return "", "", "", true
}
