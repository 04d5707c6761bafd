package integration

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// TestInterruptDrains sends SIGINT to `infra up` while creates are in flight: no new operation may start, every
// one in flight must finish and be recorded, and the state left behind must be consistent with nothing pending.
func TestInterruptDrains(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	var s spec
	for i := 0; i < 12; i++ {
		s.Resources = append(s.Resources, res{Name: fmt.Sprintf("slow%02d", i), Value: "v", SleepMs: 1500})
	}
	p.setSpec(s)
	bg := p.start("up", "--yes", "--parallel", "3")
	pollUntil(t, time.Minute, "three creates in flight", func() bool {
		return countOp(p.calls(), "create") >= 3
	})
	if err := bg.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	r := bg.wait(t)
	if r.code == 0 {
		t.Fatalf("an interrupted up must not report success:\n%s", r)
	}
	wantOutput(t, r, "interrupted")
	calls := p.calls()
	started, finished := countOp(calls, "create"), countOp(calls, "create-done")
	if started != finished {
		t.Errorf("%d creates started but %d finished: in-flight operations must drain\n%s", started, finished, formatCalls(calls))
	}
	if started >= len(s.Resources) {
		t.Errorf("all %d creates ran: the interrupt did not stop new ones", started)
	}
	if n := len(p.state().things()); n != finished {
		t.Errorf("the state holds %d Things, but %d creates finished", n, finished)
	}
	p.assertWorldMatchesState()
	// Nothing is pending: the next run has nothing to settle and simply finishes the job.
	r = p.up()
	wantNoOutput(t, r, "an earlier run stopped")
	p.assertWorldMatchesState()
	if n := len(p.state().things()); n != len(s.Resources) {
		t.Errorf("after the next up the state holds %d Things, want %d", n, len(s.Resources))
	}
}

func countOp(cs []call, op string) int {
	n := 0
	for _, c := range cs {
		if c.op == op {
			n++
		}
	}
	return n
}

// TestSecondInterruptCancels interrupts `infra up` twice while creates wait for their objects to come up: the
// second interrupt cuts them off, the run ends at once, and the objects they already made are not lost: the
// next up finds them by their idempotency tokens and tracks them, creating nothing twice.
func TestSecondInterruptCancels(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	var s spec
	for i := 0; i < 3; i++ {
		s.Resources = append(s.Resources, res{Name: fmt.Sprintf("vm%d", i), Value: "v", WaitMs: 120000})
	}
	p.setSpec(s)
	bg := p.start("up", "--yes")
	pollUntil(t, time.Minute, "three objects made, their creates waiting", func() bool { return len(p.worldObjects()) == 3 })
	start := time.Now()
	for i := 0; i < 2; i++ {
		if err := bg.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	r := bg.wait(t)
	if r.code == 0 {
		t.Fatalf("a cancelled up must not report success:\n%s", r)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the cancelled up took %s to end", d)
	}
	wantOutput(t, r, "cancelling the operations in flight", "the object may exist all the same", "was cut off")
	if n := countOp(p.calls(), "create-cut-off"); n != 3 {
		t.Errorf("%d creates were cut off, want 3\n%s", n, formatCalls(p.calls()))
	}
	if n := len(p.state().things()); n != 0 {
		t.Errorf("the state holds %d Things after the cut-off creates, want 0", n)
	}
	// Editing the state now would drop the open intents with the journal that holds them.
	for _, cmd := range [][]string{{"state", "unprotect", p.thing("vm0")}, {"state", "delete", "--yes", p.thing("vm0")}} {
		wantOutput(t, p.runCode(1, cmd...), "operations an interrupted run left pending")
	}
	for i := range s.Resources {
		s.Resources[i].WaitMs = 0
	}
	p.setSpec(s)
	r = p.up()
	wantOutput(t, r, "was found and is tracked now")
	p.assertWorldMatchesState()
	if n := len(p.state().things()); n != 3 {
		t.Errorf("after the next up the state holds %d Things, want 3", n)
	}
	if n := countOp(p.calls(), "create"); n != 3 {
		t.Errorf("%d creates in all, want 3: an object was made twice\n%s", n, formatCalls(p.calls()))
	}
	p.runCode(0, "preview", "--expect-no-changes")
}
