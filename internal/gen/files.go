package main

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/infrago/infra/sdk/codegen"
	"github.com/infrago/infra/sdk/provider"
)

// docsDir is where the providers' reference pages go, relative to the repository root.
const docsDir = "docs/providers"

// desiredFiles computes every file the generator owns for the given schemas, keyed by slash-separated path
// relative to the repository root: the bindings under sdk/ and one reference page per provider.
func desiredFiles(schemas []provider.Schema) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, s := range schemas {
		files, err := codegen.Generate(s)
		if err != nil {
			return nil, fmt.Errorf("generate the %s bindings: %w", s.Name, err)
		}
		for p, b := range files {
			out[path.Join("sdk", p)] = b
		}
		docs, err := codegen.Docs(s)
		if err != nil {
			return nil, fmt.Errorf("generate the %s reference page: %w", s.Name, err)
		}
		out[path.Join(docsDir, s.Name+".md")] = docs
	}
	return out, nil
}

// scope is a directory, relative to the repository root, in which generated files that are no longer wanted
// are deleted.
type scope struct {
	dir string
	// recursive includes subdirectories (a provider's module packages).
	recursive bool
}

// scopes lists where stale generated files are looked for: each provider's directory under sdk/ with its
// module packages, and the reference pages in docs/providers (only files carrying the generated header are
// ever deleted, so hand-written pages there are safe).
func scopes(schemas []provider.Schema) []scope {
	out := []scope{{dir: docsDir}}
	for _, s := range schemas {
		out = append(out, scope{dir: path.Join("sdk", codegen.ProviderDir(s.Name)), recursive: true})
	}
	return out
}

// findRoot returns the nearest directory at or above dir that holds a go.mod.
func findRoot(dir string) (string, error) {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod at or above %s: run gen inside the repository or pass -root", dir)
		}
		d = parent
	}
}

// plan is what must change on disk for it to hold exactly the desired generated files.
type plan struct {
	write  []string // new or changed files
	remove []string // generated files that are no longer generated
}

func (p plan) empty() bool { return len(p.write) == 0 && len(p.remove) == 0 }

// String lists the changes, one file a line, in a stable order.
func (p plan) String() string {
	var b strings.Builder
	for _, f := range p.write {
		fmt.Fprintf(&b, "write  %s\n", f)
	}
	for _, f := range p.remove {
		fmt.Fprintf(&b, "remove %s\n", f)
	}
	return b.String()
}
