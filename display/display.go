// Package display renders the engine's event stream: for people as plain lines (CI, logs, pipes) or as a live
// tree redrawn in place (a terminal); for machines as one JSON object per line; for pull requests as a markdown
// summary. Secrets are shown as [secret]; values not known yet as [unknown]. Every display only reads events, so
// what it shows is what the engine did.
package display

import (
	"bufio"
	"io"
	"sync"
	"time"

	"github.com/infrago/infra/engine/events"
)

// Options configure the human displays (Printer and Live).
type Options struct {
	// Color enables ANSI colors (off when NO_COLOR is set or output is not a terminal).
	Color bool
	// ShowSames lists unchanged resources too.
	ShowSames bool
	// Diff shows the full inputs of creates and deletes, not only changed properties.
	Diff bool
	// Verbose shows debug diagnostics.
	Verbose bool
	// Elapsed shows how long each completed step took (off for golden tests).
	Elapsed bool
	// Redactor masks secrets that escape into free text; the display also teaches it every secret it sees in
	// events. Nil means a private one.
	Redactor *Redactor
}

// Display is an event sink that must be closed once the command is over: Close tells it how the command ended
// (the JSON stream's last line carries it) and releases what it holds (the live display's frame timer).
type Display interface {
	events.Sink
	// Close finishes the display. It is idempotent; events after Close are dropped or printed plainly.
	Close(r Result) error
}

// Result is how a command ended.
type Result struct {
	// ExitCode is the process's exit status: 0 ok, 1 error, 2 changes present where they were not expected.
	ExitCode int
	// Error is the error's message, already free of secrets ("" when there was none, or when the display
	// has shown it already through events).
	Error string
	// Code names the kind of failure for machines ("concurrent-update", "stack-not-found", "compile-error"),
	// "" for any other.
	Code string
}

// Status names the result for machines: "succeeded", "failed" or "changes-present".
func (r Result) Status() string {
	switch r.ExitCode {
	case 0:
		return "succeeded"
	case 2:
		return "changes-present"
	}
	return "failed"
}

// Printer writes events as plain lines, in the order they happen: the display for CI, logs and pipes. It is
// safe for concurrent use.
type Printer struct {
	mu sync.Mutex
	f  formatter
	w  *bufio.Writer
	// flush is the pending delayed flush, if any; closed is set by Close.
	flush  *time.Timer
	closed bool
}

// flushDelay is how long a line may wait in the buffer. Writing every line at once costs a system call per
// line, which for a run of 10,000 resources is a noticeable share of the CLI's time; a tenth of a second is
// still immediate to a reader of a CI log.
const flushDelay = 100 * time.Millisecond

// New returns a Printer writing to w.
func New(w io.Writer, opts Options) *Printer {
	if opts.Redactor == nil {
		opts.Redactor = NewRedactor()
	}
	// Secrets are masked line by line on the way out, so a secret is never split across two writes.
	bw := bufio.NewWriterSize(opts.Redactor.Writer(w), 64*1024)
	return &Printer{f: formatter{opts: opts, w: bw}, w: bw}
}

// Emit implements events.Sink.
func (p *Printer) Emit(e events.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.f.event(e)
	// Lines wait at most flushDelay; the end of a run is written at once, since a prompt or the command's
	// exit may follow.
	switch {
	case e.Kind == events.KindSummary || p.closed:
		p.w.Flush()
	case p.flush == nil:
		p.flush = time.AfterFunc(flushDelay, p.delayedFlush)
	}
}

func (p *Printer) delayedFlush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flush = nil
	p.w.Flush()
}

// Close implements Display: it writes what is still buffered.
func (p *Printer) Close(Result) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.flush != nil {
		p.flush.Stop()
		p.flush = nil
	}
	return p.w.Flush()
}

// Tee returns a Display that sends every event to each of ds in turn, and closes them all.
func Tee(ds ...Display) Display { return tee(ds) }

type tee []Display

func (t tee) Emit(e events.Event) {
	for _, d := range t {
		d.Emit(e)
	}
}

func (t tee) Close(r Result) error {
	var first error
	for _, d := range t {
		if err := d.Close(r); err != nil && first == nil {
			first = err
		}
	}
	return first
}
