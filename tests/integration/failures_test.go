package integration

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// providerPIDs returns the live testkit provider processes this project started (from the pids file, checked
// against /proc so that a recycled pid is never touched).
func (p *project) providerPIDs() []int {
	p.t.Helper()
	b, err := os.ReadFile(p.pidsPath())
	if err != nil {
		p.t.Fatalf("no provider pids recorded: %v", err)
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			p.t.Fatalf("bad pid %q in %s", f, p.pidsPath())
		}
		if isTestkitProvider(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// isTestkitProvider reports whether pid is a running (not zombie) infra-provider-testkit process.
func isTestkitProvider(pid int) bool {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || !bytes.Contains(cmdline, []byte("infra-provider-testkit")) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name: "<pid> (<comm>) <state> ...".
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
		return false
	}
	return true
}

// thingURNs lists the URNs of the Things in the state, sorted.
func thingURNs(s snapshot) []string {
	var out []string
	for _, r := range s.things() {
		out = append(out, r.URN)
	}
	slices.Sort(out)
	return out
}

func (p *project) things(names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, p.thing(n))
	}
	slices.Sort(out)
	return out
}

// TestProviderKilledMidUp kills -9 the provider while three slow creates are in flight.
func TestProviderKilledMidUp(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	fast, slow := []string{"f1", "f2", "f3"}, []string{"s1", "s2", "s3"}
	var s spec
	for _, n := range fast {
		s.Resources = append(s.Resources, res{Name: n, Value: n})
	}
	for _, n := range slow {
		s.Resources = append(s.Resources, res{Name: n, Value: n, SleepMs: 4000, DependsOn: fast})
	}
	p.setSpec(s)

	bg := p.start("up", "--yes")
	pollUntil(t, time.Minute, "the fast ones are created and the slow creates have begun", func() bool {
		cs := p.calls()
		for _, n := range fast {
			if callIndex(cs, "create-done", p.thing(n)) < 0 {
				return false
			}
		}
		for _, n := range slow {
			if callIndex(cs, "create", p.thing(n)) < 0 {
				return false
			}
		}
		return true
	})
	pids := p.providerPIDs()
	if len(pids) == 0 {
		t.Fatalf("no live testkit provider to kill")
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatalf("kill %d: %v", pid, err)
		}
	}
	r := bg.wait(t)
	if r.code == 0 {
		t.Fatalf("up should fail when its provider dies:\n%s", r)
	}
	wantOutput(t, r, "provider testkit", "exited while creating")
	for _, n := range slow {
		wantOutput(t, r, p.thing(n))
	}
	if got, want := thingURNs(p.state()), p.things(fast...); !slices.Equal(got, want) {
		t.Errorf("the state should hold exactly the completed resources %v, holds %v", want, got)
	}
	p.assertWorldMatchesState()

	// The same program again converges: everything once, nothing twice, nothing untracked.
	p.up()
	if got, want := thingURNs(p.state()), p.things(append(fast, slow...)...); !slices.Equal(got, want) {
		t.Errorf("after the second up the state should hold %v, holds %v", want, got)
	}
	p.assertWorldMatchesState()
	cs := p.calls()
	for _, n := range fast {
		if c := countCalls(cs, "create", p.thing(n)); c != 1 {
			t.Errorf("%s was created %d times:%s", n, c, formatCalls(cs))
		}
	}
}

// TestProviderCrashesInCreate is the deterministic variant: the provider exits inside one create.
func TestProviderCrashesInCreate(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	s := spec{Resources: []res{{Name: "a", Value: "a"}, {Name: "c", Value: "c", CrashOn: "create", DependsOn: []string{"a"}}}}
	p.setSpec(s)
	r := p.run("up", "--yes")
	if r.code != 1 {
		t.Fatalf("want exit status 1 when the provider crashes:\n%s", r)
	}
	wantOutput(t, r, `testkit:index:Thing "c"`, "provider testkit", "exited while creating "+p.thing("c"))
	if got, want := thingURNs(p.state()), p.things("a"); !slices.Equal(got, want) {
		t.Errorf("the state should hold exactly %v, holds %v", want, got)
	}
	p.assertWorldMatchesState()

	s.Resources[1].CrashOn = ""
	p.setSpec(s)
	p.up()
	if got, want := thingURNs(p.state()), p.things("a", "c"); !slices.Equal(got, want) {
		t.Errorf("the state should hold exactly %v, holds %v", want, got)
	}
	p.assertWorldMatchesState()
	if n := countCalls(p.calls(), "create", p.thing("a")); n != 1 {
		t.Errorf("a was created %d times", n)
	}
}

func TestHangingProviderTimesOut(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	h := p.thing("h")
	p.setSpec(spec{Resources: []res{{Name: "h", Value: "h", HangOn: "create", TimeoutCreate: "1s"}}})
	// The bound is measured from the moment the hanging create starts, so that a program build (when someone
	// edits the sources during the run) does not count.
	bg := p.start("up", "--yes")
	pollUntil(t, commandTimeout, "the create has begun", func() bool { return callIndex(p.calls(), "create", h) >= 0 })
	start := time.Now()
	r := bg.wait(t)
	elapsed := time.Since(start)
	if r.code != 1 {
		t.Fatalf("want exit status 1 for a create that never returns:\n%s", r)
	}
	if elapsed > 30*time.Second {
		t.Errorf("up took %s after the create began to give up on a 1s create timeout", elapsed)
	}
	wantOutput(t, r, `testkit:index:Thing "h"`, "did not finish creating it within 1s", "CustomTimeouts")
	if p.state().resource(h) != nil {
		t.Errorf("a create that timed out is in the state")
	}
	// The hung provider does not outlive the run.
	pollUntil(t, 10*time.Second, "the hung provider is gone", func() bool { return len(p.providerPIDs()) == 0 })
}
