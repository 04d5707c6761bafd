// Package state holds a stack's snapshot: every resource the stack manages, with its inputs, outputs and direct
// dependencies, plus the stack's outputs. It defines the versioned, deterministic file format and checks a
// snapshot's integrity. It knows nothing of how a deployment is computed or where the bytes are kept.
package state

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/infrago/infra/sdk/resource"
)

// FormatVersion is the version of the snapshot format this code writes. Older versions are migrated on load.
const FormatVersion = 1

// Snapshot is the state of one stack after an update.
type Snapshot struct {
	// Project and Stack name what the snapshot belongs to.
	Project string
	Stack   string
	// Serial increases by one with every snapshot written for the stack; writers check it to detect a
	// concurrent writer.
	Serial int64
	// Resources are in dependency order: every resource comes after its parent, its provider and its
	// dependencies.
	Resources []*Resource
	// Outputs are the stack outputs the program exported.
	Outputs resource.PropertyMap
	// Secrets is the stack's data key, wrapped for its recipients (sops metadata as JSON), so that whoever may
	// read the stack's secrets can do so from the state alone (stack references).
	Secrets json.RawMessage
}

// Resource is one managed resource (or component, or provider instance) in a snapshot.
type Resource struct {
	URN  resource.URN
	Type string
	// Custom is true for resources managed by a provider; false for components.
	Custom bool
	// ID is the provider-assigned ID (custom resources and providers only).
	ID string
	// Provider refers to the provider instance that manages the resource ("" for components and providers).
	Provider resource.ProviderRef
	// Parent is the parent's URN, "" for a top-level resource.
	Parent resource.URN
	// Inputs are the checked inputs the resource was last created or updated with.
	Inputs resource.PropertyMap
	// Outputs are the properties the provider returned.
	Outputs resource.PropertyMap
	// Dependencies are the resources this one depends on directly (never the transitive closure).
	Dependencies []resource.URN
	// Protect refuses deletion.
	Protect bool
	// RetainOnDelete forgets the object instead of deleting it.
	RetainOnDelete bool
	// DeleteBeforeReplace records that replacements delete first.
	DeleteBeforeReplace bool
	// InputsHash is a keyed hash of what the program last registered; an identical registration needs no
	// provider call at all.
	InputsHash string
	// InitErrors are set when the object exists but did not become ready; the next update retries it.
	InitErrors []string
	// Timeouts are the custom operation timeouts in seconds, needed to delete without the program.
	Timeouts *Timeouts
	// Delete marks the old object of a replacement that still has to be deleted. Such an entry may share its
	// URN with the live resource that replaced it.
	Delete bool
}

// Timeouts are custom operation timeouts in seconds.
type Timeouts struct {
	Create float64 `json:"create,omitempty"`
	Update float64 `json:"update,omitempty"`
	Delete float64 `json:"delete,omitempty"`
}

// Copy returns a copy of r that shares property maps (they are immutable by convention).
func (r *Resource) Copy() *Resource {
	c := *r
	c.Dependencies = append([]resource.URN(nil), r.Dependencies...)
	c.InitErrors = append([]string(nil), r.InitErrors...)
	if r.Timeouts != nil {
		t := *r.Timeouts
		c.Timeouts = &t
	}
	return &c
}

// Index returns the live resources (not marked Delete) by URN.
func (s *Snapshot) Index() map[resource.URN]*Resource {
	m := make(map[resource.URN]*Resource, len(s.Resources))
	for _, r := range s.Resources {
		if !r.Delete {
			m[r.URN] = r
		}
	}
	return m
}

// Live returns the number of live resources (not marked Delete).
func (s *Snapshot) Live() int {
	n := 0
	for _, r := range s.Resources {
		if !r.Delete {
			n++
		}
	}
	return n
}

// Edges lists the resources r must come after: its parent, its provider instance and its dependencies.
func (r *Resource) Edges() []resource.URN {
	out := make([]resource.URN, 0, len(r.Dependencies)+2)
	if r.Parent != "" {
		out = append(out, r.Parent)
	}
	if r.Provider != "" {
		out = append(out, r.Provider.URN())
	}
	return append(out, r.Dependencies...)
}

// Verify checks the snapshot's internal consistency: valid URNs, at most one live entry per URN, references
// only to earlier entries (which also rules out cycles), and provider references that match an earlier
// provider's URN and ID. It returns every problem found, each naming the resource.
func (s *Snapshot) Verify() error {
	var problems []string
	seen := make(map[resource.URN][]*Resource, len(s.Resources))
	live := make(map[resource.URN]bool, len(s.Resources))
	for i, r := range s.Resources {
		if !r.URN.IsValid() {
			problems = append(problems, fmt.Sprintf("resource #%d has an invalid URN %q", i, r.URN))
			continue
		}
		if !r.Delete {
			if live[r.URN] {
				problems = append(problems, fmt.Sprintf("%s appears twice", r.URN))
				continue
			}
			live[r.URN] = true
		}
		if r.Type != r.URN.Type() {
			problems = append(problems, fmt.Sprintf("%s has type %q but its URN says %q", r.URN, r.Type, r.URN.Type()))
		}
		for _, d := range r.Edges() {
			if len(seen[d]) == 0 {
				problems = append(problems, fmt.Sprintf("%s refers to %s, which is not listed before it", r.URN, d))
			}
		}
		if r.Provider != "" && len(seen[r.Provider.URN()]) > 0 {
			found := false
			for _, p := range seen[r.Provider.URN()] {
				found = found || p.ID == r.Provider.ID()
			}
			if !found {
				problems = append(problems, fmt.Sprintf("%s refers to provider %s with ID %q, which no earlier entry has",
					r.URN, r.Provider.URN(), r.Provider.ID()))
			}
		}
		seen[r.URN] = append(seen[r.URN], r)
	}
	if len(problems) > 0 {
		if cycle := findCycle(s.Resources); cycle != "" {
			problems = append(problems, "dependency cycle: "+cycle)
		}
		return fmt.Errorf("inconsistent snapshot:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// findCycle looks for a dependency cycle among resources regardless of their order and returns its path.
func findCycle(rs []*Resource) string {
	idx := make(map[resource.URN]*Resource, len(rs))
	for _, r := range rs {
		idx[r.URN] = r
	}
	color := map[resource.URN]int{}
	var stack []resource.URN
	var found string
	var visit func(u resource.URN) bool
	visit = func(u resource.URN) bool {
		color[u] = 1
		stack = append(stack, u)
		r := idx[u]
		for _, d := range r.Edges() {
			if _, ok := idx[d]; !ok {
				continue
			}
			switch color[d] {
			case 1:
				i := len(stack) - 1
				for stack[i] != d {
					i--
				}
				var names []string
				for _, s := range stack[i:] {
					names = append(names, string(s))
				}
				names = append(names, string(d))
				found = strings.Join(names, " → ")
				return true
			case 0:
				if visit(d) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[u] = 2
		return false
	}
	urns := make([]resource.URN, 0, len(idx))
	for u := range idx {
		urns = append(urns, u)
	}
	sort.Slice(urns, func(i, j int) bool { return urns[i] < urns[j] })
	for _, u := range urns {
		if color[u] == 0 && visit(u) {
			return found
		}
	}
	return ""
}
