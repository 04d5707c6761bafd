package state

import (
	"fmt"
	"sort"
	"strings"

	"github.com/infrago/infra/sdk/resource"
)

// The edits below are what `infra state delete|rename|move` do to a state. They return new snapshots (the input is
// not changed), sorted and verified, so a caller only has to save them.

// FindLive returns the live (not pending-delete) entry of urn, or an error that says how to list the resources.
func (s *Snapshot) FindLive(urn resource.URN) (*Resource, error) {
	for _, r := range s.Resources {
		if r.URN == urn && !r.Delete {
			return r, nil
		}
	}
	return nil, fmt.Errorf("the state has no resource %s: list them with `infra state ls`", urn)
}

// dependents returns the resources outside urns that refer to any of urns (dependency, parent or provider).
func (s *Snapshot) dependents(urns map[resource.URN]bool) []*Resource {
	var out []*Resource
	for _, r := range s.Resources {
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

// ForgetOptions say what Forget may do beyond removing one unprotected resource nothing depends on.
type ForgetOptions struct {
	// Force forgets a protected resource, or one others depend on (dropping their references to it).
	Force bool
	// WithDependents forgets the resources that depend on it too, transitively.
	WithDependents bool
}

// Forget removes urn from the state, leaving its object in place (untracked); it returns the new state and how
// many resources it removed.
func Forget(snap *Snapshot, urn resource.URN, o ForgetOptions) (*Snapshot, int, error) {
	r, err := snap.FindLive(urn)
	if err != nil {
		return nil, 0, err
	}
	if r.Protect && !o.Force {
		return nil, 0, fmt.Errorf("%s is protected: pass --force to forget it anyway", r.URN)
	}
	gone := map[resource.URN]bool{r.URN: true}
	if o.WithDependents {
		for changed := true; changed; {
			changed = false
			for _, d := range snap.dependents(gone) {
				gone[d.URN], changed = true, true
			}
		}
	}
	if ds := snap.dependents(gone); len(ds) > 0 {
		if !o.Force {
			names := make([]string, len(ds))
			for i, d := range ds {
				names[i] = string(d.URN)
			}
			sort.Strings(names)
			return nil, 0, fmt.Errorf("resources depend on %s:\n    %s\n  pass --target-dependents to forget them too, or --force to keep them without the reference",
				r.URN, strings.Join(names, "\n    "))
		}
		for _, d := range ds {
			// A dependency can be dropped; a parent or a provider is part of what the resource is.
			if gone[d.Parent] || d.Provider != "" && gone[d.Provider.URN()] {
				return nil, 0, fmt.Errorf("%s is the parent or provider of %s, which cannot be kept without it: pass --target-dependents to forget it too",
					r.URN, d.URN)
			}
		}
	}
	out := *snap
	out.Resources = nil
	for _, x := range snap.Resources {
		if gone[x.URN] {
			continue
		}
		if o.Force {
			x = x.withoutReferencesTo(gone)
		}
		out.Resources = append(out.Resources, x)
	}
	if err := out.settle(); err != nil {
		return nil, 0, err
	}
	return &out, len(gone), nil
}

// withoutReferencesTo returns r, or a copy of it with its dependencies on gone dropped.
func (r *Resource) withoutReferencesTo(gone map[resource.URN]bool) *Resource {
	refers := false
	for _, d := range r.Dependencies {
		refers = refers || gone[d]
	}
	if !refers {
		return r
	}
	c := r.Copy()
	deps := c.Dependencies[:0]
	for _, d := range c.Dependencies {
		if !gone[d] {
			deps = append(deps, d)
		}
	}
	c.Dependencies = deps
	return c
}

// Rename gives urn a new name (the last part of its URN) and updates every reference to it; it returns the new
// state and the new URN.
func Rename(snap *Snapshot, urn resource.URN, name string) (*Snapshot, resource.URN, error) {
	r, err := snap.FindLive(urn)
	if err != nil {
		return nil, "", err
	}
	to := resource.NewURN(r.URN.Stack(), r.URN.Project(), parentType(r.URN), r.URN.Type(), name)
	if !to.IsValid() {
		return nil, "", fmt.Errorf("%q is not a valid resource name", name)
	}
	if _, exists := snap.Index()[to]; exists {
		return nil, "", fmt.Errorf("%s exists already", to)
	}
	out := *snap
	out.Resources = renameURNs(snap.Resources, map[resource.URN]resource.URN{r.URN: to})
	if err := out.settle(); err != nil {
		return nil, "", err
	}
	return &out, to, nil
}

// parentType is the qualified type of u's parent ("" for a top-level resource).
func parentType(u resource.URN) string {
	qt := u.QualifiedType()
	if i := strings.LastIndexByte(qt, '$'); i >= 0 {
		return qt[:i]
	}
	return ""
}

// inStack is u as the URN of the same resource in another stack.
func inStack(u resource.URN, stack string) resource.URN {
	return resource.NewURN(stack, u.Project(), parentType(u), u.Type(), u.Name())
}

// renameURNs returns copies of rs with URNs renamed, and every reference (dependency, parent, provider) to them.
func renameURNs(rs []*Resource, to map[resource.URN]resource.URN) []*Resource {
	out := make([]*Resource, len(rs))
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

// Moved is the outcome of Move.
type Moved struct {
	// From and To are the new states of the source and the destination stack.
	From, To *Snapshot
	// Count is how many resources moved (those named and their descendants; provider instances not counted).
	Count int
	// Dropped lists the dependencies on resources that stayed behind, which the moved resources lost
	// ("urn → dependency"), sorted.
	Dropped []string
}

// Move moves urns and their descendants from the state from to the state to of another stack of the same
// project. The provider instances they use come along; one that resources left behind still use is copied, and
// one the destination has already (same URN) is not duplicated. Dependencies on resources that stay behind are
// dropped and listed. Input hashes are cleared: they are keyed by the source stack's key.
func Move(from, to *Snapshot, urns []resource.URN) (*Moved, error) {
	dst := to.Stack
	if from.Stack == dst {
		return nil, fmt.Errorf("the destination is the stack the resources are in")
	}
	moving := map[resource.URN]bool{}
	for _, u := range urns {
		if _, err := from.FindLive(u); err != nil {
			return nil, err
		}
		moving[u] = true
	}
	for changed := true; changed; {
		changed = false
		for _, r := range from.Resources {
			if !moving[r.URN] && moving[r.Parent] {
				moving[r.URN], changed = true, true
			}
		}
	}
	providers := map[resource.URN]bool{}
	for _, r := range from.Resources {
		if moving[r.URN] && r.Provider != "" {
			providers[r.Provider.URN()] = true
		}
	}
	rename := map[resource.URN]resource.URN{}
	var moved, kept []*Resource
	var dropped []string
	for _, r := range from.Resources {
		switch {
		case moving[r.URN]:
			moved = append(moved, r)
			rename[r.URN] = inStack(r.URN, dst)
			for _, d := range r.Dependencies {
				if !moving[d] {
					dropped = append(dropped, fmt.Sprintf("%s → %s", r.URN, d))
				}
			}
		case providers[r.URN]:
			moved = append(moved, r)
			rename[r.URN] = inStack(r.URN, dst)
			kept = append(kept, r)
		default:
			kept = append(kept, r)
		}
	}
	existing := to.Index()
	for _, r := range moved {
		if _, exists := existing[rename[r.URN]]; exists && !resource.IsProviderType(r.Type) {
			return nil, fmt.Errorf("stack %s already has %s", dst, rename[r.URN])
		}
	}
	copies := renameURNs(moved, rename)
	for _, c := range copies {
		deps := c.Dependencies[:0]
		for _, d := range c.Dependencies {
			if d.Stack() == dst {
				deps = append(deps, d)
			}
		}
		c.Dependencies = deps
		c.InputsHash = ""
	}
	var add []*Resource
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
	// The source keeps only the provider instances something there still uses.
	var left []*Resource
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
	toOut, fromOut := *to, *from
	toOut.Resources = append(append([]*Resource(nil), to.Resources...), add...)
	fromOut.Resources = left
	for _, s := range []*Snapshot{&toOut, &fromOut} {
		if err := s.settle(); err != nil {
			return nil, err
		}
	}
	sort.Strings(dropped)
	return &Moved{From: &fromOut, To: &toOut, Count: len(moving), Dropped: dropped}, nil
}

// settle sorts an edited state and verifies it, so that no edit is saved that would leave it inconsistent.
func (s *Snapshot) settle() error {
	s.Resources = SortResources(s.Resources)
	if err := s.Verify(); err != nil {
		return fmt.Errorf("the edit would leave an inconsistent state, so it was not saved: %w", err)
	}
	return nil
}
