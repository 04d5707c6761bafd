package codegen

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// compiledDir holds temporary copies of generated packages while the compile test runs. It lies inside this
// module so that the generated code imports the real program SDK, and under testdata so that `./...` patterns
// of other builds never pick it up.
const compiledDir = "testdata/compiled"

// modulePath is the import path of this package's directory.
const modulePath = "github.com/infrago/infra/sdk/codegen"

// TestGeneratedCodeCompiles writes the bindings of every test schema, the documentation examples and a file of
// interface assertions into a temporary directory of this module and runs go build and go vet on them; then it
// runs testdata/runtime.go.tmpl, which drives the cloud bindings against a fake engine.
func TestGeneratedCodeCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	dir := tempPackageDir(t)
	root := path.Join(modulePath, filepath.ToSlash(dir))
	for name, s := range loadTestSchemas(t) {
		files, err := generate(s, root)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for p, b := range files {
			writeFile(t, filepath.Join(dir, filepath.FromSlash(p)), b)
		}
		m, err := buildModel(s, root)
		if err != nil {
			t.Fatal(err)
		}
		for p, src := range programsFor(t, m) {
			writeFile(t, filepath.Join(dir, "examples", name, filepath.FromSlash(p)), []byte(src))
		}
	}
	tmpl, err := os.ReadFile(filepath.Join("testdata", "runtime.go.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "runtime", "main.go"), bytes.ReplaceAll(tmpl, []byte("ROOT/"), []byte(root+"/")))
	// go build checks the generated packages; the example programs are only vetted, which type-checks them
	// just as strictly without linking a binary for each.
	var pkgs []string
	for _, s := range loadTestSchemas(t) {
		pkgs = append(pkgs, "./"+dir+"/"+packageName(s.Name)+"/...")
	}
	if out, err := goTool(append([]string{"build"}, pkgs...)...); err != nil {
		t.Fatalf("generated code does not build: %v\n%s", err, out)
	}
	if out, err := goTool("vet", "./"+dir+"/..."); err != nil {
		t.Fatalf("go vet reports problems in generated code: %v\n%s", err, out)
	}
	// Finally run a program against a fake engine: the bindings must also send and decode the right values.
	if out, err := goTool("run", "./"+dir+"/runtime"); err != nil || strings.TrimSpace(out) != "ok" {
		t.Fatalf("generated bindings misbehave at run time: %v\n%s", err, out)
	}
}

// TestCompileCheckCatchesBrokenCode makes sure the compile test would notice generated code that does not
// compile, so that its passing means something.
func TestCompileCheckCatchesBrokenCode(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	dir := tempPackageDir(t)
	writeFile(t, filepath.Join(dir, "broken", "broken.go"), []byte("package broken\n\nvar X int = \"not an int\"\n"))
	if out, err := goTool("build", "./"+dir+"/..."); err == nil {
		t.Fatalf("go build accepted a package that does not compile:\n%s", out)
	}
}

// programsFor returns, by path, the documentation example programs of a model and a program asserting that
// every generated resource type implements the SDK's resource interfaces.
func programsFor(t *testing.T, m *model) map[string]string {
	t.Helper()
	out := map[string]string{}
	var asserts strings.Builder
	im := newImports(&pkgModel{})
	for _, pkg := range m.sortedPackages() {
		q := im.qualifier(pkg)
		if pkg.index {
			src, err := m.providerExample(pkg)
			if err != nil {
				t.Fatal(err)
			}
			out["provider/main.go"] = src
			fmt.Fprintf(&asserts, "var _ infra.ProviderResource = (*%sProvider)(nil)\n", q)
		}
		for _, r := range pkg.resources {
			src, err := m.resourceExample(pkg, r)
			if err != nil {
				t.Fatal(err)
			}
			out[path.Join(pkg.name, r.file, "main.go")] = src
			fmt.Fprintf(&asserts, "var _ infra.CustomResource = (*%s%s)(nil)\n", q, r.goName)
		}
		for _, f := range pkg.functions {
			src, err := m.functionExample(pkg, f)
			if err != nil {
				t.Fatal(err)
			}
			out[path.Join(pkg.name, f.file, "main.go")] = src
		}
	}
	im.useInfra()
	out["assertions/main.go"] = "package main\n\n" + im.block() + asserts.String() + "\nfunc main() {}\n"
	return out
}

// tempPackageDir creates a fresh directory under compiledDir and removes it (and compiledDir, once empty) when
// the test ends.
func tempPackageDir(t *testing.T) string {
	t.Helper()
	if err := os.MkdirAll(compiledDir, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(compiledDir, "run")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove %s: %v", dir, err)
		}
		// Other tests may still be using the parent; only an empty one is removed.
		_ = os.Remove(compiledDir)
	})
	return filepath.ToSlash(dir)
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// goTool runs the go command in this package's directory and returns its combined output.
func goTool(args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
