package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/infrago/infra/engine"
	"github.com/infrago/infra/engine/deploy"
	"github.com/infrago/infra/engine/plan"
	"github.com/infrago/infra/engine/plugin"
	"github.com/infrago/infra/providers/builtin"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/stacks"
	"github.com/infrago/infra/stacks/project"
	"github.com/infrago/infra/stacks/secrets"
)

// workspace is the project found from the working directory, with its backend.
type workspace struct {
	*stacks.Workspace
}

func (a *app) workDir() (string, error) {
	if a.cwd != "" {
		return filepath.Abs(a.cwd)
	}
	return os.Getwd()
}

func (a *app) openWorkspace() (*workspace, error) {
	wd, err := a.workDir()
	if err != nil {
		return nil, err
	}
	w, err := stacks.OpenWorkspace(a.ctx, wd, a.passphrases())
	if err != nil {
		return nil, err
	}
	w.Warn = func(msg string) { fmt.Fprintf(os.Stderr, "warning: %s\n", msg) }
	return &workspace{w}, nil
}

// stackName is the stack a command names: its --stack flag, else $INFRA_STACK ("" leaves the choice to
// stacks.Workspace.Resolve: the selected stack, else the only one).
func stackName(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv("INFRA_STACK")
}

// resolveStack picks the stack to work on: the flag, $INFRA_STACK, the selected stack, or the only one.
func (w *workspace) resolveStack(ctx context.Context, flag string) (string, error) {
	return w.Resolve(ctx, stackName(flag))
}

// stack is one stack opened for a command: the stacks.Session (locked and loaded when the command asked for it)
// and the plugin host of the engine runs the command makes.
type stack struct {
	*stacks.Session
	host *plugin.Host
}

// Close stops the providers of the command's last engine run and releases the stack's lock: every early return
// of a command that deferred it leaves no provider process and no lock behind.
func (s *stack) Close() {
	if s.host != nil {
		s.host.Close()
	}
	s.Session.Close()
}

// openStack resolves the stack and opens its config and secrets, without locking it or reading its state.
func (w *workspace) openStack(ctx context.Context, flag string) (*stack, error) {
	name, err := w.resolveStack(ctx, flag)
	if err != nil {
		return nil, err
	}
	return w.openNamedStack(ctx, name)
}

// openSelected opens the workspace and the stack the command works on (--stack, $INFRA_STACK, the selected one),
// without locking the stack or reading its state: for commands that only touch its config file.
func (a *app) openSelected() (*workspace, *stack, error) {
	ws, name, err := a.selectedName()
	if err != nil {
		return nil, nil, err
	}
	st, err := ws.openNamedStack(a.ctx, name)
	if err != nil {
		return nil, nil, err
	}
	return ws, st, nil
}

// selectedName opens the workspace and resolves the name of the stack the command works on, for commands that
// need no more of the stack than its name (its history, its lock).
func (a *app) selectedName() (*workspace, string, error) {
	ws, err := a.openWorkspace()
	if err != nil {
		return nil, "", err
	}
	name, err := ws.resolveStack(a.ctx, a.stack)
	if err != nil {
		return nil, "", err
	}
	return ws, name, nil
}

func (w *workspace) openNamedStack(ctx context.Context, name string) (*stack, error) {
	st, err := w.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	return &stack{Session: &stacks.Session{Stack: st}}, nil
}

// lockLease is how long a lock stays valid without renewal ($INFRA_LOCK_LEASE, else stacks.DefaultLease); the
// holder renews it every third of that.
func lockLease() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("INFRA_LOCK_LEASE")); err == nil && d > 0 {
		return d
	}
	return stacks.DefaultLease
}

// access is how a command opens its stack with begin.
type access struct {
	// lock takes the stack's lock; settled refuses a stack with operations an interrupted run left pending.
	lock, settled bool
}

// begin is the prologue of every command that works on a stack's state: open the workspace, resolve the stack
// (--stack, $INFRA_STACK, the selected one), lock it when asked and load its state. Close the stack's Session
// when done.
func (a *app) begin(command string, acc access) (*stack, error) {
	ws, err := a.openWorkspace()
	if err != nil {
		return nil, err
	}
	sess, err := ws.Begin(a.ctx, stackName(a.stack), stacks.Access{Command: "infra " + command, Lock: acc.lock, Lease: lockLease(), Settled: acc.settled})
	if err != nil {
		return nil, err
	}
	st := &stack{Session: sess}
	a.sessions.add(st)
	a.learnSecrets(sess.State)
	return st, nil
}

// beginOpened locks (when asked) and loads a stack already opened, for commands that check something about the
// stack before they take its lock.
func (a *app) beginOpened(st *stack, command string, acc access) error {
	sess, err := st.Stack.Begin(a.ctx, stacks.Access{Command: "infra " + command, Lock: acc.lock, Lease: lockLease(), Settled: acc.settled})
	if err != nil {
		return err
	}
	st.Session = sess
	a.sessions.add(st)
	a.learnSecrets(sess.State)
	return nil
}

// configMap turns the stack config into property values for the program: secrets stay secrets.
func (s *stack) configMap() (resource.PropertyMap, error) {
	vals, err := s.Config.Values()
	if err != nil {
		return nil, err
	}
	if err := applyDeclarations(s.Workspace.Project, filepath.Base(s.Config.Path()), vals); err != nil {
		return nil, err
	}
	out := make(resource.PropertyMap, len(vals))
	for k, v := range vals {
		pv, err := resource.FromGo(v.Value)
		if err != nil {
			return nil, fmt.Errorf("config value %s in %s: %w", k, s.Config.Path(), err)
		}
		if v.Secret {
			pv = resource.MakeSecret(pv)
		}
		out[k] = pv
	}
	return out, nil
}

func (s *stack) pluginHost(a *app) *plugin.Host {
	pins := map[string]plugin.Pin{}
	for name, p := range s.Workspace.Project.Providers {
		path := p.Path
		if path != "" && !filepath.IsAbs(path) {
			path = filepath.Join(s.Workspace.Project.Dir, path)
		}
		pins[name] = plugin.Pin{Path: path, SHA256: p.SHA256}
	}
	var dirs []string
	if env := os.Getenv("INFRA_PLUGIN_PATH"); env != "" {
		dirs = append(dirs, filepath.SplitList(env)...)
	}
	dirs = append(dirs, filepath.Join(s.Workspace.LocalDir(), "plugins"))
	if data := os.Getenv("XDG_DATA_HOME"); data != "" {
		dirs = append(dirs, filepath.Join(data, "infra", "plugins"))
	} else if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".local", "share", "infra", "plugins"))
	}
	opts := plugin.HostOptions{
		Builtins:       builtin.Names(),
		BuiltinCommand: builtinLauncher().Command,
		PluginPath:     dirs,
		Pins:           pins,
	}
	if a.verbose {
		opts.Log = a.redactor.Writer(os.Stderr)
		opts.LogLevel = "debug"
	}
	h := plugin.NewHost(opts)
	a.usage.host(h)
	a.cancels.add(h)
	return h
}

// engineOptions gathers what the engine needs for this stack, starting from its loaded state. Each call starts a
// fresh plugin host.
func (s *stack) engineOptions(a *app, parallel int) (engine.Options, error) {
	cfg, err := s.configMap()
	if err != nil {
		return engine.Options{}, err
	}
	if s.host != nil {
		s.host.Close()
	}
	s.host = s.pluginHost(a)
	a.redactor.AddMap(cfg)
	return engine.Options{
		Options: deploy.Options{
			Project:          s.Workspace.Project.Name,
			Stack:            s.Name,
			Parallel:         parallel,
			HashKey:          s.Secrets.DeriveKey("infra inputs hash v1"),
			ProviderParallel: providerParallel(s.Workspace.Project),
		},
		ProgramDir: s.Workspace.Project.MainDir(),
		BuildCache: buildCacheDir(),
		Config:     cfg,
		Old:        s.State,
		ConfigFile: filepath.Base(s.Config.Path()),
		Host:       engine.PluginHost(s.host),
		Pending:    s.Pending(),
		StackOutputs: func(ctx context.Context, name string) (resource.PropertyMap, error) {
			return s.Outputs(ctx, name)
		},
		DecryptFile: func(ctx context.Context, path, format string) (map[string]any, error) {
			if format == "" {
				format = string(secrets.FormatOf(path))
			}
			return secrets.DecryptFile(ctx, path, secrets.FileFormat(format))
		},
		Secret: a.redactor.AddValue,
	}, nil
}

func buildCacheDir() string {
	if d := os.Getenv("INFRA_CACHE_DIR"); d != "" {
		return filepath.Join(d, "programs")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "infra", "programs")
	}
	return filepath.Join(os.TempDir(), "infra-programs")
}

// defaultParallel is how many resource operations run at once unless --parallel says otherwise. Operations
// wait on cloud APIs, not on this machine's CPUs, so the bound does not follow the CPU count; each provider
// is held further by its own adaptive limit, which backs off when the cloud throttles (see
// docs/performance.md).
func defaultParallel() int { return 64 }

func (s *stack) planCodec() plan.Codec {
	return plan.Codec{Crypter: s.Secrets, MACKey: s.Secrets.DeriveKey("infra plan mac v1")}
}

// writePlan saves a plan file; secrets in it are encrypted with the stack's key.
func (s *stack) writePlan(path string, p *plan.Plan) error {
	data, err := s.planCodec().Marshal(p)
	if err != nil {
		return fmt.Errorf("write the plan: %w", err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("write the plan: %w", err)
	}
	return nil
}

// readPlan reads a plan file and checks it was made for this stack, as it is now.
func (s *stack) readPlan(path string) (*plan.Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the plan: %w", err)
	}
	p, err := s.planCodec().Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if p.Project != s.Workspace.Project.Name || p.Stack != s.Name {
		return nil, fmt.Errorf("%s is a plan for stack %s/%s, not %s/%s", path, p.Project, p.Stack, s.Workspace.Project.Name, s.Name)
	}
	if p.BaseVersion != s.Version() || p.BaseJournal != s.JournalSeq() {
		return nil, fmt.Errorf("the state of stack %s moved on since %s was made (the plan is for version %d, the stack is at version %d%s): "+
			"nothing was changed; make a new plan with `infra preview --save-plan %s`", s.Name, path, p.BaseVersion, s.Version(),
			map[bool]string{true: " with an unfinished update in its journal", false: ""}[s.JournalSeq() > 0], path)
	}
	return p, nil
}

// providerParallel collects the per-provider concurrency bounds of Infra.yaml.
func providerParallel(proj *project.Project) map[string]int {
	out := map[string]int{}
	for name, p := range proj.Providers {
		if p.Parallel > 0 {
			out[name] = p.Parallel
		}
	}
	return out
}
