package integration

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestCorruptSnapshotIsNeverOverwritten damages the current snapshot: every command that reads it refuses with
// the way to restore, nothing writes over it, and restoring an earlier version from the history works.
func TestCorruptSnapshotIsNeverOverwritten(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	p.setSpec(spec{Resources: []res{{Name: "a", Value: "1"}}})
	p.up()
	p.setSpec(spec{Resources: []res{{Name: "a", Value: "2"}}})
	p.up()
	path := p.statePath()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	damaged := bytes.Replace(good, []byte(`"value":"2"`), []byte(`"value":"3"`), 1)
	if bytes.Equal(damaged, good) {
		t.Fatal("the test did not damage the snapshot")
	}
	if err := os.WriteFile(path, damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"up", "--yes"}, {"destroy", "--yes"}, {"preview"}, {"outputs"}, {"state", "ls"}} {
		r := p.runCode(1, args...)
		wantOutput(t, r, "cannot be trusted", "infra stack restore --version")
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, damaged) {
		t.Fatal("a command wrote over the damaged snapshot")
	}
	if w := p.worldObjects(); len(w) != 1 {
		t.Fatalf("the objects changed: %v", w)
	}
	// The history still has version 1 intact; restoring it makes the stack usable again.
	p.mustRun("stack", "restore", "--version", "1", "--yes")
	r := p.mustRun("preview")
	wantOutput(t, r, "testkit:index:Thing  a  update")
	p.up()
	p.assertWorldMatchesState()
}

// TestHistoryRetention keeps only the configured number of versions.
func TestHistoryRetention(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	rel, _ := filepath.Rel(p.dir, specDir())
	if err := p.writeFile("Infra.yaml", "name: it\nmain: "+filepath.ToSlash(rel)+"\nhistory:\n  keep: 2\n"); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"1", "2", "3", "4"} {
		p.setSpec(spec{Resources: []res{{Name: "a", Value: v}}})
		p.up()
	}
	var h []struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal([]byte(p.mustRun("stack", "history", "--json").stdout), &h); err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Version != 4 || h[1].Version != 3 {
		t.Errorf("history after 4 updates with keep 2: %+v", h)
	}
}
