package infratest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/infrago/infra/sdk/auto"
	"github.com/infrago/infra/sdk/infra"
)

// StackPrefix starts the name of every stack Deploy makes, so that stacks left behind by a test process that was
// killed (a go test -timeout, a SIGKILL) are easy to tell apart and are listed by Leftovers.
const StackPrefix = "infratest-"

// T is what Deploy needs of a test: *testing.T and *testing.B are ones.
type T interface {
	Helper()
	Name() string
	Cleanup(func())
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// DeployOptions say what Deploy deploys and how.
type DeployOptions struct {
	// Program is the program, run in the test's process (an inline program of sdk/auto); or Dir names a project
	// directory whose own program runs. Exactly one is needed.
	Program func(*infra.Context) error
	Dir     string
	// Project names an inline program's project (default "infratest").
	Project string
	// WorkDir holds an inline program's Infra.yaml and the stacks' state. The default,
	// $TMPDIR/infratest/<project>, outlives the test, so that Leftovers finds what a killed test left.
	WorkDir string
	// Config and Secrets are the stack's configuration, set before the first update.
	Config  map[string]string
	Secrets map[string]string
	// Env adds KEY=VALUE pairs to the CLI's environment (credentials, a HOME of the test's own).
	Env []string
	// Binary is the infra CLI (default: $INFRA_BIN, else infra on PATH).
	Binary string
	// Timeout bounds each operation, and the destroy at the end (default 20 minutes).
	Timeout time.Duration
}

// Deployment is a stack Deploy made for one test: real objects on a simulator or a cloud, destroyed when the
// test ends whatever happened in it.
type Deployment struct {
	t       T
	ws      *auto.Workspace
	stack   *auto.Stack
	timeout time.Duration

	mu          sync.Mutex
	cancel      context.CancelFunc // of the operation running now
	interrupted bool
	destroyed   bool
}

// Deploy creates a stack with a unique name (StackPrefix, the test's name and a random suffix), configures it,
// and registers its destruction with t.Cleanup, so that it is destroyed when the test ends: after it passed,
// after an assertion failed, and after SIGINT or SIGTERM, which stop the operation running and fail the test
// instead of killing the process. Use Name in the names of objects a cloud needs unique (a DNS zone, a bucket),
// then Up. A stack whose destroy fails is kept, and the test fails saying how to finish by hand.
func Deploy(t T, o DeployOptions) *Deployment {
	t.Helper()
	d, err := newDeployment(t, o)
	if err != nil {
		t.Fatalf("infratest.Deploy: %v", err)
	}
	return d
}

var notStackChar = regexp.MustCompile(`[^a-z0-9]+`)

// stackName is StackPrefix, the test's name made fit for a stack name, and a random suffix.
func stackName(test string) (string, error) {
	base := strings.Trim(notStackChar.ReplaceAllString(strings.ToLower(test), "-"), "-")
	if len(base) > 60 {
		base = strings.TrimRight(base[:60], "-")
	}
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return StackPrefix + base + "-" + hex.EncodeToString(b[:]), nil
}

func workspace(ctx context.Context, o DeployOptions) (*auto.Workspace, error) {
	var opts []auto.Option
	if o.Binary != "" {
		opts = append(opts, auto.Binary(o.Binary))
	}
	if len(o.Env) > 0 {
		opts = append(opts, auto.Env(o.Env...))
	}
	switch {
	case (o.Program == nil) == (o.Dir == ""):
		return nil, errors.New("give exactly one of DeployOptions.Program (an inline program) and DeployOptions.Dir (a project directory)")
	case o.Dir != "":
		return auto.NewWorkspace(ctx, o.Dir, opts...)
	}
	project := o.Project
	if project == "" {
		project = "infratest"
	}
	dir := o.WorkDir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "infratest", project)
	}
	return auto.NewInlineWorkspace(ctx, project, o.Program, append(opts, auto.WorkDir(dir))...)
}

func newDeployment(t T, o DeployOptions) (*Deployment, error) {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 20 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ws, err := workspace(ctx, o)
	if err != nil {
		return nil, err
	}
	name, err := stackName(t.Name())
	if err != nil {
		return nil, err
	}
	st, err := ws.CreateStack(ctx, name)
	if err != nil {
		return nil, err
	}
	d := &Deployment{t: t, ws: ws, stack: st, timeout: timeout}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	stopWatch := make(chan struct{})
	go d.watch(sigs, stopWatch)
	// Cleanups run last registered first: the destroy, then this. Until the destroy is over, signals to the test
	// process stop operations and fail the test rather than ending the process, so the destroy gets to run.
	t.Cleanup(func() {
		signal.Stop(sigs)
		close(stopWatch)
	})
	t.Cleanup(d.cleanup)
	for k, v := range o.Config {
		if err := st.SetConfig(ctx, k, v); err != nil {
			return d, err
		}
	}
	for k, v := range o.Secrets {
		if err := st.SetSecret(ctx, k, v); err != nil {
			return d, err
		}
	}
	return d, nil
}

// watch stops the running operation, and refuses the next ones, once the process is told to stop.
func (d *Deployment) watch(sigs <-chan os.Signal, stop <-chan struct{}) {
	select {
	case s := <-sigs:
		d.mu.Lock()
		d.interrupted = true
		if d.cancel != nil {
			d.cancel()
		}
		d.mu.Unlock()
		d.t.Logf("infratest: %v: stopping stack %s; it is destroyed when the test ends", s, d.stack.Name())
	case <-stop:
	}
}

// Name is the stack's name, unique to this run of the test.
func (d *Deployment) Name() string { return d.stack.Name() }

// Stack is the stack, for what the methods here do not cover.
func (d *Deployment) Stack() *auto.Stack { return d.stack }

// Dir is the project directory the stack's configuration (and, for an inline program, state) is in.
func (d *Deployment) Dir() string { return d.ws.Dir() }

// op runs f with a context that a signal or the timeout cancels.
func (d *Deployment) op(f func(ctx context.Context) error) error {
	d.mu.Lock()
	if d.interrupted {
		d.mu.Unlock()
		return errors.New("the test process was told to stop")
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
	d.cancel = cancel
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.cancel = nil
		d.mu.Unlock()
		cancel()
	}()
	return f(ctx)
}

// SetConfig sets a configuration value of the stack, failing the test if it cannot.
func (d *Deployment) SetConfig(key, value string) {
	d.t.Helper()
	if err := d.op(func(ctx context.Context) error { return d.stack.SetConfig(ctx, key, value) }); err != nil {
		d.t.Fatalf("infratest: set %s on stack %s: %v", key, d.Name(), err)
	}
}

// Up updates the stack and returns its outputs, failing the test if the update fails.
func (d *Deployment) Up(opts ...auto.RunOption) map[string]auto.OutputValue {
	d.t.Helper()
	outs, err := d.TryUp(opts...)
	if err != nil {
		d.t.Fatalf("infratest: %v", err)
	}
	return outs
}

// TryUp is Up returning the failure, for tests of a failing update.
func (d *Deployment) TryUp(opts ...auto.RunOption) (map[string]auto.OutputValue, error) {
	var outs map[string]auto.OutputValue
	err := d.op(func(ctx context.Context) error {
		if _, err := d.stack.Up(ctx, opts...); err != nil {
			return fmt.Errorf("up %s: %w", d.Name(), err)
		}
		var err error
		outs, err = d.stack.Outputs(ctx)
		return err
	})
	return outs, err
}

// Preview previews the stack, failing the test if the preview fails.
func (d *Deployment) Preview(opts ...auto.RunOption) *auto.Result {
	d.t.Helper()
	var res *auto.Result
	err := d.op(func(ctx context.Context) error {
		var err error
		res, err = d.stack.Preview(ctx, opts...)
		return err
	})
	if err != nil {
		d.t.Fatalf("infratest: preview %s: %v", d.Name(), err)
	}
	return res
}

// Destroy destroys the stack now and removes it, failing the test if it cannot; the cleanup at the end then has
// nothing to do.
func (d *Deployment) Destroy() {
	d.t.Helper()
	if err := d.destroy(); err != nil {
		d.t.Fatalf("infratest: %v", err)
	}
}

func (d *Deployment) destroy() error {
	d.mu.Lock()
	done := d.destroyed
	d.mu.Unlock()
	if done {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
	defer cancel()
	if _, err := d.stack.Destroy(ctx); err != nil {
		return fmt.Errorf("destroy stack %s: %w\nits resources may still exist: run `infra destroy --stack %s` in %s", d.Name(), err, d.Name(), d.ws.Dir())
	}
	if err := d.ws.RemoveStack(ctx, d.Name(), false); err != nil {
		return fmt.Errorf("remove stack %s (destroyed): %w", d.Name(), err)
	}
	d.mu.Lock()
	d.destroyed = true
	d.mu.Unlock()
	return nil
}

func (d *Deployment) cleanup() {
	if err := d.destroy(); err != nil {
		d.t.Errorf("infratest: %v", err)
		return
	}
	d.t.Logf("infratest: destroyed and removed stack %s", d.Name())
}

// Leftovers lists the stacks Deploy made in the project of o (its Dir, or an inline program's WorkDir) that are
// still there: those of tests whose process was killed before it could destroy them. Destroy each with
// `infra destroy --stack NAME` then `infra stack rm NAME` in that directory.
func Leftovers(ctx context.Context, o DeployOptions) ([]auto.StackSummary, error) {
	if o.Program == nil && o.Dir == "" {
		// Listing needs no program; any function stands for it.
		o.Program = func(*infra.Context) error { return nil }
	}
	ws, err := workspace(ctx, o)
	if err != nil {
		return nil, err
	}
	all, err := ws.ListStacks(ctx)
	if err != nil {
		return nil, err
	}
	var out []auto.StackSummary
	for _, s := range all {
		if strings.HasPrefix(s.Name, StackPrefix) {
			out = append(out, s)
		}
	}
	return out, nil
}
