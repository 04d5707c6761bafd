package integration

import (
	"strings"
	"testing"
)

// TestTargets: --target changes only the targeted resources, --target-dependents extends it to what depends on
// them, --exclude keeps a resource as it is, and a run that would leave a resource pointing at something deleted
// is refused.
func TestTargets(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	a, b, c := p.thing("a"), p.thing("b"), p.thing("c")
	p.setSpec(spec{Resources: []res{{Name: "a", Value: "1"}, {Name: "b", Value: "1", DependsOn: []string{"a"}}, {Name: "c", Value: "1"}}})
	p.up()

	p.setSpec(spec{Resources: []res{{Name: "a", Value: "2"}, {Name: "b", Value: "2", DependsOn: []string{"a"}}, {Name: "c", Value: "2"}}})
	p.clearCalls()
	p.mustRun("up", "--yes", "--target", a)
	if m := mutations(p.calls()); len(m) != 1 || countCalls(m, "update", a) != 1 {
		t.Errorf("--target a should update a alone:\n%s", formatCalls(m))
	}
	p.clearCalls()
	p.mustRun("up", "--yes", "--target", a, "--target-dependents", "--exclude", c)
	if m := mutations(p.calls()); len(m) != 1 || countCalls(m, "update", b) != 1 {
		t.Errorf("--target-dependents should update b (a is done, c excluded):\n%s", formatCalls(m))
	}
	p.clearCalls()
	p.mustRun("up", "--yes", "--target", "urn:infra:dev::it::testkit:index:Thing::*")
	if m := mutations(p.calls()); len(m) != 1 || countCalls(m, "update", c) != 1 {
		t.Errorf("a pattern target should update c:\n%s", formatCalls(m))
	}

	// Removing a from the program while b (not targeted) still depends on it: deleting a is refused.
	p.setSpec(spec{Resources: []res{{Name: "c", Value: "2"}}})
	p.clearCalls()
	r := p.runCode(1, "up", "--yes", "--target", a)
	wantOutput(t, r, "refusing to delete", a, "still used by "+b, "--target-dependents")
	if m := mutations(p.calls()); len(m) != 0 {
		t.Errorf("a refused run changed things:\n%s", formatCalls(m))
	}
	// With its dependents, both go, b first.
	p.clearCalls()
	p.mustRun("up", "--yes", "--target", a, "--target-dependents")
	p.assertBefore(p.calls(), "delete", b, "delete", a)
	if st := p.state(); st.resource(a) != nil || st.resource(b) != nil || st.resource(c) == nil {
		t.Errorf("after deleting the targets: %v", st.urns())
	}

	// destroy --target removes only the target.
	p.mustRun("destroy", "--yes", "--target", c)
	if len(p.state().things()) != 0 {
		t.Errorf("destroy --target c left %v", p.state().urns())
	}
}

// TestContinueOnError: one resource fails; its independent siblings are still created, its dependents are
// skipped and listed, a resource removed from the program is still deleted, and the run exits non-zero.
func TestContinueOnError(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	p.setSpec(spec{Resources: []res{{Name: "old", Value: "1"}, {Name: "dep", Value: "1"}}})
	p.up()
	p.setSpec(spec{Resources: []res{
		{Name: "bad", Value: "1", Fail: "quota exceeded"},
		{Name: "dep", ValueFrom: "bad"},
		{Name: "ok1", Value: "1", SleepMs: 300},
		{Name: "ok2", Value: "1", SleepMs: 300},
	}})
	r := p.runCode(1, "up", "--yes", "--continue-on-error")
	wantOutput(t, r, "quota exceeded")
	out := r.output()
	for _, want := range []string{"ok1  created", "ok2  created", "old  deleted"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	st := p.state()
	if st.resource(p.thing("ok1")) == nil || st.resource(p.thing("ok2")) == nil {
		t.Errorf("independent resources must be created: %v", st.urns())
	}
	if st.resource(p.thing("dep")) == nil {
		t.Errorf("dep could not be registered (its input failed) but is still in the program: its state must be kept")
	}
	if st.resource(p.thing("old")) != nil {
		t.Errorf("old was removed from the program and should be deleted")
	}
	p.assertWorldMatchesState()
	// Without --continue-on-error the first failure stops the update.
	p.setSpec(spec{Resources: []res{{Name: "bad", Value: "2", Fail: "still broken"}, {Name: "ok3", Value: "1", DependsOn: []string{"bad"}}}})
	p.runCode(1, "up", "--yes")
	if p.state().resource(p.thing("ok3")) != nil {
		t.Errorf("ok3 waits for bad and must not be created")
	}
}
