package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"
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

// reportCrash writes the panic and its stack to a crash log and tells the user, in one paragraph, what happened
// and what to do. Secrets the command learnt are masked in both.
func (a *app) reportCrash(w io.Writer, args []string, value any, stack []byte) {
	detail := fmt.Sprintf("infra %s\ncommand: infra %s\ntime: %s\npanic: %v\n\n%s", version, strings.Join(args, " "),
		time.Now().UTC().Format(time.RFC3339), value, stack)
	detail = a.redactor.Redact(detail)
	where := "it could not be written"
	dir := crashDir()
	path := filepath.Join(dir, fmt.Sprintf("crash-%s-%d.log", time.Now().UTC().Format("20060102T150405"), os.Getpid()))
	if err := os.MkdirAll(dir, 0o700); err == nil {
		if err := os.WriteFile(path, []byte(detail), 0o600); err == nil {
			where = path
		}
	}
	fmt.Fprintf(w, "error: infra crashed (%s). This is a bug in infra, not in your program or configuration. "+
		"The stack's lock was released and its state was left as the last completed step wrote it: run the command "+
		"again, and `infra preview` shows where things stand. Please report the bug with the crash log, which holds the details: %s\n",
		a.redactor.Redact(fmt.Sprint(value)), where)
}

// debugStack is the stack of the panicking goroutine, as runtime/debug gives it.
func debugStack() []byte { return debug.Stack() }
