// Package deploy computes and carries out a deployment: for every resource the program registers it finds the
// old state, asks the provider to check and diff, decides the step (same, create, update, replace, import), runs
// it within the parallelism limit and records the result; when the program is done it deletes, in reverse
// dependency order, what the program no longer declares. The same code runs a preview (no mutations, unknown
// outputs) and a destroy.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/engine/plugin"
	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/stacks/state"
)

// Provider is a running provider instance as the deployment uses it; *plugin.Provider implements it.
type Provider interface {
	Package() string
	Schema() *provider.Schema
	CheckConfig(ctx context.Context, req plugin.CheckRequest) (resource.PropertyMap, []plugin.CheckFailure, error)
	Configure(ctx context.Context, config resource.PropertyMap) error
	Check(ctx context.Context, req plugin.CheckRequest) (resource.PropertyMap, []plugin.CheckFailure, error)
	Diff(ctx context.Context, req plugin.DiffRequest) (plugin.DiffResult, error)
	Create(ctx context.Context, req plugin.CreateRequest) (plugin.CreateResult, error)
	Read(ctx context.Context, req plugin.ReadRequest) (plugin.ReadResult, error)
	Update(ctx context.Context, req plugin.UpdateRequest) (plugin.UpdateResult, error)
	Delete(ctx context.Context, req plugin.DeleteRequest) error
	Invoke(ctx context.Context, token string, args resource.PropertyMap) (resource.PropertyMap, []plugin.CheckFailure, error)
	Cancel(ctx context.Context) error
}

// ProviderHost starts provider instances.
type ProviderHost interface {
	Start(ctx context.Context, pkg string) (Provider, error)
}

// Options configure a deployment.
type Options struct {
	Project string
	Stack   string
	// DryRun previews: providers are only asked to check and diff.
	DryRun bool
	// Parallel bounds how many resource operations run at once.
	Parallel int
	// Host starts providers.
	Host ProviderHost
	// ProviderConfig returns the stack configuration of a package's default provider, keyed without the
	// package prefix ("region" for "aws:region").
	ProviderConfig func(pkg string) resource.PropertyMap
	// HashKey keys the hash of registrations that lets an unchanged resource skip every provider call. Without
	// it every resource is checked and diffed.
	HashKey []byte
	// Events receives the deployment's events.
	Events events.Sink
	// Timeouts are the default operation timeouts; zero fields get built-in defaults.
	Timeouts Timeouts
	// Journal, when set, records every step durably: the intent before a provider is asked to change
	// anything, the result after. Previews have none.
	Journal Journal
	// Plan, when set, is the plan the update must follow: any step that differs from it is refused before it
	// runs.
	Plan PlanChecker
	// Targets, when set, are the only resources the update may change (URNs, "*" matching any run of
	// characters); Excludes are resources it must not change. Everything else keeps its state.
	Targets  []string
	Excludes []string
	// TargetDependents extends the targets to every resource that depends on one.
	TargetDependents bool
	// ContinueOnError keeps going after a step fails: independent steps still run, the failed resource's
	// dependents are skipped, and the update reports everything at the end.
	ContinueOnError bool
	// ProviderParallel bounds, per provider package, how many of its operations run at once (within
	// Parallel); the bound adapts down while the provider reports throttling.
	ProviderParallel map[string]int
	// Now is the clock (tests replace it).
	Now func() time.Time
}

// PlanChecker verifies steps against a plan; *plan.Plan implements it.
type PlanChecker interface {
	CheckStep(urn resource.URN, op events.Op, inputs resource.PropertyMap) error
	CheckDeletes(doomed map[resource.URN][]events.Op) error
	CheckComplete(registered map[resource.URN]bool) error
}

// checkPlan refuses a step the plan does not allow; the error is reported and stops the update.
//
// A preview with a plan checks the program against it without changing anything: that is how `up --plan` refuses
// a difference before its first step.
func (d *Deployment) checkPlan(urn resource.URN, op events.Op, inputs resource.PropertyMap) error {
	if d.opts.Plan == nil {
		return nil
	}
	if err := d.opts.Plan.CheckStep(urn, op, inputs); err != nil {
		return d.userError(urn, fmt.Errorf("the update does not match the plan, so nothing more is done: %w; "+
			"make a new plan with `infra preview --save-plan`", err))
	}
	return nil
}

// Journal is where a deployment records its steps; *state.JournalWriter implements it.
type Journal interface {
	// Write appends a record; with wait it returns once the record is durable.
	Write(ctx context.Context, rec state.JournalRecord, wait bool) error
}

// begin records the intent of a provider call and returns the operation's ID; the record is durable before it
// returns, so a crash during the call leaves a pending operation the next run resolves.
//
// A virtual resource (its objects exist only in state) needs no intent: a crash during its call leaves nothing.
func (d *Deployment) begin(ctx context.Context, rec state.JournalRecord, virtual bool) (string, error) {
	if d.opts.Journal == nil || d.opts.DryRun || virtual {
		return "", nil
	}
	rec.Op, rec.Kind = newOpID(), state.KindBegin
	if err := d.opts.Journal.Write(ctx, rec, true); err != nil {
		return "", fmt.Errorf("record the intent to %s %s: %w", rec.Step, rec.URN, err)
	}
	return rec.Op, nil
}

// Unsettled returns the intents of the creates whose outcome the run could not learn: the provider call was
// cancelled or timed out, or the provider died during it. The object may exist; whoever saves the run's
// snapshot must keep these intents open in the new version's journal, so that the next run looks them up.
func (d *Deployment) Unsettled() []state.JournalRecord {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]state.JournalRecord(nil), d.unsettled...)
}

// end records the result of a step (or a state change without a provider call when op is ""). It does not wait:
// a result lost in a crash shows up as a pending operation, which the next run resolves.
func (d *Deployment) end(op, kind, step string, urn resource.URN, id string, r *state.Resource, failure error) {
	if d.opts.Journal == nil || d.opts.DryRun {
		return
	}
	rec := state.JournalRecord{Op: op, Kind: kind, Step: step, Resource: r}
	if r == nil {
		// With a resource, its own URN and ID say what the record is about.
		rec.URN, rec.ID = urn, id
	}
	if failure != nil {
		rec.Error = failure.Error()
	}
	if err := d.opts.Journal.Write(context.Background(), rec, false); err != nil {
		d.fail(err)
	}
}

// Timeouts are default operation timeouts.
type Timeouts struct {
	Create, Update, Delete, Check time.Duration
}

func (t Timeouts) withDefaults() Timeouts {
	if t.Create == 0 {
		t.Create = 20 * time.Minute
	}
	if t.Update == 0 {
		t.Update = 20 * time.Minute
	}
	if t.Delete == 0 {
		t.Delete = 20 * time.Minute
	}
	if t.Check == 0 {
		t.Check = 5 * time.Minute
	}
	return t
}

// Deployment is one run of the engine over one stack.
type Deployment struct {
	opts     Options
	timeouts Timeouts
	sem      chan struct{}
	start    time.Time

	old        *state.Snapshot
	olds       map[resource.URN]*state.Resource // live old resources by URN
	oldOrder   map[*state.Resource]int          // position in the old snapshot
	oldPending []*state.Resource                // old entries already marked for deletion

	providers *registry

	mu           sync.Mutex
	news         []*state.Resource
	newIndex     map[resource.URN]*state.Resource
	accounted    map[*state.Resource]bool // old entries handled this run (re-registered, replaced or deleted)
	replaced     []*state.Resource        // old objects of create-before-delete replacements, deleted at the end
	deleted      map[*state.Resource]bool
	claimedBy    map[*state.Resource]resource.URN // the URN each accounted old entry was registered as (aliases differ)
	stackOutputs resource.PropertyMap
	changes      map[events.Op]int
	stopped      bool
	failures     []error
	seq          int64
	// uncertain is set when a skipped registration could not be matched to its old state (its parent failed
	// too): deletes are then not run, since a resource the program still declares could look removed.
	uncertain bool
	// targeted are the URNs an update with targets may change (grown by TargetDependents as registrations
	// arrive); failedURNs, skippedURNs and keptURNs are reported in the summary.
	targeted map[resource.URN]bool
	// hashers keeps keyed hashes for inputsHash: setting up the key costs more than hashing small inputs.
	hashers     sync.Pool
	failedURNs  []string
	skippedURNs []string
	keptURNs    []string
	limiters    map[string]*limiter
	// unsettled are the intents of creates whose outcome is unknown (cancelled, timed out, provider gone): the
	// object may exist, so they stay open for the next run to look up.
	unsettled []state.JournalRecord
}

// ErrSkipped is returned for registrations the program could not make because a dependency failed.
var ErrSkipped = errors.New("skipped because something it depends on failed")

// ErrStopped is returned for registrations that arrive after the deployment stopped because of a failure or an
// interruption; the cause was reported on its own.
var ErrStopped = errors.New("not processed: the update stopped after an earlier error")

// New prepares a deployment over old (nil for a new stack).
func New(old *state.Snapshot, opts Options) *Deployment {
	if old == nil {
		old = &state.Snapshot{Project: opts.Project, Stack: opts.Stack}
	}
	if opts.Parallel < 1 {
		opts.Parallel = 1
	}
	if opts.Events == nil {
		opts.Events = events.Discard
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	d := &Deployment{
		opts: opts, timeouts: opts.Timeouts.withDefaults(), sem: make(chan struct{}, opts.Parallel), start: opts.Now(),
		old: old, olds: map[resource.URN]*state.Resource{}, oldOrder: map[*state.Resource]int{},
		newIndex: map[resource.URN]*state.Resource{}, accounted: map[*state.Resource]bool{},
		deleted: map[*state.Resource]bool{}, claimedBy: map[*state.Resource]resource.URN{}, changes: map[events.Op]int{},
		targeted: map[resource.URN]bool{},
	}
	for i, r := range old.Resources {
		d.oldOrder[r] = i
		if r.Delete {
			d.oldPending = append(d.oldPending, r)
			continue
		}
		d.olds[r.URN] = r
	}
	d.stackOutputs = old.Outputs
	d.providers = newRegistry(d)
	return d
}

// Old is the snapshot the deployment started from.
func (d *Deployment) Old() *state.Snapshot { return d.old }

func (d *Deployment) emit(e events.Event) {
	d.mu.Lock()
	d.seq++
	e.Sequence = d.seq
	d.mu.Unlock()
	e.Time = d.opts.Now()
	d.opts.Events.Emit(e)
}

// Diagnose emits a diagnostic.
func (d *Deployment) Diagnose(sev events.Severity, urn resource.URN, msg string) {
	d.emit(events.Event{Kind: events.KindDiagnostic, Diag: &events.Diagnostic{Severity: sev, URN: urn, Message: msg}})
}

// fail records a failure and stops the deployment from starting new work (unless it continues on errors).
func (d *Deployment) fail(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.failures = append(d.failures, err)
	if !d.opts.ContinueOnError {
		d.stopped = true
	}
}

// stepFailed records the failure of one resource's step.
func (d *Deployment) stepFailed(urn resource.URN, err error) {
	d.mu.Lock()
	d.failedURNs = append(d.failedURNs, fmt.Sprintf("%s: %v", urn, err))
	d.mu.Unlock()
	d.fail(err)
}

// Report lists what failed, what was skipped because of it, and what was kept instead of deleted.
func (d *Deployment) Report() (failed, skipped, kept []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.failedURNs...), append([]string(nil), d.skippedURNs...), append([]string(nil), d.keptURNs...)
}

// Stop makes the deployment refuse new work; operations in flight finish. It is the first Ctrl-C.
func (d *Deployment) Stop(reason error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.stopped {
		d.stopped = true
		if reason != nil {
			d.failures = append(d.failures, reason)
		}
	}
}

func (d *Deployment) isStopped() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stopped
}

// Err returns the failures so far, joined.
func (d *Deployment) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return errors.Join(d.failures...)
}

func (d *Deployment) count(op events.Op) {
	d.mu.Lock()
	d.changes[op]++
	d.mu.Unlock()
}

// Changes returns how many steps of each kind ran.
func (d *Deployment) Changes() map[events.Op]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[events.Op]int, len(d.changes))
	for k, v := range d.changes {
		out[k] = v
	}
	return out
}

// HasChanges reports whether any step other than "same" ran (or, in a preview, would run).
func (d *Deployment) HasChanges() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for op, n := range d.changes {
		if op != events.OpSame && n > 0 {
			return true
		}
	}
	return !d.stackOutputs.Equal(d.old.Outputs) && !(len(d.stackOutputs) == 0 && len(d.old.Outputs) == 0)
}

// SetStackOutputs records the stack's outputs.
func (d *Deployment) SetStackOutputs(outs resource.PropertyMap) {
	d.mu.Lock()
	d.stackOutputs = outs
	d.mu.Unlock()
}

// StackOutputs returns the stack outputs as they stand.
func (d *Deployment) StackOutputs() resource.PropertyMap {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stackOutputs
}

// SetComponentOutputs records a component's outputs.
func (d *Deployment) SetComponentOutputs(urn resource.URN, outs resource.PropertyMap) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.newIndex[urn]
	if !ok {
		return fmt.Errorf("register outputs: %s was not registered in this run", urn)
	}
	c := r.Copy()
	c.Outputs = outs
	d.newIndex[urn] = c
	for i, n := range d.news {
		if n == r {
			d.news[i] = c
		}
	}
	return nil
}

// record adds a resource's new state.
func (d *Deployment) record(r *state.Resource) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.news = append(d.news, r)
	d.newIndex[r.URN] = r
}

// registered returns the state recorded this run for urn.
func (d *Deployment) registered(urn resource.URN) (*state.Resource, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.newIndex[urn]
	return r, ok
}

// Snapshot returns the state as it stands: resources recorded this run in the order they finished, then every
// old entry that still describes an object — not handled yet, in flight, failed, or an old object still to be
// deleted — in its old order. References to objects that no longer exist (a delete-before-replace whose create
// failed) are dropped, so that every reference in the snapshot points to an earlier entry. It may be called at
// any time.
func (d *Deployment) Snapshot() *state.Snapshot {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := &state.Snapshot{Project: d.opts.Project, Stack: d.opts.Stack, Serial: d.old.Serial, Outputs: d.stackOutputs}
	s.Resources = make([]*state.Resource, 0, len(d.news)+len(d.old.Resources))
	s.Resources = append(s.Resources, d.news...)
	replaced := map[*state.Resource]bool{}
	for _, r := range d.replaced {
		replaced[r] = true
	}
	for _, r := range d.old.Resources {
		if d.deleted[r] {
			continue
		}
		superseded := false
		if d.accounted[r] {
			superseded = d.newIndex[d.claimedBy[r]] != nil
		}
		switch {
		case replaced[r] && superseded:
			c := r.Copy()
			c.Delete = true
			s.Resources = append(s.Resources, c)
		case r.Delete:
			s.Resources = append(s.Resources, r)
		case superseded:
			// Its new state is recorded above.
		default:
			s.Resources = append(s.Resources, r)
		}
	}
	// Resources recorded this run are in the order they finished, which already respects their dependencies
	// in most runs; sorting makes it hold in all of them (targets, skipped registrations, refreshes).
	s.Resources = state.SortResources(s.Resources)
	return s
}

// claim marks urn as registered in this run and finds its old state, through aliases if need be.
func (d *Deployment) claim(urn resource.URN, aliases []resource.URN) (*state.Resource, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, dup := d.newIndex[urn]; dup {
		return nil, fmt.Errorf("duplicate resource: %s %q is registered twice under the same parent; give one of them another name",
			urn.Type(), urn.Name())
	}
	d.newIndex[urn] = nil // reserved until recorded
	if old, ok := d.olds[urn]; ok && !d.accounted[old] {
		d.accounted[old] = true
		d.claimedBy[old] = urn
		return old, nil
	}
	for _, a := range aliases {
		if old, ok := d.olds[a]; ok && !d.accounted[old] {
			d.accounted[old] = true
			d.claimedBy[old] = urn
			return old, nil
		}
	}
	return nil, nil
}

// unclaim releases a reservation when a registration fails before anything was recorded; the old state stays
// as it was so that nothing is deleted by mistake.
func (d *Deployment) unclaim(urn resource.URN, old *state.Resource) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if r, ok := d.newIndex[urn]; ok && r == nil {
		// The old entry stays accounted, so that a failed registration does not make it look removed from the
		// program (and deleted); with no new state recorded, the snapshot keeps it as it was.
		delete(d.newIndex, urn)
	}
}

// Result is what a registration answers the program.
type Result struct {
	URN     resource.URN
	ID      string
	Outputs resource.PropertyMap
}

// Registration is one resource the program declared.
type Registration struct {
	Type                 string
	Name                 string
	Parent               resource.URN
	Custom               bool
	Inputs               resource.PropertyMap
	Dependencies         []resource.URN
	PropertyDependencies map[string][]resource.URN
	Provider             resource.ProviderRef
	Protect              bool
	IgnoreChanges        []string
	ReplaceOnChanges     []string
	DeleteBeforeReplace  *bool
	RetainOnDelete       bool
	Aliases              []Alias
	Timeouts             *state.Timeouts
	ImportID             string
	// SkipReason is set when the program could not register the resource because a dependency failed.
	SkipReason string
	// ParentUnknown is set on a skipped registration whose parent failed too (its URN cannot be computed).
	ParentUnknown bool
	// FromConfig marks a default provider's registration, whose inputs are the stack configuration: values set
	// with `infra config set` are text, and are read as the provider's schema types them.
	FromConfig bool
}

// Alias is an earlier identity of a registration.
type Alias struct {
	URN      resource.URN
	Name     string
	Type     string
	Parent   resource.URN
	NoParent bool
	Stack    string
	Project  string
}

// describe names a registration for messages: type and name.
func describe(typ, name string) string { return fmt.Sprintf("%s %q", typ, name) }

// Register handles one registration from the program and returns what the program gets back.
func (d *Deployment) Register(ctx context.Context, reg *Registration) (*Result, error) {
	if reg.SkipReason != "" && reg.ParentUnknown {
		d.mu.Lock()
		d.uncertain = true
		d.skippedURNs = append(d.skippedURNs, describe(reg.Type, reg.Name))
		d.mu.Unlock()
		return nil, ErrSkipped
	}
	if d.isStopped() {
		return nil, ErrStopped
	}
	if err := resource.ValidateType(reg.Type); err != nil {
		return nil, d.userError("", fmt.Errorf("resource %q: %w", reg.Name, err))
	}
	parentType := ""
	if reg.Parent != "" {
		p, ok := d.registered(reg.Parent)
		if !ok || p == nil {
			return nil, d.userError("", fmt.Errorf("%s: its parent %s is not registered (yet) in this run", describe(reg.Type, reg.Name), reg.Parent))
		}
		parentType = reg.Parent.QualifiedType()
	}
	urn := resource.NewURN(d.opts.Stack, d.opts.Project, parentType, reg.Type, reg.Name)
	aliases := d.aliasURNs(reg, urn)
	old, err := d.claim(urn, aliases)
	if err != nil {
		return nil, d.userError(urn, err)
	}
	if reg.SkipReason != "" {
		return nil, d.skip(urn, reg, old)
	}
	if !d.isTargeted(urn, reg) && !resource.IsProviderType(reg.Type) {
		res, err := d.untargeted(ctx, urn, reg, old)
		if err != nil {
			d.unclaim(urn, old)
		}
		return res, err
	}
	var res *Result
	switch {
	case resource.IsProviderType(reg.Type):
		res, err = d.registerProvider(ctx, urn, reg, old)
	case !reg.Custom:
		res, err = d.registerComponent(urn, reg, old)
	default:
		res, err = d.registerCustom(ctx, urn, reg, old)
	}
	if err != nil {
		d.unclaim(urn, old)
		return nil, err
	}
	return res, nil
}

// userError reports an error about the program's declarations and stops the deployment.
func (d *Deployment) userError(urn resource.URN, err error) error {
	if events.Shown(err) {
		return err
	}
	d.fail(err)
	d.Diagnose(events.SevError, urn, err.Error())
	return events.MarkShown(err)
}

func (d *Deployment) aliasURNs(reg *Registration, urn resource.URN) []resource.URN {
	var out []resource.URN
	for _, a := range reg.Aliases {
		if a.URN != "" {
			out = append(out, a.URN)
			continue
		}
		name, typ, stack, project := reg.Name, reg.Type, d.opts.Stack, d.opts.Project
		if a.Name != "" {
			name = a.Name
		}
		if a.Type != "" {
			typ = a.Type
		}
		if a.Stack != "" {
			stack = a.Stack
		}
		if a.Project != "" {
			project = a.Project
		}
		parentType := urn.QualifiedType()
		if i := strings.LastIndexByte(parentType, '$'); i >= 0 {
			parentType = parentType[:i]
		} else {
			parentType = ""
		}
		switch {
		case a.NoParent:
			parentType = ""
		case a.Parent != "":
			parentType = a.Parent.QualifiedType()
		}
		out = append(out, resource.NewURN(stack, project, parentType, typ, name))
	}
	return out
}

// registerComponent records a component: it has no provider and nothing to create.
func (d *Deployment) registerComponent(urn resource.URN, reg *Registration, old *state.Resource) (*Result, error) {
	r := &state.Resource{URN: urn, Type: reg.Type, Parent: reg.Parent, Dependencies: reg.Dependencies,
		Protect: reg.Protect, RetainOnDelete: reg.RetainOnDelete}
	op := events.OpCreate
	if old != nil {
		op = events.OpSame
		r.Outputs = old.Outputs
	}
	if err := d.checkPlan(urn, op, nil); err != nil {
		return nil, err
	}
	d.count(op)
	step := &events.Step{URN: urn, Type: reg.Type, Op: op, Parent: reg.Parent, DryRun: d.opts.DryRun, Logical: true}
	if op != events.OpSame {
		d.emit(events.Event{Kind: events.KindStepStart, Step: step})
		d.end("", state.KindSuccess, state.StepChange, urn, "", r, nil)
	}
	d.record(r)
	d.emit(events.Event{Kind: events.KindStepDone, Step: step})
	return &Result{URN: urn, Outputs: r.Outputs}, nil
}
