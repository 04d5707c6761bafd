package deploy

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/engine/plugin"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/stacks/state"
)

// RefreshResult is what a refresh found.
type RefreshResult struct {
	// Snapshot is the state as the objects are now.
	Snapshot *state.Snapshot
	// Drifted counts the objects that changed outside infra; Gone those deleted outside.
	Drifted, Gone int
}

// Refresh reads every object the snapshot tracks from its provider, in parallel, and returns the snapshot as the
// objects are now: changed properties updated (drift), objects deleted outside removed. A drifted resource's
// inputs become what its provider reads, and its fast-path hash is cleared, so the next update compares the
// program with the object as it really is and changes it back. Refresh never changes an object; it is the same
// in a preview.
func Refresh(ctx context.Context, snap *state.Snapshot, opts Options) (*RefreshResult, error) {
	d := New(snap, opts)
	type outcome struct {
		r    *state.Resource // nil: gone
		diff bool
	}
	results := make([]outcome, len(snap.Resources))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for i, r := range snap.Resources {
		results[i] = outcome{r: r}
		if !r.Custom || r.Delete || resource.IsProviderType(r.Type) {
			continue
		}
		wg.Add(1)
		go func(i int, r *state.Resource) {
			defer wg.Done()
			select {
			case d.sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-d.sem }()
			o, err := d.refreshOne(ctx, r)
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			results[i] = o
		}(i, r)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		err := errors.Join(errs...)
		d.Diagnose(events.SevError, "", err.Error())
		return nil, events.MarkShown(err)
	}
	res := &RefreshResult{}
	var rs []*state.Resource
	for i, o := range results {
		switch {
		case o.r == nil:
			res.Gone++
		case o.diff:
			res.Drifted++
			rs = append(rs, o.r)
		default:
			rs = append(rs, snap.Resources[i])
		}
	}
	out := &state.Snapshot{Project: snap.Project, Stack: snap.Stack, Serial: snap.Serial, Outputs: snap.Outputs, Secrets: snap.Secrets}
	out.Resources = state.SortResources(rs)
	res.Snapshot = out
	return res, nil
}

// refreshOne reads one object. A nil resource in the outcome means the object is gone.
func (d *Deployment) refreshOne(ctx context.Context, r *state.Resource) (struct {
	r    *state.Resource
	diff bool
}, error) {
	type outcome = struct {
		r    *state.Resource
		diff bool
	}
	inst, err := d.providers.fromOld(ctx, r.Provider)
	if err != nil {
		return outcome{}, fmt.Errorf("refresh %s: %w", r.URN, err)
	}
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, d.timeouts.Check)
	var live plugin.ReadResult
	err = d.call(cctx, inst.pkg, "the read of "+string(r.URN), func() error {
		var rerr error
		live, rerr = inst.prov.Read(cctx, plugin.ReadRequest{URN: r.URN, Type: r.Type, ID: r.ID, Inputs: r.Inputs, Outputs: r.Outputs})
		return rerr
	})
	cancel()
	if err != nil {
		return outcome{}, fmt.Errorf("refresh %s: %w", r.URN, err)
	}
	step := &events.Step{URN: r.URN, Type: r.Type, Op: events.OpRefresh, Parent: r.Parent, Custom: true,
		Provider: string(r.Provider), Old: r.Outputs, DryRun: d.opts.DryRun, Logical: true}
	if live.ID == "" {
		step.Gone, step.Elapsed = true, time.Since(start)
		d.count(events.OpRefresh)
		d.emit(events.Event{Kind: events.KindStepDone, Step: step})
		return outcome{}, nil
	}
	ins := live.Inputs
	if len(ins) == 0 {
		ins = r.Inputs
	}
	outs := carrySecrets(ins, live.Outputs)
	changed := live.ID != r.ID || !outs.EqualIgnoringSecrets(r.Outputs) || !ins.EqualIgnoringSecrets(r.Inputs)
	if !changed {
		d.count(events.OpSame)
		return outcome{r: r}, nil
	}
	n := r.Copy()
	n.ID, n.Inputs, n.Outputs = live.ID, ins, outs
	n.InputsHash = "" // the program must be compared with the object as it is now
	step.New, step.Outputs, step.Elapsed = outs, outs, time.Since(start)
	step.Diffs = resource.DiffMaps(r.Outputs, outs)
	d.count(events.OpRefresh)
	d.emit(events.Event{Kind: events.KindStepDone, Step: step})
	return outcome{r: n, diff: true}, nil
}
