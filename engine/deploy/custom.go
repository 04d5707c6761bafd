package deploy

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"sort"
	"strings"
	"time"

	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/engine/plugin"
	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/stacks/state"
)

// registerCustom handles a resource managed by a provider.
func (d *Deployment) registerCustom(ctx context.Context, urn resource.URN, reg *Registration, old *state.Resource) (*Result, error) {
	pkg := resource.Package(reg.Type)
	ref := reg.Provider
	if ref == "" {
		var err error
		if ref, err = d.providers.defaultRef(ctx, pkg); err != nil {
			if errors.Is(err, ErrStopped) || events.Shown(err) {
				return nil, err
			}
			return nil, d.userError(urn, fmt.Errorf("%s needs provider %s: %w", describe(reg.Type, reg.Name), pkg, err))
		}
	}
	inst, ok := d.providers.get(ref)
	if !ok {
		return nil, d.userError(urn, fmt.Errorf("%s: its provider %s is not registered in this run", describe(reg.Type, reg.Name), ref.URN()))
	}
	if inst.pkg != pkg {
		return nil, d.userError(urn, fmt.Errorf("%s: its provider %s belongs to package %s, not %s", describe(reg.Type, reg.Name), ref.URN(), inst.pkg, pkg))
	}
	schema := inst.prov.Schema()
	rs, ok := schema.Resources[reg.Type]
	if !ok {
		return nil, d.userError(urn, unknownType(reg, schema))
	}
	if err := d.checkTargetDeps(urn, reg); err != nil {
		return nil, err
	}
	hash := d.inputsHash(reg, ref)

	// The fast path: the program registered exactly what it registered last time, with the same provider.
	if old != nil && hash != "" && old.InputsHash == hash && old.Provider == ref && len(old.InitErrors) == 0 && reg.ImportID == "" {
		if err := d.checkPlan(urn, events.OpSame, nil); err != nil {
			return nil, err
		}
		return d.same(urn, reg, ref, old, nil), nil
	}

	// Everything else talks to the provider: take a slot.
	select {
	case d.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-d.sem }()
	if d.isStopped() {
		return nil, ErrStopped
	}
	s := &stepper{d: d, ctx: ctx, urn: urn, reg: reg, old: old, inst: inst, ref: ref, rs: rs, hash: hash}
	return s.run()
}

// stepper carries one custom resource through check, diff and its step.
type stepper struct {
	d    *Deployment
	ctx  context.Context
	urn  resource.URN
	reg  *Registration
	old  *state.Resource
	inst *instance
	ref  resource.ProviderRef
	rs   provider.ResourceSchema
	hash string

	step  *events.Step
	start time.Time
}

func (s *stepper) describe() string { return describe(s.reg.Type, s.reg.Name) }

func (s *stepper) run() (*Result, error) {
	d, reg, old := s.d, s.reg, s.old
	news := reg.Inputs
	if old != nil {
		for _, p := range reg.IgnoreChanges {
			path, err := resource.ParsePropertyPath(p)
			if err != nil {
				return nil, d.userError(s.urn, fmt.Errorf("%s: IgnoreChanges: %w", s.describe(), err))
			}
			news = path.CopyFrom(news, old.Inputs)
		}
	}
	if !s.inst.configured {
		// A provider whose configuration is not known yet can only be previewed.
		return s.previewWithoutProvider(news)
	}
	if cc, ok := s.inst.prov.(CheckCreator); ok && old == nil && reg.ImportID == "" && !d.opts.DryRun &&
		d.opts.Plan == nil && s.rs.Virtual && cc.CanCheckOnCreate() {
		return s.checkAndCreate(cc, news)
	}
	var olds resource.PropertyMap
	if old != nil {
		olds = old.Inputs
	}
	cctx, cancel := context.WithTimeout(s.ctx, d.timeouts.Check)
	checked, failures, err := s.inst.prov.Check(cctx, plugin.CheckRequest{URN: s.urn, Type: reg.Type, Olds: olds, News: news})
	cancel()
	if err != nil {
		return nil, s.failed(events.OpCreate, fmt.Errorf("%s: %w", s.describe(), err))
	}
	if len(failures) > 0 {
		return nil, d.userError(s.urn, checkFailures(s.describe(), failures))
	}
	checked = carrySecrets(news, checked)
	if old == nil {
		if reg.ImportID != "" {
			if err := d.checkPlan(s.urn, events.OpImport, checked); err != nil {
				return nil, err
			}
			return s.importStep(checked)
		}
		if err := d.checkPlan(s.urn, events.OpCreate, checked); err != nil {
			return nil, err
		}
		return s.create(events.OpCreate, checked)
	}

	cctx, cancel = context.WithTimeout(s.ctx, d.timeouts.Check)
	diff, err := s.inst.prov.Diff(cctx, plugin.DiffRequest{URN: s.urn, Type: reg.Type, ID: old.ID, OldInputs: old.Inputs,
		OldOutputs: old.Outputs, News: checked, IgnoreChanges: reg.IgnoreChanges})
	cancel()
	if err != nil {
		return nil, s.failed(events.OpUpdate, fmt.Errorf("%s: %w", s.describe(), err))
	}
	replaces := append([]string(nil), diff.Replaces...)
	for _, p := range reg.ReplaceOnChanges {
		path, err := resource.ParsePropertyPath(p)
		if err != nil {
			return nil, d.userError(s.urn, fmt.Errorf("%s: ReplaceOnChanges: %w", s.describe(), err))
		}
		for _, diffed := range resource.DiffMaps(old.Inputs, checked) {
			if path.Overlaps(diffed.Path) {
				replaces = append(replaces, diffed.Path.String())
			}
		}
	}
	replaces = dedup(replaces)
	if !diff.Changes && len(replaces) == 0 && len(old.InitErrors) == 0 {
		if err := d.checkPlan(s.urn, events.OpSame, checked); err != nil {
			return nil, err
		}
		return d.same(s.urn, reg, s.ref, old, func(r *state.Resource) {
			r.Inputs, r.InputsHash = checked, s.hash
		}), nil
	}
	if len(replaces) > 0 {
		if old.Protect {
			return nil, d.userError(s.urn, fmt.Errorf("%s is protected, and this change replaces it (because of %s), which would delete it: "+
				"to allow it, first run `infra up` with Protect(false) on the resource and no other change to it, then make this change",
				s.describe(), strings.Join(replaces, ", ")))
		}
		dbr := diff.DeleteBeforeReplace || s.rs.DeleteBeforeReplace
		if reg.DeleteBeforeReplace != nil {
			dbr = *reg.DeleteBeforeReplace
		}
		if err := d.checkPlan(s.urn, events.OpReplace, checked); err != nil {
			return nil, err
		}
		return s.replace(checked, replaces, dbr)
	}
	if err := d.checkPlan(s.urn, events.OpUpdate, checked); err != nil {
		return nil, err
	}
	return s.update(checked)
}

// same records a resource that stays as it is: its old state, under the URN it is registered with now (the old one
// may be an alias), with the registration's options and provider, changed further by adjust when the diff
// checked new inputs.
func (d *Deployment) same(urn resource.URN, reg *Registration, ref resource.ProviderRef, old *state.Resource, adjust func(*state.Resource)) *Result {
	r := old.Copy()
	r.URN, r.Type, r.Provider = urn, reg.Type, ref
	if adjust != nil {
		adjust(r)
	}
	d.applyOptions(r, reg)
	d.count(events.OpSame)
	d.record(r)
	d.emit(events.Event{Kind: events.KindStepDone, Step: &events.Step{URN: urn, Type: reg.Type, Op: events.OpSame,
		Parent: reg.Parent, Custom: true, Provider: string(ref), DryRun: d.opts.DryRun, Logical: true}})
	return &Result{URN: urn, ID: old.ID, Outputs: old.Outputs}
}

// applyOptions copies the registration's options onto a resource's state.
func (d *Deployment) applyOptions(r *state.Resource, reg *Registration) {
	r.Parent = reg.Parent
	r.Dependencies = reg.Dependencies
	r.Protect = reg.Protect
	r.RetainOnDelete = reg.RetainOnDelete
	r.DeleteBeforeReplace = reg.DeleteBeforeReplace != nil && *reg.DeleteBeforeReplace
	r.Timeouts = reg.Timeouts
}

func (s *stepper) newState(id string, inputs, outputs resource.PropertyMap) *state.Resource {
	r := &state.Resource{URN: s.urn, Type: s.reg.Type, Custom: true, ID: id, Provider: s.ref, Inputs: inputs,
		Outputs: outputs, InputsHash: s.hash}
	s.d.applyOptions(r, s.reg)
	return r
}

func (s *stepper) begin(op events.Op, news resource.PropertyMap, replaces []string) {
	s.start = time.Now()
	s.step = &events.Step{URN: s.urn, Type: s.reg.Type, Op: op, Parent: s.reg.Parent, Custom: true, Provider: string(s.ref),
		New: news, Replaces: replaces, DryRun: s.d.opts.DryRun, Logical: true}
	if s.old != nil {
		s.step.Old = s.old.Inputs
		s.step.Diffs = resource.DiffMaps(s.old.Inputs, news)
	}
	s.d.emit(events.Event{Kind: events.KindStepStart, Step: s.step})
}

func (s *stepper) done(outputs resource.PropertyMap) {
	s.step.Outputs = outputs
	s.step.Elapsed = time.Since(s.start)
	s.d.count(s.step.Op)
	s.d.emit(events.Event{Kind: events.KindStepDone, Step: s.step})
}

// failed reports a step failure and stops the deployment.
func (s *stepper) failed(op events.Op, err error) error {
	if s.step == nil {
		s.begin(op, s.reg.Inputs, nil)
	}
	s.step.Elapsed = time.Since(s.start)
	s.step.Error = err.Error()
	s.d.stepFailed(s.urn, err)
	s.d.emit(events.Event{Kind: events.KindStepFailed, Step: s.step})
	return err
}

func (s *stepper) timeout(custom func(*state.Timeouts) float64, def time.Duration) time.Duration {
	if s.reg.Timeouts != nil {
		if v := custom(s.reg.Timeouts); v > 0 {
			return time.Duration(v * float64(time.Second))
		}
	}
	return def
}

func (s *stepper) opContext(t time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.ctx, t)
}

// timedOut rewrites a provider timeout into a message that says which limit applied.
func (s *stepper) timedOut(err error, what string, t time.Duration) error {
	if errors.Is(err, plugin.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: provider %s did not finish %s within %s; raise the limit with the CustomTimeouts option if it needs longer, "+
			"or check the provider: %w", s.describe(), s.inst.pkg, what, t, err)
	}
	return fmt.Errorf("%s: %w", s.describe(), err)
}

// createIntent is the journal's record of a create about to be made: what the provider needs to look the object
// up after a crash (type, provider, idempotency token) and the checked inputs the program gave, so that an adopted
// object is tracked with the program's inputs, as a finished create would be, not with what the cloud reads back.
func (s *stepper) createIntent(step, token string, checked resource.PropertyMap) state.JournalRecord {
	return state.JournalRecord{Step: step, URN: s.urn, Type: s.reg.Type, Provider: s.ref, Token: token,
		Resource: &state.Resource{URN: s.urn, Type: s.reg.Type, Custom: true, Provider: s.ref, Inputs: checked}}
}

func (s *stepper) create(op events.Op, checked resource.PropertyMap) (*Result, error) {
	s.begin(op, checked, nil)
	if s.d.opts.DryRun {
		return s.previewed("", checked)
	}
	token := newID()
	opID, err := s.d.begin(s.ctx, s.createIntent(state.StepCreate, token, checked), s.rs.Virtual)
	if err != nil {
		return nil, s.failed(op, err)
	}
	id, outs, initErrs, err := s.createObject(opID, state.StepCreate, token, checked, "creating it")
	if err != nil {
		return nil, s.failed(op, err)
	}
	return s.finished(op, opID, state.StepCreate, s.describe()+" was created", id, checked, outs, initErrs)
}

// createObject asks the provider to create the object of checked inputs, within the create timeout. A create
// that made no object ends its intent through createFailed.
func (s *stepper) createObject(opID, step, token string, checked resource.PropertyMap, what string) (string, resource.PropertyMap, []string, error) {
	t := s.timeout(func(t *state.Timeouts) float64 { return t.Create }, s.d.timeouts.Create)
	ctx, cancel := s.opContext(t)
	var id string
	var outs resource.PropertyMap
	var initErrs []string
	err := s.d.call(ctx, s.inst.pkg, "the create of "+string(s.urn), func() error {
		res, cerr := s.inst.prov.Create(ctx, plugin.CreateRequest{URN: s.urn, Type: s.reg.Type, Inputs: checked, Timeout: t, Token: token})
		id, outs, initErrs = res.ID, res.Outputs, res.InitErrors
		return cerr
	})
	cut := ctx.Err() != nil
	cancel()
	if err != nil && id == "" {
		return "", nil, nil, s.createFailed(opID, step, token, checked, s.timedOut(err, what, t), cut)
	}
	return id, outs, initErrs, nil
}

// finished records the object a create or an update left and ends the step's intent (opID, "" when none was
// journaled). An object that exists but is not ready is tracked all the same, so that the next update retries
// rather than duplicates it, and the step fails; subject says what was done, for that message.
func (s *stepper) finished(op events.Op, opID, step, subject, id string, checked, outs resource.PropertyMap, initErrs []string) (*Result, error) {
	outs = carrySecrets(checked, outs)
	r := s.newState(id, checked, outs)
	if len(initErrs) > 0 {
		r.InitErrors = initErrs
		s.d.record(r)
		err := fmt.Errorf("%s (ID %s) but is not ready: %s; the next `infra up` will try again", subject, id, strings.Join(initErrs, "; "))
		s.d.end(opID, state.KindFailure, step, s.urn, id, r, err)
		return nil, s.failed(op, err)
	}
	s.d.end(opID, state.KindSuccess, step, s.urn, id, r, nil)
	s.d.record(r)
	s.done(outs)
	return &Result{URN: s.urn, ID: id, Outputs: outs}, nil
}

// createFailed ends the intent of a create that returned no object. When the outcome is unknown (the call was
// cut off by a cancellation or its timeout, or the provider died during it) the object may exist all the same:
// the intent stays open and the run hands it over as unsettled, so that the next run looks the object up by
// its token instead of creating a second one.
func (s *stepper) createFailed(opID, step, token string, checked resource.PropertyMap, err error, cut bool) error {
	unknown := cut || errors.Is(err, plugin.ErrCrashed) || errors.Is(err, plugin.ErrTimeout) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
	if opID == "" || !unknown {
		s.d.end(opID, state.KindFailure, step, s.urn, "", nil, err)
		return err
	}
	s.d.mu.Lock()
	intent := s.createIntent(step, token, checked)
	intent.Op, intent.Kind = opID, state.KindBegin
	s.d.unsettled = append(s.d.unsettled, intent)
	s.d.mu.Unlock()
	return fmt.Errorf("%w; the object may exist all the same: the next `infra up` looks it up by its idempotency token first", err)
}

// CheckCreator is implemented by providers that can check a new resource's inputs in the create call itself;
// *plugin.Provider implements it.
type CheckCreator interface {
	CanCheckOnCreate() bool
	CheckAndCreate(ctx context.Context, req plugin.CreateRequest) (plugin.CheckCreateResult, error)
}

// checkAndCreate creates a virtual resource with one provider call instead of a check and a create. A virtual
// object exists only in state, so no intent is journalled before the create and nothing has to happen between
// the two; on a long chain of such resources the saved round trip is a good part of the run.
func (s *stepper) checkAndCreate(cc CheckCreator, news resource.PropertyMap) (*Result, error) {
	d := s.d
	s.begin(events.OpCreate, news, nil)
	t := s.timeout(func(t *state.Timeouts) float64 { return t.Create }, d.timeouts.Create)
	ctx, cancel := s.opContext(t)
	var res plugin.CheckCreateResult
	err := d.call(ctx, s.inst.pkg, "the create of "+string(s.urn), func() error {
		var cerr error
		res, cerr = cc.CheckAndCreate(ctx, plugin.CreateRequest{URN: s.urn, Type: s.reg.Type, Inputs: news, Timeout: t, Token: newID()})
		return cerr
	})
	cancel()
	switch {
	case err != nil:
		return nil, s.failed(events.OpCreate, s.timedOut(err, "creating it", t))
	case len(res.Failures) > 0:
		return nil, s.failed(events.OpCreate, checkFailures(s.describe(), res.Failures))
	}
	checked := carrySecrets(news, res.Checked)
	s.step.New = checked
	return s.finished(events.OpCreate, "", state.StepCreate, s.describe()+" was created", res.ID, checked, res.Outputs, res.InitErrors)
}

func (s *stepper) update(checked resource.PropertyMap) (*Result, error) {
	s.begin(events.OpUpdate, checked, nil)
	old := s.old
	if s.d.opts.DryRun {
		return s.previewed(old.ID, checked)
	}
	t := s.timeout(func(t *state.Timeouts) float64 { return t.Update }, s.d.timeouts.Update)
	opID, err := s.d.begin(s.ctx, state.JournalRecord{Step: state.StepUpdate, URN: s.urn, ID: old.ID}, s.rs.Virtual)
	if err != nil {
		return nil, s.failed(events.OpUpdate, err)
	}
	ctx, cancel := s.opContext(t)
	var outs resource.PropertyMap
	var initErrs []string
	err = s.d.call(ctx, s.inst.pkg, "the update of "+string(s.urn), func() error {
		res, uerr := s.inst.prov.Update(ctx, plugin.UpdateRequest{URN: s.urn, Type: s.reg.Type, ID: old.ID, OldInputs: old.Inputs,
			OldOutputs: old.Outputs, News: checked, Timeout: t, IgnoreChanges: s.reg.IgnoreChanges})
		outs, initErrs = res.Outputs, res.InitErrors
		return uerr
	})
	cancel()
	if err != nil {
		err = s.timedOut(err, "updating it", t)
		s.d.end(opID, state.KindFailure, state.StepUpdate, s.urn, old.ID, nil, err)
		return nil, s.failed(events.OpUpdate, err)
	}
	return s.finished(events.OpUpdate, opID, state.StepUpdate, s.describe()+" was updated", old.ID, checked, outs, initErrs)
}

// replace creates the replacement first and leaves the old object to be deleted at the end, once nothing uses
// it; with deleteFirst it deletes the old object before creating the new one.
func (s *stepper) replace(checked resource.PropertyMap, replaces []string, deleteFirst bool) (*Result, error) {
	old := s.old
	s.begin(events.OpReplace, checked, replaces)
	if s.d.opts.DryRun {
		return s.previewed("", checked)
	}
	if deleteFirst {
		if err := s.d.deleteStep(s.ctx, old, events.OpDeleteReplaced); err != nil {
			return nil, s.failed(events.OpReplace, err)
		}
	} else {
		s.d.mu.Lock()
		s.d.replaced = append(s.d.replaced, old)
		s.d.mu.Unlock()
	}
	// After a delete-first, the URN has no live object any more: the new one is a plain create.
	step := state.StepReplace
	if deleteFirst {
		step = state.StepCreate
	}
	token := newID()
	opID, err := s.d.begin(s.ctx, s.createIntent(step, token, checked), s.rs.Virtual)
	if err != nil {
		return nil, s.failed(events.OpReplace, err)
	}
	id, outs, initErrs, err := s.createObject(opID, step, token, checked, "creating its replacement")
	if err != nil {
		return nil, s.failed(events.OpReplace, err)
	}
	return s.finished(events.OpReplace, opID, step, s.describe()+": the replacement was created", id, checked, outs, initErrs)
}

// importStep adopts an existing object: read it, and insist that the program's inputs describe it.
func (s *stepper) importStep(checked resource.PropertyMap) (*Result, error) {
	s.begin(events.OpImport, checked, nil)
	ctx, cancel := s.opContext(s.d.timeouts.Check)
	res, err := s.inst.prov.Read(ctx, plugin.ReadRequest{URN: s.urn, Type: s.reg.Type, ID: s.reg.ImportID})
	cancel()
	if err != nil {
		return nil, s.failed(events.OpImport, fmt.Errorf("%s: import of ID %q: %w", s.describe(), s.reg.ImportID, err))
	}
	if res.ID == "" {
		return nil, s.failed(events.OpImport, fmt.Errorf("%s: import: no object with ID %q exists; check the ID passed to Import", s.describe(), s.reg.ImportID))
	}
	ctx, cancel = s.opContext(s.d.timeouts.Check)
	diff, err := s.inst.prov.Diff(ctx, plugin.DiffRequest{URN: s.urn, Type: s.reg.Type, ID: res.ID, OldInputs: res.Inputs,
		OldOutputs: res.Outputs, News: checked, IgnoreChanges: s.reg.IgnoreChanges})
	cancel()
	if err != nil {
		return nil, s.failed(events.OpImport, fmt.Errorf("%s: import: %w", s.describe(), err))
	}
	if diff.Changes {
		var lines []string
		for _, pd := range resource.DiffMaps(res.Inputs, checked) {
			lines = append(lines, fmt.Sprintf("%s: the object has %s, the program says %s", pd.Path, pd.Old, pd.New))
		}
		return nil, s.failed(events.OpImport, fmt.Errorf("%s: import of %q: the program's inputs do not match the object:\n    %s\n  "+
			"change the program to match (or add IgnoreChanges for these properties), then run again",
			s.describe(), s.reg.ImportID, strings.Join(lines, "\n    ")))
	}
	outs := carrySecrets(checked, res.Outputs)
	r := s.newState(res.ID, checked, outs)
	s.d.end("", state.KindSuccess, state.StepChange, s.urn, res.ID, r, nil)
	s.d.record(r)
	s.done(outs)
	return &Result{URN: s.urn, ID: res.ID, Outputs: outs}, nil
}

// previewWithoutProvider previews a resource whose provider cannot be asked yet: everything it outputs is
// unknown, and it is shown as a create or an update.
func (s *stepper) previewWithoutProvider(news resource.PropertyMap) (*Result, error) {
	if !s.d.opts.DryRun {
		return nil, s.failed(events.OpCreate, fmt.Errorf("%s: its provider's configuration is not known", s.describe()))
	}
	op, id := events.OpCreate, ""
	if s.old != nil {
		op, id = events.OpUpdate, s.old.ID
	}
	s.begin(op, news, nil)
	return s.previewed(id, news)
}

// previewed records what a preview shows for a step that would create, update or replace: the checked inputs,
// and outputs guessed from them (see previewOutputs).
func (s *stepper) previewed(id string, checked resource.PropertyMap) (*Result, error) {
	outs := previewOutputs(s.rs, checked)
	s.d.record(s.newState(id, checked, outs))
	s.done(outs)
	return &Result{URN: s.urn, ID: id, Outputs: outs}, nil
}

// previewOutputs guesses a resource's outputs before it exists: its inputs, and unknown for every output the
// schema declares that is not also an input.
func previewOutputs(rs provider.ResourceSchema, inputs resource.PropertyMap) resource.PropertyMap {
	out := make(resource.PropertyMap, len(rs.Outputs))
	for k, v := range inputs {
		if _, isOut := rs.Outputs[k]; isOut || len(rs.Outputs) == 0 {
			out[k] = v
		}
	}
	for k, p := range rs.Outputs {
		if _, ok := out[k]; !ok {
			if _, isIn := rs.Inputs[k]; !isIn {
				v := resource.Unknown()
				if p.Secret {
					v = resource.MakeSecret(v)
				}
				out[k] = v
			}
		}
	}
	return out
}

// carrySecrets marks as secret every top-level output whose same-named input is secret, whatever the provider
// returned: secretness must never be lost on the way through a provider.
func carrySecrets(in, out resource.PropertyMap) resource.PropertyMap {
	if out == nil {
		return nil
	}
	for k, v := range in {
		if v.ContainsSecrets() {
			if o, ok := out[k]; ok && !o.IsSecret() {
				out[k] = resource.MakeSecret(o)
			}
		}
	}
	return out
}

func checkFailures(what string, fs []plugin.CheckFailure) error {
	lines := make([]string, 0, len(fs))
	for _, f := range fs {
		lines = append(lines, fmt.Sprintf("%s: %s", f.Property, f.Reason))
	}
	sort.Strings(lines)
	return fmt.Errorf("%s has invalid inputs:\n    %s\n  fix the resource's arguments in the program", what, strings.Join(lines, "\n    "))
}

func unknownType(reg *Registration, schema *provider.Schema) error {
	known := make([]string, 0, len(schema.Resources))
	for t := range schema.Resources {
		known = append(known, t)
	}
	sort.Strings(known)
	hint := ""
	best, bestD := "", 1<<30
	for _, t := range known {
		if d := levenshtein(strings.ToLower(t), strings.ToLower(reg.Type)); d < bestD {
			best, bestD = t, d
		}
	}
	if best != "" && bestD <= 3 {
		hint = fmt.Sprintf(" (did you mean %s?)", best)
	}
	return fmt.Errorf("resource %q has type %s, which provider %s (version %s) does not define%s; it defines: %s",
		reg.Name, reg.Type, schema.Name, schema.Version, hint, strings.Join(known, ", "))
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev = cur
	}
	return prev[len(b)]
}

func dedup(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// inputsHash is a keyed hash of everything in a registration that can change what the provider is asked: type,
// provider, inputs (secrets included, which is why it is keyed) and the options that steer the diff.
func (d *Deployment) inputsHash(reg *Registration, ref resource.ProviderRef) string {
	if d.opts.HashKey == nil {
		return ""
	}
	h, _ := d.hashers.Get().(hash.Hash)
	if h == nil {
		h = hmac.New(sha256.New, d.opts.HashKey)
	}
	defer func() {
		h.Reset()
		d.hashers.Put(h)
	}()
	codec := resource.JSONCodec{Encrypt: func(_ resource.PropertyPath, v resource.PropertyValue) (string, error) {
		b, err := resource.JSONCodec{}.AppendValue(nil, v.Unsecret())
		return string(b), err
	}}
	b, err := codec.AppendMap(nil, reg.Inputs)
	if err != nil {
		return ""
	}
	fmt.Fprintf(h, "v1\x00%s\x00%s\x00", reg.Type, ref)
	h.Write(b)
	fmt.Fprintf(h, "\x00%q\x00%q\x00", reg.IgnoreChanges, reg.ReplaceOnChanges)
	if reg.DeleteBeforeReplace != nil {
		fmt.Fprintf(h, "dbr=%v", *reg.DeleteBeforeReplace)
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}
