package deploy

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/stacks/state"
)

// skip records a resource the program declares but could not register: its old state stays as it was.
func (d *Deployment) skip(urn resource.URN, reg *Registration, old *state.Resource) error {
	d.unclaim(urn, old)
	d.mu.Lock()
	d.skippedURNs = append(d.skippedURNs, string(urn))
	d.mu.Unlock()
	d.count(events.OpSkipped)
	d.emit(events.Event{Kind: events.KindStepDone, Step: &events.Step{URN: urn, Type: reg.Type, Op: events.OpSkipped,
		Parent: reg.Parent, Custom: reg.Custom, Error: reg.SkipReason, DryRun: d.opts.DryRun, Logical: true}})
	return ErrSkipped
}

// matches reports whether urn matches one of the patterns ("*" matches any run of characters).
func matches(urn resource.URN, patterns []string) bool {
	for _, p := range patterns {
		if p == string(urn) {
			return true
		}
		if strings.Contains(p, "*") {
			// path.Match treats "/" specially; URNs have none after the prefix, so it is safe here.
			if ok, _ := path.Match(strings.ReplaceAll(p, "/", "\\x00"), strings.ReplaceAll(string(urn), "/", "\\x00")); ok {
				return true
			}
		}
	}
	return false
}

// isTargeted reports whether the update may change urn. Without targets everything not excluded is; with
// TargetDependents a resource depending on a targeted one (through its dependencies, parent or provider) is too.
func (d *Deployment) isTargeted(urn resource.URN, reg *Registration) bool {
	if matches(urn, d.opts.Excludes) {
		return false
	}
	if len(d.opts.Targets) == 0 {
		return true
	}
	if matches(urn, d.opts.Targets) {
		d.markTargeted(urn)
		return true
	}
	if d.opts.TargetDependents {
		deps := append([]resource.URN{reg.Parent, reg.Provider.URN()}, reg.Dependencies...)
		d.mu.Lock()
		hit := false
		for _, dep := range deps {
			hit = hit || d.targeted[dep]
		}
		d.mu.Unlock()
		if hit {
			d.markTargeted(urn)
			return true
		}
	}
	return false
}

func (d *Deployment) markTargeted(urn resource.URN) {
	d.mu.Lock()
	d.targeted[urn] = true
	d.mu.Unlock()
}

// untargeted handles a registration the update must not change: an existing resource keeps its state, a new one
// is not created (the program gets its inputs, and unknowns for what only the provider knows).
func (d *Deployment) untargeted(ctx context.Context, urn resource.URN, reg *Registration, old *state.Resource) (*Result, error) {
	if old != nil {
		r := old.Copy()
		r.URN, r.Type = urn, reg.Type
		d.count(events.OpSame)
		d.record(r)
		d.emit(events.Event{Kind: events.KindStepDone, Step: &events.Step{URN: urn, Type: reg.Type, Op: events.OpSame,
			Parent: reg.Parent, Custom: reg.Custom, DryRun: d.opts.DryRun, Logical: true}})
		return &Result{URN: urn, ID: old.ID, Outputs: old.Outputs}, nil
	}
	if !reg.Custom {
		return d.registerComponent(urn, reg, nil)
	}
	// Not created: nothing is recorded, and a targeted resource that needs it is refused (see below).
	d.mu.Lock()
	d.skippedURNs = append(d.skippedURNs, string(urn)+": not targeted, not created")
	d.mu.Unlock()
	d.count(events.OpSkipped)
	d.emit(events.Event{Kind: events.KindStepDone, Step: &events.Step{URN: urn, Type: reg.Type, Op: events.OpSkipped,
		Parent: reg.Parent, Custom: true, Error: "not targeted: not created", DryRun: d.opts.DryRun, Logical: true}})
	return &Result{URN: urn, Outputs: reg.Inputs.Copy()}, nil
}

// checkTargetDeps refuses a targeted registration that depends on a resource the update skipped creating.
func (d *Deployment) checkTargetDeps(urn resource.URN, reg *Registration) error {
	if len(d.opts.Targets) == 0 && len(d.opts.Excludes) == 0 {
		return nil
	}
	for _, dep := range append([]resource.URN{reg.Parent}, reg.Dependencies...) {
		if dep == "" {
			continue
		}
		r, ok := d.registered(dep)
		if !ok || r != nil {
			continue
		}
		return d.userError(urn, fmt.Errorf("%s is targeted but depends on %s, which is not targeted and does not exist yet: "+
			"add --target %s, or --target-dependents with a target that includes it", urn, dep, dep))
	}
	return nil
}

// survivorsKeep removes from doomed every entry that a resource staying in the state still refers to: deleting
// it would leave that resource pointing at nothing. With targets, refusing is the user's call, so it is an
// error; otherwise (a continued failure, an untargeted provider instance) the entry is kept and reported.
func (d *Deployment) survivorsKeep(doomed []*state.Resource, refuse bool) ([]*state.Resource, error) {
	type key struct {
		urn resource.URN
		id  string
		del bool
	}
	d.mu.Lock()
	replaced := make(map[*state.Resource]bool, len(d.replaced))
	for _, r := range d.replaced {
		replaced[r] = true
	}
	d.mu.Unlock()
	doomedBy := map[key]bool{}
	byURN := map[resource.URN][]*state.Resource{}
	for _, r := range doomed {
		doomedBy[key{r.URN, r.ID, r.Delete}] = true
		if replaced[r] {
			// The snapshot shows an object its replacement superseded as a pending delete.
			doomedBy[key{r.URN, r.ID, true}] = true
		}
		byURN[r.URN] = append(byURN[r.URN], r)
	}
	snap := d.Snapshot()
	liveURN := map[resource.URN]bool{}
	var survivors []*state.Resource
	for _, r := range snap.Resources {
		if doomedBy[key{r.URN, r.ID, r.Delete}] {
			continue
		}
		survivors = append(survivors, r)
		if !r.Delete {
			liveURN[r.URN] = true
		}
	}
	needed := map[*state.Resource][]string{}
	for _, s := range survivors {
		for _, e := range s.Edges() {
			if liveURN[e] {
				continue // satisfied by a live resource of that URN
			}
			for _, x := range byURN[e] {
				if s.Provider != "" && e == s.Provider.URN() && x.ID != s.Provider.ID() && resource.IsProviderType(x.Type) {
					continue
				}
				needed[x] = append(needed[x], string(s.URN))
			}
		}
	}
	if len(needed) == 0 {
		return doomed, nil
	}
	var lines []string
	for x, users := range needed {
		sort.Strings(users)
		lines = append(lines, fmt.Sprintf("%s (still used by %s)", x.URN, strings.Join(users, ", ")))
	}
	sort.Strings(lines)
	if refuse {
		return nil, d.userError("", fmt.Errorf("refusing to delete resources that resources outside the targets still use:\n    %s\n  "+
			"add those resources as targets, or use --target-dependents", strings.Join(lines, "\n    ")))
	}
	out := doomed[:0:0]
	for _, r := range doomed {
		if _, kept := needed[r]; !kept {
			out = append(out, r)
		}
	}
	d.mu.Lock()
	d.keptURNs = append(d.keptURNs, lines...)
	d.mu.Unlock()
	return out, nil
}
