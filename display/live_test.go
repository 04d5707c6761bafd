package display_test

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infrago/infra/display"
	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/sdk/resource"
)

// clock is a fixed clock the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// liveScript is an update of a nested stack whose steps overlap, so that frames show a tree of steps in flight
// under their parents; with a failure, a replacement, program output and a diagnostic. frame marks where a
// frame is taken: the screen at that point goes into the golden file.
func liveScript() []any {
	upd := func(st *events.Step) { st.Old, st.New = sgOld(), sgNew(); st.Diffs = nil }
	comp := func(st *events.Step) { st.Custom = false }
	under := func(p string) func(*events.Step) {
		return func(st *events.Step) { st.Parent = map[string]resource.URN{"site": siteURN, "pool": poolURN}[p] }
	}
	vm2 := urn(siteType+"$"+poolType, "aws:ec2:Instance", "vm-2-with-a-name-long-enough-to-be-cut-at-the-terminal-edge")
	oldOut, newOut := outputs()
	return []any{
		events.Event{Kind: events.KindPrelude, Prelude: &events.Prelude{Project: "web", Stack: "dev", Action: "update"}},
		ev(events.KindStepStart, step(siteURN, events.OpCreate, comp)),
		ev(events.KindStepDone, step(siteURN, events.OpCreate, comp)),
		ev(events.KindStepStart, step(poolURN, events.OpCreate, comp, under("site"))),
		ev(events.KindStepDone, step(poolURN, events.OpCreate, comp, under("site"))),
		ev(events.KindStepStart, step(vmURN, events.OpCreate, under("pool"), func(st *events.Step) { st.New = pmap("userData", secret(s(canary))) })),
		ev(events.KindStepStart, step(sgURN, events.OpUpdate, under("site"), upd)),
		ev(events.KindStepStart, step(vm2, events.OpCreate, under("pool"))),
		ev(events.KindStepStart, step(lbURN, events.OpDeleteReplaced, under("site"), func(st *events.Step) { st.Logical = false })),
		ev(events.KindStepStart, step(bucket, events.OpSame)),
		ev(events.KindStepDone, step(bucket, events.OpSame)),
		frame("four steps in flight under their parents"),
		events.Event{Kind: events.KindProgram, Program: &events.ProgramOutput{Stream: "stdout", Line: "the program says " + canary}},
		diag(events.SevWarning, "aws:ec2:Instance \"vm-1\": instance type t3.micro is deprecated"),
		ev(events.KindStepDone, step(vmURN, events.OpCreate, under("pool"), func(st *events.Step) {
			st.New = pmap("userData", secret(s(canary)))
			st.Outputs = pmap("id", s("i-0abc"), "userData", secret(s(canary)))
			st.Elapsed = 1500 * time.Millisecond
		})),
		frame("vm-1 collapsed into its result; output and a warning above the tree"),
		ev(events.KindStepDone, step(lbURN, events.OpDeleteReplaced, under("site"), func(st *events.Step) { st.Logical = false; st.Elapsed = time.Second })),
		ev(events.KindStepStart, step(lbURN, events.OpCreateReplacement, under("site"), func(st *events.Step) { st.Logical = false })),
		ev(events.KindStepFailed, step(sgURN, events.OpUpdate, under("site"), upd, func(st *events.Step) {
			st.Error = "aws:ec2:SecurityGroup \"web-sg\": InvalidPermission.Duplicate: the rule already exists"
			st.Elapsed = 2 * time.Second
		})),
		frame("a failure"),
		ev(events.KindStepDone, step(lbURN, events.OpCreateReplacement, under("site"), func(st *events.Step) { st.Logical = false; st.Elapsed = 700 * time.Millisecond })),
		ev(events.KindStepDone, step(vm2, events.OpCreate, under("pool"), func(st *events.Step) { st.Elapsed = 2500 * time.Millisecond })),
		frame("nothing in flight"),
		events.Event{Kind: events.KindSummary, Summary: &events.Summary{Failed: true, Changes: map[events.Op]int{
			events.OpCreate: 4, events.OpSame: 1}, Outputs: newOut, OldOutputs: oldOut, Duration: 3 * time.Second}},
	}
}

type frame string

// playLive runs a script through a live display on a fake terminal of the given size, taking the marked
// frames; the clock moves 300ms between events.
func playLive(t *testing.T, width, height int, color bool, script []any) (frames string, term *vt) {
	t.Helper()
	term = newVT(width)
	term.keepColors = color
	clk := newClock()
	l := display.NewLive(term, display.LiveOptions{
		Options:       display.Options{Color: color, Elapsed: true},
		Size:          func() (int, int) { return width, height },
		Now:           clk.now,
		FrameInterval: -1,
	})
	var b strings.Builder
	start := clk.now()
	for _, item := range script {
		switch x := item.(type) {
		case events.Event:
			l.Emit(x)
			clk.advance(300 * time.Millisecond)
		case frame:
			l.Render()
			fmt.Fprintf(&b, "=== frame at %s: %s\n%s", clk.now().Sub(start), x, term.screen())
		}
	}
	if err := l.Close(display.Result{ExitCode: 1}); err != nil {
		t.Fatal(err)
	}
	if term.err != nil {
		t.Fatalf("the fake terminal: %v", term.err)
	}
	fmt.Fprintf(&b, "=== end\n%s", term.screen())
	return b.String(), term
}

func TestLiveGolden(t *testing.T) {
	t.Parallel()
	var preview []any
	for i, e := range previewEvents() {
		preview = append(preview, e)
		if i == 3 || i == 8 {
			preview = append(preview, frame(fmt.Sprintf("after %d events", i+1)))
		}
	}
	for _, tt := range []struct {
		name          string
		width, height int
		color         bool
		script        []any
	}{
		{"live", 100, 24, false, liveScript()},
		{"live_color", 100, 24, true, liveScript()},
		// A short terminal: the tree is cut to its height, and what does not fit is counted.
		{"live_short", 100, 6, false, liveScript()},
		// A preview: creates under components, an update with nested diffs, a replace and why, deletes.
		{"live_preview", 100, 24, false, preview},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, term := playLive(t, tt.width, tt.height, tt.color, tt.script)
			if strings.Contains(term.raw.String(), canary) {
				t.Fatalf("a secret reached the terminal:\n%s", term.raw.String())
			}
			golden(t, tt.name+".golden", got)
		})
	}
}

var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// Without color (NO_COLOR, --color never) the live display still moves the cursor, but never colors.
func TestLiveNoColor(t *testing.T) {
	t.Parallel()
	_, term := playLive(t, 100, 24, false, liveScript())
	if sgr.MatchString(term.raw.String()) {
		t.Fatalf("colors with Color off:\n%q", term.raw.String())
	}
	_, term = playLive(t, 100, 24, true, liveScript())
	if !sgr.MatchString(term.raw.String()) {
		t.Fatalf("no colors with Color on")
	}
}

// What stays on the screen once the run is over is what the plain display prints, less the lines that only
// said a step had started (the live tree showed those).
func TestLiveLeavesThePlainLines(t *testing.T) {
	t.Parallel()
	for name, es := range map[string][]events.Event{"update": updateEvents(), "preview": previewEvents(), "diff": diffEvents(), "refresh": driftEvents()} {
		var script []any
		for _, e := range es {
			script = append(script, e, frame(""))
		}
		_, term := playLive(t, 200, 40, false, script)
		var want strings.Builder
		for _, line := range strings.SplitAfter(render(display.Options{Elapsed: true}, es), "\n") {
			if !strings.HasSuffix(line, "...\n") {
				want.WriteString(line)
			}
		}
		if got := term.screen(); got != want.String() {
			t.Errorf("%s: the screen after the run differs from the plain lines:\n--- screen\n%s\n--- plain\n%s", name, got, want.String())
		}
	}
}

// Every line of the live area fits in the terminal's width: a line that wrapped would make going back over
// the area leave debris.
func TestLiveCutsToWidth(t *testing.T) {
	t.Parallel()
	const width = 40
	term := newVT(width)
	l := display.NewLive(term, display.LiveOptions{Size: func() (int, int) { return width, 24 }, FrameInterval: -1,
		Now: newClock().now})
	l.Emit(events.Event{Kind: events.KindPrelude, Prelude: &events.Prelude{Project: "web", Stack: "a-stack-with-a-long-name", Action: "update"}})
	l.Emit(ev(events.KindStepStart, step(urn("", "aws:ec2:Instance", strings.Repeat("long", 30)), events.OpCreate)))
	l.Emit(ev(events.KindStepStart, step(urn("", "aws:ec2:Instance", "é"+strings.Repeat("ü", 60)), events.OpCreate)))
	l.Render()
	before := term.raw.Len()
	l.Render()
	area := sgr.ReplaceAllString(term.raw.String()[before:], "")
	area = regexp.MustCompile(`^\r\x1b\[\d+A\x1b\[J`).ReplaceAllString(area, "")
	lines := strings.Split(strings.TrimSuffix(area, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines in the live area, got %q", lines)
	}
	for _, line := range lines {
		if n := len([]rune(line)); n > width-1 || strings.ContainsRune(line, '\x1b') {
			t.Errorf("line of %d characters on a terminal of %d: %q", n, width, line)
		}
	}
	if err := l.Close(display.Result{}); err != nil {
		t.Fatal(err)
	}
}

// The frame timer draws by itself, and Close stops it; events may come from many goroutines.
func TestLiveTimerAndConcurrentEmit(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var out strings.Builder
	w := writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return out.Write(p)
	})
	l := display.NewLive(w, display.LiveOptions{FrameInterval: time.Millisecond})
	l.Emit(events.Event{Kind: events.KindPrelude, Prelude: &events.Prelude{Project: "web", Stack: "dev", Action: "update"}})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				st := step(urn("", "aws:ec2:Instance", fmt.Sprintf("vm-%d-%d", g, i)), events.OpCreate)
				l.Emit(ev(events.KindStepStart, st))
				l.Emit(ev(events.KindStepDone, st))
			}
		}(g)
	}
	wg.Wait()
	l.Emit(events.Event{Kind: events.KindSummary, Summary: &events.Summary{Changes: map[events.Op]int{events.OpCreate: 1600}}})
	if err := l.Close(display.Result{}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	got := out.String()
	if n := strings.Count(got, "  created\n"); n != 1600 {
		t.Fatalf("%d steps shown, want 1600", n)
	}
	if !strings.HasSuffix(got, "Resources: 1600 created\n") {
		t.Fatalf("the summary is not last:\n%s", got[max(0, len(got)-500):])
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
