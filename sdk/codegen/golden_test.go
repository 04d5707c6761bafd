package codegen

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/infrago/infra/sdk/provider"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// loadTestSchemas reads every testdata/*.json schema, keyed by file name without extension.
func loadTestSchemas(t *testing.T) map[string]provider.Schema {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no test schemas in testdata/*.json")
	}
	out := map[string]provider.Schema{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s, err := provider.UnmarshalSchema(b)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[strings.TrimSuffix(filepath.Base(p), ".json")] = s
	}
	return out
}

// goldenFiles is everything generated for one schema, keyed by path under testdata/golden/<schema>/: the Go
// files under sdk/ and the reference page as docs.md.
func goldenFiles(t *testing.T, s provider.Schema) map[string][]byte {
	t.Helper()
	files, err := Generate(s)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	out := map[string][]byte{}
	for p, b := range files {
		out["sdk/"+p] = b
	}
	docs, err := Docs(s)
	if err != nil {
		t.Fatalf("Docs: %v", err)
	}
	out["docs.md"] = docs
	return out
}

func TestGolden(t *testing.T) {
	for name, s := range loadTestSchemas(t) {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", "golden", name)
			want := goldenFiles(t, s)
			if *update {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				for p, b := range want {
					full := filepath.Join(dir, filepath.FromSlash(p))
					if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(full, b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return
			}
			have := map[string][]byte{}
			err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				rel, err := filepath.Rel(dir, p)
				have[filepath.ToSlash(rel)] = b
				return err
			})
			if err != nil {
				t.Fatalf("read golden files (run `go test ./sdk/codegen -update` to create them): %v", err)
			}
			var diffs []string
			for _, p := range sortedKeys(want) {
				got, ok := have[p]
				switch {
				case !ok:
					diffs = append(diffs, p+": not in the golden files")
				case !bytes.Equal(got, want[p]):
					diffs = append(diffs, p+": differs\n"+firstDifference(string(got), string(want[p])))
				}
			}
			for _, p := range sortedKeys(have) {
				if _, ok := want[p]; !ok {
					diffs = append(diffs, p+": no longer generated")
				}
			}
			if len(diffs) > 0 {
				t.Errorf("generated files differ from testdata/golden/%s (rerun with -update if the change is intended):\n%s",
					name, strings.Join(diffs, "\n"))
			}
		})
	}
}

// firstDifference shows the first line where two texts differ.
func firstDifference(golden, got string) string {
	g, n := strings.Split(golden, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(g) || i < len(n); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(n) {
			b = n[i]
		}
		if a != b {
			return "  line " + strconv.Itoa(i+1) + ":\n    golden:    " + a + "\n    generated: " + b
		}
	}
	return "  (same lines, different bytes)"
}

func TestGenerateIsDeterministic(t *testing.T) {
	for name, s := range loadTestSchemas(t) {
		first := goldenFiles(t, s)
		for i := 0; i < 5; i++ {
			again := goldenFiles(t, s)
			if len(again) != len(first) {
				t.Fatalf("%s: run %d generated %d files, the first run %d", name, i, len(again), len(first))
			}
			for p, b := range first {
				if !bytes.Equal(again[p], b) {
					t.Fatalf("%s: run %d generated a different %s", name, i, p)
				}
			}
		}
	}
}

func TestGeneratedFilesCarryTheHeader(t *testing.T) {
	for name, s := range loadTestSchemas(t) {
		files := goldenFiles(t, s)
		for _, p := range sortedKeys(files) {
			b := files[p]
			if !IsGenerated(b) {
				t.Errorf("%s: %s does not start with the generated header", name, p)
			}
			wantFirst := Header(s.Name)
			if p == "docs.md" {
				wantFirst = DocsHeader(s.Name)
			}
			if first, _, _ := strings.Cut(string(b), "\n"); first != wantFirst {
				t.Errorf("%s: %s starts with %q, want %q", name, p, first, wantFirst)
			}
		}
	}
}

// TestCommentsWrap checks that doc comments stay within about 110 columns (a tab counting 4), except for single
// words too long to break.
func TestCommentsWrap(t *testing.T) {
	for name, s := range loadTestSchemas(t) {
		files, err := Generate(s)
		if err != nil {
			t.Fatal(err)
		}
		paths := SortedPaths(files)
		sort.Strings(paths)
		for _, p := range paths {
			for i, line := range strings.Split(string(files[p]), "\n") {
				trimmed := strings.TrimLeft(line, "\t")
				if !strings.HasPrefix(trimmed, "// ") || strings.HasPrefix(trimmed, "// Code generated") {
					continue
				}
				width := (len(line)-len(trimmed))*tabWidth + len(trimmed)
				if width > commentWidth && strings.Contains(strings.TrimPrefix(trimmed, "// "), " ") {
					t.Errorf("%s: %s:%d is %d columns wide: %s", name, p, i+1, width, line)
				}
			}
		}
	}
}
