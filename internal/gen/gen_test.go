package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/infrago/infra/sdk/codegen"
	"github.com/infrago/infra/sdk/provider"
)

// TestGeneratedCodeIsFresh regenerates the bindings and reference pages of the built-in providers in memory and
// compares them with the repository: this is how `make test` catches a schema change without `make gen`.
func TestGeneratedCodeIsFresh(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := findRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := builtinSchemas()
	if err != nil {
		t.Fatal(err)
	}
	want, err := desiredFiles(schemas)
	if err != nil {
		t.Fatal(err)
	}
	p, err := planChanges(root, want, scopes(schemas))
	if err != nil {
		t.Fatal(err)
	}
	if !p.empty() {
		t.Fatalf("generated code is stale: run `make gen`\n%s", p)
	}
}

// testSchema is a small provider with a non-index module, enough to exercise the file bookkeeping.
func testSchema(withModule bool) provider.Schema {
	s := provider.Schema{
		SchemaVersion: provider.SchemaVersion,
		Name:          "demo",
		Resources: map[string]provider.ResourceSchema{
			"demo:index:Thing": {
				Inputs:  map[string]provider.Property{"size": {TypeSpec: provider.TypeSpec{Type: "integer"}, Required: true}},
				Outputs: map[string]provider.Property{"size": {TypeSpec: provider.TypeSpec{Type: "integer"}}},
			},
		},
	}
	if withModule {
		s.Resources["demo:extra:Widget"] = provider.ResourceSchema{}
	}
	return s
}

func TestPlanWritesRemovesAndKeepsHandWrittenFiles(t *testing.T) {
	root := t.TempDir()
	schemas := []provider.Schema{testSchema(true)}
	want, err := desiredFiles(schemas)
	if err != nil {
		t.Fatal(err)
	}
	p, err := planChanges(root, want, scopes(schemas))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.write) != len(want) || len(p.remove) != 0 {
		t.Fatalf("on an empty tree the plan should write all %d files and remove none:\n%s", len(want), p)
	}
	if err := p.apply(root, want); err != nil {
		t.Fatal(err)
	}
	for f, b := range want {
		got, err := os.ReadFile(filepath.Join(root, f))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%s was not written as generated (err %v)", f, err)
		}
	}
	// A hand-written file next to the bindings must survive regeneration.
	handWritten := filepath.Join(root, "sdk", "demo", "helpers.go")
	if err := os.WriteFile(handWritten, []byte("package demo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Edit a generated file by hand: it is stale now.
	thing := filepath.Join(root, "sdk", "demo", "thing.go")
	if err := os.WriteFile(thing, append(append([]byte(nil), want["sdk/demo/thing.go"]...), "// edited\n"...), 0o644); err != nil {
		t.Fatal(err)
	}

	// The module goes away: its files are stale and removed, with its directory.
	schemas = []provider.Schema{testSchema(false)}
	want, err = desiredFiles(schemas)
	if err != nil {
		t.Fatal(err)
	}
	p, err = planChanges(root, want, scopes(schemas))
	if err != nil {
		t.Fatal(err)
	}
	// The page and doc.go change because they list the modules; thing.go because it was edited.
	if got, want := strings.Join(p.write, ","), "docs/providers/demo.md,sdk/demo/doc.go,sdk/demo/thing.go"; got != want {
		t.Errorf("files to write = %s, want %s", got, want)
	}
	if got := strings.Join(p.remove, ","); got != "sdk/demo/extra/doc.go,sdk/demo/extra/widget.go" {
		t.Errorf("files to remove = %s, want the extra module's files", got)
	}
	if err := p.apply(root, want); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "sdk", "demo", "extra")); !os.IsNotExist(err) {
		t.Errorf("the emptied module directory should be gone (stat: %v)", err)
	}
	if _, err := os.Stat(handWritten); err != nil {
		t.Errorf("the hand-written file was touched: %v", err)
	}
	if p, err := planChanges(root, want, scopes(schemas)); err != nil || !p.empty() {
		t.Errorf("after apply the plan should be empty, got %v\n%s", err, p)
	}
}

func TestPlanRefusesToOverwriteHandWrittenFiles(t *testing.T) {
	root := t.TempDir()
	schemas := []provider.Schema{testSchema(false)}
	want, err := desiredFiles(schemas)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "sdk", "demo"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "sdk", "demo", "thing.go"), []byte("package demo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = planChanges(root, want, scopes(schemas))
	if err == nil || !strings.Contains(err.Error(), "sdk/demo/thing.go exists but was not generated") {
		t.Fatalf("planChanges error = %v, want one about the hand-written sdk/demo/thing.go", err)
	}
}

func TestRunWritesThenChecks(t *testing.T) {
	root := t.TempDir()
	var out bytes.Buffer
	if err := run([]string{"-root", root, "-check"}, &out); err == nil || !strings.Contains(err.Error(), "run `make gen`") {
		t.Fatalf("-check on an empty tree: err = %v, want the stale message", err)
	}
	out.Reset()
	if err := run([]string{"-root", root}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "write  sdk/") || !strings.Contains(out.String(), "write  docs/providers/") {
		t.Errorf("run should report the files it wrote, got:\n%s", out.String())
	}
	out.Reset()
	if err := run([]string{"-root", root, "-check"}, &out); err != nil {
		t.Fatalf("-check right after generating: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "up to date") {
		t.Errorf("-check output = %q, want it to say the code is up to date", out.String())
	}
	// Every file written carries the header, so a later run may replace or delete it.
	schemas, err := builtinSchemas()
	if err != nil {
		t.Fatal(err)
	}
	want, err := desiredFiles(schemas)
	if err != nil {
		t.Fatal(err)
	}
	for f, b := range want {
		if !codegen.IsGenerated(b) {
			t.Errorf("%s has no generated header", f)
		}
	}
}

func TestPlanRemovesStaleReferencePagesOnly(t *testing.T) {
	root := t.TempDir()
	docs := filepath.Join(root, "docs", "providers")
	nested := filepath.Join(docs, "old")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	generated := []byte(codegen.DocsHeader("gone") + "\n\n# gone provider\n")
	files := map[string][]byte{
		"gone.md":           generated,                          // generated for a provider that no longer exists
		"aws.md":            []byte("# aws\n\nHand-written.\n"), // not generated: kept
		"old/nested.md":     generated,                          // below the docs directory: not looked at
		"overview-notes.md": []byte("notes\n"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(docs, filepath.FromSlash(name)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	schemas := []provider.Schema{testSchema(false)}
	want, err := desiredFiles(schemas)
	if err != nil {
		t.Fatal(err)
	}
	p, err := planChanges(root, want, scopes(schemas))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.remove, ","); got != "docs/providers/gone.md" {
		t.Errorf("files to remove = %q, want only docs/providers/gone.md", got)
	}
}
