// Package auto drives infra from Go code: create and select stacks, set their configuration and secrets, and
// preview, update, refresh and destroy them, with the run's events streamed as typed values and failures as typed
// errors. It is what a platform team's deployment service, a test harness or a CLI of its own is built on.
//
// A Workspace is a project: a directory holding Infra.yaml and its program (NewWorkspace), or a project whose
// program is a Go function of the calling process (NewInlineWorkspace). Each operation runs the infra CLI as a
// child process with --json, so the calling program links none of the engine, the state backends or the secrets
// libraries (it stays quick to build), and two operations, on two stacks or two workspaces, are two processes
// that cannot interfere. An inline program runs in the calling process: the CLI is started with --attach, and the
// function connects to that CLI's engine (see sdk/protocol's attach protocol). docs/automation.md has the
// details.
//
//	ws, err := auto.NewWorkspace(ctx, "./infra")
//	st, err := ws.UpsertStack(ctx, "prod")
//	err = st.SetConfig(ctx, "region", "eu-west-1")
//	res, err := st.Up(ctx, auto.OnEvent(func(e auto.Event) { ... }))
//	if auto.IsConcurrentUpdate(err) { ... }
package auto

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/infrago/infra/sdk/infra"
	"github.com/infrago/infra/sdk/protocol"
)

// interruptGrace is how long a CLI interrupted by a cancelled context has to save its state before it is killed.
const interruptGrace = 2 * time.Minute

// Workspace is one project the automation API drives.
type Workspace struct {
	dir     string
	bin     string
	env     []string
	program func(*infra.Context) error // nil: the project's own program (Infra.yaml main)
	backend string                     // an inline project's backend URL
	temp    bool
}

// Option configures a workspace.
type Option func(*Workspace) error

// Binary names the infra CLI to run. Default: $INFRA_BIN, else `infra` on PATH.
func Binary(path string) Option {
	return func(w *Workspace) error { w.bin = path; return nil }
}

// Env adds environment variables (KEY=VALUE) to every command the workspace runs, after the calling process's
// own: credentials, INFRA_CACHE_DIR, a HOME of its own for tests.
func Env(kv ...string) Option {
	return func(w *Workspace) error {
		for _, s := range kv {
			if !strings.Contains(s, "=") {
				return fmt.Errorf("auto.Env(%q): give KEY=VALUE", s)
			}
		}
		w.env = append(w.env, kv...)
		return nil
	}
}

// WorkDir sets the directory of an inline workspace (default: a new temporary directory, removed by Close).
// Its Infra.yaml and stack files (config and secrets) live there; pass the same directory again to find them.
func WorkDir(dir string) Option {
	return func(w *Workspace) error { w.dir = dir; return nil }
}

// Backend sets the state backend URL of an inline workspace's project (default: file state in its .infra).
func Backend(url string) Option {
	return func(w *Workspace) error { w.backend = url; return nil }
}

// NewWorkspace returns the workspace of the project in dir, which must hold Infra.yaml.
func NewWorkspace(ctx context.Context, dir string, opts ...Option) (*Workspace, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(abs, "Infra.yaml")); err != nil {
		return nil, fmt.Errorf("auto.NewWorkspace: %s holds no Infra.yaml: run `infra new` there, or use NewInlineWorkspace", abs)
	}
	w := &Workspace{dir: abs}
	return w.setup(opts)
}

// NewInlineWorkspace returns a workspace for project whose program is the function program, run in this process
// for every preview and update. Close removes its directory when it made a temporary one.
func NewInlineWorkspace(ctx context.Context, project string, program func(*infra.Context) error, opts ...Option) (*Workspace, error) {
	if program == nil {
		return nil, errors.New("auto.NewInlineWorkspace: the program function is nil")
	}
	if project == "" || strings.ContainsAny(project, " /\\:") {
		return nil, fmt.Errorf("auto.NewInlineWorkspace: %q is not a project name (letters, digits, - and _)", project)
	}
	w := &Workspace{program: program}
	for _, o := range opts {
		if err := o(w); err != nil {
			return nil, err
		}
	}
	if w.dir == "" {
		dir, err := os.MkdirTemp("", "infra-auto-"+project+"-")
		if err != nil {
			return nil, err
		}
		w.dir, w.temp = dir, true
	} else if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return nil, fmt.Errorf("auto.WorkDir: %w", err)
	}
	abs, err := filepath.Abs(w.dir)
	if err != nil {
		return nil, err
	}
	w.dir = abs
	yaml := fmt.Sprintf("name: %s\n# The program is a Go function of the process driving this project (sdk/auto); this directory holds\n# its stacks' configuration.\n", project)
	if w.backend != "" {
		yaml += "backend: " + w.backend + "\n"
	}
	path := filepath.Join(w.dir, "Infra.yaml")
	if old, err := os.ReadFile(path); err == nil && !bytes.Equal(old, []byte(yaml)) && !bytes.HasPrefix(old, []byte("name: "+project+"\n")) {
		return nil, fmt.Errorf("auto.NewInlineWorkspace: %s belongs to another project; choose another WorkDir", path)
	} else if err != nil {
		if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
			return nil, err
		}
	}
	return w.setup(nil)
}

func (w *Workspace) setup(opts []Option) (*Workspace, error) {
	for _, o := range opts {
		if err := o(w); err != nil {
			return nil, err
		}
	}
	if w.bin == "" {
		w.bin = os.Getenv("INFRA_BIN")
	}
	if w.bin == "" {
		p, err := exec.LookPath("infra")
		if err != nil {
			return nil, errors.New("auto: the infra CLI is not on PATH: install it (`make build` puts it in bin/), or name it with auto.Binary or $INFRA_BIN")
		}
		w.bin = p
	}
	return w, nil
}

// Dir is the workspace's project directory.
func (w *Workspace) Dir() string { return w.dir }

// Close removes the directory of an inline workspace made in a temporary directory; it does nothing else, and
// nothing to the stacks' state.
func (w *Workspace) Close() error {
	if w.temp {
		return os.RemoveAll(w.dir)
	}
	return nil
}

// command is one run of the CLI in the workspace.
type command struct {
	args   []string
	stdin  io.Reader
	events func(Event)
	attach bool
}

// output is what a command printed and how it ended.
type output struct {
	stdout, stderr []byte
	result         *ResultEvent
	events         []Event
}

// run runs the CLI. With c.events (or --json in args) every stdout line is an event; the result event, the last
// line, tells how the command ended.
func (w *Workspace) run(ctx context.Context, op, stack string, c command) (*output, error) {
	args := append([]string(nil), c.args...)
	if stack != "" {
		args = append(args, "--stack", stack)
	}
	cmd := exec.CommandContext(ctx, w.bin, args...)
	// A cancelled context interrupts the CLI as Ctrl-C does: it starts no new steps, lets those in flight finish
	// and saves the state. Only a CLI still running a while later is killed.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = interruptGrace
	cmd.Dir = w.dir
	cmd.Env = append(os.Environ(), w.env...)
	cmd.Env = append(cmd.Env, "CI=1", "NO_COLOR=1")
	cmd.Stdin = c.stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var finishAttach func() error
	if c.attach {
		if finishAttach, err = w.attach(cmd, stack); err != nil {
			return nil, err
		}
	}
	if err := cmd.Start(); err != nil {
		for _, f := range cmd.ExtraFiles {
			f.Close()
		}
		if finishAttach != nil {
			_ = finishAttach()
		}
		return nil, fmt.Errorf("%s: start %s: %w", op, w.bin, err)
	}
	for _, f := range cmd.ExtraFiles {
		// The child has its own copies; ours would keep the pipes open after it exits.
		f.Close()
	}
	out := &output{}
	var buf bytes.Buffer
	json := slices.Contains(args, "--json")
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !json {
			buf.Write(line)
			buf.WriteByte('\n')
			continue
		}
		e, err := DecodeEvent(line)
		if err != nil {
			// Not an event: keep it for the error message.
			buf.Write(line)
			buf.WriteByte('\n')
			continue
		}
		out.events = append(out.events, e)
		if e.Result != nil {
			out.result = e.Result
		}
		if c.events != nil {
			c.events(e)
		}
	}
	waitErr := cmd.Wait()
	if finishAttach != nil {
		if err := finishAttach(); err != nil && waitErr == nil {
			waitErr = err
		}
	}
	out.stdout, out.stderr = buf.Bytes(), stderr.Bytes()
	if waitErr != nil {
		if ctx.Err() != nil {
			return out, fmt.Errorf("%s: %w", op, ctx.Err())
		}
		return out, newError(op, stack, waitErr, out)
	}
	return out, nil
}

// attach sets cmd up to run the workspace's program attached: two pipes become the CLI's descriptors 3 and 4,
// and a goroutine runs the program each time the CLI says the engine is ready. The returned function waits for
// that goroutine once the CLI has exited.
func (w *Workspace) attach(cmd *exec.Cmd, stack string) (func() error, error) {
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	doneR, doneW, err := os.Pipe()
	if err != nil {
		readyR.Close()
		readyW.Close()
		return nil, err
	}
	cmd.ExtraFiles = []*os.File{readyW, doneR} // descriptors 3 and 4
	if protocol.AttachWriteFD != 3 || protocol.AttachReadFD != 4 {
		return nil, errors.New("auto: this SDK and the attach protocol disagree on descriptors")
	}
	var wg sync.WaitGroup
	var progErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer doneW.Close()
		sc := bufio.NewScanner(readyR)
		for sc.Scan() {
			ready, err := protocol.DecodeAttachReady(sc.Bytes())
			if err != nil {
				progErr = fmt.Errorf("stack %s: %w", stack, err)
				return
			}
			runErr := infra.RunErr(w.program, infra.WithEngine(ready.Monitor, ready.Token))
			done := protocol.AttachDone{}
			if runErr != nil {
				done.Error, done.Reported = runErr.Error(), infra.Reported(runErr)
			}
			b, _ := json.Marshal(done)
			if _, err := doneW.Write(append(b, '\n')); err != nil {
				return
			}
		}
	}()
	return func() error {
		// The CLI has exited, and with it the pipes' other ends: the goroutine sees the end of readyR.
		wg.Wait()
		readyR.Close()
		return progErr
	}, nil
}
