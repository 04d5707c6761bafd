package command

import (
	"context"
	"strings"

	"github.com/infrago/infra/providers/builtin/internal/ident"
	"github.com/infrago/infra/sdk/provider"
)

// Environment variables that give the update and delete commands the outputs of the previous run.
const (
	EnvStdout = "INFRA_COMMAND_STDOUT"
	EnvStderr = "INFRA_COMMAND_STDERR"
)

// commandResource implements command:index:Command. It has no Read: refresh keeps state as it is (a command's
// effects cannot be re-read) and import is refused by the kit.
type commandResource struct{}

// Create runs the create command. A failed command creates nothing, so nothing is tracked.
func (commandResource) Create(ctx context.Context, req provider.CreateRequest[Args]) (provider.CreateResponse[State], error) {
	in := req.Inputs
	out, err := run(ctx, invocation{phase: "create", script: in.Create, args: in, secret: len(req.SecretInputs) > 0})
	if err != nil {
		return provider.CreateResponse[State]{}, err
	}
	id, err := ident.New()
	if err != nil {
		return provider.CreateResponse[State]{}, err
	}
	return provider.CreateResponse[State]{ID: id, Outputs: State{Args: in, Stdout: out.stdout, Stderr: out.stderr},
		Secret: secretOutputs(req.SecretInputs)}, nil
}

// Update runs the update command (the create command if update has just been removed) unless only the update or
// delete commands changed, in which case it records them and keeps the last run's output.
func (commandResource) Update(ctx context.Context, req provider.UpdateRequest[Args, State]) (provider.UpdateResponse[State], error) {
	in := req.Inputs
	state := State{Args: in, Stdout: req.OldOutputs.Stdout, Stderr: req.OldOutputs.Stderr}
	if runsOnUpdate(req.OldInputs, in) {
		script := str(in.Update)
		if script == "" {
			script = in.Create
		}
		out, err := run(ctx, invocation{phase: "update", script: script, args: in, secret: len(req.SecretInputs) > 0,
			extraEnv: lastOutputEnv(req.OldOutputs)})
		if err != nil {
			return provider.UpdateResponse[State]{}, err
		}
		state.Stdout, state.Stderr = out.stdout, out.stderr
	}
	return provider.UpdateResponse[State]{Outputs: state, Secret: secretOutputs(req.SecretInputs)}, nil
}

// Delete runs the delete command, if there is one, with the last run's output in its environment.
func (commandResource) Delete(ctx context.Context, req provider.DeleteRequest[Args, State]) error {
	script := str(req.Inputs.Delete)
	if script == "" {
		return nil
	}
	_, err := run(ctx, invocation{phase: "delete", script: script, args: req.Inputs, extraEnv: lastOutputEnv(req.Outputs),
		secret: len(req.SecretInputs) > 0})
	return err
}

// lastOutputEnv passes the previous run's output to the next command. NUL characters are dropped because no
// process environment can hold them.
func lastOutputEnv(s State) []string {
	return []string{EnvStdout + "=" + strings.ReplaceAll(s.Stdout, "\x00", ""),
		EnvStderr + "=" + strings.ReplaceAll(s.Stderr, "\x00", "")}
}

// secretOutputs names the outputs to mark secret when the inputs named by secretInputs hold secrets: stdout and
// stderr, because a command can print what it was given, and the echoed inputs themselves as a whole, because the
// kit's codec drops a secret nested inside a typed value (a single secret environment variable, say). triggers
// holds property values as they are, nested secrets included, so it needs no such blanket marking.
func secretOutputs(secretInputs []string) []string {
	if len(secretInputs) == 0 {
		return nil
	}
	names := []string{"stdout", "stderr"}
	for _, n := range secretInputs {
		if n != "triggers" {
			names = append(names, n)
		}
	}
	return names
}
