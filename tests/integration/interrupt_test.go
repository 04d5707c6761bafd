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
