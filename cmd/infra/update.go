package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/infrago/infra/engine"
	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/engine/plan"
	"github.com/infrago/infra/engine/program"
	"github.com/infrago/infra/sdk/protocol"
	"github.com/infrago/infra/stacks"
	"github.com/infrago/infra/stacks/backend"
	"github.com/infrago/infra/stacks/state"
)

// runFlags are the flags preview, up and destroy share.
type runFlags struct {
	parallel        int
	diff            bool
	showSames       bool
	expectNoChanges bool
	yes             bool
	skipPreview     bool
	message         string
	refresh         bool
	savePlan        string
	plan            string
	targets         []string
	excludes        []string
	targetDeps      bool
	continueOnError bool
	// attach runs the program attached (protocol.AttachReady) instead of building and starting it.
	attach              bool
	attachOut, attachIn *os.File
}

// apply copies the flags that shape what an update may change, and how its program runs, into engine options.
func (f *runFlags) apply(o *engine.Options) {
	o.Targets, o.Excludes, o.TargetDependents, o.ContinueOnError = f.targets, f.excludes, f.targetDeps, f.continueOnError
	if f.attach {
		if f.attachOut == nil {
			f.attachOut = os.NewFile(protocol.AttachWriteFD, "attach-out")
			f.attachIn = os.NewFile(protocol.AttachReadFD, "attach-in")
		}
		o.Attach = func(ctx context.Context, env []string) error {
			return program.Attach(ctx, f.attachOut, f.attachIn, env)
		}
	}
}

func (f *runFlags) register(cmd *cobra.Command, mutating bool) {
	fl := cmd.Flags()
	fl.IntVarP(&f.parallel, "parallel", "p", defaultParallel(), "how many resource operations may run at once")
	fl.BoolVar(&f.diff, "diff", false, "show every property of created and deleted resources, not only changes")
	fl.BoolVar(&f.showSames, "show-sames", false, "list unchanged resources too")
	fl.StringArrayVarP(&f.targets, "target", "t", nil, "change only this resource (a URN; * matches any characters; repeatable)")
	fl.StringArrayVar(&f.excludes, "exclude", nil, "do not change this resource (a URN; * matches any characters; repeatable)")
	fl.BoolVar(&f.targetDeps, "target-dependents", false, "also change every resource that depends on a target")
	if cmd.Name() != "preview" {
		fl.BoolVar(&f.continueOnError, "continue-on-error", false, "keep going after a step fails: independent steps still run, and the end lists what failed and what was skipped")
	}
	switch cmd.Name() {
	case "preview":
		fl.StringVar(&f.savePlan, "save-plan", "", "record the planned steps in this file, for `infra up --plan`")
	case "up":
		fl.StringVar(&f.plan, "plan", "", "apply exactly the plan saved by `infra preview --save-plan`, refusing any difference")
	}
	if cmd.Name() != "destroy" {
		fl.BoolVar(&f.attach, "attach", false, "run the program attached on file descriptors 3 and 4 instead of building it (the automation API does this for inline programs)")
		_ = fl.MarkHidden("attach")
		fl.BoolVar(&f.expectNoChanges, "expect-no-changes", false, "exit with status 2 if there are changes")
		fl.BoolVarP(&f.refresh, "refresh", "r", false, "read every object's live state first: drift is shown and, with up, changed back")
	}
	if mutating {
		fl.BoolVarP(&f.yes, "yes", "y", false, "do not ask for confirmation")
		fl.BoolVarP(&f.skipPreview, "skip-preview", "f", false, "do not preview before changing anything (implies no prompt)")
		fl.StringVarP(&f.message, "message", "m", "", "a message recorded with the update in the stack's history")
	}
}

func (a *app) interactive() bool {
	if a.nonInteractive || os.Getenv("CI") != "" {
		return false
	}
	return term.IsTerminal(int(os.Stdout.Fd())) && term.IsTerminal(int(os.Stdin.Fd()))
}

func (a *app) useColor() bool {
	switch a.color {
	case "always":
		return true
	case "never":
		return false
	}
	return os.Getenv("NO_COLOR") == "" && term.IsTerminal(int(os.Stdout.Fd()))
}

func (a *app) previewCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "preview",
		Short: "Show what an update would change",
		Long: `Run the program and show, resource by resource, what ` + "`infra up`" + ` would create, update,
replace and delete, without changing anything. Providers are only asked to check and
diff. Values that only exist once a resource is created show as [unknown]. The state
is compared with the program, not with the cloud: nothing is refreshed.

With --expect-no-changes the exit status is 2 when there are changes, so CI can fail
a job when the program and the stack's state disagree.`,
		Example: `  infra preview
  infra preview --diff --show-sames

  # in CI: exit with status 2 if the stack is not up to date with the program
  infra preview --stack prod --expect-no-changes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runUpdate(cmd, &f, true)
		},
	}
	f.register(cmd, false)
	return cmd
}

func (a *app) upCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:     "up",
		Aliases: []string{"update"},
		Short:   "Create or update the stack's resources",
		Long: `Run the program and bring the stack in line with it: create, update, replace and delete
resources as needed, then save the new state.

On a terminal ` + "`up`" + ` first shows a preview and asks for confirmation; --yes skips the
question and --skip-preview skips the preview too. Without a terminal (CI) one of
them is required. Each update, successful or failed, is recorded in the stack's
history with the message given with -m.`,
		Example: `  infra up
  infra up --yes -m "rotate the API token"
  infra up --stack prod --yes --parallel 8`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runUpdate(cmd, &f, false)
		},
	}
	f.register(cmd, true)
	return cmd
}

func (a *app) destroyCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "destroy",
		Short: "Delete every resource of the stack",
		Long: `Delete every resource the stack manages, in reverse dependency order. The program is not
run: providers are configured from the state. Protected resources stop the destroy
before anything is deleted. The stack and its config file stay; remove them with
` + "`infra stack rm`" + `.`,
		Example: `  infra destroy
  infra destroy --stack dev --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runDestroy(cmd, &f)
		},
	}
	f.register(cmd, true)
	return cmd
}

// learnSecrets teaches the redactor every secret of a snapshot, so that none can escape into printed text.
func (a *app) learnSecrets(snap *state.Snapshot) {
	if snap == nil {
		return
	}
	a.redactor.AddMap(snap.Outputs)
	for _, r := range snap.Resources {
		a.redactor.AddMap(r.Inputs)
		a.redactor.AddMap(r.Outputs)
	}
}

// cancelOnLost cancels everything in flight if the stack's lock is lost: another run owns the stack now, and
// every further write would be refused anyway.
func (a *app) cancelOnLost(st *stack) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-st.Lost():
			fmt.Fprintf(os.Stderr, "error: %v\n", st.LockErr())
			a.cancel()
		case <-done:
		}
	}()
	return func() { close(done) }
}

// confirm asks whether to go ahead; on a terminal only.
func (a *app) confirm(cmd *cobra.Command, question string) (bool, error) {
	fmt.Fprintf(cmd.OutOrStdout(), "%s [yes/no] ", question)
	r := bufio.NewReader(cmd.InOrStdin())
	line, err := r.ReadString('\n')
	if err != nil && line == "" {
		return false, fmt.Errorf("read the answer: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

func (a *app) runUpdate(cmd *cobra.Command, f *runFlags, previewOnly bool) error {
	if !previewOnly && !f.yes && !f.skipPreview && !a.interactive() {
		return fmt.Errorf("`infra up` changes infrastructure and needs confirmation, but there is no terminal to ask on: pass --yes (for example in CI)")
	}
	// A preview writes nothing, so it takes no lock: previews of one stack can run side by side (in CI, one per
	// pull request) and during an update.
	st, err := a.begin(cmd.Name(), access{lock: !previewOnly})
	if err != nil {
		return err
	}
	defer st.Close()
	defer a.cancelOnLost(st)()
	out := cmd.OutOrStdout()
	defer a.handleInterrupts()()
	opts, err := st.engineOptions(a, f.parallel)
	if err != nil {
		return err
	}
	opts.Refresh = f.refresh
	f.apply(&opts)
	var enforced *plan.Plan
	if f.plan != "" {
		if enforced, err = st.readPlan(f.plan); err != nil {
			return err
		}
		if !f.yes && !f.skipPreview {
			ok, err := a.confirm(cmd, fmt.Sprintf("Apply the plan in %s to stack %s?", f.plan, st.Name))
			if err != nil {
				return err
			}
			if !ok {
				return &exitError{code: 1, err: errors.New("update cancelled: nothing was changed")}
			}
		}
	}
	interactiveUp := !previewOnly && !f.yes && !f.skipPreview && f.plan == ""
	if previewOnly || interactiveUp {
		// What the preview shows is recorded as a plan: an interactive up then applies exactly that, and
		// --save-plan writes it out.
		recorder := plan.NewRecorder(plan.New(st.Workspace.Project.Name, st.Name, st.Version(), st.JournalSeq()))
		opts.DryRun = true
		opts.Events = events.Tee(a.printer(out, f), recorder)
		res, err := engine.Update(a.ctx, opts)
		st.host.Close()
		if err != nil {
			return a.engineFailure(err)
		}
		if previewOnly {
			if f.savePlan != "" {
				if err := st.writePlan(f.savePlan, recorder.Plan()); err != nil {
					return err
				}
				fmt.Fprintf(out, "\nSaved the plan to %s: apply it with `infra up --plan %s`.\n", f.savePlan, f.savePlan)
			}
			if f.expectNoChanges && res.HasChanges {
				fmt.Fprintln(out, "\nerror: --expect-no-changes was given, but the preview has changes")
				return &exitError{code: 2}
			}
			return nil
		}
		if !res.HasChanges {
			fmt.Fprintln(out, "\nNothing to do: the stack matches the program.")
			return nil
		}
		ok, err := a.confirm(cmd, "\nDo you want to perform this update?")
		if err != nil {
			return err
		}
		if !ok {
			return &exitError{code: 1, err: errors.New("update cancelled: nothing was changed")}
		}
		fmt.Fprintln(out)
		enforced = recorder.Plan()
		opts, err = st.engineOptions(a, f.parallel)
		if err != nil {
			return err
		}
		opts.Refresh = f.refresh
		f.apply(&opts)
	}
	if enforced != nil {
		opts.Plan = enforced
	}
	if f.plan != "" {
		// Check the program against the plan without changing anything, so that a difference is refused before
		// the first step runs.
		opts.DryRun = true
		opts.Events = a.printer(out, f)
		_, err := engine.Update(a.ctx, opts)
		st.host.Close()
		if err != nil {
			return a.engineFailure(err)
		}
		fmt.Fprintln(out)
		if opts, err = st.engineOptions(a, f.parallel); err != nil {
			return err
		}
		opts.Refresh, opts.Plan = f.refresh, enforced
		f.apply(&opts)
	}
	opts.DryRun = false
	opts.Events = a.printer(out, f)
	opts.Stop = a.stop
	journal := st.Journal()
	opts.Journal = journal
	start := time.Now()
	res, runErr := engine.Update(a.ctx, opts)
	st.host.Close()
	if err := a.finishRun(st, journal, res, updateInfo("update", f.message, start, runErr, res)); err != nil {
		return errors.Join(a.engineFailure(runErr), err)
	}
	if runErr != nil {
		return a.engineFailure(runErr)
	}
	if f.expectNoChanges && res.HasChanges {
		return &exitError{code: 2, err: errors.New("--expect-no-changes was given, but the update made changes")}
	}
	return nil
}

func (a *app) runDestroy(cmd *cobra.Command, f *runFlags) error {
	if !f.yes && !f.skipPreview && !a.interactive() {
		return fmt.Errorf("`infra destroy` deletes infrastructure and needs confirmation, but there is no terminal to ask on: pass --yes")
	}
	st, err := a.begin("destroy", access{lock: true})
	if err != nil {
		return err
	}
	defer st.Close()
	out := cmd.OutOrStdout()
	defer a.cancelOnLost(st)()
	defer a.handleInterrupts()()
	old := st.State
	if old == nil || old.Live() == 0 && len(old.Resources) == 0 {
		fmt.Fprintf(out, "Stack %s has no resources: nothing to destroy.\n", st.Name)
		return nil
	}
	opts, err := st.engineOptions(a, f.parallel)
	if err != nil {
		return err
	}
	f.apply(&opts)
	if !f.yes && !f.skipPreview {
		opts.DryRun = true
		opts.Events = a.printer(out, f)
		if _, err := engine.Destroy(a.ctx, opts); err != nil {
			st.host.Close()
			return a.engineFailure(err)
		}
		ok, err := a.confirm(cmd, "\nDo you want to delete these resources?")
		if err != nil {
			return err
		}
		if !ok {
			st.host.Close()
			return &exitError{code: 1, err: errors.New("destroy cancelled: nothing was deleted")}
		}
		fmt.Fprintln(out)
	}
	opts.DryRun = false
	opts.Events = a.printer(out, f)
	opts.Stop = a.stop
	journal := st.Journal()
	opts.Journal = journal
	start := time.Now()
	res, runErr := engine.Destroy(a.ctx, opts)
	st.host.Close()
	if err := a.finishRun(st, journal, res, updateInfo("destroy", f.message, start, runErr, res)); err != nil {
		return errors.Join(a.engineFailure(runErr), err)
	}
	if runErr != nil {
		return a.engineFailure(runErr)
	}
	return nil
}

// finishRun makes the run's outcome the stack's new state (see stacks.Stack.Finish). Saving must not be cut short
// by an interrupt: it is what makes the run's work tracked.
func (a *app) finishRun(st *stack, journal *state.JournalWriter, res *engine.Result, info backend.UpdateInfo) error {
	o := stacks.Outcome{Info: info}
	if res != nil {
		o.Snapshot, o.Unsettled = res.Snapshot, res.Unsettled
	}
	cutOff, err := st.Finish(context.Background(), journal, o)
	if len(cutOff) > 0 {
		fmt.Fprintf(os.Stderr, "The create of %s was cut off: the next `infra up` looks up whether it made an object before anything else.\n",
			strings.Join(cutOff, ", "))
	}
	return err
}

// engineFailure turns an engine error into an exit: failures of the deployment have been shown by the display
// already; build errors and the like have not.
func (a *app) engineFailure(err error) error {
	if err == nil {
		return nil
	}
	a.reportStepPanic(a.stderr, err)
	return &exitError{code: 1, err: err}
}

func updateInfo(kind, message string, start time.Time, runErr error, res *engine.Result) backend.UpdateInfo {
	info := backend.UpdateInfo{Kind: kind, Result: "succeeded", StartTime: start.UTC(), EndTime: time.Now().UTC(), Message: message,
		Changes: map[string]int{}}
	if runErr != nil {
		info.Result = "failed"
	}
	if res == nil {
		// The run failed before it had a result (it could not start, or settling an earlier run's pending
		// operations needs the user).
		return info
	}
	for op, n := range res.Changes {
		if op != events.OpSame && n > 0 {
			info.Changes[string(op)] = n
		}
	}
	if res.Snapshot != nil {
		info.Resources = res.Snapshot.Live()
	}
	return info
}
