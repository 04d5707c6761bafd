package integration

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	dosim "github.com/infrago/infra/providers/digitalocean/sim"
)

// The DigitalOcean tests deploy examples/do-webcluster through the real CLI, engine and digitalocean provider
// plugin (godo) against the DigitalOcean simulator (providers/digitalocean/sim).

// doTiming keeps the simulator's transitions short but real: droplets and load balancers are new for a while,
// actions in progress, and a droplet counts healthy only some time after it is active and in the load balancer.
var doTiming = dosim.Timing{DropletActive: 200 * time.Millisecond, ActionComplete: 50 * time.Millisecond,
	LoadBalancerActive: 200 * time.Millisecond, HealthyAfter: 150 * time.Millisecond}

// runDOWebclusterFlow runs the example through its life: up, a preview with no changes (with and without a
// refresh), a canary release that replaces web-0 alone while the load balancer keeps a healthy droplet all along
// (from the simulator's health record), and destroy, after which the simulator holds nothing. verbose runs the
// updates with --verbose and returns their output.
func runDOWebclusterFlow(t *testing.T, s *dosim.Server, p *project, verbose bool) string {
	t.Helper()
	upArgs := []string{"up", "--yes"}
	if verbose {
		upArgs = append(upArgs, "--verbose")
	}
	var logs strings.Builder
	r := p.mustRun(upArgs...)
	logs.WriteString(r.output())
	wantOutput(t, r, "Resources: 13 created", `url: "http://www.webcluster.example.com/"`, "reservedIps:")
	assertDOObjects(t, s, doClusterObjects(2))
	if got, want := p.state().dropletIDs(), simDropletIDs(s); !slices.Equal(got, want) {
		t.Errorf("the state tracks droplets %v, the simulator has %v", got, want)
	}
	lbID, _ := p.state().Outputs["loadBalancerId"].(string)
	if lbID == "" {
		t.Fatalf("no loadBalancerId output: %v", p.state().Outputs)
	}

	p.runCode(0, "preview", "--expect-no-changes")
	p.runCode(0, "preview", "--refresh", "--expect-no-changes")

	// The canary: web-0's user data changes, so web-0 alone is replaced.
	pollUntil(t, 30*time.Second, "both droplets are healthy", func() bool { return s.MinHealthySince(lbID, time.Now()) == 2 })
	before := p.state().dropletIDs()
	release := time.Now()
	p.mustRun("config", "set", "canaryMessage", "Hello from the canary")
	r = p.mustRun(upArgs...)
	logs.WriteString(r.output())
	wantOutput(t, r, "1 replaced")
	if got := steps(r); !slices.Contains(got, "replaced digitalocean:index:Droplet web-0") || slices.Contains(got, "replaced digitalocean:index:Droplet web-1") {
		t.Errorf("the canary release ran steps %q; want web-0 replaced and web-1 kept", got)
	}
	after := p.state().dropletIDs()
	if kept := intersect(before, after); len(kept) != 1 {
		t.Errorf("droplets %v before the release and %v after: want exactly one kept", before, after)
	}
	if got, want := after, simDropletIDs(s); !slices.Equal(got, want) {
		t.Errorf("the state tracks droplets %v, the simulator has %v", got, want)
	}
	if n := s.MinHealthySince(lbID, release); n < 1 {
		t.Errorf("the load balancer had %d healthy droplets at some moment of the release; want at least 1 all along\n%v", n, s.LoadBalancerHealth(lbID))
	}
	assertDOObjects(t, s, doClusterObjects(2))
	p.runCode(0, "preview", "--expect-no-changes")

	r = p.mustRun("destroy", "--yes")
	wantOutput(t, r, "Resources: 13 deleted")
	assertDOObjects(t, s, dosim.Objects{})
	if n := len(p.state().Resources); n != 0 {
		t.Errorf("the state holds %d resources after destroy", n)
	}
	return logs.String()
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func TestDOWebcluster(t *testing.T) {
	t.Parallel()
	if err := warmDOWebcluster(); err != nil {
		t.Fatal(err)
	}
	s, url := doSim(t, dosim.Options{Timing: doTiming, PageSize: 3})
	p := newDOProject(t, url)
	runDOWebclusterFlow(t, s, p, false)
}

// TestDOWebclusterUnderFaults runs the same flow while the simulator answers 12% of requests with 429 and a
// Retry-After, 5% with a 500, and adds latency: godo's retrying client must carry it through, with the retries
// visible at verbose level.
func TestDOWebclusterUnderFaults(t *testing.T) {
	t.Parallel()
	if err := warmDOWebcluster(); err != nil {
		t.Fatal(err)
	}
	s, url := doSim(t, dosim.Options{Timing: doTiming, PageSize: 3, Faults: dosim.Faults{
		RateLimitRate: 0.12, RetryAfter: dosim.Duration(time.Second), ErrorRate: 0.05,
		Latency: dosim.Duration(2 * time.Millisecond), LatencyJitter: dosim.Duration(5 * time.Millisecond)}})
	p := newDOProject(t, url)
	logs := runDOWebclusterFlow(t, s, p, true)
	st := s.Stats()
	if st.RateLimited == 0 || st.ServerErrors == 0 {
		t.Errorf("the simulator injected no faults: %+v", st)
	}
	if !strings.Contains(logs, "retrying request") {
		t.Errorf("the verbose output does not show %q", "retrying request")
	}
	t.Logf("%d requests, %d rate limited, %d 500, %d other errors", st.Requests, st.RateLimited, st.ServerErrors, st.Failed)
}

// TestDOWebclusterKilledDuringDropletCreation kills `infra up` with SIGKILL while the provider waits for the new
// droplets to become active (their creates went through), then runs up again: the droplets the killed run made
// are found by their infra-token tags and adopted, so the simulator holds exactly the intended droplets, each
// tracked once.
func TestDOWebclusterKilledDuringDropletCreation(t *testing.T) {
	t.Parallel()
	if err := warmDOWebcluster(); err != nil {
		t.Fatal(err)
	}
	slow := doTiming
	slow.DropletActive = time.Minute
	s, url := doSim(t, dosim.Options{Timing: slow})
	p := newDOProject(t, url)
	bg := p.start("up", "--yes")
	pollUntil(t, 2*time.Minute, "both droplets are created", func() bool {
		select {
		case <-bg.done:
			t.Fatalf("up finished before it could be killed:\n%s", bg.wait(t))
		default:
		}
		return len(s.Droplets()) == 2
	})
	_ = syscall.Kill(bg.cmd.Process.Pid, syscall.SIGKILL)
	<-bg.done
	launched := simDropletIDs(s)
	s.SetTiming(doTiming)

	r := p.mustRun("up", "--yes")
	wantOutput(t, r, "was found and is tracked now")
	if got := simDropletIDs(s); !slices.Equal(got, launched) {
		t.Errorf("after the second up the simulator has droplets %v; want the %v the killed run created", got, launched)
	}
	if tracked := p.state().dropletIDs(); !slices.Equal(tracked, launched) {
		t.Errorf("the state tracks droplets %v; want %v", tracked, launched)
	}
	assertDOObjects(t, s, doClusterObjects(2))
	p.runCode(0, "preview", "--expect-no-changes")
	p.mustRun("destroy", "--yes")
	assertDOObjects(t, s, dosim.Objects{})
}

// TestDOImport creates a droplet in the simulator directly, outside infra, imports it with `infra import`, and
// checks that the Go code it prints, put into a program, previews with no change.
func TestDOImport(t *testing.T) {
	t.Parallel()
	if err := warmDOWebcluster(); err != nil {
		t.Fatal(err)
	}
	s, url := doSim(t, dosim.Options{Timing: doTiming})
	body := `{"name": "legacy-web", "region": "nyc3", "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64", "tags": ["web"], "monitoring": true}`
	req, err := http.NewRequest(http.MethodPost, url+"/v2/droplets", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+dosim.DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Droplet struct {
			ID int `json:"id"`
		} `json:"droplet"`
	}
	err = json.NewDecoder(resp.Body).Decode(&created)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("the simulator refused the droplet: %s %v", resp.Status, err)
	}
	id := strconv.Itoa(created.Droplet.ID)
	pollUntil(t, 30*time.Second, "the droplet is active", func() bool {
		ds := s.Droplets()
		return len(ds) == 1 && ds[0].Status == "active"
	})

	prog := filepath.Join(t.TempDir(), "prog")
	if err := os.MkdirAll(prog, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(code string) {
		t.Helper()
		main := "package main\n\nimport (\n\tdigitalocean \"github.com/infrago/infra/sdk/digitalocean\"\n\t\"github.com/infrago/infra/sdk/infra\"\n)\n\n" +
			"var _ = digitalocean.NewDroplet\n\nfunc main() {\n\tinfra.Run(func(ctx *infra.Context) error {\n" + code + "\n\t\treturn nil\n\t})\n}\n"
		if err := os.WriteFile(filepath.Join(prog, "main.go"), []byte(main), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("")
	writeModule(t, prog)
	p := newProjectWithMain(t, prog)
	p.env = append(p.env, "GOFLAGS=-mod=mod")
	configureDO(p, url)
	r := p.mustRun("import", "digitalocean:index:Droplet", "web", id, "--yes")
	code := r.stdout
	if !strings.Contains(code, `digitalocean.NewDroplet(ctx, "web", &digitalocean.DropletArgs{`) || !strings.Contains(code, `"legacy-web"`) {
		t.Fatalf("the generated code:\n%s", code)
	}
	write(code + "\n\t\tif err != nil {\n\t\t\treturn err\n\t\t}\n\t\t_ = web")
	r = p.runCode(0, "preview", "--expect-no-changes")
	wantOutput(t, r, "unchanged")
	if got := p.state().dropletIDs(); !slices.Equal(got, []string{id}) {
		t.Errorf("the state tracks droplets %v, want %v", got, []string{id})
	}
}

// TestDOWebclusterDemo runs the example's own script, examples/do-webcluster/demo.sh, with the binary under test
// and faults injected: it starts `infra sim digitalocean` itself and checks each step.
func TestDOWebclusterDemo(t *testing.T) {
	t.Parallel()
	if err := warmDOWebcluster(); err != nil {
		t.Fatal(err)
	}
	p, err := makeProject(t.TempDir(), "demo", doWebclusterDir())
	if err != nil {
		t.Fatal(err)
	}
	out := runDemo(t, filepath.Join(doWebclusterDir(), "demo.sh"), append(slices.Clone(p.env), "THROTTLE=0.1", "ERRORS=0.05"), commandTimeout)
	for _, want := range []string{"Resources: 13 created", "Resources: 13 unchanged", "1 replaced",
		"Resources: 13 deleted", "the simulator holds no objects", "Demo complete"} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, out)
		}
	}
}
