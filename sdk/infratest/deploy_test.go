package infratest_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/infrago/infra/sdk/command"
	"github.com/infrago/infra/sdk/infra"
	"github.com/infrago/infra/sdk/infratest"
)

// infraBin is the CLI the deployment tests drive, built once by TestMain; goEnv names Go's caches, so that a
// test's own HOME does not make builds start cold.
var (
	infraBin string
	goEnv    []string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(func() int {
		if testing.Short() {
			return m.Run() // the deployment tests skip themselves
		}
		dir, err := os.MkdirTemp("", "infratest-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		infraBin = filepath.Join(dir, "infra")
		if out, err := exec.Command("go", "build", "-o", infraBin, "../../cmd/infra").CombinedOutput(); err != nil {
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

// fakeT is a test the harness runs in, whose failures are recorded instead of failing the real test: Fatalf
// ends the body's goroutine, and the cleanups then run, as the testing package does.
type fakeT struct {
	name     string
	mu       sync.Mutex
	cleanups []func()
	logs     []string
	failures []string
}

func (f *fakeT) Helper()      {}
func (f *fakeT) Name() string { return f.name }
func (f *fakeT) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}
func (f *fakeT) Logf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = append(f.failures, fmt.Sprintf(format, args...))
}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}

// run runs body as a test, then its cleanups, last registered first.
func (f *fakeT) run(body func(t infratest.T)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		body(f)
	}()
	<-done
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// marker is a program whose one resource is a file: created by the create command, removed by the delete
// command, so the test can see whether the destroy happened. delay makes the create slow.
func marker(ctx *infra.Context) error {
	cfg := infra.NewConfig(ctx, "")
	path, err := cfg.Require("mark")
	if err != nil {
		return err
	}
	delay := cfg.Get("delay")
	if delay == "" {
		delay = "0"
	}
	c, err := command.NewCommand(ctx, "mark", &command.CommandArgs{
		Create: infra.String(fmt.Sprintf("sleep %s && echo made > %q && echo made", delay, path)),
		Delete: infra.String(fmt.Sprintf("rm -f %q", path)),
	})
	if err != nil {
		return err
	}
	ctx.Export("made", c.Stdout)
	return nil
}

func deployOptions(t *testing.T, mark, delay string) infratest.DeployOptions {
	if infraBin == "" {
		t.Skip("builds and drives the infra CLI: not in -short mode")
	}
	home := t.TempDir()
	return infratest.DeployOptions{
		Program: marker, Project: "marker", WorkDir: filepath.Join(home, "project"), Binary: infraBin,
		Config: map[string]string{"mark": mark, "delay": delay},
		Env: append(append([]string{}, goEnv...), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
			"XDG_DATA_HOME="+filepath.Join(home, ".local"), "INFRA_CACHE_DIR="+filepath.Join(home, "cache"), "INFRA_STACK=", "INFRA_PASSPHRASE="),
		Timeout: 3 * time.Minute,
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestDeployDestroysAfterFailedAssertion deploys, fails an assertion, and checks that the stack was destroyed
// and removed all the same.
func TestDeployDestroysAfterFailedAssertion(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "object")
	opts := deployOptions(t, mark, "0")
	ft := &fakeT{name: "TestWebCluster/on AWS"}
	var name string
	ft.run(func(tt infratest.T) {
		d := infratest.Deploy(tt, opts)
		name = d.Name()
		outs := d.Up()
		if !exists(mark) || outs["made"].Value != "made" {
			t.Errorf("after Up: object exists %v, outputs %v", exists(mark), outs)
		}
		tt.Fatalf("the assertion under test fails")
		t.Error("the body went on after Fatalf")
	})
	if len(ft.failures) != 1 || !strings.Contains(ft.failures[0], "the assertion under test fails") {
		t.Errorf("failures = %q, want just the assertion's", ft.failures)
	}
	if !strings.HasPrefix(name, infratest.StackPrefix+"testwebcluster-on-aws-") {
		t.Errorf("stack name %q does not start with the prefix and the test's name", name)
	}
	if exists(mark) {
		t.Errorf("the object outlived the failed test: the stack was not destroyed (logs %q)", ft.logs)
	}
	left, err := infratest.Leftovers(context.Background(), opts)
	if err != nil || len(left) != 0 {
		t.Errorf("leftover stacks %v, %v; want none", left, err)
	}
}

// TestDeployInterrupted sends the test process SIGINT while an update runs: the update stops, the test fails
// instead of the process ending, and the stack is destroyed.
func TestDeployInterrupted(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "object")
	opts := deployOptions(t, mark, "2")
	ft := &fakeT{name: t.Name()}
	ft.run(func(tt infratest.T) {
		d := infratest.Deploy(tt, opts)
		go func() {
			// Once the create is under way: the program is built and its command is sleeping.
			for !exists(filepath.Join(d.Dir(), ".infra")) {
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(1500 * time.Millisecond)
			_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
		}()
		d.Up()
		t.Error("Up succeeded though the process was interrupted")
	})
	if len(ft.failures) != 1 || !strings.Contains(ft.failures[0], "infratest: up") {
		t.Errorf("failures = %q, want the interrupted update's", ft.failures)
	}
	if exists(mark) {
		t.Errorf("the object outlived the interrupted test (logs %q)", ft.logs)
	}
	if left, err := infratest.Leftovers(context.Background(), opts); err != nil || len(left) != 0 {
		t.Errorf("leftover stacks %v, %v; want none", left, err)
	}
}

// TestDeployLeftovers lists a stack a killed test left behind, by its prefix.
func TestDeployLeftovers(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "object")
	opts := deployOptions(t, mark, "0")
	ft := &fakeT{name: t.Name()}
	var name string
	done := make(chan struct{})
	go func() {
		defer close(done)
		d := infratest.Deploy(ft, opts)
		name = d.Name()
		d.Up()
	}()
	<-done
	// The cleanups never run: the process "was killed".
	left, err := infratest.Leftovers(context.Background(), opts)
	if err != nil || len(left) != 1 || left[0].Name != name || left[0].ResourceCount == 0 {
		t.Fatalf("leftovers = %+v, %v; want stack %s with its resources", left, err, name)
	}
	ft.run(func(infratest.T) {}) // now they run: the stack goes
	if exists(mark) {
		t.Error("the object outlived the cleanup")
	}
}

func TestDeployNeedsOneProgram(t *testing.T) {
	ft := &fakeT{name: t.Name()}
	ft.run(func(tt infratest.T) { infratest.Deploy(tt, infratest.DeployOptions{Binary: "/bin/true"}) })
	if len(ft.failures) != 1 || !strings.Contains(ft.failures[0], "exactly one of DeployOptions.Program") {
		t.Errorf("failures = %q", ft.failures)
	}
}
