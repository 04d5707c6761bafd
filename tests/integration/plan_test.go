package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSavedPlans: `up --plan` applies exactly what `preview --save-plan` showed, and refuses — before changing
// anything — when the program or the state changed in between, naming the first difference.
func TestSavedPlans(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	secret := randomToken(t, "plan-canary")
	base := spec{Resources: []res{{Name: "keep", Value: "1"}, {Name: "upd", Value: "1"}, {Name: "rep", ReplaceKey: "k1"}, {Name: "gone", Value: "1"}}}
	p.setSpec(base)
	p.up()

	planned := spec{Resources: []res{{Name: "keep", Value: "1"}, {Name: "upd", Value: "2", Secret: secret},
		{Name: "rep", ReplaceKey: "k2"}, {Name: "new", ValueFrom: "keep"}}}
	planFile := filepath.Join(p.root, "plan.json")
	p.setSpec(planned)
	r := p.mustRun("preview", "--save-plan", planFile)
	wantOutput(t, r, "Saved the plan to "+planFile)
	if b, _ := os.ReadFile(planFile); strings.Contains(string(b), secret) {
		t.Fatalf("the plan file holds a secret in plaintext")
	}

	// The program changes after the plan was made: refused, nothing done.
	changed := planned
	changed.Resources = append([]res(nil), planned.Resources...)
	changed.Resources[1].Value = "3"
	p.setSpec(changed)
	p.clearCalls()
	r = p.runCode(1, "up", "--plan", planFile, "--yes")
	wantOutput(t, r, "does not match the plan", "urn:infra:dev::it::testkit:index:Thing::upd: input value is \"2\" in the plan but \"3\" now")
	if m := mutations(p.calls()); len(m) != 0 {
		t.Errorf("a refused plan still changed things:\n%s", formatCalls(m))
	}

	// The unchanged program applies exactly the plan.
	p.setSpec(planned)
	p.clearCalls()
	r = p.mustRun("up", "--plan", planFile, "--yes")
	wantOutput(t, r, "upd  updated", "rep  replaced", "new  created", "gone  deleted")
	calls := mutations(p.calls())
	for _, want := range []struct{ op, name string }{{"update", "upd"}, {"create", "rep"}, {"delete", "rep"}, {"create", "new"}, {"delete", "gone"}} {
		if countCalls(calls, want.op, p.thing(want.name)) != 1 {
			t.Errorf("applying the plan should %s %s once:\n%s", want.op, want.name, formatCalls(calls))
		}
	}
	if countCalls(calls, "update", p.thing("keep"))+countCalls(calls, "create", p.thing("keep")) != 0 {
		t.Errorf("keep was not in the plan's changes but was touched")
	}

	// The state moves on after a plan was made: refused.
	p.mustRun("preview", "--save-plan", planFile)
	p.setSpec(spec{Resources: []res{{Name: "keep", Value: "9"}}})
	p.up()
	p.setSpec(planned)
	r = p.runCode(1, "up", "--plan", planFile, "--yes")
	wantOutput(t, r, "moved on since", "infra preview --save-plan")

	// A plan changed by hand is refused.
	p.mustRun("preview", "--save-plan", planFile)
	b, _ := os.ReadFile(planFile)
	if err := os.WriteFile(planFile, []byte(strings.Replace(string(b), `"op": "same"`, `"op": "delete"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	wantOutput(t, p.runCode(1, "up", "--plan", planFile, "--yes"), "changed after it was written")
}
