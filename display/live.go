package display

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/infrago/infra/engine/events"
)

// DefaultFrameInterval is how often the live display redraws: 10 frames a second, whatever the rate of events.
const DefaultFrameInterval = 100 * time.Millisecond

// LiveOptions configure a Live display.
type LiveOptions struct {
	Options
	// Size returns the terminal's width and height. It is asked once per frame, so a resized terminal is
	// followed. Nil, or a size of 0, means 80 columns and 24 rows.
	Size func() (width, height int)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// FrameInterval is the time between frames; 0 means DefaultFrameInterval. A negative value draws frames
	// only when Render is called, for tests that decide when each frame is taken.
	FrameInterval time.Duration
}

// Live is the display for a terminal. Below what has happened (finished steps, each collapsed to one line with
// its result; diagnostics; program output) it keeps a live area, redrawn in place: the steps in flight as a tree
// under their parents, each with a spinner, its operation and how long it has run, and a status line with
// counts. At the end the live area gives way to the summary.
//
// The display is never the bottleneck: Emit only updates in-memory state (O(1) per event, plus formatting the
// finished step's line into a buffer) and never writes; frames are drawn by a timer at a bounded rate, each
// costing time proportional to the steps in flight and the lines finished since the last frame. A slow
// terminal delays frames, not the engine. It is safe for concurrent use.
type Live struct {
	opts     LiveOptions
	out      io.Writer
	interval time.Duration

	// writeMu serializes frames: each is built and written whole, in order.
	writeMu sync.Mutex
	// liveLines is how many lines the live area takes on screen, to go back over them. Guarded by writeMu.
	liveLines int
	// spare is the buffer Emit fills after the next swap. Guarded by writeMu.
	spare *bytes.Buffer
	frame bytes.Buffer
	err   error

	mu sync.Mutex
	// f writes the lines of finished steps, diagnostics and program output into pending, drawn above the
	// live area at the next frame.
	f       formatter
	pending *bytes.Buffer
	tree    *tree
	prelude events.Prelude
	started time.Time
	frames  int
	// final is set once the summary was drawn or the display closed: no live area any more, and events that
	// still come are printed at once.
	final  bool
	closed bool

	stopOnce sync.Once
	stop     chan struct{}
	stopped  chan struct{}
}

// NewLive returns a live display drawing on the terminal w. Unless opts.FrameInterval is negative it starts
// drawing frames at once; Close stops it.
func NewLive(w io.Writer, opts LiveOptions) *Live {
	if opts.Redactor == nil {
		opts.Redactor = NewRedactor()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	l := &Live{opts: opts, out: w, interval: opts.FrameInterval, tree: newTree(),
		pending: &bytes.Buffer{}, spare: &bytes.Buffer{}, stop: make(chan struct{}), stopped: make(chan struct{})}
	l.f = formatter{opts: opts.Options, w: l.pending, live: true}
	if l.interval == 0 {
		l.interval = DefaultFrameInterval
	}
	if l.interval > 0 {
		go l.loop()
	} else {
		close(l.stopped)
	}
	return l
}

func (l *Live) loop() {
	defer close(l.stopped)
	t := time.NewTicker(l.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			l.Render()
		case <-l.stop:
			return
		}
	}
}

// stopLoop stops the frame timer and waits until no frame is being drawn by it.
func (l *Live) stopLoop() {
	l.stopOnce.Do(func() { close(l.stop) })
	<-l.stopped
}

// Emit implements events.Sink. It never writes to the terminal (except after the end of the run, when there is
// no live area any more).
func (l *Live) Emit(e events.Event) {
	l.mu.Lock()
	now := l.opts.Now()
	if l.started.IsZero() {
		l.started = now
	}
	switch e.Kind {
	case events.KindPrelude:
		l.prelude = *e.Prelude
	case events.KindStepStart:
		// Unchanged resources are not shown in flight: checking them is not news.
		if e.Step.Op != events.OpSame {
			l.tree.start(e.Step, now)
		}
	case events.KindStepDone:
		l.tree.finish(e.Step, false)
	case events.KindStepFailed:
		l.tree.finish(e.Step, true)
	}
	l.f.event(e)
	end := e.Kind == events.KindSummary
	after := l.final
	if end {
		l.final = true
	}
	l.mu.Unlock()
	switch {
	case end:
		// The summary is the last event: draw it now, so the run's caller finds the terminal settled (and can
		// ask a question on it).
		l.stopLoop()
		l.Render()
	case after:
		l.Render()
	}
}

// Close implements Display: the frame timer stops and the live area gives way to what is left to print.
func (l *Live) Close(Result) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed, l.final = true, true
	l.mu.Unlock()
	l.stopLoop()
	l.Render()
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	return l.err
}

// Render draws a frame now: the lines finished since the last frame, then the live area (none once the run is
// over). The frame timer calls it; tests call it to take a frame at a chosen time.
func (l *Live) Render() {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()

	l.mu.Lock()
	done := l.pending
	l.pending, l.spare = l.spare, nil
	l.f.w = l.pending
	var area []string
	if !l.final {
		area = l.area(l.opts.Now())
	}
	l.frames++
	l.mu.Unlock()

	b := &l.frame
	b.Reset()
	if l.liveLines > 0 {
		// Back to the first line of the live area, and clear from there: what follows replaces it.
		fmt.Fprintf(b, "\r\x1b[%dA\x1b[J", l.liveLines)
	}
	if done.Len() > 0 {
		b.WriteString(l.opts.Redactor.Redact(done.String()))
	}
	for _, line := range area {
		b.WriteString(l.opts.Redactor.Redact(line))
		b.WriteByte('\n')
	}
	l.liveLines = len(area)
	done.Reset()
	l.spare = done
	if b.Len() == 0 {
		return
	}
	if _, err := l.out.Write(b.Bytes()); err != nil && l.err == nil {
		l.err = err
	}
}

// spinner turns once a second at 10 frames a second.
var spinner = [...]string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// area returns the lines of the live area: the tree of steps in flight and a status line, each cut to the
// terminal's width (a line that wrapped would break going back over the area) and, together, to its height.
func (l *Live) area(now time.Time) []string {
	width, height := 80, 24
	if l.opts.Size != nil {
		if w, h := l.opts.Size(); w > 0 && h > 0 {
			width, height = w, h
		}
	}
	// Leave the last column free (writing into it makes some terminals wrap) and a line for the cursor.
	width--
	if width < 20 {
		width = 20
	}
	maxLines := height - 2
	if maxLines < 3 {
		maxLines = 3
	}
	spin := spinner[l.frames%len(spinner)]
	rows := l.tree.rows()
	hidden := 0
	if len(rows) > maxLines-1 {
		// Not enough room for the whole tree: the steps themselves matter more than their parents (their
		// labels are indented by depth all the same), and what still does not fit is counted.
		flights := rows[:0:0]
		for _, r := range rows {
			if r.flight != nil {
				flights = append(flights, r)
			}
		}
		rows = flights
		if len(rows) > maxLines-1 {
			keep := maxLines - 2
			hidden = len(rows) - keep
			rows = rows[:keep]
		}
	}
	lines := make([]string, 0, len(rows)+2)
	for _, r := range rows {
		lines = append(lines, l.rowLine(r, spin, now, width))
	}
	if hidden > 0 {
		lines = append(lines, l.f.color(colorDim, cut(fmt.Sprintf("    ... and %d more in progress", hidden), width)))
	}
	return append(lines, l.statusLine(spin, now, width))
}

func (l *Live) rowLine(r row, spin string, now time.Time, width int) string {
	sym := fmt.Sprintf("%-2s", r.step.Op.Symbol())
	if r.flight == nil {
		// A parent drawn for the steps under it: no symbol, no status.
		return l.f.color(colorDim, cut("    "+label(&r.step), width))
	}
	verb := presentTense[r.flight.op]
	if verb == "" || r.flight.step.DryRun {
		// A preview changes nothing: its steps are named as the plain display names them, "create", "update".
		verb = string(r.flight.op)
	}
	prefix, lab := " "+sym+" ", label(&r.step)
	status := spin + " " + verb + " (" + liveElapsed(now.Sub(r.flight.start)) + ")"
	// A long name is cut rather than the status: how long a step has run is what the line is for.
	if avail := width - utf8.RuneCountInString(prefix+status) - 2; avail >= 12 {
		lab = cut(lab, avail)
	}
	text := cut(prefix+lab+"  "+status, width)
	if !l.opts.Color || len(text) < 3 {
		return text
	}
	return text[:1] + l.f.color(opColor(r.flight.op), text[1:3]) + text[3:]
}

func (l *Live) statusLine(spin string, now time.Time, width int) string {
	what := "Running"
	if l.prelude.Action != "" {
		what = actionVerb(&l.prelude) + " " + l.prelude.Stack
	}
	t := l.tree
	s := fmt.Sprintf("%s %s: %d in progress, %d done", spin, what, len(t.flights), t.done)
	if t.same > 0 {
		s += ", " + strconv.Itoa(t.same) + " unchanged"
	}
	if t.failed > 0 {
		s += ", " + strconv.Itoa(t.failed) + " failed"
	}
	s += " (" + liveElapsed(now.Sub(l.started)) + ")"
	return l.f.color(colorBold, cut(s, width))
}

// liveElapsed is a duration that ticks visibly: tenths of a second, then minutes and seconds.
func liveElapsed(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Minute {
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
}

// cut shortens s to width characters, marking the cut with "…".
func cut(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	n := 0
	for i := range s {
		if n == width-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
