package program

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSourceKey(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	lib := t.TempDir()
	write(t, filepath.Join(root, "go.mod"), "module m\n\nreplace example.com/lib => "+lib+"\n")
	write(t, filepath.Join(root, "main.go"), "package main\n")
	write(t, filepath.Join(lib, "lib.go"), "package lib\n")
	key := func() string {
		k, err := SourceKey(root)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k1 := key()
	if key() != k1 {
		t.Fatal("the key must be deterministic")
	}
	steps := []struct {
		name    string
		edit    func()
		changes bool
	}{
		{"a test file", func() { write(t, filepath.Join(root, "main_test.go"), "package main\n") }, false},
		{"a file under testdata", func() { write(t, filepath.Join(root, "testdata", "x.go"), "package x\n") }, false},
		{"a hidden directory", func() { write(t, filepath.Join(root, ".infra", "x.go"), "package x\n") }, false},
		{"a non-Go file", func() { write(t, filepath.Join(root, "README.md"), "hi\n") }, false},
		{"the program", func() { write(t, filepath.Join(root, "main.go"), "package main // changed\n") }, true},
		{"a new package", func() { write(t, filepath.Join(root, "sub", "sub.go"), "package sub\n") }, true},
		{"go.sum", func() { write(t, filepath.Join(root, "go.sum"), "x\n") }, true},
		{"a replaced module", func() { write(t, filepath.Join(lib, "lib.go"), "package lib // changed\n") }, true},
	}
	prev := k1
	for _, s := range steps {
		s.edit()
		k := key()
		if (k != prev) != s.changes {
			t.Errorf("editing %s: key changed = %v, want %v", s.name, k != prev, s.changes)
		}
		prev = k
	}
}

func TestSourceKeyOutsideModule(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "prog")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			t.Skipf("%s/go.mod is above the temporary directory, so nothing here is outside a module", d)
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	_, err := SourceKey(dir)
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "go mod init") {
		t.Fatalf("SourceKey outside a module: %v, want an error naming %s and saying to run go mod init", err, dir)
	}
}

func TestLocalReplaces(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	write(t, filepath.Join(root, "go.mod"), `module m

replace example.com/a => ../a // a comment
replace example.com/b v1.0.0 => example.com/b v1.1.0
replace (
	example.com/c => ./c
	example.com/d => /abs/d
	example.com/e v1.2.3 => ../e
)
`)
	got := localReplaces(root)
	want := []string{filepath.Join(filepath.Dir(root), "a"), filepath.Join(root, "c"), "/abs/d", filepath.Join(filepath.Dir(root), "e")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("local replaces %v, want %v", got, want)
	}
}

func FuzzLocalReplaces(f *testing.F) {
	f.Add("module m\nreplace a => ../a\n")
	f.Add("replace (\n\tx => ./x\n)\n")
	f.Add("replace =>\nreplace ( =>\n")
	f.Fuzz(func(t *testing.T, gomod string) {
		root := t.TempDir()
		if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte(gomod), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, p := range localReplaces(root) {
			if !filepath.IsAbs(p) {
				t.Fatalf("replace target %q is not absolute", p)
			}
		}
	})
}
