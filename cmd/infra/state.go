package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/infrago/infra/engine"
	"github.com/infrago/infra/sdk/resource"
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
	cmd.AddCommand(a.stateLsCommand(), a.stateUnprotectCommand(), a.stateResolveCommand(), a.stateDeleteCommand(),
		a.stateRenameCommand(), a.stateMoveCommand())
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
			st, err := a.begin("state ls", access{})
			if err != nil {
				return err
			}
			snap := st.State
			if snap == nil || len(snap.Resources) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "Stack %s has no resources.\n", st.Name)
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
			st, err := a.begin("state unprotect", access{lock: true, settled: true})
			if err != nil {
				return err
			}
			defer st.Close()
			snap := st.State
			if snap == nil {
				return fmt.Errorf("stack %s has no resources", st.Name)
			}
			found, err := snap.FindLive(resource.URN(args[0]))
			if err != nil {
				return fmt.Errorf("stack %s: %w", st.Name, err)
			}
			if !found.Protect {
				fmt.Fprintf(cmd.OutOrStdout(), "%s is not protected.\n", found.URN)
				return nil
			}
			found.Protect = false
			now := time.Now().UTC()
			info := backend.UpdateInfo{Kind: "state-unprotect", Result: "succeeded", StartTime: now, EndTime: now,
				Message: "unprotect " + args[0], Resources: snap.Live()}
			if err := st.Save(a.ctx, snap, info); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Unprotected %s\n", found.URN)
			return nil
		},
	}
}

func (a *app) stateResolveCommand() *cobra.Command {
	var adopt string
	var forget bool
	cmd := &cobra.Command{
		Use:   "resolve URN (--adopt ID | --forget)",
		Short: "Settle an operation an interrupted run left pending",
		Long: `When a run is cut off (killed, crashed, the machine lost) while a provider is creating a
resource, the next run looks the object up by the idempotency token the create carried
and tracks it. Providers that cannot look objects up leave the decision to you, and the
run stops with the exact command to run:

  --adopt ID   the create did make the object, with this ID: track it
  --forget     the create made nothing (or you removed what it made): forget it

The resolution is recorded in the stack's journal and folded into its state by the next
update.`,
		Example: `  infra state resolve 'urn:infra:dev::web::command:index:Command::migrate' --forget
  infra state resolve 'urn:infra:dev::web::aws:ec2:Instance::web-1' --adopt i-0abc123`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (adopt == "") == !forget {
				return errors.New("say what happened: --adopt ID (the object exists) or --forget (it does not)")
			}
			st, err := a.begin("state resolve", access{lock: true})
			if err != nil {
				return err
			}
			defer st.Close()
			op, err := st.PendingOn(resource.URN(args[0]))
			if err != nil {
				return err
			}
			var adopted *state.Resource
			if adopt != "" {
				if op.Step != state.StepCreate && op.Step != state.StepReplace {
					return fmt.Errorf("the pending operation on %s is a %s: only a pending create can adopt an object", op.URN, op.Step)
				}
				opts, err := st.engineOptions(a, 1)
				if err != nil {
					return err
				}
				adopted, err = engine.Adopt(a.ctx, opts, op, adopt)
				st.host.Close()
				if err != nil {
					return err
				}
			}
			if err := st.Resolve(context.Background(), op, adopted); err != nil {
				return err
			}
			what := "forgotten"
			if adopt != "" {
				what = "adopted " + adopt
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Resolved the pending %s of %s (%s); run `infra up` to continue.\n", op.Step, op.URN, what)
			return nil
		},
	}
	cmd.Flags().StringVar(&adopt, "adopt", "", "the ID of the object the create made")
	cmd.Flags().BoolVar(&forget, "forget", false, "the create made nothing")
	return cmd
}
