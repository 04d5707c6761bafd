package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/infrago/infra/engine"
	"github.com/infrago/infra/engine/plan"
	"github.com/infrago/infra/engine/plugin"
	"github.com/infrago/infra/providers/builtin"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/stacks/backend"
	"github.com/infrago/infra/stacks/project"
	"github.com/infrago/infra/stacks/secrets"
	"github.com/infrago/infra/stacks/state"
)

// workspace is the project found from the working directory, with its backend.
type workspace struct {
	proj  *project.Project
	store backend.Store
	// passphrases supplies passphrases for passphrase-protected stacks (environment, else the terminal).
	passphrases *secrets.Passphrases
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
	dir, err := project.Find(wd)
	if err != nil {
		return nil, err
	}
	proj, err := project.Load(dir)
	if err != nil {
		return nil, err
	}
	store, err := backend.Open(a.ctx, proj.Backend, proj.Dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", proj.Path(), err)
	}
	return &workspace{proj: proj, store: store, passphrases: a.passphrases()}, nil
}

// localDir is the project's own .infra directory: selected stack and caches live there whatever the backend.
func (w *workspace) localDir() string { return filepath.Join(w.proj.Dir, ".infra") }

type workspaceFile struct {
	Stack string `json:"stack"`
}

func (w *workspace) selected() string {
	b, err := os.ReadFile(filepath.Join(w.localDir(), "workspace.json"))
	if err != nil {
		return ""
	}
	var f workspaceFile
	if json.Unmarshal(b, &f) != nil {
		return ""
	}
	return f.Stack
}

func (w *workspace) selectStack(name string) error {
	if err := os.MkdirAll(w.localDir(), 0o755); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(workspaceFile{Stack: name}, "", "  ")
	return os.WriteFile(filepath.Join(w.localDir(), "workspace.json"), append(b, '\n'), 0o644)
}

// stackNames lists the backend's stacks.
func (w *workspace) stackNames(ctx context.Context) ([]string, error) {
	ss, err := w.store.ListStacks(ctx, w.proj.Name)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name
	}
	sort.Strings(names)
	return names, nil
}

// resolveStack picks the stack to work on: the flag, $INFRA_STACK, the selected stack, or the only one.
func (w *workspace) resolveStack(ctx context.Context, flag string) (string, error) {
	name := flag
	if name == "" {
		name = os.Getenv("INFRA_STACK")
	}
	if name == "" {
		name = w.selected()
	}
	names, err := w.stackNames(ctx)
	if err != nil {
		return "", err
	}
	if name == "" {
		switch len(names) {
		case 0:
			return "", errors.New("this project has no stacks yet: create one with `infra stack init dev`")
		case 1:
			return names[0], nil
		}
		return "", fmt.Errorf("no stack selected: run `infra stack select <name>` or pass --stack (stacks: %s)", strings.Join(names, ", "))
	}
	if err := project.ValidateStackName(name); err != nil {
		return "", err
	}
	for _, n := range names {
		if n == name {
			return name, nil
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("stack %q does not exist: create it with `infra stack init %s`", name, name)
	}
	return "", fmt.Errorf("stack %q does not exist (stacks: %s): create it with `infra stack init %s`", name, strings.Join(names, ", "), name)
}

// stack is one stack opened for work: its config and, once opened, its secrets.
type stack struct {
	ws      *workspace
	name    string
	ref     backend.StackRef
	cfg     *project.StackConfig
	secrets *secrets.Manager
	host    *plugin.Host

	// held is the stack's lock while this command holds it; version is the version of the loaded state.
	held    backend.Lock
	version int64
	// pending are the operations the journal of version left unfinished; lastSeq is its last record.
	pending []state.PendingOp
	lastSeq int64
}

func (w *workspace) ref(stack string) backend.StackRef {
	return backend.StackRef{Project: w.proj.Name, Stack: stack}
}

// openStack resolves the stack and opens its config and secrets.
func (w *workspace) openStack(ctx context.Context, flag string) (*stack, error) {
	name, err := w.resolveStack(ctx, flag)
	if err != nil {
		return nil, err
	}
	return w.openNamedStack(ctx, name)
}

func (w *workspace) openNamedStack(ctx context.Context, name string) (*stack, error) {
	path := w.proj.StackConfigPath(name)
	cfg, err := project.LoadStackConfig(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("stack %s exists, but its config file %s is missing: it holds the stack's secrets key; "+
				"restore it from version control (or a teammate), then run the command again", name, path)
		}
		return nil, err
	}
	m, err := cfg.OpenSecrets(ctx, secrets.WithPassphrases(w.passphrases))
	if err != nil {
		return nil, err
	}
	return &stack{ws: w, name: name, ref: w.ref(name), cfg: cfg, secrets: m}, nil
}

// lockLease is how long a lock stays valid without renewal; the holder renews it every third of that. A run
// killed on another machine blocks the stack for at most this long.
func lockLease() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("INFRA_LOCK_LEASE")); err == nil && d > 0 {
		return d
	}
	return 30 * time.Second
}

// lock takes the stack's lock and keeps its lease alive until release is called. lost is closed if the lease
// cannot be renewed (another run took the stack over): the command must stop writing.
func (s *stack) lock(ctx context.Context, command string) (release func(), lost <-chan struct{}, err error) {
	lease := lockLease()
	l, err := s.ws.store.Lock(ctx, s.ref, backend.CurrentHolder(command), lease)
	if err != nil {
		return nil, nil, err
	}
	s.held = l
	lostCh := make(chan struct{})
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				rctx, cancel := context.WithTimeout(context.Background(), lease/3)
				err := l.Renew(rctx)
				cancel()
				if errors.Is(err, backend.ErrFenced) {
					fmt.Fprintf(os.Stderr, "error: %v\n", err)
					close(lostCh)
					return
				}
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		_ = l.Release(context.Background())
		s.held = nil
	}, lostCh, nil
}

func (s *stack) codec() state.Codec {
	return state.Codec{Crypter: s.secrets, MACKey: s.secrets.DeriveKey("infra state mac v1")}
}

// loadState reads the stack's snapshot; nil when the stack has never been updated.
func (s *stack) loadState(ctx context.Context) (*state.Snapshot, error) {
	data, version, err := s.ws.store.ReadState(ctx, s.ref)
	if err != nil {
		return nil, err
	}
	s.version = version
	journal, err := s.ws.store.ReadJournal(ctx, s.ref, version)
	if err != nil {
		return nil, fmt.Errorf("read the journal of stack %s: %w", s.name, err)
	}
	var base *state.Snapshot
	if data == nil {
		base = &state.Snapshot{Project: s.ws.proj.Name, Stack: s.name}
	} else if base, err = s.decodeState(data); err != nil {
		return nil, err
	}
	if len(journal) == 0 {
		s.pending, s.lastSeq = nil, 0
		if data == nil {
			return nil, nil
		}
		return base, nil
	}
	// An earlier run stopped before it wrote its snapshot: what it did is in the journal.
	records, err := s.codec().UnmarshalJournal(journal)
	if err != nil {
		return nil, fmt.Errorf("the journal of stack %s in %s cannot be read: %w; the last complete state is version %d: "+
			"to continue from it, run `infra stack restore --version %d` (what the interrupted run did will then be untracked)",
			s.name, s.ws.store.URL(), err, version, version)
	}
	snap, pending := state.Replay(base, records)
	if err := snap.Verify(); err != nil {
		return nil, fmt.Errorf("replaying the journal of stack %s gives an inconsistent state: %w", s.name, err)
	}
	s.pending, s.lastSeq = pending, state.LastSeq(records)
	return snap, nil
}

// decodeState decodes and verifies a snapshot of this stack.
func (s *stack) decodeState(data []byte) (*state.Snapshot, error) {
	snap, err := s.codec().Unmarshal(data)
	if err != nil {
		how := "find the last good version with `infra stack history` and restore it with `infra stack restore --version N`"
		if errors.Is(err, state.ErrIntegrity) {
			return nil, fmt.Errorf("the state of stack %s in %s cannot be trusted: %w; %s", s.name, s.ws.store.URL(), err, how)
		}
		return nil, fmt.Errorf("read the state of stack %s in %s: %w; %s", s.name, s.ws.store.URL(), err, how)
	}
	if snap.Stack != s.name || snap.Project != s.ws.proj.Name {
		return nil, fmt.Errorf("the state stored for stack %s belongs to %s/%s: it was copied from elsewhere: "+
			"restore one of this stack's own versions with `infra stack restore --version N` (see `infra stack history`)", s.name, snap.Project, snap.Stack)
	}
	return snap, nil
}

// journal returns a writer that appends to the journal of the loaded version under the held lock.
func (s *stack) journal() *state.JournalWriter {
	ref, fence, base, store := s.ref, s.held.Token(), s.version, s.ws.store
	return state.NewJournalWriter(s.codec(), s.lastSeq, func(ctx context.Context, batch []byte) error {
		return store.AppendJournal(ctx, ref, fence, base, batch)
	})
}

// saveState writes snap as the stack's next version. The stack must be locked and its state loaded.
func (s *stack) saveState(ctx context.Context, snap *state.Snapshot, info backend.UpdateInfo) error {
	if s.held == nil {
		return fmt.Errorf("save the state of stack %s: the stack is not locked", s.name)
	}
	snap.Project, snap.Stack = s.ws.proj.Name, s.name
	snap.Serial = s.version + 1
	md, err := s.secrets.MarshalMetadata()
	if err != nil {
		return err
	}
	snap.Secrets = md
	data, err := s.codec().Marshal(snap)
	if err != nil {
		return fmt.Errorf("encode the state of stack %s: %w", s.name, err)
	}
	info.Version = snap.Serial
	info.Bytes += int64(len(data))
	holder := backend.CurrentHolder("")
	info.User, info.Host = holder.User, holder.Host
	if err := s.ws.store.WriteState(ctx, s.ref, s.held.Token(), data, info); err != nil {
		return fmt.Errorf("save the state of stack %s: %w", s.name, err)
	}
	// The new version starts with no journal of its own.
	s.version, s.lastSeq, s.pending = snap.Serial, 0, nil
	if keep := s.ws.proj.HistoryKeep; keep > 0 {
		// Retention is housekeeping: the state is saved; a failure here only leaves old versions behind.
		if err := s.ws.store.PruneHistory(ctx, s.ref, keep); err != nil {
			fmt.Fprintf(os.Stderr, "warning: pruning the history of stack %s to %d versions: %v\n", s.name, keep, err)
		}
	}
	return nil
}

// configMap turns the stack config into property values for the program: secrets stay secrets.
func (s *stack) configMap() (resource.PropertyMap, error) {
	vals, err := s.cfg.Values()
	if err != nil {
		return nil, err
	}
	if err := applyDeclarations(s.ws.proj, filepath.Base(s.cfg.Path()), vals); err != nil {
		return nil, err
	}
	out := make(resource.PropertyMap, len(vals))
	for k, v := range vals {
		pv, err := resource.FromGo(v.Value)
		if err != nil {
			return nil, fmt.Errorf("config value %s in %s: %w", k, s.cfg.Path(), err)
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
	for name, p := range s.ws.proj.Providers {
		path := p.Path
		if path != "" && !filepath.IsAbs(path) {
			path = filepath.Join(s.ws.proj.Dir, path)
		}
		pins[name] = plugin.Pin{Path: path, SHA256: p.SHA256}
	}
	var dirs []string
	if env := os.Getenv("INFRA_PLUGIN_PATH"); env != "" {
		dirs = append(dirs, filepath.SplitList(env)...)
	}
	dirs = append(dirs, filepath.Join(s.ws.localDir(), "plugins"))
	if data := os.Getenv("XDG_DATA_HOME"); data != "" {
		dirs = append(dirs, filepath.Join(data, "infra", "plugins"))
	} else if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".local", "share", "infra", "plugins"))
	}
	opts := plugin.HostOptions{
		Builtins:       builtin.Names(),
		BuiltinCommand: builtinCommand,
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

// engineOptions gathers what the engine needs for this stack. Each call starts a fresh plugin host.
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
		Project:    s.ws.proj.Name,
		Stack:      s.name,
		ProgramDir: s.ws.proj.MainDir(),
		BuildCache: buildCacheDir(),
		Parallel:   parallel,
		Config:     cfg,
		ConfigFile: filepath.Base(s.cfg.Path()),
		Host:       s.host,
		HashKey:    s.secrets.DeriveKey("infra inputs hash v1"),
		Pending:    s.pending,
		StackOutputs: func(ctx context.Context, name string) (resource.PropertyMap, error) {
			return s.readStackOutputs(ctx, name)
		},
		DecryptFile: func(ctx context.Context, path, format string) (map[string]any, error) {
			if format == "" {
				format = string(secrets.FormatOf(path))
			}
			return secrets.DecryptFile(ctx, path, secrets.FileFormat(format))
		},
		Secret:           a.redactor.AddValue,
		ProviderParallel: s.ws.providerParallel(),
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

// readStackOutputs reads the outputs of another stack of the same backend, for a stack reference: "stack" of this
// project or "project/stack". Its secrets are opened with the stack's own key, from its config file when it is a
// stack of this project, else from the key metadata its state carries (the reader must be one of its recipients).
func (s *stack) readStackOutputs(ctx context.Context, name string) (resource.PropertyMap, error) {
	ref := backend.StackRef{Project: s.ws.proj.Name, Stack: name}
	if p, st, ok := strings.Cut(name, "/"); ok {
		ref = backend.StackRef{Project: p, Stack: st}
	}
	if err := project.ValidateProjectName(ref.Project); err != nil {
		return nil, fmt.Errorf("stack reference %q: %w", name, err)
	}
	if err := project.ValidateStackName(ref.Stack); err != nil {
		return nil, fmt.Errorf("stack reference %q: %w", name, err)
	}
	if ref == s.ref {
		return nil, fmt.Errorf("stack %s cannot reference its own outputs", name)
	}
	data, _, err := s.ws.store.ReadState(ctx, ref)
	if errors.Is(err, backend.ErrNotFound) {
		return nil, fmt.Errorf("stack %s does not exist in %s; a stack reference reads stacks of the same backend", ref, s.ws.store.URL())
	}
	if err != nil {
		return nil, err
	}
	if data == nil {
		return resource.PropertyMap{}, nil
	}
	var m *secrets.Manager
	if ref.Project == s.ws.proj.Name {
		if cfg, err := project.LoadStackConfig(s.ws.proj.StackConfigPath(ref.Stack)); err == nil {
			m, err = cfg.OpenSecrets(ctx)
			if err != nil {
				return nil, fmt.Errorf("stack reference %s: %w", ref, err)
			}
		}
	}
	if m == nil {
		md, err := state.PeekSecrets(data)
		if err != nil {
			return nil, fmt.Errorf("stack reference %s: %w", ref, err)
		}
		if len(md) == 0 {
			return nil, fmt.Errorf("stack reference %s: its state carries no key metadata (it was last written by an older infra): run an update of %s first", ref, ref)
		}
		if m, err = secrets.OpenMetadata(ctx, md); err != nil {
			return nil, fmt.Errorf("stack reference %s: %w", ref, err)
		}
	}
	snap, err := state.Codec{Crypter: m, MACKey: m.DeriveKey("infra state mac v1")}.Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("stack reference %s: %w", ref, err)
	}
	if snap.Outputs == nil {
		return resource.PropertyMap{}, nil
	}
	return snap.Outputs, nil
}

// rewrapState records the stack's new recipients in its state too: the state carries the wrapped data key for
// stack references, and after a rekey the current state must list exactly the new recipients. The data key
// itself does not change, so nothing else in the state does. A stack never updated has no state to rewrite.
func (a *app) rewrapState(name string, cfg *project.StackConfig, m *secrets.Manager) error {
	ws, err := a.openWorkspace()
	if err != nil {
		return err
	}
	st := &stack{ws: ws, name: name, ref: ws.ref(name), cfg: cfg, secrets: m}
	release, _, err := st.lock(a.ctx, "infra stack rekey")
	if err != nil {
		return fmt.Errorf("the config file is rekeyed, but the state could not be locked to record the new recipients (%w); "+
			"the next `infra up` records them", err)
	}
	defer release()
	snap, err := st.loadState(a.ctx)
	if err != nil || snap == nil {
		return err
	}
	if len(st.pending) > 0 {
		// A journal with unfinished operations must be settled by an update first; the next update writes the
		// new recipients as well.
		return nil
	}
	now := time.Now().UTC()
	return st.saveState(a.ctx, snap, backend.UpdateInfo{Kind: "rekey", Result: "succeeded", StartTime: now, EndTime: now,
		Resources: snap.Live(), Message: "recipients changed"})
}

func (s *stack) planCodec() plan.Codec {
	return plan.Codec{Crypter: s.secrets, MACKey: s.secrets.DeriveKey("infra plan mac v1")}
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
	if p.Project != s.ws.proj.Name || p.Stack != s.name {
		return nil, fmt.Errorf("%s is a plan for stack %s/%s, not %s/%s", path, p.Project, p.Stack, s.ws.proj.Name, s.name)
	}
	if p.BaseVersion != s.version || p.BaseJournal != s.lastSeq {
		return nil, fmt.Errorf("the state of stack %s moved on since %s was made (the plan is for version %d, the stack is at version %d%s): "+
			"nothing was changed; make a new plan with `infra preview --save-plan %s`", s.name, path, p.BaseVersion, s.version,
			map[bool]string{true: " with an unfinished update in its journal", false: ""}[s.lastSeq > 0], path)
	}
	return p, nil
}

// providerParallel collects the per-provider concurrency bounds of Infra.yaml.
func (w *workspace) providerParallel() map[string]int {
	out := map[string]int{}
	for name, p := range w.proj.Providers {
		if p.Parallel > 0 {
			out[name] = p.Parallel
		}
	}
	return out
}
