package auto_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infrago/infra/sdk/auto"
	"github.com/infrago/infra/sdk/data"
	"github.com/infrago/infra/sdk/infra"
)

// infraBin is the CLI the tests drive, built once by TestMain; goEnv names Go's caches, so that a test's own HOME
// does not make the programs' builds start cold.
var (
	infraBin string
	goEnv    []string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(func() int {
		if testing.Short() {
			return m.Run() // the tests that drive the CLI skip themselves
		}
		dir, err := os.MkdirTemp("", "infra-auto-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		infraBin = filepath.Join(dir, "infra")
		cmd := exec.Command("go", "build", "-o", infraBin, "../../cmd/infra")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build ./cmd/infra: %v\n%s", err, out)
			return 1
		}
		for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
			v, err := exec.Command("go", "env", k).Output()
			if err != nil {
				fmt.Fprintln(os.Stderr, "go env:", err)
				return 1
			}
			goEnv = append(goEnv, k+"="+strings.TrimSpace(string(v)))
		}
		return m.Run()
	}())
}

// env isolates a test's runs: its own HOME (age identity, selected stacks) and build cache.
func env(t *testing.T) []auto.Option {
	if infraBin == "" {
		t.Skip("builds and drives the infra CLI: not in -short mode")
	}
	home := t.TempDir()
	return []auto.Option{auto.Binary(infraBin), auto.Env(goEnv...), auto.Env(
		"HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_DATA_HOME="+filepath.Join(home, ".local"),
		"INFRA_CACHE_DIR="+filepath.Join(home, "cache"), "INFRA_STACK=", "INFRA_PASSPHRASE=",
	)}
}

// program is an inline program: a few data resources, slowed by data:latencyMs, and a secret output.
func program(ctx *infra.Context) error {
	cfg := infra.NewConfig(ctx, "")
	n, err := cfg.GetInt("count")
	if err != nil {
		return err
	}
	for i := range max(n, 1) {
		if _, err := data.NewData(ctx, fmt.Sprintf("d%d", i), &data.DataArgs{Value: infra.Val[any](ctx.Stack() + "-value")}); err != nil {
			return err
		}
	}
	token, err := cfg.RequireSecret("token")
	if err != nil {
		return err
	}
	ctx.Export("stack", infra.Val[any](ctx.Stack()))
	ctx.Export("token", infra.Apply(token, func(s string) any { return s }))
	return nil
}

// TestTwoStacksConcurrently drives two stacks of an inline program at once from this process, streaming both
// runs' events, then shows the typed error of a second update of a stack while one runs.
func TestTwoStacksConcurrently(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ws, err := auto.NewInlineWorkspace(ctx, "inline", program, env(t)...)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()

	stacks := map[string]*auto.Stack{}
	for _, name := range []string{"blue", "green"} {
		st, err := ws.UpsertStack(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range map[string]string{"count": "3", "data:latencyMs": "300"} {
			if err := st.SetConfig(ctx, k, v); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.SetSecret(ctx, "token", "tok-"+name); err != nil {
			t.Fatal(err)
		}
		stacks[name] = st
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	events := map[string][]auto.Event{}
	results := map[string]*auto.Result{}
	errs := map[string]error{}
	for name, st := range stacks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := st.Up(ctx, auto.OnEvent(func(e auto.Event) {
				mu.Lock()
				events[name] = append(events[name], e)
				mu.Unlock()
			}))
			mu.Lock()
			results[name], errs[name] = res, err
			mu.Unlock()
		}()
	}
	wg.Wait()
	for name, st := range stacks {
		if errs[name] != nil {
			t.Fatalf("up %s: %v", name, errs[name])
		}
		evs := events[name]
		if len(evs) < 3 || evs[0].Prelude == nil || evs[0].Prelude.Stack != name || evs[len(evs)-1].Result == nil {
			t.Fatalf("stack %s: the events do not run from a prelude of the stack to a result: %+v", name, evs)
		}
		created := 0
		for _, e := range evs {
			if e.Type == "step-done" && e.Step.Op == "create" && e.Step.Type == "data:index:Data" {
				if !strings.Contains(e.Step.URN, "urn:infra:"+name+"::") {
					t.Errorf("stack %s streamed a step of another stack: %s", name, e.Step.URN)
				}
				created++
			}
		}
		// The summary counts the default data provider's creation too.
		if created != 3 || results[name].Changes["create"] != 4 {
			t.Errorf("stack %s: %d creates streamed, %v counted; want 3 and 4", name, created, results[name].Changes)
		}
		outs, err := st.Outputs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if outs["stack"].Value != name || outs["stack"].Secret {
			t.Errorf("stack %s: output stack = %+v", name, outs["stack"])
		}
		if outs["token"].Value != "tok-"+name || !outs["token"].Secret {
			t.Errorf("stack %s: output token = %+v, want the secret tok-%s", name, outs["token"], name)
		}
	}

	// A second update of blue while one runs: the lock refuses it, with a typed error.
	blue := stacks["blue"]
	if err := blue.SetConfig(ctx, "count", "6"); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		var once sync.Once
		_, err := blue.Up(ctx, auto.OnEvent(func(e auto.Event) {
			if e.Type == "step-start" {
				once.Do(func() { close(started) })
			}
		}))
		first <- err
	}()
	select {
	case <-started:
	case err := <-first:
		t.Fatalf("the first update ended before any step started: %v", err)
	}
	_, err = blue.Up(ctx)
	if !auto.IsConcurrentUpdate(err) {
		t.Fatalf("a second concurrent update of blue: %v; want an error IsConcurrentUpdate recognises", err)
	}
	if !strings.Contains(err.Error(), "locked") {
		t.Errorf("the concurrent-update error does not say the stack is locked: %v", err)
	}
	if err := <-first; err != nil {
		t.Fatalf("the first update failed: %v", err)
	}
	if res, err := blue.Preview(ctx, auto.ExpectNoChanges()); err != nil || res.HasChanges() {
		t.Fatalf("preview after the update: %v, %+v", err, res)
	}
	for _, st := range stacks {
		if _, err := st.Destroy(ctx); err != nil {
			t.Fatal(err)
		}
		if err := ws.RemoveStack(ctx, st.Name(), false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ws.SelectStack(ctx, "blue"); !auto.IsStackNotFound(err) {
		t.Errorf("SelectStack of a removed stack: %v, want IsStackNotFound", err)
	}
}

// TestProgramDirectory drives a project whose program is a directory, and the typed errors of its runs.
func TestProgramDirectory(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	many, err := filepath.Abs("../../tests/programs/many")
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(dir, many)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Infra.yaml"), []byte("name: many\nmain: "+rel+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ws, err := auto.NewWorkspace(ctx, dir, env(t)...)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ws.CreateStack(ctx, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.CreateStack(ctx, "dev"); err == nil {
		t.Errorf("creating an existing stack again succeeded")
	}
	for k, v := range map[string]string{"count": "4", "shape": "chain"} {
		if err := st.SetConfig(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := st.GetConfig(ctx, "shape"); err != nil || v != "chain" {
		t.Errorf("GetConfig(shape) = %q, %v", v, err)
	}
	res, err := st.Preview(ctx)
	if err != nil || res.Changes["create"] != 5 || !res.HasChanges() { // 4 and the default provider
		t.Fatalf("preview: %v, %+v", err, res.Changes)
	}
	if _, err := st.Up(ctx, auto.Message("first")); err != nil {
		t.Fatal(err)
	}
	if err := st.SetConfig(ctx, "gen", "g1"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Preview(ctx, auto.ExpectNoChanges()); !auto.IsChangesPresent(err) {
		t.Errorf("preview with changes and ExpectNoChanges: %v, want IsChangesPresent", err)
	}
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatal(err)
	}

	// A program that does not compile.
	broken := t.TempDir()
	for name, content := range map[string]string{
		"go.mod":     "module broken\n\ngo 1.26\n",
		"main.go":    "package main\n\nfunc main() { undefined() }\n",
		"Infra.yaml": "name: broken\n",
	} {
		if err := os.WriteFile(filepath.Join(broken, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bws, err := auto.NewWorkspace(ctx, broken, env(t)...)
	if err != nil {
		t.Fatal(err)
	}
	bst, err := bws.CreateStack(ctx, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bst.Preview(ctx); !auto.IsCompileError(err) || !strings.Contains(err.Error(), "undefined") {
		t.Errorf("preview of a program that does not compile: %v, want IsCompileError with the compiler's message", err)
	}
	if _, err := auto.NewWorkspace(ctx, t.TempDir(), env(t)...); err == nil || !strings.Contains(err.Error(), "Infra.yaml") {
		t.Errorf("NewWorkspace of a directory without Infra.yaml: %v", err)
	}
}

// TestInlineProgramFailure shows an inline program's error coming back as the run's error.
func TestInlineProgramFailure(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	failing := func(ctx *infra.Context) error { return fmt.Errorf("the inventory service is down") }
	ws, err := auto.NewInlineWorkspace(ctx, "failing", failing, env(t)...)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	st, err := ws.CreateStack(ctx, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Up(ctx); err == nil || !strings.Contains(err.Error(), "the inventory service is down") {
		t.Fatalf("up of a failing inline program: %v, want its error", err)
	}
}
