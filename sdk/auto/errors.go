package auto

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// Codes of the failures the CLI classifies (the result event's errorCode), and the codes of this package.
const (
	CodeConcurrentUpdate = "concurrent-update"
	CodeStackNotFound    = "stack-not-found"
	CodeCompileError     = "compile-error"
	// CodeChangesPresent is a run with ExpectNoChanges that found (or made) changes: exit status 2.
	CodeChangesPresent = "changes-present"
)

// Error is a failed operation: what was being done, on which stack, the CLI's exit status, its error code when
// it classified the failure, and its message.
type Error struct {
	Op       string
	Stack    string
	Code     string
	ExitCode int
	Message  string
	// Stderr is what the CLI printed on its standard error.
	Stderr string
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = strings.TrimSpace(e.Stderr)
	}
	if msg == "" {
		msg = fmt.Sprintf("the CLI exited with status %d", e.ExitCode)
	}
	return e.Op + ": " + msg
}

// IsConcurrentUpdate reports whether err is an update refused, or stopped, because another run holds the
// stack's lock. Retrying later is the usual answer.
func IsConcurrentUpdate(err error) bool { return hasCode(err, CodeConcurrentUpdate) }

// IsStackNotFound reports whether err is about a stack that does not exist.
func IsStackNotFound(err error) bool { return hasCode(err, CodeStackNotFound) }

// IsCompileError reports whether err is a program that does not compile.
func IsCompileError(err error) bool { return hasCode(err, CodeCompileError) }

// IsChangesPresent reports whether err is a run with ExpectNoChanges that found changes.
func IsChangesPresent(err error) bool { return hasCode(err, CodeChangesPresent) }

func hasCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// newError makes the Error of a CLI run that failed.
func newError(op, stack string, err error, out *output) error {
	e := &Error{Op: op, Stack: stack, Stderr: string(out.stderr), ExitCode: -1}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		e.ExitCode = exit.ExitCode()
	}
	if r := out.result; r != nil {
		e.Code, e.Message = r.ErrorCode, r.Error
		if r.Status == "changes-present" {
			e.Code = CodeChangesPresent
		}
	}
	if e.Message == "" {
		// Errors shown through events: failed steps are summed up in the summary, other errors (a program's
		// own) are error diagnostics.
		var msgs []string
		for _, ev := range out.events {
			switch {
			case ev.Summary != nil && len(ev.Summary.Failures) > 0:
				msgs = append(msgs, ev.Summary.Failures...)
			case ev.Diagnostic != nil && ev.Diagnostic.Severity == "error" && ev.Diagnostic.URN == "":
				msgs = append(msgs, ev.Diagnostic.Message)
			}
		}
		e.Message = strings.Join(msgs, "; ")
	}
	if e.Message == "" {
		e.Message = lastErrorLine(string(out.stderr) + string(out.stdout))
	}
	if e.Code == "" && e.ExitCode == 2 {
		e.Code = CodeChangesPresent
	}
	if e.Code == "" && strings.Contains(e.Message, "stack is locked") {
		e.Code = CodeConcurrentUpdate
	}
	return e
}

// lastErrorLine picks the CLI's error message out of its output: the last "error: " line and what follows.
func lastErrorLine(s string) string {
	i := strings.LastIndex(s, "error: ")
	if i < 0 {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(s[i+len("error: "):])
}
