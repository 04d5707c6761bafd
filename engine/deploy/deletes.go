package deploy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/engine/graph"
	"github.com/infrago/infra/engine/plugin"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/stacks/state"
)

// deleteObject deletes one old object through its provider (or only forgets it when it is retained, a
// component, or a provider instance) and marks it deleted.
func (d *Deployment) deleteObject(ctx context.Context, r *state.Resource) error {
	step := state.StepDelete
	if r.Delete || isReplaced(d, r) {
		step = state.StepDeleteReplaced
	}
	opID := ""
	if r.Custom && !r.RetainOnDelete && !resource.IsProviderType(r.Type) && !d.opts.DryRun {
		inst, err := d.providers.fromOld(ctx, r.Provider)
		if err != nil {
			return fmt.Errorf("delete %s: %w", r.URN, err)
		}
		virtual := inst.prov.Schema().Resources[r.Type].Virtual
		if opID, err = d.begin(ctx, state.JournalRecord{Step: step, URN: r.URN, ID: r.ID}, virtual); err != nil {
			return err
		}
		t := d.timeouts.Delete
		if r.Timeouts != nil && r.Timeouts.Delete > 0 {
			t = time.Duration(r.Timeouts.Delete * float64(time.Second))
		}
		cctx, cancel := context.WithTimeout(ctx, t)
		err = d.call(cctx, inst.pkg, "the delete of "+string(r.URN), func() error {
			return inst.prov.Delete(cctx, plugin.DeleteRequest{URN: r.URN, Type: r.Type, ID: r.ID, Inputs: r.Inputs, Outputs: r.Outputs, Timeout: t})
		})
		cancel()
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "in time") {
				err = fmt.Errorf("delete %s: the provider did not finish within %s; raise the limit with the CustomTimeouts option: %w", r.URN, t, err)
			} else {
				err = fmt.Errorf("delete %s: %w", r.URN, err)
			}
			d.end(opID, state.KindFailure, step, r.URN, r.ID, nil, err)
			return err
		}
	}
	d.end(opID, state.KindSuccess, step, r.URN, r.ID, nil, nil)
	d.mu.Lock()
	d.deleted[r] = true
	d.accounted[r] = true
	d.mu.Unlock()
	return nil
}

// Finish ends a deployment whose program exited successfully: it deletes, in reverse dependency order, every old
// resource the program did not register and every old object a replacement left behind. It returns the
// failures of the whole deployment, if any.
func (d *Deployment) Finish(ctx context.Context) error {
	if err := d.Err(); err != nil && !d.opts.ContinueOnError {
		return err
	}
	d.mu.Lock()
	if d.uncertain {
		d.mu.Unlock()
		d.Diagnose(events.SevWarning, "", "deletes were not run: a resource the program declares could not be registered "+
			"under a parent that failed, so it cannot be told apart from one removed from the program")
		return d.Err()
	}
	var doomed []*state.Resource
	for _, r := range d.old.Resources {
		if d.deleted[r] {
			continue
		}
		if r.Delete || !d.accounted[r] {
			doomed = append(doomed, r)
		}
	}
	for _, r := range d.replaced {
		// Only an old object whose replacement was recorded goes: when the replacement's create failed (an
		// update that continues after errors gets here), the old object is still the resource.
		if d.newIndex[d.claimedBy[r]] != nil {
			doomed = append(doomed, r)
		}
	}
	d.mu.Unlock()
	if len(d.opts.Targets) > 0 || len(d.opts.Excludes) > 0 {
		doomed = d.selectTargeted(doomed)
	}
	d.mu.Lock()
	registered := make(map[resource.URN]bool, len(d.newIndex))
	for u, r := range d.newIndex {
		if r != nil {
			registered[u] = true
		}
	}
	d.mu.Unlock()
	if d.opts.Plan != nil {
		byURN := map[resource.URN][]events.Op{}
		for _, r := range doomed {
			op := events.OpDelete
			if r.Delete || isReplaced(d, r) {
				op = events.OpDeleteReplaced
			}
			byURN[r.URN] = append(byURN[r.URN], op)
		}
		err := d.opts.Plan.CheckComplete(registered)
		if err == nil {
			err = d.opts.Plan.CheckDeletes(byURN)
		}
		if err != nil {
			return d.userError("", fmt.Errorf("the update does not match the plan, so its deletes are not run: %w; "+
				"make a new plan with `infra preview --save-plan`", err))
		}
	}
	doomed, err := d.survivorsKeep(doomed, len(d.opts.Targets) > 0)
	if err != nil {
		return err
	}
	if err := d.deleteAll(ctx, doomed, true); err != nil {
		return err
	}
	return d.Err()
}

// Destroy deletes every resource of the old state in reverse dependency order.
func (d *Deployment) Destroy(ctx context.Context) error {
	doomed := append([]*state.Resource(nil), d.old.Resources...)
	targeted := len(d.opts.Targets) > 0 || len(d.opts.Excludes) > 0
	if targeted {
		var err error
		if doomed, err = d.survivorsKeep(d.selectTargeted(doomed), true); err != nil {
			return err
		}
	}
	if err := d.deleteAll(ctx, doomed, false); err != nil {
		return err
	}
	if !targeted {
		d.SetStackOutputs(nil)
	}
	return d.Err()
}

// deleteAll deletes a set of old entries on the reverse dependency graph: an entry goes only once everything in
// the set that depends on it (through dependencies, parent or provider) is gone.
func (d *Deployment) deleteAll(ctx context.Context, doomed []*state.Resource, programRan bool) error {
	if len(doomed) == 0 {
		return nil
	}
	// Protection is checked before anything is deleted, so a refused delete leaves everything in place.
	var protected []string
	for _, r := range doomed {
		if r.Protect && !r.Delete && !isReplaced(d, r) {
			protected = append(protected, string(r.URN))
		}
	}
	if len(protected) > 0 {
		sort.Strings(protected)
		how := "to delete them, first run `infra up` with Protect(false) on each (or run `infra state unprotect <URN>`), then remove them"
		if programRan {
			how = "they are protected (Protect(true)) but no longer in the program; " + how
		}
		err := fmt.Errorf("refusing to delete protected resources:\n    %s\n  %s", strings.Join(protected, "\n    "), how)
		return d.userError("", err)
	}
	g := graph.New(func(a, b *state.Resource) bool {
		if a.URN != b.URN {
			return a.URN < b.URN
		}
		return d.oldOrder[a] < d.oldOrder[b]
	})
	byURN := map[resource.URN][]*state.Resource{}
	for _, r := range doomed {
		g.Add(r)
		byURN[r.URN] = append(byURN[r.URN], r)
	}
	for _, r := range doomed {
		for _, dep := range r.Edges() {
			for _, target := range byURN[dep] {
				if target == r {
					continue
				}
				if r.Provider != "" && dep == r.Provider.URN() && target.ID != r.Provider.ID() && resource.IsProviderType(target.Type) {
					continue // a different instance of the same provider resource
				}
				// A replaced object and its replacement share a URN: the dependents of that URN in the old state
				// go before the old object.
				g.Depend(r, target)
			}
		}
	}
	if _, err := g.Sort(); err != nil {
		var ce *graph.CycleError[*state.Resource]
		if errors.As(err, &ce) {
			names := make([]string, len(ce.Path))
			for i, r := range ce.Path {
				names[i] = string(r.URN)
			}
			return d.userError("", fmt.Errorf("the state holds a dependency cycle, so no delete order exists: %s; "+
				"the state is damaged: restore an earlier version from `infra stack history`", strings.Join(names, " → ")))
		}
		return d.userError("", err)
	}
	err := g.WalkWith(ctx, graph.WalkOptions{Reverse: true, Parallel: cap(d.sem), ContinueOnError: d.opts.ContinueOnError}, func(ctx context.Context, r *state.Resource) error {
		if d.isStopped() {
			return ErrStopped
		}
		op := events.OpDelete
		if r.Delete || isReplaced(d, r) {
			op = events.OpDeleteReplaced
		}
		if err := d.deleteStep(ctx, r, op); err != nil {
			d.stepFailed(r.URN, err)
			return err
		}
		d.count(op)
		return nil
	})
	if err != nil {
		return d.Err()
	}
	return nil
}

// deleteStep deletes r's object (nothing, in a preview) between a step-start event and a step-done event, or a
// step-failed one carrying the error, which it returns. op is OpDelete for a resource the program no longer
// declares, OpDeleteReplaced for the old object of a replacement.
func (d *Deployment) deleteStep(ctx context.Context, r *state.Resource, op events.Op) error {
	step := &events.Step{URN: r.URN, Type: r.Type, Op: op, Parent: r.Parent, Custom: r.Custom, Provider: string(r.Provider),
		Old: r.Inputs, DryRun: d.opts.DryRun, Logical: op == events.OpDelete, Retained: r.RetainOnDelete && r.Custom}
	start := time.Now()
	d.emit(events.Event{Kind: events.KindStepStart, Step: step})
	err := d.deleteObject(ctx, r)
	step.Elapsed = time.Since(start)
	if err != nil {
		step.Error = err.Error()
		d.emit(events.Event{Kind: events.KindStepFailed, Step: step})
		return err
	}
	d.emit(events.Event{Kind: events.KindStepDone, Step: step})
	return nil
}

func isReplaced(d *Deployment, r *state.Resource) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, x := range d.replaced {
		if x == r {
			return true
		}
	}
	return false
}

// selectTargeted keeps the entries of doomed the update may delete: the targets (all but the excluded when there
// are no targets) and, with TargetDependents, every entry that depends on a selected one, transitively.
func (d *Deployment) selectTargeted(doomed []*state.Resource) []*state.Resource {
	d.mu.Lock()
	in := map[resource.URN]bool{}
	for _, r := range doomed {
		if (len(d.opts.Targets) == 0 || matches(r.URN, d.opts.Targets) || d.targeted[r.URN]) && !matches(r.URN, d.opts.Excludes) {
			in[r.URN] = true
		}
	}
	d.mu.Unlock()
	for changed := d.opts.TargetDependents; changed; {
		changed = false
		for _, r := range doomed {
			if in[r.URN] || matches(r.URN, d.opts.Excludes) {
				continue
			}
			for _, e := range r.Edges() {
				if in[e] {
					in[r.URN], changed = true, true
					break
				}
			}
		}
	}
	var sel []*state.Resource
	for _, r := range doomed {
		if in[r.URN] {
			sel = append(sel, r)
		}
	}
	return sel
}
