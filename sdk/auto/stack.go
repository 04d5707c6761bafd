package auto

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Stack is one stack of a workspace.
type Stack struct {
	ws   *Workspace
	name string
}

// Name is the stack's name.
func (s *Stack) Name() string { return s.name }

// Workspace is the stack's workspace.
func (s *Stack) Workspace() *Workspace { return s.ws }

// StackSummary is a stack as ListStacks lists it.
type StackSummary struct {
	Name          string    `json:"name"`
	Current       bool      `json:"current"`
	LastUpdate    time.Time `json:"lastUpdate"`
	ResourceCount int       `json:"resourceCount"`
}

// CreateStack creates stack name (`infra stack init`), failing if it exists. Secrets are encrypted with age
// identities as `infra stack init` does by default; options of `infra stack init` can be added as args.
func (w *Workspace) CreateStack(ctx context.Context, name string, args ...string) (*Stack, error) {
	if _, err := w.run(ctx, "create stack "+name, "", command{args: append([]string{"stack", "init", name, "--no-select"}, args...)}); err != nil {
		return nil, err
	}
	return &Stack{ws: w, name: name}, nil
}

// SelectStack returns stack name, failing with an error IsStackNotFound recognises if there is none.
func (w *Workspace) SelectStack(ctx context.Context, name string) (*Stack, error) {
	stacks, err := w.ListStacks(ctx)
	if err != nil {
		return nil, err
	}
	for _, st := range stacks {
		if st.Name == name {
			return &Stack{ws: w, name: name}, nil
		}
	}
	return nil, &Error{Op: "select stack " + name, Stack: name, Code: CodeStackNotFound, ExitCode: 1,
		Message: fmt.Sprintf("project in %s has no stack %q: create it with CreateStack", w.dir, name)}
}

// UpsertStack returns stack name, creating it if there is none.
func (w *Workspace) UpsertStack(ctx context.Context, name string) (*Stack, error) {
	st, err := w.SelectStack(ctx, name)
	if IsStackNotFound(err) {
		return w.CreateStack(ctx, name)
	}
	return st, err
}

// ListStacks lists the project's stacks.
func (w *Workspace) ListStacks(ctx context.Context) ([]StackSummary, error) {
	out, err := w.run(ctx, "list stacks", "", command{args: []string{"stack", "ls", "--json"}})
	if err != nil {
		return nil, err
	}
	var list []StackSummary
	if err := json.Unmarshal(out.stdout, &list); err != nil {
		return nil, fmt.Errorf("list stacks: `infra stack ls --json` printed what this SDK cannot read: %w", err)
	}
	return list, nil
}

// RemoveStack removes stack name and its state (`infra stack rm`). A stack that still has resources is refused
// unless force, which forgets them, leaving them in the cloud: destroy first.
func (w *Workspace) RemoveStack(ctx context.Context, name string, force bool) error {
	args := []string{"stack", "rm", name, "--yes"}
	if force {
		args = append(args, "--force")
	}
	_, err := w.run(ctx, "remove stack "+name, "", command{args: args})
	return err
}

// SetConfig sets a plain configuration value (`infra config set`); a key without a namespace is the project's.
func (s *Stack) SetConfig(ctx context.Context, key, value string) error {
	_, err := s.ws.run(ctx, "set config "+key, s.name, command{args: []string{"config", "set", key, value}})
	return err
}

// SetSecret sets a secret configuration value, encrypted in the stack's file (`infra config set --secret`). The
// value goes to the CLI on its standard input, never on its command line.
func (s *Stack) SetSecret(ctx context.Context, key, value string) error {
	_, err := s.ws.run(ctx, "set secret "+key, s.name, command{args: []string{"config", "set", "--secret", key}, stdin: strings.NewReader(value)})
	return err
}

// GetConfig returns a configuration value, decrypted if it is a secret.
func (s *Stack) GetConfig(ctx context.Context, key string) (string, error) {
	out, err := s.ws.run(ctx, "get config "+key, s.name, command{args: []string{"config", "get", key}})
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(out.stdout), "\n"), nil
}

// RemoveConfig removes a configuration value.
func (s *Stack) RemoveConfig(ctx context.Context, key string) error {
	_, err := s.ws.run(ctx, "remove config "+key, s.name, command{args: []string{"config", "rm", key}})
	return err
}

// OutputValue is a stack output: its value as plain Go (string, float64, bool, []any, map[string]any, nil) and
// whether it is secret.
type OutputValue struct {
	Value  any
	Secret bool
}

// Outputs returns the stack's outputs as of its last update, secrets decrypted and marked.
func (s *Stack) Outputs(ctx context.Context) (map[string]OutputValue, error) {
	plain, err := s.outputs(ctx, true)
	if err != nil {
		return nil, err
	}
	masked, err := s.outputs(ctx, false)
	if err != nil {
		return nil, err
	}
	out := make(map[string]OutputValue, len(plain))
	for k, v := range plain {
		out[k] = OutputValue{Value: v, Secret: masked[k] == "[secret]" && v != "[secret]"}
	}
	return out, nil
}

func (s *Stack) outputs(ctx context.Context, showSecrets bool) (map[string]any, error) {
	args := []string{"outputs", "--json"}
	if showSecrets {
		args = append(args, "--show-secrets")
	}
	out, err := s.ws.run(ctx, "read outputs", s.name, command{args: args})
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(out.stdout, &m); err != nil {
		return nil, fmt.Errorf("read outputs of %s: `infra outputs --json` printed what this SDK cannot read: %w", s.name, err)
	}
	return m, nil
}

// RunOption adjusts a preview, update, refresh or destroy.
type RunOption func(*runConfig)

type runConfig struct {
	onEvent         func(Event)
	parallel        int
	message         string
	refresh         bool
	expectNoChanges bool
	targets         []string
	args            []string
}

// OnEvent receives every event of the run as it happens, in order, from one goroutine.
func OnEvent(f func(Event)) RunOption { return func(c *runConfig) { c.onEvent = f } }

// Parallel bounds how many resource operations run at once (--parallel).
func Parallel(n int) RunOption { return func(c *runConfig) { c.parallel = n } }

// Message is recorded with the update in the stack's history (-m).
func Message(m string) RunOption { return func(c *runConfig) { c.message = m } }

// Refresh reads every object's live state first (--refresh).
func Refresh() RunOption { return func(c *runConfig) { c.refresh = true } }

// ExpectNoChanges fails the run, with an error IsChangesPresent recognises, when there are changes.
func ExpectNoChanges() RunOption { return func(c *runConfig) { c.expectNoChanges = true } }

// Target limits the run to these resources (URNs, * matching any characters).
func Target(urns ...string) RunOption {
	return func(c *runConfig) { c.targets = append(c.targets, urns...) }
}

// Args passes further CLI flags to the command, for what has no option here.
func Args(args ...string) RunOption { return func(c *runConfig) { c.args = append(c.args, args...) } }

// Result is how a preview, update, refresh or destroy ended.
type Result struct {
	// Changes counts the logical steps of each operation ("create", "update", "same", ...).
	Changes map[string]int
	// Summary is the run's summary event (nil when the run stopped before it, as for a compile error).
	Summary *SummaryEvent
	// Events are every event of the run, in order.
	Events []Event
}

// HasChanges reports whether the run changed, or would change, anything.
func (r *Result) HasChanges() bool {
	for op, n := range r.Changes {
		if op != "same" && n > 0 {
			return true
		}
	}
	return false
}

// Preview shows what Up would change (`infra preview`).
func (s *Stack) Preview(ctx context.Context, opts ...RunOption) (*Result, error) {
	return s.runOp(ctx, "preview", []string{"preview"}, opts)
}

// Up brings the stack in line with its program (`infra up --yes`).
func (s *Stack) Up(ctx context.Context, opts ...RunOption) (*Result, error) {
	return s.runOp(ctx, "up", []string{"up", "--yes"}, opts)
}

// RefreshState reads every object's live state and records it (`infra refresh --yes`).
func (s *Stack) RefreshState(ctx context.Context, opts ...RunOption) (*Result, error) {
	return s.runOp(ctx, "refresh", []string{"refresh", "--yes"}, opts)
}

// Destroy deletes every resource of the stack (`infra destroy --yes`).
func (s *Stack) Destroy(ctx context.Context, opts ...RunOption) (*Result, error) {
	return s.runOp(ctx, "destroy", []string{"destroy", "--yes"}, opts)
}

func (s *Stack) runOp(ctx context.Context, op string, args []string, opts []RunOption) (*Result, error) {
	var c runConfig
	for _, o := range opts {
		o(&c)
	}
	args = append(args, "--json")
	if c.parallel > 0 {
		args = append(args, "--parallel", strconv.Itoa(c.parallel))
	}
	if c.message != "" && op != "preview" {
		args = append(args, "--message", c.message)
	}
	if c.refresh && (op == "preview" || op == "up") {
		args = append(args, "--refresh")
	}
	if c.expectNoChanges && op != "destroy" {
		args = append(args, "--expect-no-changes")
	}
	for _, t := range c.targets {
		args = append(args, "--target", t)
	}
	attach := s.ws.program != nil && (op == "preview" || op == "up")
	if attach {
		args = append(args, "--attach")
	}
	args = append(args, c.args...)
	out, err := s.ws.run(ctx, op+" "+s.name, s.name, command{args: args, events: c.onEvent, attach: attach})
	res := &Result{Changes: map[string]int{}}
	if out != nil {
		res.Events = out.events
		for _, e := range out.events {
			if e.Summary != nil {
				res.Summary = e.Summary
				for k, v := range e.Summary.Changes {
					res.Changes[k] = v
				}
			}
		}
	}
	return res, err
}
