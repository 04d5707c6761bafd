package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/infrago/infra/providers/aws/sim"
)

// webclusterDir is the example the AWS tests deploy.
func webclusterDir() string { return filepath.Join(repoRoot, "examples", "aws-webcluster") }

// awsSim starts an AWS simulator for the test, served in-process until the test ends.
func awsSim(t *testing.T, opts sim.Options) (*sim.Server, string) {
	t.Helper()
	s := sim.New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	l, err := s.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = l.Close()
	})
	return s, l.URL
}

// newAWSProject is a project running examples/aws-webcluster with stack dev, its aws provider pointed at the
// simulator at url. The project's Infra.yaml declares the example's configuration the same way the example's
// own does.
func newAWSProject(t *testing.T, url, extraConfig string) *project {
	t.Helper()
	p := newProjectWithMain(t, webclusterDir())
	rel, err := filepath.Rel(p.dir, webclusterDir())
	if err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf(`name: %s
main: %s
config:
  instanceCount: {type: integer, default: 2}
  domain: {type: string, default: webcluster.example.com}
  instanceType: {type: string, default: t3.micro}
  aws:maxRetries: {type: integer}
`, p.name, filepath.ToSlash(rel))
	if err := p.writeFile("Infra.yaml", yaml); err != nil {
		t.Fatal(err)
	}
	// Nothing on the machine may steer the AWS SDK: no metadata service, no shared files.
	p.env = append(p.env, "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE="+p.path("no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+p.path("no-aws-credentials"), "AWS_PROFILE=", "AWS_REGION=", "AWS_ACCESS_KEY_ID=",
		"AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_ENDPOINT_URL=")
	settings := [][]string{
		{"aws:region", "us-east-1"}, {"aws:endpoint", url}, {"aws:accessKey", "AKIDSIMULATOR"},
		{"aws:pollInterval", "50ms"}, {"aws:retryMaxBackoff", "250ms"}, {"aws:maxRetries", "25"},
	}
	for _, kv := range settings {
		p.mustRun("config", "set", kv[0], kv[1])
	}
	p.mustRun("config", "set", "--secret", "aws:secretKey", "simulator-secret")
	for _, line := range strings.Split(strings.TrimSpace(extraConfig), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			p.mustRun("config", "set", k, v)
		}
	}
	return p
}

// warmWebcluster builds the example program into the shared cache once, so that the AWS tests, which run in
// parallel, do not all compile it (and the aws SDK bindings) at the same time.
var warmWebcluster = sync.OnceValue(func() error {
	tmp, err := os.MkdirTemp("", "infra-aws-warm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	p, err := makeProject(tmp, "warm", webclusterDir())
	if err != nil {
		return err
	}
	if r := p.run("stack", "init", "dev"); r.code != 0 {
		return fmt.Errorf("warm-up: %s", r)
	}
	// A preview needs no provider to reach AWS: it fails at the first invoke, after the program was built.
	_ = p.run("preview")
	return nil
})

// simObjects fails the test unless the simulator holds exactly want of each kind.
func assertSimObjects(t *testing.T, s *sim.Server, want sim.Objects) {
	t.Helper()
	if got := s.Objects(); got != want {
		t.Errorf("the simulator holds %+v, want %+v", got, want)
	}
}

// clusterObjects is what a web cluster of n instances holds in the simulator.
func clusterObjects(n int) sim.Objects {
	return sim.Objects{Instances: n, SecurityGroups: 2, LoadBalancers: 1, TargetGroups: 1, Listeners: 1, Targets: n,
		HostedZones: 1, Records: 1}
}

// stepLine matches a finished step of the plain display: "<op>  <type>  <name>  <done>".
var stepLine = regexp.MustCompile(`(?m)^ *[-+~>]+ +([a-z0-9]+:[a-z0-9]+:[A-Za-z]+) +(\S+) +(created|updated|replaced|deleted|read|imported)\b`)

// steps lists the steps an update's output shows as done, as "<done> <type> <name>", sorted.
func steps(r result) []string {
	var out []string
	for _, m := range stepLine.FindAllStringSubmatch(r.stdout, -1) {
		out = append(out, m[3]+" "+m[1]+" "+m[2])
	}
	sort.Strings(out)
	return out
}

// instanceIDs lists the IDs of the instances the state tracks, sorted.
func (s snapshot) instanceIDs() []string {
	var out []string
	for _, r := range s.Resources {
		if r.Type == "aws:ec2:Instance" && !r.Delete {
			out = append(out, r.ID)
		}
	}
	sort.Strings(out)
	return out
}

// simInstanceIDs lists the IDs of the simulator's instances that are not terminated, sorted.
func simInstanceIDs(s *sim.Server) []string {
	var out []string
	for _, i := range s.Instances() {
		out = append(out, i.ID)
	}
	sort.Strings(out)
	return out
}
