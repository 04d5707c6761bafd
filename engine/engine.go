// Package engine runs updates, previews and destroys: it builds the program, starts the resource monitor, runs
// the program against a deployment, finishes the deployment (deletes) and returns the new state. It is the one
// place that wires program, monitor, deployment and providers together; where the state comes from and goes to
// is the caller's business.
package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/infrago/infra/engine/deploy"
	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/engine/monitor"
	"github.com/infrago/infra/engine/plugin"
	"github.com/infrago/infra/engine/program"
	"github.com/infrago/infra/sdk/protocol"
	"github.com/infrago/infra/sdk/resource"
	pb "github.com/infrago/infra/sdk/rpc/monitorpb"
	"github.com/infrago/infra/sdk/rpc/propertypb"
	"github.com/infrago/infra/stacks/state"
)

// Options configure one run. The deployment's own settings (project, stack, dry run, parallelism, journal, plan,
// targets, hash key, events, ...) are the embedded deploy.Options, passed on as they are; the fields here are what
// the engine needs around the deployment: the program, the stack's state and config, and the provider host.
type Options struct {
	deploy.Options

	// ProgramDir is the directory of the program's main package.
	ProgramDir string
	// BuildCache is where program builds are cached.
	BuildCache string
	// Attach, when set, runs the program instead of building and running the one in ProgramDir: it gets the
	// environment that tells a program where the engine is (protocol.EnvMonitor and EnvMonitorToken), must have
	// the program connect with it, and returns once the program has finished, with its failure as a
	// *program.ExitError (Reported saying whether the program told the engine why). The automation API runs
	// inline programs, functions of its own process, this way.
	Attach func(ctx context.Context, env []string) error
	// Old is the stack's state before the run (nil for a new stack).
	Old *state.Snapshot
	// Config is the stack's configuration keyed "<namespace>:<key>"; secret values are secrets. The default
	// provider of a package is configured from its "<package>:" keys.
	Config resource.PropertyMap
	// ConfigFile names the stack config file, for messages.
	ConfigFile string
	// Host starts providers; PluginHost adapts the real one. It takes the place of deploy.Options.Host, which
	// the engine fills from it.
	Host Host
	// Stop, when closed, stops the run from starting new work (the first Ctrl-C); cancelling ctx cancels work in
	// flight (the second).
	Stop <-chan struct{}
	// Pending are operations an earlier run left unfinished (from replaying its journal); they are settled
	// before anything else.
	Pending []state.PendingOp
	// StackOutputs reads another stack's outputs for stack references ("stack" or "project/stack").
	StackOutputs func(ctx context.Context, name string) (resource.PropertyMap, error)
	// DecryptFile decrypts a sops file for the program; a relative path is relative to ProgramDir.
	DecryptFile func(ctx context.Context, path, format string) (map[string]any, error)
	// Secret is told every secret handed to the program outside registrations (stack references, sops files).
	Secret func(resource.PropertyValue)
	// Refresh reads every object's live state before the update, so drift is shown and corrected.
	Refresh bool
}

// Host is what the engine needs of a provider host: starting a package's provider for the deployment, and
// starting the providers a run will likely need early. *plugin.Host is the real one, through PluginHost; tests
// pass their own.
type Host interface {
	deploy.ProviderHost
	// Prestart starts pkg's provider in the background, if it is not running yet.
	Prestart(pkg string)
	// Has reports whether a provider for pkg can be found.
	Has(pkg string) bool
}

// PluginHost adapts a plugin host to Host.
func PluginHost(h *plugin.Host) Host { return hostAdapter{h} }

// Result is what a run produced.
type Result struct {
	// Snapshot is the state after the run, to be saved even when the run failed: it holds everything that was
	// done. Nil for a preview.
	Snapshot *state.Snapshot
	// Changes counts the steps by operation.
	Changes map[events.Op]int
	// HasChanges reports whether anything (would have) changed, drift found by a refresh included.
	HasChanges bool
	// Drifted and Gone count what a refresh found changed or deleted outside infra.
	Drifted, Gone int
	Duration      time.Duration
	// Unsettled are the intents of creates whose outcome is unknown (see deploy.Deployment.Unsettled): they
	// must be written, still open, to the journal of the version Snapshot becomes.
	Unsettled []state.JournalRecord
}

// errProgramReported is the failure of a program that reported its own error through the engine (its exit
// status 32): the message went out with the program's diagnostics.
var errProgramReported = errors.New("update failed: the program reported an error")

// prestartProviders starts the providers the run will likely need while the program is built and started, so
// that the first registration that needs one does not wait for its process to start and hand-shake (tens of
// milliseconds, a good part of a small no-change preview): those the old state uses, and those the stack's
// configuration has keys for (aws:region). A guess that turns out wrong costs a process that is stopped at
// the end.
func (o Options) prestartProviders() {
	if o.Host == nil {
		return
	}
	if o.Old != nil {
		for _, r := range o.Old.Resources {
			if resource.IsProviderType(r.Type) && !r.Delete {
				o.Host.Prestart(strings.TrimPrefix(r.Type, "infra:providers:"))
			}
		}
	}
	for k := range o.Config {
		if ns, _, ok := strings.Cut(k, ":"); ok && ns != o.Project && o.Host.Has(ns) {
			o.Host.Prestart(ns)
		}
	}
}

type hostAdapter struct{ h *plugin.Host }

func (a hostAdapter) Prestart(pkg string) { a.h.Prestart(pkg) }
func (a hostAdapter) Has(pkg string) bool { return a.h.Has(pkg) }

func (a hostAdapter) Start(ctx context.Context, pkg string) (deploy.Provider, error) {
	p, err := a.h.Start(ctx, pkg)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (o Options) deployment() *deploy.Deployment {
	return deploy.New(o.Old, o.deployOptions())
}

// recover settles what an earlier run left pending, replacing o.Old with the outcome.
func (o *Options) recover(ctx context.Context) error {
	if len(o.Pending) == 0 {
		return nil
	}
	old := o.Old
	if old == nil {
		old = &state.Snapshot{Project: o.Project, Stack: o.Stack}
	}
	recovered, err := deploy.Recover(ctx, old, o.Pending, o.deployOptions())
	if err != nil {
		if events.Shown(err) {
			return err // Recover reported it
		}
		return err
	}
	o.Old, o.Pending = recovered, nil
	return nil
}

func (o Options) deployOptions() deploy.Options {
	d := o.Options
	if o.Host != nil {
		d.Host = o.Host
	}
	config := o.Config
	d.ProviderConfig = func(pkg string) resource.PropertyMap {
		out := resource.PropertyMap{}
		prefix := pkg + ":"
		for k, v := range config {
			if strings.HasPrefix(k, prefix) {
				out[strings.TrimPrefix(k, prefix)] = v
			}
		}
		return out
	}
	return d
}

func (o Options) emitPrelude(action string) {
	o.Events.Emit(events.Event{Kind: events.KindPrelude, Time: time.Now(), Prelude: &events.Prelude{
		Project: o.Project, Stack: o.Stack, DryRun: o.DryRun, Action: action}})
}

func (o Options) emitSummary(d *deploy.Deployment, start time.Time, failed bool, snap *state.Snapshot, refreshed *deploy.RefreshResult) {
	changes := d.Changes()
	if refreshed != nil && refreshed.Drifted+refreshed.Gone > 0 {
		changes[events.OpRefresh] = refreshed.Drifted + refreshed.Gone
	}
	s := &events.Summary{DryRun: o.DryRun, Changes: changes, Duration: time.Since(start), Failed: failed,
		Outputs: d.StackOutputs(), OldOutputs: d.Old().Outputs}
	s.Failures, s.Skipped, s.Kept = d.Report()
	if snap != nil {
		s.ResourceCount = snap.Live()
	}
	o.Events.Emit(events.Event{Kind: events.KindSummary, Time: time.Now(), Summary: s})
}

func watchStop(ctx context.Context, stop <-chan struct{}, d *deploy.Deployment) func() {
	if stop == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-stop:
			d.Stop(errors.New("interrupted: no new operations were started; the operations in flight finished and were recorded"))
		case <-done:
		case <-ctx.Done():
		}
	}()
	return func() { close(done) }
}

// Update runs the program and brings the stack in line with it (or, with DryRun, shows what that would do).
func Update(ctx context.Context, o Options) (*Result, error) {
	start := time.Now()
	if o.Events == nil {
		o.Events = events.Discard
	}
	action := "update"
	if o.DryRun {
		action = "preview"
	}
	o.emitPrelude(action)
	o.prestartProviders()
	var bin string
	if o.Attach == nil {
		var err error
		if bin, err = program.Build(ctx, o.ProgramDir, o.BuildCache); err != nil {
			return nil, err
		}
	}
	if err := o.recover(ctx); err != nil {
		return nil, err
	}
	refreshed, err := o.refresh(ctx)
	if err != nil {
		return nil, err
	}
	d := o.deployment()
	defer watchStop(ctx, o.Stop, d)()

	config := propertypb.FromMap(o.Config)
	info := &pb.ProgramInfo{Project: o.Project, Stack: o.Stack, DryRun: o.DryRun, Config: config,
		ConfigFile: o.ConfigFile, Parallel: int32(o.Parallel)}
	services := monitor.Services{StackOutputs: o.StackOutputs, Secret: o.Secret}
	if o.DecryptFile != nil {
		services.DecryptFile = func(ctx context.Context, path, format string) (map[string]any, error) {
			if !filepath.IsAbs(path) {
				path = filepath.Join(o.ProgramDir, path)
			}
			return o.DecryptFile(ctx, path, format)
		}
	}
	mon, err := monitor.Start(ctx, d, info, services)
	if err != nil {
		return nil, err
	}
	env := []string{protocol.EnvMonitor + "=" + mon.Addr(), protocol.EnvMonitorToken + "=" + mon.Token()}
	var runErr error
	if o.Attach != nil {
		runErr = o.Attach(ctx, env)
	} else {
		runErr = program.Run(ctx, bin, program.RunOptions{
			Dir: o.ProgramDir,
			Env: env,
			Output: func(stream, line string) {
				o.Events.Emit(events.Event{Kind: events.KindProgram, Time: time.Now(), Program: &events.ProgramOutput{Stream: stream, Line: line}})
			},
		})
	}
	mon.Drain()
	mon.Close()

	var failure error
	var exitErr *program.ExitError
	continued := o.ContinueOnError && errors.As(runErr, &exitErr) && exitErr.Reported
	if continued {
		// The program failed only because steps failed, and the run goes on regardless: resources removed
		// from the program are still deleted (those the failed ones still use are kept).
		if err := d.Finish(ctx); err != nil {
			failure = err
		}
		if failure == nil {
			failure = d.Err()
		}
		if failure == nil {
			failure = errProgramReported
		}
	} else if runErr != nil {
		var ee *program.ExitError
		switch {
		case d.Err() != nil:
			failure = d.Err()
		case errors.As(runErr, &ee) && ee.Reported:
			failure = errProgramReported
		case errors.As(runErr, &ee):
			failure = fmt.Errorf("%s; its output is above", ee.Error())
			d.Diagnose(events.SevError, "", failure.Error())
		default:
			failure = runErr
			d.Diagnose(events.SevError, "", runErr.Error())
		}
		d.Stop(nil)
	} else if err := d.Finish(ctx); err != nil {
		failure = err
	}
	if failure == nil && d.Err() != nil {
		failure = d.Err()
	}
	res := &Result{Changes: d.Changes(), HasChanges: d.HasChanges(), Duration: time.Since(start)}
	if refreshed != nil {
		res.Drifted, res.Gone = refreshed.Drifted, refreshed.Gone
		res.HasChanges = res.HasChanges || refreshed.Drifted+refreshed.Gone > 0
	}
	snap := d.Snapshot()
	if !o.DryRun {
		res.Snapshot = snap
		res.Unsettled = d.Unsettled()
	}
	o.emitSummary(d, start, failure != nil, snap, refreshed)
	if failure != nil {
		return res, events.MarkShown(failure)
	}
	return res, nil
}

// refresh reads the live state of every object first when Refresh is set, replacing o.Old.
func (o *Options) refresh(ctx context.Context) (*deploy.RefreshResult, error) {
	if !o.Refresh || o.Old == nil {
		return nil, nil
	}
	rr, err := deploy.Refresh(ctx, o.Old, o.deployOptions())
	if err != nil {
		if events.Shown(err) {
			return nil, err
		}
		return nil, err
	}
	o.Old = rr.Snapshot
	return rr, nil
}

// Refresh reads every object's live state and returns the stack's state as the objects are now (with DryRun,
// only shows the drift).
func Refresh(ctx context.Context, o Options) (*Result, error) {
	start := time.Now()
	if o.Events == nil {
		o.Events = events.Discard
	}
	o.emitPrelude("refresh")
	if err := o.recover(ctx); err != nil {
		return nil, err
	}
	o.Refresh = true
	rr, err := o.refresh(ctx)
	if err != nil {
		return nil, err
	}
	if rr == nil {
		rr = &deploy.RefreshResult{Snapshot: &state.Snapshot{Project: o.Project, Stack: o.Stack}}
	}
	d := deploy.New(rr.Snapshot, o.deployOptions())
	res := &Result{Changes: map[events.Op]int{events.OpRefresh: rr.Drifted + rr.Gone}, HasChanges: rr.Drifted+rr.Gone > 0,
		Drifted: rr.Drifted, Gone: rr.Gone, Duration: time.Since(start)}
	if !o.DryRun {
		res.Snapshot = rr.Snapshot
	}
	o.emitSummary(d, start, false, rr.Snapshot, rr)
	return res, nil
}

// Destroy deletes every resource of the stack (or, with DryRun, shows what that would do). The program is not
// run: providers are configured from the state.
func Destroy(ctx context.Context, o Options) (*Result, error) {
	start := time.Now()
	if o.Events == nil {
		o.Events = events.Discard
	}
	action := "destroy"
	o.emitPrelude(action)
	o.prestartProviders()
	if err := o.recover(ctx); err != nil {
		return nil, err
	}
	d := o.deployment()
	defer watchStop(ctx, o.Stop, d)()
	failure := d.Destroy(ctx)
	res := &Result{Changes: d.Changes(), HasChanges: d.HasChanges(), Duration: time.Since(start)}
	snap := d.Snapshot()
	if !o.DryRun {
		res.Snapshot = snap
		res.Unsettled = d.Unsettled()
	}
	o.emitSummary(d, start, failure != nil, snap, nil)
	if failure != nil {
		return res, events.MarkShown(failure)
	}
	return res, nil
}

// Adopt reads the object a pending create made, by its ID, and returns the state that tracks it.
func Adopt(ctx context.Context, o Options, p state.PendingOp, id string) (*state.Resource, error) {
	old := o.Old
	if old == nil {
		old = &state.Snapshot{Project: o.Project, Stack: o.Stack}
	}
	return deploy.Adopt(ctx, old, p, id, o.deployOptions())
}

// Import adopts an existing object into the stack's state (see deploy.Import).
func Import(ctx context.Context, o Options, typ, name string, parent resource.URN, id string) (*deploy.ImportResult, error) {
	old := o.Old
	if old == nil {
		old = &state.Snapshot{Project: o.Project, Stack: o.Stack}
	}
	if o.Events == nil {
		o.Events = events.Discard
	}
	return deploy.Import(ctx, old, o.deployOptions(), typ, name, parent, id)
}
