package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportGeneratesCode: `infra import` adopts an object made outside infra and prints the Go code that
// declares it; with that code pasted into the program, a preview shows no change.
func TestImportGeneratesCode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	prog := filepath.Join(dir, "prog")
	if err := os.MkdirAll(prog, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(code string) {
		t.Helper()
		main := `package main

import (
	"github.com/infrago/infra/sdk/infra"
	"github.com/infrago/infra/sdk/random"
)

var _ = random.NewString

func main() {
	infra.Run(func(ctx *infra.Context) error {
` + code + `
		return nil
	})
}
`
		if err := os.WriteFile(filepath.Join(prog, "main.go"), []byte(main), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("")
	writeModule(t, prog)
	p := newProjectWithMain(t, prog)
	p.env = append(p.env, "GOFLAGS=-mod=mod")
	// An existing value, made outside infra (random:index:String's import ID is the value itself).
	r := p.mustRun("import", "random:index:String", "suffix", "Abc123xy", "--yes")
	code := r.stdout
	if !strings.Contains(code, `random.NewString(ctx, "suffix", &random.StringArgs{`) || !strings.Contains(code, "Length: infra.Int(8)") {
		t.Fatalf("the generated code:\n%s", code)
	}
	if !strings.Contains(code, "Special: infra.Bool(false)") {
		t.Errorf("a value without special characters should import with Special false:\n%s", code)
	}
	write(code + "\n\t\tif err != nil {\n\t\t\treturn err\n\t\t}\n\t\t_ = suffix")
	r = p.runCode(0, "preview", "--expect-no-changes")
	wantOutput(t, r, "Resources: 2 unchanged")
	p.up()
	if !strings.Contains(p.mustRun("stack", "export").stdout, `"result":"Abc123xy"`) {
		t.Errorf("the imported value is not in the state")
	}
}

// writeModule makes dir a Go module that uses this checkout of infra.
func writeModule(t *testing.T, dir string) {
	t.Helper()
	gomod := "module prog\n\ngo 1.26\n\nrequire github.com/infrago/infra v0.0.0\n\nreplace github.com/infrago/infra => " + repoRoot + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(repoRoot, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
}
