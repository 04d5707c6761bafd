package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const brokenProgram = `package main

import "github.com/infrago/infra/sdk/infra"

func main() {
	infra.Run(func(ctx *infra.Context) error {
		var n int = "not a number"
		_ = n
		return nil
	})
}
`

// TestCompileErrorShowsCompilerMessage runs a program of the user's own module that does not type-check.
func TestCompileErrorShowsCompilerMessage(t *testing.T) {
	t.Parallel()
	prog := filepath.Join(t.TempDir(), "prog")
	if err := os.MkdirAll(prog, 0o755); err != nil {
		t.Fatal(err)
	}
	goMod := "module example.com/broken\n\ngo 1.26\n\nrequire github.com/infrago/infra v0.0.0\n\nreplace github.com/infrago/infra => " +
		filepath.ToSlash(repoRoot) + "\n"
	sum, err := os.ReadFile(filepath.Join(repoRoot, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"go.mod": goMod, "go.sum": string(sum), "main.go": brokenProgram} {
		if err := os.WriteFile(filepath.Join(prog, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := newProjectWithMain(t, prog)
	r := p.runEnv([]string{"GOFLAGS=-mod=mod"}, "preview")
	if r.code != 1 {
		t.Fatalf("want exit status 1 for a program that does not compile:\n%s", r)
	}
	// The compiler's own words, with file and line, on stderr.
	for _, want := range []string{"main.go:7:", `cannot use "not a number" (untyped string constant) as int value`, "does not compile"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr should contain %q\n%s", want, r)
		}
	}
}
