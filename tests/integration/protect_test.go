package integration

import (
	"slices"
	"testing"
)

// comparable is what must not change about a state entry when an update is refused.
type entryKey struct {
	urn, id string
	protect bool
	value   any
}

func stateEntries(s snapshot) []entryKey {
	var out []entryKey
	for _, r := range s.Resources {
		out = append(out, entryKey{r.URN, r.ID, r.Protect, r.Inputs["value"]})
	}
	slices.SortFunc(out, func(a, b entryKey) int {
		if a.urn < b.urn {
			return -1
		}
		if a.urn > b.urn {
			return 1
		}
		return 0
	})
	return out
}

func TestProtect(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	a := p.thing("a")
	withA := spec{Resources: []res{{Name: "a", Value: "1", ReplaceKey: "k1", Protect: true}, {Name: "b", Value: "1"}}}
	withoutA := spec{Resources: []res{{Name: "b", Value: "1"}}}
	p.setSpec(withA)
	p.up()
	before := stateEntries(p.state())
	world := p.worldObjects()

	// Removed from the program: refused, with the resource, the reason and the way out.
	p.clearCalls()
	p.setSpec(withoutA)
	r := p.run("up", "--yes")
	if r.code == 0 {
		t.Fatalf("deleting a protected resource should fail:\n%s", r)
	}
	wantOutput(t, r, a, "protected", "Protect(false)", "infra state unprotect")
	if m := mutations(p.calls()); len(m) > 0 {
		t.Errorf("a refused delete still called the provider:%s", formatCalls(m))
	}
	if after := stateEntries(p.state()); !slices.Equal(before, after) {
		t.Errorf("a refused delete changed the state:\nbefore %v\nafter  %v", before, after)
	}

	// A replacing change: refused as well, nothing created or deleted.
	p.clearCalls()
	replaced := withA
	replaced.Resources = slices.Clone(withA.Resources)
	replaced.Resources[0].ReplaceKey = "k2"
	p.setSpec(replaced)
	r = p.run("up", "--yes")
	if r.code == 0 {
		t.Fatalf("replacing a protected resource should fail:\n%s", r)
	}
	wantOutput(t, r, `testkit:index:Thing "a" is protected`, "replaces it", "replaceKey")
	if m := mutations(p.calls()); len(m) > 0 {
		t.Errorf("a refused replacement still called the provider:%s", formatCalls(m))
	}
	if after := stateEntries(p.state()); !slices.Equal(before, after) {
		t.Errorf("a refused replacement changed the state:\nbefore %v\nafter  %v", before, after)
	}
	if w := p.worldObjects(); len(w) != len(world) {
		t.Errorf("a refused replacement changed the world: %v, was %v", w, world)
	}

	// Unprotected in the state, the delete goes through.
	wantOutput(t, p.mustRun("state", "unprotect", a), "Unprotected "+a)
	if p.mustResource(p.state(), a).Protect {
		t.Fatalf("state unprotect left %s protected", a)
	}
	p.clearCalls()
	p.setSpec(withoutA)
	p.up()
	p.mustCallIndex(p.calls(), "delete-done", a)
	if p.state().resource(a) != nil {
		t.Errorf("%s is still in the state", a)
	}
	p.assertWorldMatchesState()
}
