package integration

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDemo runs `make demo`'s script, examples/hello/demo.sh, with the binary under test: stack init, preview,
// up, a no-change preview, a config change that touches only what uses it, and destroy. The script checks each
// step itself and exits non-zero when one is wrong.
func TestDemo(t *testing.T) {
	t.Parallel()
	p, err := makeProject(t.TempDir(), "demo", specDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", filepath.Join(repoRoot, "examples", "hello", "demo.sh"))
	cmd.Env = append(slices.Clone(p.env), "INFRA_BIN="+infraBin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("demo.sh failed: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"Resources: 9 created",
		"Resources: 9 unchanged",
		"~ value.greeting: \"Hello\" => \"Howdy\"",
		"Resources: 2 updated, 7 unchanged",
		"Resources: 9 deleted",
		"Demo complete",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "tok-") {
		t.Errorf("the demo's secret API token appears in its output:\n%s", out.String())
	}
}
