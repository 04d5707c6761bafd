package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/stacks/backend"
	"github.com/infrago/infra/stacks/state"
)

// Every state edit locks the stack, loads its state (refusing while an interrupted run's operations are
// pending), changes it, and writes it as a new version: `infra stack history` shows the edit and
// `infra stack restore --version N` undoes it.

// editState runs edit on the selected stack's state and saves the result with a history message.
func (a *app) editState(command string, yes bool, cmd *cobra.Command, edit func(snap *state.Snapshot) (*state.Snapshot, string, error)) error {
	_, st, err := a.openSelected()
	if err != nil {
		return err
	}
	if !yes && !a.interactive() {
		return fmt.Errorf("`infra %s` changes the stack's state and needs confirmation: pass --yes", command)
	}
	if err := a.beginOpened(st, command, access{lock: true, settled: true}); err != nil {
		return err
	}
	defer st.Close()
	if st.State == nil {
		return fmt.Errorf("stack %s has no resources", st.Name)
	}
	out, msg, err := edit(st.State)
	if err != nil {
		return err
	}
	if !yes {
		ok, err := a.confirm(cmd, msg+"?")
		if err != nil || !ok {
			return &exitError{code: 1, err: errors.New("the state was not changed")}
		}
	}
	now := time.Now().UTC()
	info := backend.UpdateInfo{Kind: "state-" + strings.TrimPrefix(command, "state "), Result: "succeeded", StartTime: now, EndTime: now,
		Message: msg, Resources: out.Live()}
	if err := st.Save(context.Background(), out, info); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s. Undo with `infra stack restore --version %d`.\n", msg, st.Version()-1)
	return nil
}

func (a *app) stateDeleteCommand() *cobra.Command {
	var yes, force, withDependents bool
	cmd := &cobra.Command{
		Use:   "delete URN",
		Short: "Forget a resource: remove it from the state, leaving the object in place",
		Long: `Remove a resource from the stack's state without deleting the object it tracks (which
then exists outside infra). Resources that depend on it are refused unless
--target-dependents forgets them too, or --force drops their references to it. A
protected resource needs --force.`,
		Example: `  infra state delete 'urn:infra:dev::web::random:index:String::suffix' --yes`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.editState("state delete", yes, cmd, func(snap *state.Snapshot) (*state.Snapshot, string, error) {
				out, n, err := state.Forget(snap, resource.URN(args[0]), state.ForgetOptions{Force: force, WithDependents: withDependents})
				if err != nil {
					return nil, "", err
				}
				return out, fmt.Sprintf("Forget %d resource(s) starting with %s", n, args[0]), nil
			})
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "forget a protected resource, or one others depend on (dropping their references)")
	cmd.Flags().BoolVar(&withDependents, "target-dependents", false, "forget the resources that depend on it too")
	return cmd
}

func (a *app) stateRenameCommand() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "rename URN NEW-NAME",
		Short: "Give a resource a new name in the state",
		Long: `Change a resource's name (the last part of its URN) in the state, and every reference to it.
Rename it in the program too, or the next update replaces it; to rename in the
program alone, give the resource the Aliases option instead.`,
		Example: `  infra state rename 'urn:infra:dev::web::random:index:String::suffix' name-suffix --yes`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.editState("state rename", yes, cmd, func(snap *state.Snapshot) (*state.Snapshot, string, error) {
				out, to, err := state.Rename(snap, resource.URN(args[0]), args[1])
				if err != nil {
					return nil, "", err
				}
				return out, fmt.Sprintf("Rename %s to %s", args[0], to), nil
			})
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func (a *app) stateMoveCommand() *cobra.Command {
	var yes bool
	var dest string
	cmd := &cobra.Command{
		Use:   "move URN... --dest STACK",
		Short: "Move resources (with their children) to another stack of the project",
		Long: `Move resources from the selected stack's state to another stack of the same project:
their children and the provider instances they use come along (a provider instance is
copied when other resources still use it). Dependencies on resources that stay behind
are dropped, and listed. Secrets are re-encrypted with the destination stack's key.
Both stacks get a new version in their history. Move the declarations in the programs
too.`,
		Example: `  infra state move 'urn:infra:dev::web::data:index:Data::settings' --dest prod --yes`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dest == "" {
				return errors.New("say where to: --dest STACK")
			}
			return a.moveResources(cmd, args, dest, yes)
		},
	}
	cmd.Flags().StringVar(&dest, "dest", "", "the stack to move the resources to")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func (a *app) moveResources(cmd *cobra.Command, urns []string, dest string, yes bool) error {
	ws, err := a.openWorkspace()
	if err != nil {
		return err
	}
	src, err := ws.openStack(a.ctx, a.stack)
	if err != nil {
		return err
	}
	dst, err := ws.openNamedStack(a.ctx, dest)
	if err != nil {
		return err
	}
	if src.Name == dst.Name {
		return errors.New("the destination is the stack the resources are in")
	}
	if !yes && !a.interactive() {
		return errors.New("`infra state move` changes two stacks' state and needs confirmation: pass --yes")
	}
	for _, st := range []*stack{src, dst} {
		if err := a.beginOpened(st, "state move", access{lock: true, settled: true}); err != nil {
			return err
		}
		defer st.Close()
	}
	if src.State == nil {
		return fmt.Errorf("stack %s has no resources", src.Name)
	}
	to := dst.State
	if to == nil {
		to = &state.Snapshot{Project: ws.Project.Name, Stack: dst.Name}
	}
	list := make([]resource.URN, len(urns))
	for i, u := range urns {
		list[i] = resource.URN(u)
	}
	m, err := state.Move(src.State, to, list)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Move %d resource(s) from stack %s to stack %s", m.Count, src.Name, dst.Name)
	if len(m.Dropped) > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: these dependencies stay behind and are dropped:\n    %s\n", strings.Join(m.Dropped, "\n    "))
	}
	if !yes {
		ok, err := a.confirm(cmd, msg+"?")
		if err != nil || !ok {
			return &exitError{code: 1, err: errors.New("nothing was moved")}
		}
	}
	now := time.Now().UTC()
	info := func(n int) backend.UpdateInfo {
		return backend.UpdateInfo{Kind: "state-move", Result: "succeeded", StartTime: now, EndTime: now, Message: msg, Resources: n}
	}
	// The destination is written first: if writing the source then fails, the resources are in both stacks,
	// never in neither.
	if err := dst.Save(context.Background(), m.To, info(m.To.Live())); err != nil {
		return err
	}
	if err := src.Save(context.Background(), m.From, info(m.From.Live())); err != nil {
		return fmt.Errorf("the resources were added to stack %s but could not be removed from %s (they are in both now; "+
			"run `infra state delete` on %s): %w", dst.Name, src.Name, src.Name, err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s.\n", msg)
	return nil
}
