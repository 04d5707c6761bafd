package integration

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
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

// TestRestoreFromDamage damages the stack's current state in the ways a disk or a hand edit can: every command
// that loads the state refuses and names `infra stack restore`, nothing writes over the damage, and the restore
// it names works.
func TestRestoreFromDamage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		damage func(p *project) string // returns the damaged file
		want   string
	}{
		{"truncated snapshot", func(p *project) string {
			path := p.statePath()
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b[:len(b)/2], 0o644); err != nil {
				t.Fatal(err)
			}
			return path
		}, "infra stack restore --version"},
		{"unreadable journal", func(p *project) string {
			dir := filepath.Join(p.dir, ".infra", "stacks", p.name, p.stack)
			cur, err := os.ReadFile(filepath.Join(dir, "current"))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "journal", strings.TrimSpace(string(cur))+".jsonl")
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte("{\"seq\":1,\"op\":\"x\",\"kind\":\"begin\"\n\x00garbage\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return path
		}, "infra stack restore --version"},
		{"damaged current pointer", func(p *project) string {
			path := filepath.Join(p.dir, ".infra", "stacks", p.name, p.stack, "current")
			if err := os.WriteFile(path, []byte("two\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return path
		}, "infra stack restore"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newProject(t)
			p.setSpec(spec{Resources: []res{{Name: "a", Value: "1"}}})
			p.up()
			p.setSpec(spec{Resources: []res{{Name: "a", Value: "2"}}})
			p.up()
			path := tt.damage(p)
			damaged, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"up", "--yes"}, {"destroy", "--yes"}, {"preview"}, {"state", "ls"}} {
				wantOutput(t, p.runCode(1, args...), tt.want)
			}
			if now, _ := os.ReadFile(path); !bytes.Equal(now, damaged) {
				t.Fatal("a command wrote over the damaged file")
			}
			r := p.mustRun("stack", "restore", "--version", "1", "--yes")
			wantOutput(t, r, "could not be read", "Restored version 1 of stack dev as version 3")
			wantOutput(t, p.mustRun("preview"), "testkit:index:Thing  a  update")
			p.up()
			p.assertWorldMatchesState()
			p.runCode(0, "preview", "--expect-no-changes")
		})
	}
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
