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
	results := make([]refreshOutcome, len(snap.Resources))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	// run runs one unit of the refresh (a batch, or one object) under the deployment's parallelism.
	run := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case d.sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-d.sem }()
			f()
		}()
	}
	one := func(i int, r *state.Resource) {
		o, err := d.refreshOne(ctx, r)
		if err != nil {
			fail(err)
			return
		}
		results[i] = o
	}
	// The objects are read in batches of one provider and type, which a provider that implements ReadMany
	// answers in a few calls to its cloud; a batch of one, or one a provider cannot batch, is read object by
	// object.
	type groupKey struct {
		provider resource.ProviderRef
		typ      string
	}
	groups := map[groupKey][]int{}
	var order []groupKey
	for i, r := range snap.Resources {
		results[i] = refreshOutcome{r: r}
		if !r.Custom || r.Delete || resource.IsProviderType(r.Type) {
			continue
		}
		k := groupKey{r.Provider, r.Type}
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	for _, k := range order {
		idx := groups[k]
		for len(idx) > 0 {
			n := min(len(idx), refreshBatch)
			chunk := idx[:n:n]
			idx = idx[n:]
			if len(chunk) == 1 {
				i := chunk[0]
				run(func() { one(i, snap.Resources[i]) })
				continue
			}
			run(func() {
				batched, err := d.refreshMany(ctx, snap.Resources, chunk, results)
				switch {
				case errors.Is(err, plugin.ErrReadManyUnsupported):
					for _, i := range chunk {
						run(func() { one(i, snap.Resources[i]) })
					}
				case err != nil:
					fail(err)
				default:
					for _, e := range batched {
						fail(e)
					}
				}
			})
		}
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

// refreshBatch is how many objects of one type one ReadMany call reads at most.
const refreshBatch = 500

// refreshOutcome is what the refresh of one object found: r is the resource as it is now (nil: gone), diff
// whether it drifted.
type refreshOutcome struct {
	r    *state.Resource
	diff bool
}

// batchReader is the optional provider call that reads many objects of one type at once.
type batchReader interface {
	ReadMany(ctx context.Context, typ string, reqs []plugin.ReadRequest) ([]plugin.ReadResult, []error, error)
}

// refreshMany reads the resources at idx (one provider, one type) in one ReadMany call and stores each outcome in
// results. A provider without ReadMany gives plugin.ErrReadManyUnsupported; the errors of single reads come back
// in the list, each naming its resource.
func (d *Deployment) refreshMany(ctx context.Context, rs []*state.Resource, idx []int, results []refreshOutcome) ([]error, error) {
	first := rs[idx[0]]
	inst, err := d.providers.fromOld(ctx, first.Provider)
	if err != nil {
		return nil, fmt.Errorf("refresh %s: %w", first.URN, err)
	}
	br, ok := inst.prov.(batchReader)
	if !ok {
		return nil, plugin.ErrReadManyUnsupported
	}
	reqs := make([]plugin.ReadRequest, len(idx))
	for j, i := range idx {
		r := rs[i]
		reqs[j] = plugin.ReadRequest{URN: r.URN, Type: r.Type, ID: r.ID, Inputs: r.Inputs, Outputs: r.Outputs}
	}
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, d.timeouts.Check)
	var lives []plugin.ReadResult
	var errs []error
	err = d.call(cctx, inst.pkg, fmt.Sprintf("the read of %d objects of %s", len(idx), first.Type), func() error {
		var rerr error
		lives, errs, rerr = br.ReadMany(cctx, first.Type, reqs)
		return rerr
	})
	cancel()
	if err != nil {
		if errors.Is(err, plugin.ErrReadManyUnsupported) {
			return nil, err
		}
		return nil, fmt.Errorf("refresh %d objects of %s: %w", len(idx), first.Type, err)
	}
	var failed []error
	for j, i := range idx {
		if errs[j] != nil {
			failed = append(failed, fmt.Errorf("refresh %s: %w", rs[i].URN, errs[j]))
			continue
		}
		results[i] = d.settleRefresh(rs[i], lives[j], start)
	}
	return failed, nil
}

// refreshOne reads one object. A nil resource in the outcome means the object is gone.
func (d *Deployment) refreshOne(ctx context.Context, r *state.Resource) (refreshOutcome, error) {
	inst, err := d.providers.fromOld(ctx, r.Provider)
	if err != nil {
		return refreshOutcome{}, fmt.Errorf("refresh %s: %w", r.URN, err)
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
		return refreshOutcome{}, fmt.Errorf("refresh %s: %w", r.URN, err)
	}
	return d.settleRefresh(r, live, start), nil
}

// settleRefresh turns what a read found into the resource's outcome, and reports a drifted or gone object.
func (d *Deployment) settleRefresh(r *state.Resource, live plugin.ReadResult, start time.Time) refreshOutcome {
	step := &events.Step{URN: r.URN, Type: r.Type, Op: events.OpRefresh, Parent: r.Parent, Custom: true,
		Provider: string(r.Provider), Old: r.Outputs, DryRun: d.opts.DryRun, Logical: true}
	if live.ID == "" {
		step.Gone, step.Elapsed = true, time.Since(start)
		d.count(events.OpRefresh)
		d.emit(events.Event{Kind: events.KindStepDone, Step: step})
		return refreshOutcome{}
	}
	ins := live.Inputs
	if len(ins) == 0 {
		ins = r.Inputs
	}
	outs := carrySecrets(ins, live.Outputs)
	changed := live.ID != r.ID || !outs.EqualIgnoringSecrets(r.Outputs) || !ins.EqualIgnoringSecrets(r.Inputs)
	if !changed {
		d.count(events.OpSame)
		return refreshOutcome{r: r}
	}
	n := r.Copy()
	n.ID, n.Inputs, n.Outputs = live.ID, ins, outs
	n.InputsHash = "" // the program must be compared with the object as it is now
	step.New, step.Outputs, step.Elapsed = outs, outs, time.Since(start)
	step.Diffs = resource.DiffMaps(r.Outputs, outs)
	d.count(events.OpRefresh)
	d.emit(events.Event{Kind: events.KindStepDone, Step: step})
	return refreshOutcome{r: n, diff: true}
}
