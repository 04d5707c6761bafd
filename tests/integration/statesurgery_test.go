package integration

import (
	"strings"
	"testing"
)

// TestStateSurgery: delete (forget), rename and move resources in the state; each edit is a new version that
// restore undoes, and after editing the program to match, nothing is left to change.
func TestStateSurgery(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	a, b, c := p.thing("a"), p.thing("b"), p.thing("c")
	p.setSpec(spec{Resources: []res{{Name: "a", Value: "1"}, {Name: "b", Value: "1", DependsOn: []string{"a"}}, {Name: "c", Value: "1"}}})
	p.up()

	// Forgetting a resource others depend on is refused; with its dependents it goes, objects untouched.
	wantOutput(t, p.runCode(1, "state", "delete", a, "--yes"), "resources depend on", b, "--target-dependents")
	p.clearCalls()
	p.mustRun("state", "delete", a, "--target-dependents", "--yes")
	if st := p.state(); st.resource(a) != nil || st.resource(b) != nil || st.resource(c) == nil {
		t.Errorf("after forgetting a and b: %v", st.urns())
	}
	if m := mutations(p.calls()); len(m) != 0 || len(p.worldObjects()) != 3 {
		t.Errorf("forgetting must not touch the objects: calls %v, objects %d", m, len(p.worldObjects()))
	}
	// Undo through the history.
	var last string
	for _, l := range strings.Split(p.mustRun("stack", "history").stdout, "\n") {
		if strings.Contains(l, "state-delete") {
			last = strings.Fields(l)[0]
		}
	}
	version := map[string]string{"2": "1", "3": "2"}[last]
	p.mustRun("stack", "restore", "--version", version, "--yes")
	if st := p.state(); st.resource(a) == nil || st.resource(b) == nil {
		t.Fatalf("restore did not bring the forgotten resources back: %v", st.urns())
	}

	// Rename c to d in the state, then in the program: nothing to change.
	p.mustRun("state", "rename", c, "d", "--yes")
	p.setSpec(spec{Resources: []res{{Name: "a", Value: "1"}, {Name: "b", Value: "1", DependsOn: []string{"a"}}, {Name: "d", Value: "1"}}})
	p.runCode(0, "preview", "--expect-no-changes")

	// Move d to another stack of the project, then declare it there: nothing to change in either stack.
	p.mustRun("stack", "init", "prod", "--no-select")
	p.mustRun("state", "move", p.thing("d"), "--dest", "prod", "--yes")
	p.setSpec(spec{Resources: []res{{Name: "a", Value: "1"}, {Name: "b", Value: "1", DependsOn: []string{"a"}}}})
	p.runCode(0, "preview", "--expect-no-changes")
	p.mustRun("--stack", "prod", "config", "set", "spec", `{"resources":[{"name":"d","value":"1"}]}`)
	p.runCode(0, "--stack", "prod", "preview", "--expect-no-changes")
	if !strings.Contains(p.mustRun("--stack", "prod", "state", "ls").stdout, "urn:infra:prod::it::testkit:index:Thing::d") {
		t.Errorf("d is not in stack prod")
	}
}
