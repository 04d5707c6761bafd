package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/infrago/infra/stacks/backend"
	"github.com/infrago/infra/stacks/state"
)

func (a *app) stateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Inspect and edit the stack's state",
		Long: `Read or change the stack's state directly, without running the program. Every change
is recorded as a new version in the stack's history.`,
		Example: `  infra state ls
  infra state unprotect 'urn:infra:dev::hello::random:index:Password::db'`,
	}
	cmd.AddCommand(a.stateLsCommand(), a.stateUnprotectCommand())
	return cmd
}

func (a *app) stateLsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "ls",
		Short: "List the resources in the stack's state",
		Long: `List every resource in the stack's state, in dependency order, with its URN, its ID
and its flags: protected; pending-delete (the old object of a replacement, still to
be deleted); not-ready (created, but it did not become ready: the next update retries
it).`,
		Example: "  infra state ls\n  infra state ls --stack prod",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ws, err := a.openWorkspace()
			if err != nil {
				return err
			}
			st, err := ws.openStack(a.ctx, a.stack)
			if err != nil {
				return err
			}
			snap, err := st.loadState(a.ctx)
			if err != nil {
				return err
			}
			if snap == nil || len(snap.Resources) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "Stack %s has no resources.\n", st.name)
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "URN\tID\tFLAGS")
			for _, r := range snap.Resources {
				flags := ""
				if r.Protect {
					flags += "protected "
				}
				if r.Delete {
					flags += "pending-delete "
				}
				if len(r.InitErrors) > 0 {
					flags += "not-ready "
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.URN, r.ID, flags)
			}
			return tw.Flush()
		},
	}
}

func (a *app) stateUnprotectCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "unprotect URN",
		Short: "Remove the protection of a resource in the state",
		Long: `Clear the protect flag of a resource in the stack's state, so that a resource the
program no longer declares (or whose replacement was refused) can be deleted by the
next ` + "`infra up`" + `. The change is recorded as a new version in the stack's history.
Quote the URN: nested URNs contain "$".`,
		Example: "  infra state unprotect 'urn:infra:dev::hello::random:index:Password::db'",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := a.openWorkspace()
			if err != nil {
				return err
			}
			st, err := ws.openStack(a.ctx, a.stack)
			if err != nil {
				return err
			}
			release, _, err := st.lock(a.ctx, "infra state unprotect")
			if err != nil {
				return err
			}
			defer release()
			snap, err := st.loadState(a.ctx)
			if err != nil {
				return err
			}
			if snap == nil {
				return fmt.Errorf("stack %s has no resources", st.name)
			}
			var found *state.Resource
			for _, r := range snap.Resources {
				if string(r.URN) == args[0] && !r.Delete {
					found = r
				}
			}
			if found == nil {
				return fmt.Errorf("stack %s has no resource %s: list them with `infra state ls`", st.name, args[0])
			}
			if !found.Protect {
				fmt.Fprintf(cmd.OutOrStdout(), "%s is not protected.\n", found.URN)
				return nil
			}
			found.Protect = false
			now := time.Now().UTC()
			info := backend.UpdateInfo{Kind: "state-unprotect", Result: "succeeded", StartTime: now, EndTime: now,
				Message: "unprotect " + args[0], Resources: snap.Live()}
			if err := st.saveState(a.ctx, snap, info); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Unprotected %s\n", found.URN)
			return nil
		},
	}
}
