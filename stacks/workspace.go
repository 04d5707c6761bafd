// Package stacks is what a stack means, whoever drives it: the project and backend it lives in (Workspace), and
// one stack opened for work (Stack) with its lock, its state (loaded with the journal an interrupted run left
// replayed and verified, saved as the next numbered version with its history kept to the project's limit), the
// outputs it reads from other stacks, and its secrets. The CLI and the automation API both go through it, so a
// stack behaves the same whichever of them runs it.
package stacks

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

	"github.com/infrago/infra/stacks/backend"
	"github.com/infrago/infra/stacks/project"
	"github.com/infrago/infra/stacks/secrets"
)

// Workspace is a project with the backend its stacks are stored in.
type Workspace struct {
	// Project is the loaded Infra.yaml.
	Project *project.Project
	// Store is the project's backend.
	Store backend.Store
	// Passphrases supplies the passphrases of passphrase-protected stacks; nil reads only the environment.
	Passphrases *secrets.Passphrases
	// Warn receives messages about housekeeping that failed without failing the operation (pruning history); nil
	// drops them.
	Warn func(msg string)
}

// OpenWorkspace finds the project that dir is in (dir or one of its parents) and opens its backend.
func OpenWorkspace(ctx context.Context, dir string, passphrases *secrets.Passphrases) (*Workspace, error) {
	root, err := project.Find(dir)
	if err != nil {
		return nil, err
	}
	proj, err := project.Load(root)
	if err != nil {
		return nil, err
	}
	store, err := backend.Open(ctx, proj.Backend, proj.Dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", proj.Path(), err)
	}
	return &Workspace{Project: proj, Store: store, Passphrases: passphrases}, nil
}

// LocalDir is the project's own .infra directory: the selected stack and caches live there whatever the backend.
func (w *Workspace) LocalDir() string { return filepath.Join(w.Project.Dir, ".infra") }

// Ref names a stack of this project in the backend.
func (w *Workspace) Ref(stack string) backend.StackRef {
	return backend.StackRef{Project: w.Project.Name, Stack: stack}
}

type selection struct {
	Stack string `json:"stack"`
}

func (w *Workspace) selectionFile() string { return filepath.Join(w.LocalDir(), "workspace.json") }

// Selected is the stack `infra stack select` chose, or "" when none is.
func (w *Workspace) Selected() string {
	b, err := os.ReadFile(w.selectionFile())
	if err != nil {
		return ""
	}
	var f selection
	if json.Unmarshal(b, &f) != nil {
		return ""
	}
	return f.Stack
}

// Select makes name the stack commands work on when none is named; "" clears the selection.
func (w *Workspace) Select(name string) error {
	if err := os.MkdirAll(w.LocalDir(), 0o755); err != nil {
		return fmt.Errorf("select stack %s: %w", name, err)
	}
	b, err := json.MarshalIndent(selection{Stack: name}, "", "  ")
	if err != nil {
		return fmt.Errorf("select stack %s: %w", name, err)
	}
	if err := os.WriteFile(w.selectionFile(), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("select stack %s: %w", name, err)
	}
	return nil
}

// StackNames lists the project's stacks in the backend, sorted.
func (w *Workspace) StackNames(ctx context.Context) ([]string, error) {
	ss, err := w.Store.ListStacks(ctx, w.Project.Name)
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

// Resolve picks the stack to work on: name when given, else the selected stack, else the only one; it must
// exist. The error says how to create or select one.
func (w *Workspace) Resolve(ctx context.Context, name string) (string, error) {
	if name == "" {
		name = w.Selected()
	}
	names, err := w.StackNames(ctx)
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

// Open opens the stack called name: its config file and its secrets. It does not lock the stack or read its state.
func (w *Workspace) Open(ctx context.Context, name string) (*Stack, error) {
	path := w.Project.StackConfigPath(name)
	cfg, err := project.LoadStackConfig(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("stack %s exists, but its config file %s is missing: it holds the stack's secrets key; "+
				"restore it from version control (or a teammate), then run the command again", name, path)
		}
		return nil, err
	}
	m, err := cfg.OpenSecrets(ctx, secrets.WithPassphrases(w.Passphrases))
	if err != nil {
		return nil, err
	}
	return w.Attach(name, cfg, m), nil
}

// Attach makes a Stack of a config and secrets already opened (as a rekey has them); cfg and m may be nil for
// work that touches neither, such as moving the stack to another backend.
func (w *Workspace) Attach(name string, cfg *project.StackConfig, m *secrets.Manager) *Stack {
	return &Stack{Workspace: w, Name: name, Ref: w.Ref(name), Config: cfg, Secrets: m}
}

// Access says how Begin opens a stack.
type Access struct {
	// Command names the operation in the lock, for whoever finds the stack locked ("infra up").
	Command string
	// Lock takes the stack's lock before reading its state; reads that write nothing (previews, listings) leave
	// it off so they can run beside an update.
	Lock bool
	// Lease is how long the lock stays valid without renewal (0: DefaultLease).
	Lease time.Duration
	// Settled refuses a stack whose journal holds operations an interrupted run left pending, for edits that
	// must not act on a state that is not yet known.
	Settled bool
}

// Begin opens the stack called name (resolved as Resolve does), takes its lock when a.Lock, and loads its state:
// the prologue every command that works on a stack shares. Close the session to release the lock.
func (w *Workspace) Begin(ctx context.Context, name string, a Access) (*Session, error) {
	name, err := w.Resolve(ctx, name)
	if err != nil {
		return nil, err
	}
	st, err := w.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	return st.Begin(ctx, a)
}
