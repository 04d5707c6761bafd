package integration

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// TestPreviewNeverMutates checks that preview (on an existing and on a new stack) and a destroy that is not
// confirmed only ever check: no create, update or delete reaches the provider, and the state file stays the same
// to the byte.
func TestPreviewNeverMutates(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	p.setSpec(spec{Resources: []res{
		{Name: "upd", Value: "1"},
		{Name: "rep", ReplaceKey: "k1"},
		{Name: "del", Value: "1"},
		{Name: "keep", Value: "1"},
	}})
	p.up()
	changed := spec{Resources: []res{
		{Name: "upd", Value: "2"},
		{Name: "rep", ReplaceKey: "k2"},
		{Name: "keep", Value: "1"},
		{Name: "new", Value: "1"},
	}}
	p.setSpec(changed)
	stateBefore, worldBefore := p.stateBytes(), p.worldObjects()
	historyBefore := dirNames(t, filepath.Join(p.dir, ".infra", "stacks", p.name, "dev", "history"))

	onlyChecks := func(what string) {
		t.Helper()
		for _, c := range p.calls() {
			if c.op != "check" {
				t.Errorf("%s made a %q call on %s; only check is allowed", what, c.op, c.urn)
			}
		}
		if got := p.stateBytes(); !bytes.Equal(got, stateBefore) {
			t.Errorf("%s changed the state file", what)
		}
		if got := p.worldObjects(); !maps.Equal(got, worldBefore) {
			t.Errorf("%s changed the world: %v, was %v", what, got, worldBefore)
		}
		if got := dirNames(t, filepath.Join(p.dir, ".infra", "stacks", p.name, "dev", "history")); !maps.Equal(got, historyBefore) {
			t.Errorf("%s added history: %v", what, got)
		}
	}

	p.clearCalls()
	r := p.mustRun("preview")
	wantOutput(t, r, "testkit:index:Thing  upd  update", "testkit:index:Thing  rep  replace", "testkit:index:Thing  del  delete",
		"testkit:index:Thing  new  create", "1 to create, 1 to update, 1 to replace, 1 to delete")
	p.mustCallIndex(p.calls(), "check", p.thing("new"))
	onlyChecks("preview")

	p.clearCalls()
	p.runCode(2, "preview", "--expect-no-changes", "--diff")
	onlyChecks("preview --expect-no-changes")

	// A new stack: everything would be created.
	p.clearCalls()
	p.mustRun("stack", "init", "fresh", "--no-select")
	p.mustRun("--stack", "fresh", "config", "set", "spec", `{"resources":[{"name":"n1","value":"1"},{"name":"n2","valueFrom":"n1"}]}`)
	r = p.mustRun("preview", "--stack", "fresh")
	wantOutput(t, r, "testkit:index:Thing  n1  create", "testkit:index:Thing  n2  create")
	onlyChecks("preview of a new stack")
	if _, err := os.Stat(filepath.Join(p.dir, ".infra", "stacks", p.name, "fresh", "current")); err == nil {
		t.Errorf("preview of a new stack wrote its state")
	}

	// destroy without confirmation (no terminal, no --yes) deletes nothing.
	p.clearCalls()
	r = p.runCode(1, "destroy")
	wantOutput(t, r, "--yes")
	onlyChecks("an unconfirmed destroy")
	r = p.runCode(1, "up")
	wantOutput(t, r, "--yes")
	onlyChecks("an unconfirmed up")
}

func dirNames(t *testing.T, dir string) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range entries {
		out[e.Name()] = true
	}
	return out
}
