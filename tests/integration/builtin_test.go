package integration

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBuiltinProvidersServedLean checks that a CLI built as `make build` builds it serves the built-in providers
// from the lean binary beside it, not by re-executing itself, and that the run works end to end that way.
func TestBuiltinProvidersServedLean(t *testing.T) {
	t.Parallel()
	p := newProjectWithMain(t, filepath.Join(repoRoot, "tests", "programs", "many"))
	p.mustRun("config", "set", "count", "3")
	p.mustRun("config", "set", "shape", "chain")
	out := p.mustRun("up", "--yes", "--verbose").output()
	lean := filepath.Join(binDir, "infra-builtin-core")
	if !strings.Contains(out, "path="+lean) {
		t.Errorf("the data provider was not started from %s:\n%s", lean, out)
	}
	if strings.Contains(out, "provider serve") {
		t.Errorf("the CLI re-executed itself to serve a built-in provider:\n%s", out)
	}
	p.mustRun("preview", "--expect-no-changes")
	p.mustRun("destroy", "--yes")
}
