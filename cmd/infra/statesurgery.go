package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
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
func (a *app) editState(command string, yes bool, cmd *cobra.Command, edit func(st *stack, snap *state.Snapshot) (*state.Snapshot, string, error)) error {
	ws, err := a.openWorkspace()
	if err != nil {
		return err
	}
	st, err := ws.openStack(a.ctx, a.stack)
	if err != nil {
		return err
	}
	if !yes && !a.interactive() {
		return fmt.Errorf("`infra %s` changes the stack's state and needs confirmation: pass --yes", command)
	}
	release, _, err := st.lock(a.ctx, "infra "+command)
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
	if len(st.pending) > 0 {
		return fmt.Errorf("stack %s has operations an interrupted run left pending: run `infra up` (or `infra state resolve`) first", st.name)
	}
	out, msg, err := edit(st, snap)
	if err != nil {
		return err
	}
	if !yes {
		ok, err := a.confirm(cmd, msg+"?")
		if err != nil || !ok {
			return &exitError{code: 1, err: errors.New("the state was not changed")}
		}
	}
	out.Resources = state.SortResources(out.Resources)
	if err := out.Verify(); err != nil {
		return fmt.Errorf("the edit would leave an inconsistent state, so it was not saved: %w", err)
	}
	now := time.Now().UTC()
	info := backend.UpdateInfo{Kind: "state-" + strings.TrimPrefix(command, "state "), Result: "succeeded", StartTime: now, EndTime: now,
		Message: msg, Resources: out.Live()}
	if err := st.saveState(context.Background(), out, info); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s. Undo with `infra stack restore --version %d`.\n", msg, st.version-1)
	return nil
}

// findLive returns the live entry of urn.
func findLive(snap *state.Snapshot, urn string) (*state.Resource, error) {
	for _, r := range snap.Resources {
		if string(r.URN) == urn && !r.Delete {
			return r, nil
		}
	}
	return nil, fmt.Errorf("the state has no resource %s: list them with `infra state ls`", urn)
}

// dependents returns the live resources that refer to any of urns (dependency, parent or provider).
func dependents(snap *state.Snapshot, urns map[resource.URN]bool) []*state.Resource {
	var out []*state.Resource
	for _, r := range snap.Resources {
		if urns[r.URN] {
			continue
		}
		for _, e := range r.Edges() {
			if urns[e] {
				out = append(out, r)
				break
			}
		}
	}
	return out
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
			return a.editState("state delete", yes, cmd, func(st *stack, snap *state.Snapshot) (*state.Snapshot, string, error) {
				r, err := findLive(snap, args[0])
				if err != nil {
					return nil, "", err
				}
				if r.Protect && !force {
					return nil, "", fmt.Errorf("%s is protected: pass --force to forget it anyway", r.URN)
				}
				gone := map[resource.URN]bool{r.URN: true}
				if withDependents {
					for changed := true; changed; {
						changed = false
						for _, d := range dependents(snap, gone) {
							gone[d.URN], changed = true, true
						}
					}
				}
				if ds := dependents(snap, gone); len(ds) > 0 && !force {
					var names []string
					for _, d := range ds {
						names = append(names, string(d.URN))
					}
					sort.Strings(names)
					return nil, "", fmt.Errorf("resources depend on %s:\n    %s\n  pass --target-dependents to forget them too, or --force to keep them without the reference",
						r.URN, strings.Join(names, "\n    "))
				}
				out := *snap
				out.Resources = nil
				for _, x := range snap.Resources {
					if !gone[x.URN] {
						out.Resources = append(out.Resources, x)
					}
				}
				return &out, fmt.Sprintf("Forget %d resource(s) starting with %s", len(gone), r.URN), nil
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
			return a.editState("state rename", yes, cmd, func(st *stack, snap *state.Snapshot) (*state.Snapshot, string, error) {
				r, err := findLive(snap, args[0])
				if err != nil {
					return nil, "", err
				}
				parentType := ""
				if qt := r.URN.QualifiedType(); strings.Contains(qt, "$") {
					parentType = qt[:strings.LastIndexByte(qt, '$')]
				}
				to := resource.NewURN(r.URN.Stack(), r.URN.Project(), parentType, r.Type, args[1])
				if _, exists := snap.Index()[to]; exists {
					return nil, "", fmt.Errorf("%s exists already", to)
				}
				out := *snap
				out.Resources = renameURNs(snap.Resources, map[resource.URN]resource.URN{r.URN: to})
				return &out, fmt.Sprintf("Rename %s to %s", r.URN, to), nil
			})
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// renameURNs returns copies of rs with URNs renamed, and every reference (dependency, parent, provider) to them.
func renameURNs(rs []*state.Resource, to map[resource.URN]resource.URN) []*state.Resource {
	out := make([]*state.Resource, len(rs))
	for i, r := range rs {
		c := r.Copy()
		if n, ok := to[c.URN]; ok {
			c.URN = n
		}
		if n, ok := to[c.Parent]; ok {
			c.Parent = n
		}
		if c.Provider != "" {
			if n, ok := to[c.Provider.URN()]; ok {
				c.Provider = resource.NewProviderRef(n, c.Provider.ID())
			}
		}
		for j, d := range c.Dependencies {
			if n, ok := to[d]; ok {
				c.Dependencies[j] = n
			}
		}
		out[i] = c
	}
	return out
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
	if src.name == dst.name {
		return errors.New("the destination is the stack the resources are in")
	}
	if !yes && !a.interactive() {
		return errors.New("`infra state move` changes two stacks' state and needs confirmation: pass --yes")
	}
	releaseSrc, _, err := src.lock(a.ctx, "infra state move")
	if err != nil {
		return err
	}
	defer releaseSrc()
	releaseDst, _, err := dst.lock(a.ctx, "infra state move")
	if err != nil {
		return err
	}
	defer releaseDst()
	from, err := src.loadState(a.ctx)
	if err != nil {
		return err
	}
	to, err := dst.loadState(a.ctx)
	if err != nil {
		return err
	}
	if from == nil {
		return fmt.Errorf("stack %s has no resources", src.name)
	}
	if to == nil {
		to = &state.Snapshot{Project: ws.proj.Name, Stack: dst.name}
	}
	if len(src.pending)+len(dst.pending) > 0 {
		return errors.New("a stack has operations an interrupted run left pending: run `infra up` on it first")
	}
	// What moves: the named resources and their descendants.
	moving := map[resource.URN]bool{}
	for _, u := range urns {
		if _, err := findLive(from, u); err != nil {
			return err
		}
		moving[resource.URN(u)] = true
	}
	for changed := true; changed; {
		changed = false
		for _, r := range from.Resources {
			if !moving[r.URN] && moving[r.Parent] {
				moving[r.URN], changed = true, true
			}
		}
	}
	// The provider instances they use come along; those others still use are copied, not moved.
	rename := map[resource.URN]resource.URN{}
	newURN := func(u resource.URN) resource.URN {
		return resource.URN(strings.Replace(string(u), "urn:infra:"+src.name+"::", "urn:infra:"+dst.name+"::", 1))
	}
	var moved, kept []*state.Resource
	providers := map[resource.URN]bool{}
	for _, r := range from.Resources {
		if moving[r.URN] && r.Provider != "" {
			providers[r.Provider.URN()] = true
		}
	}
	var dropped []string
	for _, r := range from.Resources {
		switch {
		case moving[r.URN]:
			moved = append(moved, r)
			rename[r.URN] = newURN(r.URN)
			for _, d := range r.Dependencies {
				if !moving[d] {
					dropped = append(dropped, fmt.Sprintf("%s → %s", r.URN, d))
				}
			}
		case providers[r.URN]:
			moved = append(moved, r)
			rename[r.URN] = newURN(r.URN)
			kept = append(kept, r)
		default:
			kept = append(kept, r)
		}
	}
	for _, r := range moved {
		if _, exists := to.Index()[rename[r.URN]]; exists && !resource.IsProviderType(r.Type) {
			return fmt.Errorf("stack %s already has %s", dst.name, rename[r.URN])
		}
	}
	copies := renameURNs(moved, rename)
	for _, c := range copies {
		deps := c.Dependencies[:0]
		for _, d := range c.Dependencies {
			if strings.HasPrefix(string(d), "urn:infra:"+dst.name+"::") {
				deps = append(deps, d)
			}
		}
		c.Dependencies = deps
		c.InputsHash = "" // the hash is keyed by the source stack's key
	}
	// A provider instance the destination already has (same URN) is not duplicated; the moved resources use
	// the destination's instance.
	existing := to.Index()
	var add []*state.Resource
	for _, c := range copies {
		if e, ok := existing[c.URN]; ok && resource.IsProviderType(c.Type) {
			for _, x := range copies {
				if x.Provider != "" && x.Provider.URN() == c.URN {
					x.Provider = resource.NewProviderRef(c.URN, e.ID)
				}
			}
			continue
		}
		add = append(add, c)
	}
	// Drop from the source the providers nothing there uses any more.
	var left []*state.Resource
	for _, r := range kept {
		if resource.IsProviderType(r.Type) && providers[r.URN] {
			used := false
			for _, x := range kept {
				used = used || x.Provider != "" && x.Provider.URN() == r.URN
			}
			if !used {
				continue
			}
		}
		left = append(left, r)
	}
	msg := fmt.Sprintf("Move %d resource(s) from stack %s to stack %s", len(moving), src.name, dst.name)
	if len(dropped) > 0 {
		sort.Strings(dropped)
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: these dependencies stay behind and are dropped:\n    %s\n", strings.Join(dropped, "\n    "))
	}
	if !yes {
		ok, err := a.confirm(cmd, msg+"?")
		if err != nil || !ok {
			return &exitError{code: 1, err: errors.New("nothing was moved")}
		}
	}
	toOut := *to
	toOut.Resources = state.SortResources(append(append([]*state.Resource(nil), to.Resources...), add...))
	fromOut := *from
	fromOut.Resources = state.SortResources(left)
	for _, s := range []*state.Snapshot{&toOut, &fromOut} {
		if err := s.Verify(); err != nil {
			return fmt.Errorf("the move would leave an inconsistent state, so nothing was saved: %w", err)
		}
	}
	now := time.Now().UTC()
	info := func(n int) backend.UpdateInfo {
		return backend.UpdateInfo{Kind: "state-move", Result: "succeeded", StartTime: now, EndTime: now, Message: msg, Resources: n}
	}
	// The destination is written first: if writing the source then fails, the resources are in both stacks,
	// never in neither.
	if err := dst.saveState(context.Background(), &toOut, info(toOut.Live())); err != nil {
		return err
	}
	if err := src.saveState(context.Background(), &fromOut, info(fromOut.Live())); err != nil {
		return fmt.Errorf("the resources were added to stack %s but could not be removed from %s (they are in both now; "+
			"run `infra state delete` on %s): %w", dst.name, src.name, src.name, err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s.\n", msg)
	return nil
}
