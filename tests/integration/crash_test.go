package integration

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCrashAtRandomMoments kills `infra up` with SIGKILL at random moments of updates that create, update,
// replace and delete 200 resources whose operations take real time, and checks after each kill that the next
// `infra up` converges with every resource tracked exactly once: no object created twice, none left untracked,
// nothing tracked that does not exist. The kill lands wherever it lands: while the program starts, between a
// journal intent and the provider call, during provider calls, while the snapshot is written.
func TestCrashAtRandomMoments(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test runs 50 killed updates; skipped with -short")
	}
	t.Parallel()
	kills := 50
	if v, err := strconv.Atoi(os.Getenv("INFRA_CRASH_KILLS")); err == nil && v > 0 {
		kills = v
	}
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("INFRA_CRASH_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d (set INFRA_CRASH_SEED to repeat)", seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	p := newProject(t)

	// Each round declares the 200 resources slightly differently: new values (updates), new replace keys
	// (replacements), and a window of names that shifts (deletes of the old, creates of the new).
	specFor := func(round int) spec {
		var s spec
		for i := 0; i < 200; i++ {
			n := i + round*7%40
			r := res{Name: fmt.Sprintf("r%03d", n), Value: fmt.Sprintf("v%d", (n*31+round)%5), SleepMs: 10 + (n*13)%60}
			if n%3 == 0 {
				r.ReplaceKey = fmt.Sprintf("k%d", (n+round)%4)
			}
			if n%10 == 1 && i > 0 {
				r.DependsOn = []string{s.Resources[i-1].Name}
			}
			s.Resources = append(s.Resources, r)
		}
		return s
	}

	recovered, adopted := 0, 0
	defer func() {
		t.Logf("%d rounds: %d found operations an interrupted run left pending, %d adopted an object a cut-off create made",
			kills, recovered, adopted)
	}()
	for round := 0; round < kills; round++ {
		p.setSpec(specFor(round))
		bg := p.start("up", "--yes")
		delay := time.Duration(rng.IntN(2500)) * time.Millisecond
		select {
		case <-bg.done:
			// The update finished before the kill: fine, the next round kills another.
		case <-time.After(delay):
			_ = syscall.Kill(bg.cmd.Process.Pid, syscall.SIGKILL)
		}
		<-bg.done
		// The killed run's lock names a process that no longer exists on this host, so it is taken over at once.
		r := p.run("up", "--yes")
		if r.code != 0 {
			t.Fatalf("round %d (killed after %s): the next up did not converge:\n%s", round, delay, r)
		}
		if strings.Contains(r.output(), "an earlier run stopped") {
			recovered++
		}
		if strings.Contains(r.output(), "was found and is tracked now") {
			adopted++
		}
		p.assertWorldMatchesState()
		if t.Failed() {
			t.Fatalf("round %d (killed after %s): the state and the objects differ", round, delay)
		}
		if things := p.state().things(); len(things) != 200 {
			want := map[string]bool{}
			for _, r := range specFor(round).Resources {
				want[r.Name] = true
			}
			var extra []string
			for _, r := range things {
				name := r.URN[strings.LastIndex(r.URN, "::")+2:]
				if r.Delete || !want[name] {
					extra = append(extra, fmt.Sprintf("%s id=%s delete=%t", r.URN, r.ID, r.Delete))
				}
			}
			t.Fatalf("round %d (killed after %s): the state holds %d Things, want 200; not declared or pending deletion: %v\nthe converging up printed:\n%s",
				round, delay, len(things), extra, r)
		}
		p.runCode(0, "preview", "--expect-no-changes")
	}
}
