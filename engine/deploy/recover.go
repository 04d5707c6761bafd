package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/engine/plugin"
	"github.com/infrago/infra/stacks/state"
)

// Looker is implemented by providers that can find an object by the idempotency token of the create that made
// it; *plugin.Provider implements it.
type Looker interface {
	Lookup(ctx context.Context, req plugin.LookupRequest) (plugin.ReadResult, error)
}

// UnresolvedError lists pending operations the engine could not settle on its own, with what to run for each.
type UnresolvedError struct {
	Lines []string
}

func (e *UnresolvedError) Error() string {
	return "an earlier run stopped in the middle of operations that cannot be settled automatically:\n  " +
		strings.Join(e.Lines, "\n  ")
}

// Recover settles the operations an earlier run left pending (it stopped while a provider was working on them)
// and returns the snapshot with their outcome:
//
//   - a create is looked up by the idempotency token it carried: the object it made is adopted, or, if it made
//     none, nothing happens; a provider that cannot tell makes the run stop with the exact command to settle it;
//   - an update may or may not have been applied: the resource is diffed again (its fast-path hash is cleared);
//   - a delete may or may not have happened: the resource stays in the state and is deleted again if the program
//     no longer declares it (deleting an object that is gone is not an error for providers).
//
// Each outcome is journaled (unless DryRun) so that it is settled once. Messages go to the events.
func Recover(ctx context.Context, snap *state.Snapshot, pending []state.PendingOp, opts Options) (*state.Snapshot, error) {
	if len(pending) == 0 {
		return snap, nil
	}
	d := New(snap, opts)
	records := []state.JournalRecord{}
	var unresolved []string
	for _, p := range pending {
		switch p.Step {
		case state.StepCreate, state.StepReplace:
			rec, msg, err := d.lookupPending(ctx, p)
			if err != nil {
				unresolved = append(unresolved, err.Error())
				continue
			}
			records = append(records, rec)
			d.Diagnose(events.SevWarning, p.URN, msg)
		case state.StepUpdate:
			var r *state.Resource
			for _, x := range snap.Resources {
				if x.URN == p.URN && x.ID == p.ID && !x.Delete {
					r = x.Copy()
				}
			}
			rec := state.JournalRecord{Op: p.Op, Kind: state.KindResolved, Step: state.StepUpdate, URN: p.URN, ID: p.ID}
			if r != nil {
				r.InputsHash = ""
				rec.Resource = r
			}
			records = append(records, rec)
			d.Diagnose(events.SevWarning, p.URN, fmt.Sprintf("an earlier run stopped while updating %s; it will be compared with the program again", p.URN))
		default:
			records = append(records, state.JournalRecord{Op: p.Op, Kind: state.KindResolved, Step: p.Step, URN: p.URN, ID: p.ID})
			d.Diagnose(events.SevWarning, p.URN, fmt.Sprintf("an earlier run stopped while deleting %s (ID %s); it stays in the state "+
				"and is deleted again if the program no longer declares it", p.URN, p.ID))
		}
	}
	if len(unresolved) > 0 {
		err := &UnresolvedError{Lines: unresolved}
		d.Diagnose(events.SevError, "", err.Error())
		return nil, events.MarkShown(err)
	}
	if opts.Journal != nil && !opts.DryRun {
		for _, rec := range records {
			if err := opts.Journal.Write(ctx, rec, false); err != nil {
				return nil, err
			}
		}
	}
	out, left := state.Replay(snap, records)
	if len(left) > 0 {
		return nil, fmt.Errorf("recovery left %d operations pending", len(left))
	}
	return out, nil
}

// lookupPending asks the provider for the object a pending create made.
func (d *Deployment) lookupPending(ctx context.Context, p state.PendingOp) (state.JournalRecord, string, error) {
	fix := fmt.Sprintf("if the object was not made, run `infra state resolve %s --forget`; if it was, find its ID and run "+
		"`infra state resolve %s --adopt <ID>`", p.URN, p.URN)
	inst, err := d.providers.fromOld(ctx, p.Provider)
	if err != nil {
		return state.JournalRecord{}, "", fmt.Errorf("the create of %s: its provider cannot be started (%v); %s", p.URN, err, fix)
	}
	lk, ok := inst.prov.(Looker)
	if !ok {
		return state.JournalRecord{}, "", fmt.Errorf("the create of %s: its provider cannot look objects up; %s", p.URN, fix)
	}
	cctx, cancel := context.WithTimeout(ctx, d.timeouts.Check)
	res, err := lk.Lookup(cctx, plugin.LookupRequest{URN: p.URN, Type: p.Type, Token: p.Token, Inputs: p.Inputs})
	cancel()
	if errors.Is(err, plugin.ErrLookupUnsupported) {
		return state.JournalRecord{}, "", fmt.Errorf("the create of %s: provider %s cannot tell whether it made the object; %s", p.URN, inst.pkg, fix)
	}
	if err != nil {
		return state.JournalRecord{}, "", fmt.Errorf("the create of %s: looking the object up failed (%v); run again, or %s", p.URN, err, fix)
	}
	rec := state.JournalRecord{Op: p.Op, Kind: state.KindResolved, Step: p.Step, URN: p.URN}
	if res.ID == "" {
		return rec, fmt.Sprintf("an earlier run stopped while creating %s; the provider made no object, so it will be created now", p.URN), nil
	}
	rec.ID = res.ID
	// The object is tracked with the inputs the program gave for it, as a finished create records them; what the
	// provider read back only stands in for them when the intent did not keep them.
	inputs := p.Inputs
	if inputs == nil {
		inputs = res.Inputs
	}
	rec.Resource = &state.Resource{URN: p.URN, Type: p.Type, Custom: true, ID: res.ID, Provider: p.Provider,
		Inputs: inputs, Outputs: res.Outputs}
	return rec, fmt.Sprintf("an earlier run stopped while creating %s; the object it made (ID %s) was found and is tracked now", p.URN, res.ID), nil
}

// Adopt reads the object with the given ID through the provider a pending create was made with, and returns the
// resource state that tracks it: what `infra state resolve URN --adopt ID` records.
func Adopt(ctx context.Context, snap *state.Snapshot, p state.PendingOp, id string, opts Options) (*state.Resource, error) {
	d := New(snap, opts)
	inst, err := d.providers.fromOld(ctx, p.Provider)
	if err != nil {
		return nil, fmt.Errorf("start the provider of %s: %w", p.URN, err)
	}
	cctx, cancel := context.WithTimeout(ctx, d.timeouts.Check)
	defer cancel()
	res, err := inst.prov.Read(cctx, plugin.ReadRequest{URN: p.URN, Type: p.Type, ID: id})
	if err != nil {
		return nil, fmt.Errorf("read %s with ID %q: %w", p.URN, id, err)
	}
	if res.ID == "" {
		return nil, fmt.Errorf("provider %s finds no object with ID %q for %s: check the ID", inst.pkg, id, p.URN)
	}
	return &state.Resource{URN: p.URN, Type: p.Type, Custom: true, ID: res.ID, Provider: p.Provider, Inputs: res.Inputs, Outputs: res.Outputs}, nil
}
