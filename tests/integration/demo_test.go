package integration

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHelloDemo runs examples/hello/demo.sh, the tour of the built-in providers, with the binary under test: stack init, preview,
// up, a no-change preview, a config change that touches only what uses it, and destroy. The script checks each
// step itself and exits non-zero when one is wrong.
func TestHelloDemo(t *testing.T) {
	t.Parallel()
	p, err := makeProject(t.TempDir(), "demo", specDir())
	if err != nil {
		t.Fatal(err)
	}
	out := runDemo(t, filepath.Join(repoRoot, "examples", "hello", "demo.sh"), p.env, commandTimeout)
	for _, want := range []string{
		"Resources: 9 created",
		"Resources: 9 unchanged",
		"~ value.greeting: \"Hello\" => \"Howdy\"",
		"Resources: 2 updated, 7 unchanged",
		"Resources: 9 deleted",
		"Demo complete",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "tok-") {
		t.Errorf("the demo's secret API token appears in its output:\n%s", out)
	}
}

// demoTimeout bounds the multicloud demo, which compiles its two programs (another module) first.
const demoTimeout = 8 * time.Minute

// TestMulticloudDemo runs `make demo`'s script, examples/multicloud/demo.sh, with the binary under test: the
// three simulators in one `infra sim all`, the web stack up (the webcluster component on AWS and Google Cloud),
// the dns stack up from the web stack's outputs through a stack reference, the VM count changed, a preview of the
// dns stack with no changes, and both destroyed. The script checks each step itself and exits non-zero when one
// is wrong; the simulators hold nothing at the end.
func TestMulticloudDemo(t *testing.T) {
	t.Parallel()
	p, err := makeProject(t.TempDir(), "demo", specDir())
	if err != nil {
		t.Fatal(err)
	}
	out := runDemo(t, filepath.Join(repoRoot, "examples", "multicloud", "demo.sh"), p.env, demoTimeout)
	want := []string{
		"Resources: 26 created",              // web: two clusters of two VMs
		"Resources: 11 created",              // dns: the domain, 8 NS records, www
		"Resources: 4 created, 26 unchanged", // a third VM and its membership on each cloud
		"Resources: 11 unchanged",            // dns: nothing to do after the count change
		"Resources: 11 deleted",
		"Resources: 30 deleted",
		"Demo complete",
	}
	if _, err := exec.LookPath("curl"); err == nil {
		want = append(want, "the simulators hold no objects")
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("the demo's output lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "simulator-secret") {
		t.Errorf("the demo's secret key appears in its output:\n%s", out)
	}
}

// runDemo runs a demo script with sh, in env plus INFRA_BIN (the binary under test), and returns what it printed.
// The script and what it starts (a simulator) are one process group, killed together when timeout passes; a
// script that fails fails the test.
func runDemo(t *testing.T, script string, env []string, timeout time.Duration) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", script)
	cmd.Env = append(slices.Clone(env), "INFRA_BIN="+infraBin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s failed: %v\n%s", script, err, out.String())
	}
	return out.String()
}
