package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDrift changes an object behind infra's back: `preview --refresh` shows the drift apart from code changes
// and exits 2 with --expect-no-changes, `up --refresh` changes the object back, and afterwards the drift check
// passes. `refresh` records an object deleted outside.
func TestDrift(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	p.setSpec(spec{Resources: []res{{Name: "a", Value: "wanted"}, {Name: "b", Value: "b"}}})
	p.up()
	p.runCode(0, "preview", "--refresh", "--expect-no-changes")

	id := p.state().thingIDs()
	var aID, bID string
	for objID, urn := range id {
		switch urn {
		case p.thing("a"):
			aID = objID
		case p.thing("b"):
			bID = objID
		}
	}
	path := filepath.Join(p.path("world"), aID)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(b), "\n", 3)
	if err := os.WriteFile(path, []byte(lines[0]+"\n"+lines[1]+"\nchanged-by-hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.clearCalls()
	r := p.runCode(2, "preview", "--refresh", "--expect-no-changes")
	wantOutput(t, r, "testkit:index:Thing  a  drifted: changed outside infra", `~ value: "wanted" => "changed-by-hand"`,
		"testkit:index:Thing  a  update", "1 drifted")
	for _, c := range mutations(p.calls()) {
		t.Errorf("preview --refresh made a %s call", c.op)
	}
	// Without --refresh, nothing is seen: the state still says "wanted".
	p.runCode(0, "preview", "--expect-no-changes")

	r = p.mustRun("up", "--refresh", "--yes")
	wantOutput(t, r, "testkit:index:Thing  a  updated")
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "\nwanted\n") {
		t.Errorf("up --refresh did not change the object back: %q", b)
	}
	p.runCode(0, "preview", "--refresh", "--expect-no-changes")

	// An object deleted outside: refresh records it gone, and the next up creates it again.
	if err := os.Remove(filepath.Join(p.path("world"), bID)); err != nil {
		t.Fatal(err)
	}
	r = p.runCode(2, "refresh", "--yes", "--expect-no-changes")
	wantOutput(t, r, "testkit:index:Thing  b  drifted: deleted outside infra")
	if p.state().resource(p.thing("b")) != nil {
		t.Errorf("refresh should have removed the object deleted outside from the state")
	}
	p.up()
	p.assertWorldMatchesState()
}
