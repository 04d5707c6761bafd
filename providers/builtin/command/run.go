package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"
)

// waitDelay is how long a finished command's background children may keep its output pipes open before the
// provider stops waiting for them (a command that starts a daemon with "&" would otherwise hang the operation).
const waitDelay = time.Second

// stderrLines is how much of a failed command's standard error its error message quotes.
const stderrLines = 20

// invocation is one run of one of a resource's commands.
type invocation struct {
	phase  string // "create", "update" or "delete", named in errors
	script string
	args   Args
	// extraEnv is added after the environment input, for the INFRA_COMMAND_* variables.
	extraEnv []string
	// secret withholds stderr from error messages: a command can print the secrets it was given, and errors are
	// shown and logged in plain text.
	secret bool
}

// output is what a command printed, each stream with one trailing newline removed.
type output struct {
	stdout, stderr string
}

// run runs inv to completion, or until ctx is done, when it kills the command's whole process group.
func run(ctx context.Context, inv invocation) (output, error) {
	interp := inv.args.interpreter()
	if len(interp) == 0 || interp[0] == "" {
		return output{}, fmt.Errorf("%s command: interpreter is empty; give the program that runs a command string and its leading arguments, such as [\"/bin/sh\", \"-c\"]", inv.phase)
	}
	env, err := environ(inv.args.Environment, inv.extraEnv)
	if err != nil {
		return output{}, fmt.Errorf("%s command: %w", inv.phase, err)
	}
	argv := append(append([]string(nil), interp[1:]...), inv.script)
	cmd := exec.CommandContext(ctx, interp[0], argv...)
	cmd.Dir = str(inv.args.Dir)
	cmd.Env = env
	if inv.args.Stdin != nil {
		cmd.Stdin = strings.NewReader(*inv.args.Stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	inOwnProcessGroup(cmd)
	cmd.WaitDelay = waitDelay

	start := time.Now()
	err = cmd.Run()
	elapsed := time.Since(start).Round(time.Millisecond)
	out := output{stdout: trimNewline(stdout.String()), stderr: trimNewline(stderr.String())}

	var exitErr *exec.ExitError
	switch {
	case err != nil && ctx.Err() != nil:
		what := "was cancelled"
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			what = "timed out"
		}
		return out, fmt.Errorf("%s command %s after %s and was killed together with the processes it started%s: %w",
			inv.phase, what, elapsed, inv.stderrTail(out.stderr), ctx.Err())
	case err == nil, errors.Is(err, exec.ErrWaitDelay):
		// ErrWaitDelay: the command succeeded but left a background process holding its output open.
		return out, nil
	case errors.As(err, &exitErr):
		if code := exitErr.ExitCode(); code >= 0 {
			return out, fmt.Errorf("%s command exited with code %d after %s%s", inv.phase, code, elapsed, inv.stderrTail(out.stderr))
		}
		return out, fmt.Errorf("%s command was terminated (%s) after %s%s", inv.phase, exitErr.ProcessState, elapsed, inv.stderrTail(out.stderr))
	default:
		where := ""
		if cmd.Dir != "" {
			where = " in directory " + cmd.Dir
		}
		return out, fmt.Errorf("%s command: start %s%s: %w", inv.phase, interp[0], where, err)
	}
}

// stderrTail renders the end of a failed command's standard error for its error message.
func (inv invocation) stderrTail(stderr string) string {
	switch {
	case inv.secret:
		return "; its standard error is not shown because the command's inputs hold secrets"
	case stderr == "":
		return "; it printed nothing on standard error"
	}
	lines := strings.Split(stderr, "\n")
	head := "; standard error:"
	if len(lines) > stderrLines {
		lines = lines[len(lines)-stderrLines:]
		head = fmt.Sprintf("; last %d lines of standard error:", stderrLines)
	}
	return head + "\n" + strings.Join(lines, "\n")
}

// environ is infra's own environment plus the environment input (in sorted order, so runs are reproducible) and
// extra. Later entries win over earlier ones with the same name.
func environ(vars map[string]string, extra []string) ([]string, error) {
	env := os.Environ()
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return nil, fmt.Errorf("environment variable name %q is not valid: it must be non-empty and hold no '=' or NUL", k)
		}
		if strings.ContainsRune(vars[k], 0) {
			return nil, fmt.Errorf("environment variable %s holds a NUL character, which no process environment can", k)
		}
		env = append(env, k+"="+vars[k])
	}
	return append(env, extra...), nil
}

// trimNewline removes one trailing line ending, so `echo hello` gives "hello".
func trimNewline(s string) string {
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		return strings.TrimSuffix(t, "\r")
	}
	return s
}
