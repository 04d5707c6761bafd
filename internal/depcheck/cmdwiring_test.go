package depcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// stackSemantics are the names whose use means code is doing what package stacks is for: reading and writing
// state versions and journals, numbering versions, pruning history, building URNs. The CLI reaches all of that
// through stacks (stacks.Stack.Load, Save, Finish, Resolve, Restore, Outputs; state.Forget, Rename, Move), so
// that the automation API shares the one implementation.
var stackSemantics = map[string]string{
	"ReadState":        "stacks.Stack.Load or ReadVersion",
	"WriteState":       "stacks.Stack.Save",
	"ReadJournal":      "stacks.Stack.Load",
	"AppendJournal":    "stacks.Stack.Journal",
	"ReadHistory":      "stacks.Stack.ReadVersion or Restore",
	"PruneHistory":     "stacks.Stack.Save",
	"Replay":           "stacks.Stack.Load",
	"LastSeq":          "stacks.Stack.Load",
	"NewJournalWriter": "stacks.Stack.Journal",
	"UnmarshalJournal": "stacks.Stack.Load",
	"JournalRecord":    "stacks.Stack.Resolve or Finish",
	"KindBegin":        "stacks.Stack.Resolve or Finish",
	"KindResolved":     "stacks.Stack.Resolve",
	"NewURN":           "state.Rename or state.Move",
	"PeekSecrets":      "stacks.Stack.Outputs",
}

// TestCLIIsWiring keeps stack semantics out of cmd/infra (DESIGN §2: the CLI wires stacks and the engine).
func TestCLIIsWiring(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "..", "cmd", "infra", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CLI sources found: %v", err)
	}
	fset := token.NewFileSet()
	var found []string
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if use, ok := stackSemantics[n.Sel.Name]; ok {
					found = append(found, fset.Position(n.Pos()).String()+": "+n.Sel.Name+" (use "+use+")")
				}
			case *ast.AssignStmt:
				for _, lhs := range n.Lhs {
					if sel, ok := lhs.(*ast.SelectorExpr); ok && sel.Sel.Name == "Serial" {
						found = append(found, fset.Position(sel.Pos()).String()+": assigns a state serial (stacks.Stack.Save numbers versions)")
					}
				}
			case *ast.BinaryExpr:
				// Examples in help texts are whole URNs; code that makes one concatenates onto the prefix.
				for _, x := range []ast.Expr{n.X, n.Y} {
					if lit, ok := x.(*ast.BasicLit); ok && lit.Kind == token.STRING && n.Op == token.ADD && strings.Contains(lit.Value, "urn:infra:") {
						found = append(found, fset.Position(n.Pos()).String()+": builds a URN from strings (use state.Rename or state.Move)")
					}
				}
			}
			return true
		})
	}
	sort.Strings(found)
	if len(found) > 0 {
		t.Errorf("cmd/infra does stack work that belongs in package stacks:\n  %s", strings.Join(found, "\n  "))
	}
}
