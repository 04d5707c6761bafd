package integration

import (
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/infrago/infra/providers/aws/sim"
)

// The AWS tests deploy examples/aws-webcluster through the real CLI, engine and aws provider plugin against
// the AWS simulator (providers/aws/sim), which speaks AWS's own protocols to the provider's aws-sdk-go-v2
// clients.

// simTiming keeps the simulator's transitions short but real: instances are pending, load balancers
// provisioning and DNS changes pending for a while, so the provider's waiters wait.
var simTiming = sim.Timing{InstanceStart: 300 * time.Millisecond, InstanceStop: 200 * time.Millisecond,
	LoadBalancerActive: 300 * time.Millisecond, ChangeSync: 200 * time.Millisecond}

// runWebclusterFlow runs the example through its life: up, a preview with no changes (with and without a
// refresh), a scale from 2 to 3 instances that creates only the new instance and its attachment, and destroy,
// after which the simulator holds nothing. verbose runs the updates with --verbose and returns their output.
func runWebclusterFlow(t *testing.T, s *sim.Server, p *project, verbose bool) string {
	t.Helper()
	upArgs := []string{"up", "--yes"}
	if verbose {
		upArgs = append(upArgs, "--verbose")
	}
	var logs strings.Builder
	r := p.mustRun(upArgs...)
	logs.WriteString(r.output())
	wantOutput(t, r, "Resources: 12 created", `url: "http://www.webcluster.example.com/"`)
	assertSimObjects(t, s, clusterObjects(2))
	if got, want := p.state().instanceIDs(), simInstanceIDs(s); !slices.Equal(got, want) {
		t.Errorf("the state tracks instances %v, the simulator has %v", got, want)
	}

	p.runCode(0, "preview", "--expect-no-changes")
	p.runCode(0, "preview", "--refresh", "--expect-no-changes")

	p.mustRun("config", "set", "instanceCount", "3")
	r = p.mustRun(upArgs...)
	logs.WriteString(r.output())
	wantOutput(t, r, "Resources: 2 created, 12 unchanged")
	if got, want := steps(r), []string{"created aws:ec2:Instance web-2", "created aws:lb:TargetGroupAttachment web-2"}; !slices.Equal(got, want) {
		t.Errorf("scaling to 3 ran steps %q, want only %q\n%s", got, want, r)
	}
	assertSimObjects(t, s, clusterObjects(3))
	p.runCode(0, "preview", "--expect-no-changes")

	r = p.mustRun("destroy", "--yes")
	wantOutput(t, r, "Resources: 14 deleted")
	assertSimObjects(t, s, sim.Objects{})
	if n := len(p.state().Resources); n != 0 {
		t.Errorf("the state holds %d resources after destroy", n)
	}
	return logs.String()
}

func TestAWSWebcluster(t *testing.T) {
	t.Parallel()
	if err := warmWebcluster(); err != nil {
		t.Fatal(err)
	}
	s, url := awsSim(t, sim.Options{Timing: simTiming, PageSize: 5})
	p := newAWSProject(t, url, "")
	runWebclusterFlow(t, s, p, false)
}

// TestAWSWebclusterUnderFaults runs the same flow while the simulator throttles 20% of requests, fails 5%
// with a 5xx, adds latency and hides new objects for a while: it must converge all the same, with the
// provider's retries visible at verbose level.
func TestAWSWebclusterUnderFaults(t *testing.T) {
	t.Parallel()
	if err := warmWebcluster(); err != nil {
		t.Fatal(err)
	}
	s, url := awsSim(t, sim.Options{Timing: simTiming, PageSize: 5, Faults: sim.Faults{
		ThrottleRate: 0.2, ErrorRate: 0.05, Latency: sim.Duration(2 * time.Millisecond), LatencyJitter: sim.Duration(5 * time.Millisecond),
		ConsistencyWindow: sim.Duration(150 * time.Millisecond)}})
	p := newAWSProject(t, url, "")
	logs := runWebclusterFlow(t, s, p, true)
	st := s.Stats()
	if st.Throttled == 0 || st.ServerErrors == 0 {
		t.Errorf("the simulator injected no faults: %+v", st)
	}
	for _, want := range []string{"retrying AWS call", "RequestLimitExceeded"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the verbose output does not show %q", want)
		}
	}
	t.Logf("%d requests, %d throttled, %d 5xx, %d other errors", st.Requests, st.Throttled, st.ServerErrors, st.Failed)
}

// TestAWSWebclusterKilledDuringInstanceCreation kills `infra up` with SIGKILL while the provider waits for the
// new instances to run (RunInstances went through), then runs up again: the instances the killed run made are
// found by their idempotency tokens and adopted, so the simulator holds exactly the intended instances, each
// tracked once.
func TestAWSWebclusterKilledDuringInstanceCreation(t *testing.T) {
	t.Parallel()
	if err := warmWebcluster(); err != nil {
		t.Fatal(err)
	}
	slow := simTiming
	slow.InstanceStart = time.Minute
	s, url := awsSim(t, sim.Options{Timing: slow})
	p := newAWSProject(t, url, "")
	bg := p.start("up", "--yes")
	pollUntil(t, 2*time.Minute, "both instances are launched", func() bool {
		select {
		case <-bg.done:
			t.Fatalf("up finished before it could be killed:\n%s", bg.wait(t))
		default:
		}
		return len(s.Instances()) == 2
	})
	_ = syscall.Kill(bg.cmd.Process.Pid, syscall.SIGKILL)
	<-bg.done
	launched := simInstanceIDs(s)
	s.SetTiming(simTiming)

	r := p.mustRun("up", "--yes")
	wantOutput(t, r, "was found and is tracked now")
	if got := simInstanceIDs(s); !slices.Equal(got, launched) {
		t.Errorf("after the second up the simulator has instances %v; want the %v the killed run launched", got, launched)
	}
	if got := p.state().instanceIDs(); !slices.Equal(got, launched) {
		t.Errorf("the state tracks instances %v; want %v", got, launched)
	}
	assertSimObjects(t, s, clusterObjects(2))
	p.runCode(0, "preview", "--expect-no-changes")
	p.mustRun("destroy", "--yes")
	assertSimObjects(t, s, sim.Objects{})
}

// TestAWSWebclusterDemo runs the example's own script, examples/aws-webcluster/demo.sh, with the binary under
// test and faults injected: it starts `infra sim aws` itself and checks each step.
func TestAWSWebclusterDemo(t *testing.T) {
	t.Parallel()
	if err := warmWebcluster(); err != nil {
		t.Fatal(err)
	}
	p, err := makeProject(t.TempDir(), "demo", webclusterDir())
	if err != nil {
		t.Fatal(err)
	}
	out := runDemo(t, filepath.Join(webclusterDir(), "demo.sh"), append(slices.Clone(p.env), "THROTTLE=0.1", "ERRORS=0.05"), commandTimeout)
	for _, want := range []string{"Resources: 12 created", "Resources: 12 unchanged", "Resources: 2 created, 12 unchanged",
		"Resources: 14 deleted", "the simulator holds no objects", "Demo complete"} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, out)
		}
	}
}
