package integration

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCrashAtRandomMoments kills one of the three processes of `infra up` (the CLI, the provider or the program)
// with SIGKILL at random moments of updates that create, update, replace and delete 200 resources whose
// operations take real time, and checks after each kill that the next `infra up` converges with every resource
// tracked exactly once: no object created twice, none left untracked, nothing tracked that does not exist. A
// quarter of the resources are of a type the provider cannot look up, so a create cut off there needs the user:
// the next `up` must then stop with a message naming each such resource and the exact `infra state resolve`
// command, and after the test runs those commands (adopting the object when one exists, forgetting the create
// otherwise) `up` converges. The test fails if no round exercised recovery at all.
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
			if n%4 == 2 {
				r.Kind = "unfindable"
			}
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

	var killed = map[string]int{}
	recovered, adopted, byUser := 0, 0, 0
	defer func() {
		t.Logf("%d rounds (killed: %d CLI, %d provider, %d program, %d finished first): %d found operations an interrupted run left pending, "+
			"%d adopted an object a cut-off create made, %d needed the user (infra state resolve)",
			kills, killed["cli"], killed["provider"], killed["program"], killed["none"], recovered, adopted, byUser)
	}()
	// The kill lands anywhere in the run: its delay is drawn up to the length of a whole update, learnt from the
	// runs that finished before their kill.
	runLength := time.Second
	for round := 0; round < kills; round++ {
		p.setSpec(specFor(round))
		started := time.Now()
		bg := p.start("up", "--yes")
		delay := time.Duration(rng.Int64N(int64(runLength)))
		victim := []string{"cli", "cli", "cli", "provider", "program"}[rng.IntN(5)]
		what := p.killAfter(bg, victim, delay)
		killed[what]++
		if what == "none" {
			runLength = time.Since(started)
			if r := bg.wait(t); r.code != 0 {
				t.Fatalf("round %d: the up that was not killed failed:\n%s", round, r)
			}
		}
		<-bg.done
		// The killed run's lock names a process that no longer exists on this host, so it is taken over at once.
		r := p.run("up", "--yes")
		if strings.Contains(r.output(), "an earlier run stopped") {
			recovered++
		}
		if strings.Contains(r.output(), "was found and is tracked now") {
			adopted++
		}
		if r.code != 0 && strings.Contains(r.output(), "infra state resolve") {
			byUser++
			p.resolveAsTheUser(round, r)
			r = p.run("up", "--yes")
		}
		if r.code != 0 {
			t.Fatalf("round %d (%s killed after %s): the next up did not converge:\n%s", round, what, delay, r)
		}
		p.assertWorldMatchesState()
		if t.Failed() {
			t.Fatalf("round %d (%s killed after %s): the state and the objects differ", round, what, delay)
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
			t.Fatalf("round %d (%s killed after %s): the state holds %d Things, want 200; not declared or pending deletion: %v\nthe converging up printed:\n%s",
				round, what, delay, len(things), extra, r)
		}
		p.runCode(0, "preview", "--expect-no-changes")
	}
	if recovered+byUser == 0 {
		t.Fatalf("no round of %d left operations pending: the kills never exercised recovery (seed %d)", kills, seed)
	}
}

// resolveCommand finds the resources the engine asks the user about, in its "cannot be settled automatically"
// message.
var resolveCommand = regexp.MustCompile("`infra state resolve (\\S+) --forget`")

// resolveAsTheUser does what the message of a stopped `up` tells the user: for each pending create it names,
// look in the cloud (the world directory) for the object, then adopt it or forget the create.
func (p *project) resolveAsTheUser(round int, r result) {
	p.t.Helper()
	ms := resolveCommand.FindAllStringSubmatch(r.output(), -1)
	if len(ms) == 0 {
		p.t.Fatalf("round %d: the up stopped for the user but names no `infra state resolve` command:\n%s", round, r)
	}
	tracked := p.state().thingIDs()
	world := p.worldObjects()
	for _, m := range ms {
		urn := m[1]
		if !strings.Contains(r.output(), "--adopt <ID>") || !strings.Contains(r.output(), urn) {
			p.t.Fatalf("round %d: the message does not say how to adopt %s:\n%s", round, urn, r)
		}
		var made []string
		for _, id := range objectsOf(world, urn) {
			if tracked[id] == "" {
				made = append(made, id)
			}
		}
		switch len(made) {
		case 0:
			p.mustRun("state", "resolve", urn, "--forget")
		case 1:
			p.mustRun("state", "resolve", urn, "--adopt", made[0])
		default:
			p.t.Fatalf("round %d: %d untracked objects of %s exist: %v", round, len(made), urn, made)
		}
	}
}

// killAfter kills one process of the run bg after delay: the CLI, or the provider or the program it started
// (found among its child processes then). It returns what it killed, or "none" when the run finished first.
func (p *project) killAfter(bg *background, victim string, delay time.Duration) string {
	select {
	case <-bg.done:
		return "none"
	case <-time.After(delay):
	}
	if victim != "cli" {
		deadline := time.Now().Add(2 * time.Second)
		for {
			if pid := childNamed(bg.cmd.Process.Pid, victim); pid > 0 {
				if syscall.Kill(pid, syscall.SIGKILL) == nil {
					return victim
				}
			}
			select {
			case <-bg.done:
				return "none"
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				break // it is between processes (building, saving): kill the CLI instead
			}
		}
	}
	if syscall.Kill(bg.cmd.Process.Pid, syscall.SIGKILL) != nil {
		return "none"
	}
	return "cli"
}

// childNamed returns a child process of pid that is the testkit provider ("provider") or the user's program
// ("program": the built program binary, not the Go toolchain building it), or 0.
func childNamed(pid int, kind string) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so parse after its closing parenthesis.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(pid) {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil {
			continue
		}
		base := filepath.Base(exe)
		isProvider := strings.Contains(base, "testkit")
		switch {
		case kind == "provider" && isProvider:
			return child
		case kind == "program" && !isProvider && base != "go" && !strings.HasPrefix(base, "infra"):
			return child
		}
	}
	return 0
}
