package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/infrago/infra/stacks/backend"
	"github.com/infrago/infra/stacks/backend/backendtest"
)

// migrateCLI runs the CLI in-process in dir and returns what it printed.
func migrateCLI(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := newApp(ctx, cancel).rootCommand()
	root.SetArgs(append([]string{"-C", dir, "--non-interactive"}, args...))
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(strings.NewReader(""))
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

func mustMigrateCLI(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := migrateCLI(t, dir, args...)
	if err != nil {
		t.Fatalf("infra %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// migrateProject makes a project with stacks dev and prod in the default backend, dev with three versions of
// history and the journal of an interrupted update, written as updates write them.
func migrateProject(t *testing.T) (dir string, src backend.Store) {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("CI", "true")
	for _, v := range []string{"INFRA_STACK", "SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Infra.yaml"), []byte("name: migtest\ndescription: kept across the switch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustMigrateCLI(t, dir, "stack", "init", "dev")
	mustMigrateCLI(t, dir, "stack", "init", "prod", "--no-select")
	src = backend.NewFileStore(filepath.Join(dir, ".infra"))
	ctx := context.Background()
	ref := backend.StackRef{Project: "migtest", Stack: "dev"}
	l, err := src.Lock(ctx, ref, backend.CurrentHolder("test"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for v := int64(1); v <= 3; v++ {
		info := backend.UpdateInfo{Version: v, Kind: "update", Result: "succeeded", Resources: int(v),
			StartTime: time.Date(2026, 1, 1, 0, 0, int(v), 0, time.UTC), EndTime: time.Date(2026, 1, 1, 0, 1, int(v), 0, time.UTC)}
		if err := src.WriteState(ctx, ref, l.Token(), []byte(fmt.Sprintf(`{"serial":%d}`, v)), info); err != nil {
			t.Fatal(err)
		}
	}
	if err := src.AppendJournal(ctx, ref, l.Token(), 3, []byte(`{"seq":1,"kind":"begin"}`+"\n")); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	return dir, src
}

// TestStackMigrate moves a project's two stacks to another backend one by one and checks that Infra.yaml switches
// with the last, that the copies are complete, and the refusals.
func TestStackMigrate(t *testing.T) {
	dir, src := migrateProject(t)
	ctx := context.Background()
	dev := backend.StackRef{Project: "migtest", Stack: "dev"}
	prod := backend.StackRef{Project: "migtest", Stack: "prod"}

	// A password in the URL is refused before anything is copied, and not shown.
	out, err := migrateCLI(t, dir, "stack", "migrate", "--to", "postgres://infra:hunter2-secret@127.0.0.1:1/db")
	if err == nil || !strings.Contains(err.Error(), "contains a password") || strings.Contains(err.Error()+out, "hunter2-secret") {
		t.Fatalf("a URL with a password: %v\n%s", err, out)
	}

	out = mustMigrateCLI(t, dir, "stack", "migrate", "--stack", "dev", "--to", "file://moved")
	if !strings.Contains(out, "Copied stack dev (3 versions") || !strings.Contains(out, "not migrated yet: prod") {
		t.Fatalf("migrating dev:\n%s", out)
	}
	if y, _ := os.ReadFile(filepath.Join(dir, "Infra.yaml")); strings.Contains(string(y), "backend") {
		t.Fatalf("Infra.yaml switched while prod is still in the old backend:\n%s", y)
	}
	moved := backend.NewFileStore(filepath.Join(dir, "moved"))
	want, wv, _ := src.ReadState(ctx, dev)
	got, gv, err := moved.ReadState(ctx, dev)
	if err != nil || gv != wv || !bytes.Equal(got, want) {
		t.Fatalf("the copy of dev: %q %d %v", got, gv, err)
	}
	if j, _ := moved.ReadJournal(ctx, dev, 3); !strings.Contains(string(j), `"begin"`) {
		t.Fatalf("the copy of dev's journal: %q", j)
	}
	if _, err := migrateCLI(t, dir, "stack", "migrate", "--stack", "dev", "--to", "file://moved"); err == nil || !strings.Contains(err.Error(), "already has") {
		t.Fatalf("migrating dev again: %v", err)
	}

	// The source stack is locked for the copy: a stack being updated is not migrated.
	l, err := src.Lock(ctx, prod, backend.CurrentHolder("infra up"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrateCLI(t, dir, "stack", "migrate", "--stack", "prod", "--to", "file://moved"); !errors.Is(err, backend.ErrLocked) {
		t.Fatalf("migrating a stack being updated: %v", err)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}

	out = mustMigrateCLI(t, dir, "stack", "migrate", "--stack", "prod", "--to", "file://moved")
	if !strings.Contains(out, "Infra.yaml now keeps state in") {
		t.Fatalf("migrating the last stack:\n%s", out)
	}
	y, _ := os.ReadFile(filepath.Join(dir, "Infra.yaml"))
	if !strings.Contains(string(y), "backend: file://moved") || !strings.Contains(string(y), "description: kept across the switch") {
		t.Fatalf("Infra.yaml after the switch:\n%s", y)
	}
	// The CLI now works on the new backend; the source is left as it was, unlocked.
	if out := mustMigrateCLI(t, dir, "stack", "history", "--stack", "dev"); strings.Count(out, "succeeded") != 3 {
		t.Fatalf("dev's history in the new backend:\n%s", out)
	}
	if out := mustMigrateCLI(t, dir, "stack", "ls"); !strings.Contains(out, "dev") || !strings.Contains(out, "prod") {
		t.Fatalf("stack ls in the new backend:\n%s", out)
	}
	if _, v, err := src.ReadState(ctx, dev); err != nil || v != 3 {
		t.Fatalf("the old copy: %d %v", v, err)
	}
	if h, err := src.Unlock(ctx, dev); err != nil || h != nil {
		t.Fatalf("the old copy was left locked by %v (%v)", h, err)
	}
}

// TestStackMigrateToPostgres moves a project's stack into a real PostgreSQL and uses it from there.
func TestStackMigrateToPostgres(t *testing.T) {
	pg := backendtest.StartPostgres(t)
	url := pg.NewSchema(t)
	dir, _ := migrateProject(t)
	ctx := context.Background()
	mustMigrateCLI(t, dir, "stack", "migrate", "--stack", "dev", "--to", url)
	out := mustMigrateCLI(t, dir, "stack", "migrate", "--stack", "prod", "--to", url)
	if !strings.Contains(out, "Infra.yaml now keeps state in postgres://") {
		t.Fatalf("migrating the last stack:\n%s", out)
	}
	if out := mustMigrateCLI(t, dir, "stack", "history", "--stack", "dev"); strings.Count(out, "succeeded") != 3 {
		t.Fatalf("dev's history in PostgreSQL:\n%s", out)
	}
	s, err := backend.Open(ctx, url, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.(io.Closer).Close()
	if j, err := s.ReadJournal(ctx, backend.StackRef{Project: "migtest", Stack: "dev"}, 3); err != nil || !strings.Contains(string(j), `"begin"`) {
		t.Fatalf("dev's journal in PostgreSQL: %q %v", j, err)
	}
}
