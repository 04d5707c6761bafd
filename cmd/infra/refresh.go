package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/infrago/infra/engine"
)

func (a *app) refreshCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "refresh",
		Short: "Read every object's live state into the stack's state",
		Long: `Ask each provider for the live state of every object the stack tracks and record what it
finds: properties changed outside infra (drift) and objects deleted outside. Nothing in
the cloud changes. The next "infra up" then compares the program with the objects as
they really are, and changes drifted ones back.

To check for drift without recording anything (a scheduled CI job), use
"infra preview --refresh --expect-no-changes": it exits with status 2 when an object
drifted or the program would change something.`,
		Example: `  infra refresh --yes
  infra preview --refresh --expect-no-changes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runRefresh(cmd, &f)
		},
	}
	fl := cmd.Flags()
	fl.IntVarP(&f.parallel, "parallel", "p", defaultParallel(), "how many objects may be read at once")
	fl.BoolVarP(&f.yes, "yes", "y", false, "record what was found without asking")
	fl.BoolVar(&f.expectNoChanges, "expect-no-changes", false, "exit with status 2 if anything drifted")
	fl.StringVarP(&f.message, "message", "m", "", "a message recorded with the refresh in the stack's history")
	return cmd
}

func (a *app) runRefresh(cmd *cobra.Command, f *runFlags) error {
	st, err := a.begin("refresh", access{lock: true})
	if err != nil {
		return err
	}
	defer st.Close()
	out := cmd.OutOrStdout()
	if !f.yes && !a.interactive() {
		return fmt.Errorf("`infra refresh` records what it finds and needs confirmation, but there is no terminal to ask on: pass --yes")
	}
	defer a.cancelOnLost(st)()
	defer a.handleInterrupts()()
	opts, err := st.engineOptions(a, f.parallel)
	if err != nil {
		return err
	}
	opts.DryRun = !f.yes
	opts.Events = a.printer(out, f)
	start := time.Now()
	res, err := engine.Refresh(a.ctx, opts)
	st.host.Close()
	if err != nil {
		return a.engineFailure(err)
	}
	if !res.HasChanges {
		fmt.Fprintln(out, "\nNo drift: every object is as the state says.")
		return nil
	}
	if !f.yes {
		ok, err := a.confirm(cmd, "\nRecord what was found in the stack's state?")
		if err != nil {
			return err
		}
		if !ok {
			return &exitError{code: 1, err: errors.New("refresh not recorded")}
		}
		opts, err = st.engineOptions(a, f.parallel)
		if err != nil {
			return err
		}
		opts.Events = a.printer(out, f)
		if res, err = engine.Refresh(a.ctx, opts); err != nil {
			st.host.Close()
			return a.engineFailure(err)
		}
		st.host.Close()
	}
	journal := st.Journal()
	if err := a.finishRun(st, journal, res, updateInfo("refresh", f.message, start, nil, res)); err != nil {
		return err
	}
	if f.expectNoChanges {
		return &exitError{code: 2, err: fmt.Errorf("--expect-no-changes was given, but %d objects drifted and %d were deleted outside infra", res.Drifted, res.Gone)}
	}
	return nil
}
