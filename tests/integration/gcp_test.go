package integration

import (
	"slices"
	"strings"
	"testing"
	"time"

	gcpsim "github.com/infrago/infra/providers/gcp/sim"
)

// The GCP tests deploy examples/gcp-webcluster through the real CLI, engine and gcp provider plugin against the
// Google Cloud simulator (providers/gcp/sim), which speaks Compute Engine's and Cloud DNS's REST APIs to the
// provider's Google client libraries.

// gcpTiming keeps the simulator's transitions short but real: operations are PENDING and RUNNING and instances
// PROVISIONING and STAGING for a while, so the provider's waiters wait.
var gcpTiming = gcpsim.Timing{OperationPending: 30 * time.Millisecond, OperationRunning: 100 * time.Millisecond,
	InstanceStart: 300 * time.Millisecond, InstanceStop: 200 * time.Millisecond, ChangeDone: 100 * time.Millisecond}

// runGCPWebclusterFlow runs the example through its life: up, a preview with no changes (with and without a
// refresh), a scale from 2 to 3 instances that creates only the new instance and its pool membership, and
// destroy, after which the simulator holds nothing. verbose runs the updates with --verbose and returns their
// output.
func runGCPWebclusterFlow(t *testing.T, s *gcpsim.Server, p *project, verbose bool) string {
	t.Helper()
	upArgs := []string{"up", "--yes"}
	if verbose {
		upArgs = append(upArgs, "--verbose")
	}
	var logs strings.Builder
	r := p.mustRun(upArgs...)
	logs.WriteString(r.output())
	wantOutput(t, r, "Resources: 12 created", `url: "http://www.webcluster.example.com/"`, "instanceAddresses:")
	assertGCPObjects(t, s, gcpClusterObjects(2))
	if got, want := p.state().gcpInstanceIDs(), gcpSimInstancePaths(s); !slices.Equal(got, want) {
		t.Errorf("the state tracks instances %v, the simulator has %v", got, want)
	}

	p.runCode(0, "preview", "--expect-no-changes")
	p.runCode(0, "preview", "--refresh", "--expect-no-changes")

	p.mustRun("config", "set", "instanceCount", "3")
	r = p.mustRun(upArgs...)
	logs.WriteString(r.output())
	wantOutput(t, r, "Resources: 2 created, 12 unchanged")
	if got, want := steps(r), []string{"created gcp:compute:Instance web-2", "created gcp:compute:TargetPoolMember web-2"}; !slices.Equal(got, want) {
		t.Errorf("scaling to 3 ran steps %q, want only %q\n%s", got, want, r)
	}
	assertGCPObjects(t, s, gcpClusterObjects(3))
	p.runCode(0, "preview", "--expect-no-changes")

	r = p.mustRun("destroy", "--yes")
	wantOutput(t, r, "Resources: 14 deleted")
	assertGCPObjects(t, s, gcpsim.Objects{})
	if n := s.Objects().Total(); n != 0 {
		t.Errorf("the simulator still holds %d objects", n)
	}
	if n := len(p.state().Resources); n != 0 {
		t.Errorf("the state holds %d resources after destroy", n)
	}
	return logs.String()
}

func TestGCPWebcluster(t *testing.T) {
	t.Parallel()
	if err := warmGCPWebcluster(); err != nil {
		t.Fatal(err)
	}
	s, url := gcpSim(t, gcpsim.Options{Timing: gcpTiming, PageSize: 5})
	p := newGCPProject(t, url)
	runGCPWebclusterFlow(t, s, p, false)
}
