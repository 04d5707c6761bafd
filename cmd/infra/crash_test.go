package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/infrago/infra/stacks"
	"github.com/infrago/infra/stacks/secrets"
)

// TestPanicInACommand: a command that panics while it holds the stack's lock ends with one paragraph that calls it
// a bug and names the crash log, exit status 1, the lock released and the state as it was; secrets the command
// learnt are masked in the message and the log.
func TestPanicInACommand(t *testing.T) {
	isolateCLI(t)
	t.Setenv(secrets.EnvPassphrase, "correct horse battery staple")
	dir := newCLIProject(t)
	mustInfra(t, dir, "stack", "init", "dev", "--secrets-provider", "passphrase")
	writeSecretState(t, dir, "dev")
	before := rawState(t, dir, "dev")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := newApp(ctx, cancel)
	var stderr bytes.Buffer
	a.stderr = &stderr
	root := a.rootCommand()
	root.AddCommand(&cobra.Command{
		Use: "boom",
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The command's own deferred release never runs: the crash handler must release the lock.
			st, err := a.begin("boom", access{lock: true})
			if err != nil {
				return err
			}
			a.redactor.Add(canary)
			_ = st
			panic("index out of range in token " + canary) // as a real bug would raise
		},
	})
	code := a.execute(root, []string{"-C", dir, "--non-interactive", "boom"})
	msg := stderr.String()
	if code != 1 {
		t.Fatalf("exit status %d, want 1", code)
	}
	for _, want := range []string{"infra crashed", "This is a bug in infra", "lock was released", "crash log"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the message does not say %q:\n%s", want, msg)
		}
	}
	if strings.Count(strings.TrimSpace(msg), "\n") != 0 || strings.Contains(msg, "goroutine ") {
		t.Errorf("the message is not one paragraph without a stack trace:\n%s", msg)
	}
	noCanary(t, "the crash message", msg)
	path := regexp.MustCompile(`(/\S+crash-\S+\.log)`).FindString(msg)
	if path == "" {
		t.Fatalf("the message names no crash log:\n%s", msg)
	}
	if !strings.HasPrefix(path, filepath.Join(os.Getenv("INFRA_CACHE_DIR"), "crash")) {
		t.Errorf("the crash log %s is not under $INFRA_CACHE_DIR/crash", path)
	}
	log := readFile(t, path)
	if !strings.Contains(log, "crash_test.go") || !strings.Contains(log, "index out of range in token") || !strings.Contains(log, "infra -C") {
		t.Errorf("the crash log lacks the panic, the command or the stack:\n%s", log)
	}
	noCanary(t, "the crash log", log)

	ws, err := stacks.OpenWorkspace(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := ws.Begin(ctx, "dev", stacks.Access{Command: "test", Lock: true})
	if err != nil {
		t.Fatalf("the lock was not released: %v", err)
	}
	sess.Close()
	if after := rawState(t, dir, "dev"); after != before {
		t.Fatal("the crash changed the stack's state")
	}
}
