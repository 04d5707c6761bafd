package integration

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
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

// TestGCPWebclusterUnderFaults runs the same flow while the simulator throttles 15% of requests, fails 5% with
// a 503, adds latency and keeps operations RUNNING longer: it must converge all the same, with the provider's
// retries visible at verbose level.
func TestGCPWebclusterUnderFaults(t *testing.T) {
	t.Parallel()
	if err := warmGCPWebcluster(); err != nil {
		t.Fatal(err)
	}
	s, url := gcpSim(t, gcpsim.Options{Timing: gcpTiming, PageSize: 5, Faults: gcpsim.Faults{
		ThrottleRate: 0.15, ErrorRate: 0.05, Latency: gcpsim.Duration(2 * time.Millisecond),
		LatencyJitter: gcpsim.Duration(5 * time.Millisecond), SlowOperations: gcpsim.Duration(200 * time.Millisecond)}})
	p := newGCPProject(t, url)
	logs := runGCPWebclusterFlow(t, s, p, true)
	st := s.Stats()
	if st.Throttled == 0 || st.Unavailable == 0 {
		t.Errorf("the simulator injected no faults: %+v", st)
	}
	if !strings.Contains(logs, "retrying Google Cloud call") {
		t.Errorf("the verbose output does not show %q", "retrying Google Cloud call")
	}
	t.Logf("%d requests, %d throttled, %d 503, %d other errors", st.Requests, st.Throttled, st.Unavailable, st.Failed)
}

// TestGCPWebclusterKilledDuringInstanceCreation kills `infra up` with SIGKILL while the provider waits for the
// new instances to run (their inserts went through), then runs up again: the instances the killed run made are
// found by their infra-token labels and adopted, so the simulator holds exactly the intended instances, each
// tracked once.
func TestGCPWebclusterKilledDuringInstanceCreation(t *testing.T) {
	t.Parallel()
	if err := warmGCPWebcluster(); err != nil {
		t.Fatal(err)
	}
	slow := gcpTiming
	slow.InstanceStart = time.Minute
	s, url := gcpSim(t, gcpsim.Options{Timing: slow})
	p := newGCPProject(t, url)
	bg := p.start("up", "--yes")
	pollUntil(t, 2*time.Minute, "both instances are inserted", func() bool {
		select {
		case <-bg.done:
			t.Fatalf("up finished before it could be killed:\n%s", bg.wait(t))
		default:
		}
		return len(s.Instances()) == 2
	})
	_ = syscall.Kill(bg.cmd.Process.Pid, syscall.SIGKILL)
	<-bg.done
	launched := gcpSimInstancePaths(s)
	s.SetTiming(gcpTiming)

	r := p.mustRun("up", "--yes")
	wantOutput(t, r, "was found and is tracked now")
	got := gcpSimInstancePaths(s)
	if !slices.Equal(got, launched) {
		t.Errorf("after the second up the simulator has instances %v; want the %v the killed run inserted", got, launched)
	}
	if dup := hasDuplicateNames(got); dup != "" {
		t.Errorf("the simulator holds instance %s twice", dup)
	}
	if tracked := p.state().gcpInstanceIDs(); !slices.Equal(tracked, launched) {
		t.Errorf("the state tracks instances %v; want %v", tracked, launched)
	}
	assertGCPObjects(t, s, gcpClusterObjects(2))
	// The program and the adopted objects agree: nothing is replaced or renamed. (A refresh right after the
	// adoption still reports the fields the cloud filled in while the objects were being created as drift once;
	// docs/providers/gcp-guide.md says so.)
	p.runCode(0, "preview", "--expect-no-changes")
	p.mustRun("destroy", "--yes")
	assertGCPObjects(t, s, gcpsim.Objects{})
}

// TestGCPImport creates an instance in the simulator directly, outside infra, imports it with `infra import`,
// and checks that the Go code it prints, put into a program, previews with no change.
func TestGCPImport(t *testing.T) {
	t.Parallel()
	if err := warmGCPWebcluster(); err != nil {
		t.Fatal(err)
	}
	s, url := gcpSim(t, gcpsim.Options{Timing: gcpTiming})
	zone := gcpsim.DefaultRegion + "-a"
	body := `{"name": "legacy-web", "machineType": "zones/` + zone + `/machineTypes/e2-small",
		"disks": [{"boot": true, "autoDelete": true, "initializeParams": {"sourceImage": "projects/debian-cloud/global/images/family/debian-12"}}],
		"networkInterfaces": [{"network": "global/networks/default", "accessConfigs": [{"type": "ONE_TO_ONE_NAT", "name": "External NAT"}]}],
		"labels": {"team": "web"}, "tags": {"items": ["web"]}}`
	resp, err := http.Post(url+"/compute/v1/projects/"+gcpsim.DefaultProject+"/zones/"+zone+"/instances", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the simulator refused the instance: %s", resp.Status)
	}
	pollUntil(t, 30*time.Second, "the instance runs", func() bool {
		is := s.Instances()
		return len(is) == 1 && is[0].Status == "RUNNING"
	})

	prog := filepath.Join(t.TempDir(), "prog")
	if err := os.MkdirAll(prog, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(code string) {
		t.Helper()
		main := "package main\n\nimport (\n\t\"github.com/infrago/infra/sdk/gcp/compute\"\n\t\"github.com/infrago/infra/sdk/infra\"\n)\n\n" +
			"var _ = compute.NewInstance\n\nfunc main() {\n\tinfra.Run(func(ctx *infra.Context) error {\n" + code + "\n\t\treturn nil\n\t})\n}\n"
		if err := os.WriteFile(filepath.Join(prog, "main.go"), []byte(main), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("")
	writeModule(t, prog)
	p := newProjectWithMain(t, prog)
	p.env = append(p.env, "GOFLAGS=-mod=mod")
	p.env = append(p.env, gcpEnv(p)...)
	for _, kv := range gcpProviderSettings(url) {
		p.mustRun("config", "set", kv[0], kv[1])
	}
	path := "projects/" + gcpsim.DefaultProject + "/zones/" + zone + "/instances/legacy-web"
	r := p.mustRun("import", "gcp:compute:Instance", "web", path, "--yes")
	code := r.stdout
	if !strings.Contains(code, `compute.NewInstance(ctx, "web", &compute.InstanceArgs{`) || !strings.Contains(code, `"legacy-web"`) {
		t.Fatalf("the generated code:\n%s", code)
	}
	write(code + "\n\t\tif err != nil {\n\t\t\treturn err\n\t\t}\n\t\t_ = web")
	r = p.runCode(0, "preview", "--expect-no-changes")
	wantOutput(t, r, "unchanged")
	if got := p.state().gcpInstanceIDs(); !slices.Equal(got, []string{path}) {
		t.Errorf("the state tracks instances %v, want %v", got, []string{path})
	}
}

// TestGCPWebclusterDemo runs the example's own script, examples/gcp-webcluster/demo.sh, with the binary under
// test and faults injected: it starts `infra sim gcp` itself and checks each step.
func TestGCPWebclusterDemo(t *testing.T) {
	t.Parallel()
	if err := warmGCPWebcluster(); err != nil {
		t.Fatal(err)
	}
	p, err := makeProject(t.TempDir(), "demo", gcpWebclusterDir())
	if err != nil {
		t.Fatal(err)
	}
	out := runDemo(t, filepath.Join(gcpWebclusterDir(), "demo.sh"), append(slices.Clone(p.env), "THROTTLE=0.1", "ERRORS=0.05"), commandTimeout)
	for _, want := range []string{"Resources: 12 created", "Resources: 12 unchanged", "Resources: 2 created, 12 unchanged",
		"Resources: 14 deleted", "the simulator holds no objects", "Demo complete"} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, out)
		}
	}
}
