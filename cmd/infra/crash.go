package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/infrago/infra/engine/graph"
)

// A panic in the CLI is a bug in infra. The top of the CLI recovers it so that the user gets an answer instead of
// a stack trace: the locks the command holds are released, the state is left as the command last wrote it (every
// completed step is in the journal), and the details go to a crash log the user can attach to a report.

// heldSessions are the stack sessions a command opened, released after a panic whatever the command's own
// deferred calls managed.
type heldSessions struct {
	mu   sync.Mutex
	open []*stack
}

func (h *heldSessions) add(st *stack) {
	h.mu.Lock()
	h.open = append(h.open, st)
	h.mu.Unlock()
}

// closeAll releases every lock still held; closing a session twice is harmless.
func (h *heldSessions) closeAll() {
	h.mu.Lock()
	open := h.open
	h.open = nil
	h.mu.Unlock()
	for _, st := range open {
		st.Close()
	}
}

// crashDir is where crash logs go: beside the program build cache ($INFRA_CACHE_DIR, else the user's cache
// directory), so that they survive the command and never land in the project.
func crashDir() string {
	if d := os.Getenv("INFRA_CACHE_DIR"); d != "" {
		return filepath.Join(d, "crash")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "infra", "crash")
	}
	return filepath.Join(os.TempDir(), "infra-crash")
}

// writeCrashLog writes a panic and its stack to a new crash log, secrets masked, and returns its path, or a
// phrase saying it could not be written.
func (a *app) writeCrashLog(args []string, value any, stack []byte) string {
	detail := fmt.Sprintf("infra %s\ncommand: infra %s\ntime: %s\npanic: %v\n\n%s", version, strings.Join(args, " "),
		time.Now().UTC().Format(time.RFC3339), value, stack)
	detail = a.redactor.Redact(detail)
	dir := crashDir()
	path := filepath.Join(dir, fmt.Sprintf("crash-%s-%d.log", time.Now().UTC().Format("20060102T150405"), os.Getpid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "it could not be written (" + err.Error() + ")"
	}
	if err := os.WriteFile(path, []byte(detail), 0o600); err != nil {
		return "it could not be written (" + err.Error() + ")"
	}
	return path
}

// reportCrash writes the panic to a crash log and tells the user, in one paragraph, what happened and what to do.
func (a *app) reportCrash(w io.Writer, args []string, value any, stack []byte) {
	where := a.writeCrashLog(args, value, stack)
	fmt.Fprintf(w, "error: infra crashed (%s). This is a bug in infra, not in your program or configuration. "+
		"The stack's lock was released and its state was left as the last completed step wrote it: run the command "+
		"again, and `infra preview` shows where things stand. Please report the bug with the crash log, which holds the details: %s\n",
		a.redactor.Redact(fmt.Sprint(value)), where)
}

// reportStepPanic writes the crash log of a panic the engine caught in one resource's step (the step failed and
// the run ended with what it completed recorded), and says where it is.
func (a *app) reportStepPanic(w io.Writer, err error) {
	var pe *graph.PanicError
	if !errors.As(err, &pe) {
		return
	}
	where := a.writeCrashLog(os.Args[1:], pe.Value, pe.Stack)
	fmt.Fprintf(w, "The failure of %s is a bug in infra. What the run completed is recorded. Please report the bug with "+
		"the crash log, which holds the details: %s\n", pe.Node, where)
}

// debugStack is the stack of the panicking goroutine, as runtime/debug gives it.
func debugStack() []byte { return debug.Stack() }
