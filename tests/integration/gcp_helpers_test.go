package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	gcpsim "github.com/infrago/infra/providers/gcp/sim"
)

// gcpWebclusterDir is the example the GCP tests deploy.
func gcpWebclusterDir() string { return filepath.Join(repoRoot, "examples", "gcp-webcluster") }

// gcpSim starts a Google Cloud simulator for the test, served in-process until the test ends.
func gcpSim(t *testing.T, opts gcpsim.Options) (*gcpsim.Server, string) {
	t.Helper()
	s := gcpsim.New(opts)
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

// gcpEnv keeps everything on the machine from steering the gcp provider: no Application Default Credentials,
// no gcloud configuration, no project or region from the environment.
func gcpEnv(p *project) []string {
	return []string{"GOOGLE_APPLICATION_CREDENTIALS=" + p.path("no-gcp-credentials"), "CLOUDSDK_CONFIG=" + p.path("no-gcloud"),
		"GOOGLE_CLOUD_PROJECT=", "CLOUDSDK_CORE_PROJECT=", "GOOGLE_CLOUD_REGION=", "CLOUDSDK_COMPUTE_REGION=",
		"GOOGLE_CLOUD_ZONE=", "CLOUDSDK_COMPUTE_ZONE=", "NO_GCE_CHECK=True", "GCE_METADATA_HOST=127.0.0.1:1"}
}

// gcpProviderSettings point a stack's gcp provider at the simulator at url, with short waits.
func gcpProviderSettings(url string) [][]string {
	return [][]string{{"gcp:project", gcpsim.DefaultProject}, {"gcp:region", gcpsim.DefaultRegion}, {"gcp:endpoint", url},
		{"gcp:pollInterval", "50ms"}, {"gcp:retryMaxBackoff", "250ms"}, {"gcp:maxRetries", "25"}}
}

// newGCPProject is a project running examples/gcp-webcluster with stack dev, its gcp provider pointed at the
// simulator at url. The project's Infra.yaml declares the example's configuration the same way the example's
// own does.
func newGCPProject(t *testing.T, url string) *project {
	t.Helper()
	p := newProjectWithMain(t, gcpWebclusterDir())
	rel, err := filepath.Rel(p.dir, gcpWebclusterDir())
	if err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf(`name: %s
main: %s
config:
  instanceCount: {type: integer, default: 2}
  domain: {type: string, default: webcluster.example.com}
  machineType: {type: string, default: e2-micro}
  gcp:maxRetries: {type: integer}
`, p.name, filepath.ToSlash(rel))
	if err := p.writeFile("Infra.yaml", yaml); err != nil {
		t.Fatal(err)
	}
	p.env = append(p.env, gcpEnv(p)...)
	for _, kv := range gcpProviderSettings(url) {
		p.mustRun("config", "set", kv[0], kv[1])
	}
	return p
}

// warmGCPWebcluster builds the example program into the shared cache once, so that the GCP tests, which run
// in parallel, do not all compile it (and the Google Cloud bindings) at the same time.
var warmGCPWebcluster = sync.OnceValue(func() error {
	tmp, err := os.MkdirTemp("", "infra-gcp-warm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	p, err := makeProject(tmp, "warm", gcpWebclusterDir())
	if err != nil {
		return err
	}
	if r := p.run("stack", "init", "dev"); r.code != 0 {
		return fmt.Errorf("warm-up: %s", r)
	}
	// A preview with no provider configuration fails at the first invoke, after the program was built.
	_ = p.runEnv(gcpEnv(p), "preview")
	return nil
})

// assertGCPObjects fails the test unless the simulator holds exactly want of each kind.
func assertGCPObjects(t *testing.T, s *gcpsim.Server, want gcpsim.Objects) {
	t.Helper()
	if got := s.Objects(); got != want {
		t.Errorf("the simulator holds %+v, want %+v", got, want)
	}
}

// gcpClusterObjects is what a web cluster of n instances holds in the simulator: each instance with its
// boot disk and its pool membership.
func gcpClusterObjects(n int) gcpsim.Objects {
	return gcpsim.Objects{Firewalls: 1, Addresses: 1, Instances: n, Disks: n, HealthChecks: 1, TargetPools: 1,
		ForwardingRules: 1, TargetPoolMembers: n, ManagedZones: 1, Records: 1}
}

// gcpInstanceIDs lists the IDs (paths) of the instances the state tracks, sorted.
func (s snapshot) gcpInstanceIDs() []string {
	var out []string
	for _, r := range s.Resources {
		if r.Type == "gcp:compute:Instance" && !r.Delete {
			out = append(out, r.ID)
		}
	}
	sort.Strings(out)
	return out
}

// gcpSimInstancePaths lists the paths of the simulator's instances, sorted.
func gcpSimInstancePaths(s *gcpsim.Server) []string {
	var out []string
	for _, i := range s.Instances() {
		out = append(out, i.Path)
	}
	sort.Strings(out)
	return out
}

// hasDuplicateNames reports an instance name the simulator holds twice, or "".
func hasDuplicateNames(paths []string) string {
	seen := map[string]bool{}
	for _, p := range paths {
		name := p[strings.LastIndex(p, "/")+1:]
		if seen[name] {
			return name
		}
		seen[name] = true
	}
	return ""
}
