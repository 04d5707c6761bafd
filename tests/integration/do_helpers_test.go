package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	dosim "github.com/infrago/infra/providers/digitalocean/sim"
)

// doWebclusterDir is the example the DigitalOcean tests deploy.
func doWebclusterDir() string { return filepath.Join(repoRoot, "examples", "do-webcluster") }

// doSim starts a DigitalOcean simulator for the test, served in-process until the test ends.
func doSim(t *testing.T, opts dosim.Options) (*dosim.Server, string) {
	t.Helper()
	s := dosim.New(opts)
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

// doEnv keeps a token or endpoint on the machine from steering the provider to a real account.
func doEnv() []string {
	return []string{"DIGITALOCEAN_TOKEN=", "DIGITALOCEAN_ACCESS_TOKEN=", "DIGITALOCEAN_API_URL="}
}

// doProviderSettings point a stack's digitalocean provider at the simulator at url, with short waits; the token
// is set as a secret separately.
func doProviderSettings(url string) [][]string {
	return [][]string{{"digitalocean:endpoint", url}, {"digitalocean:pollInterval", "20ms"},
		{"digitalocean:retryMinBackoff", "20ms"}, {"digitalocean:retryMaxBackoff", "500ms"}, {"digitalocean:maxRetries", "25"}}
}

// configureDO points the project's stack at the simulator.
func configureDO(p *project, url string) {
	p.env = append(p.env, doEnv()...)
	for _, kv := range doProviderSettings(url) {
		p.mustRun("config", "set", kv[0], kv[1])
	}
	p.mustRun("config", "set", "--secret", "digitalocean:token", dosim.DefaultToken)
}

// newDOProject is a project running examples/do-webcluster with stack dev, its digitalocean provider pointed at
// the simulator at url.
func newDOProject(t *testing.T, url string) *project {
	t.Helper()
	p := newProjectWithMain(t, doWebclusterDir())
	rel, err := filepath.Rel(p.dir, doWebclusterDir())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(doWebclusterDir(), "Infra.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The example's own configuration declarations, under this project's name and main.
	at := strings.Index(string(raw), "\nconfig:")
	if at < 0 {
		t.Fatalf("%s/Infra.yaml declares no configuration", doWebclusterDir())
	}
	decls := string(raw[at+1:])
	if err := p.writeFile("Infra.yaml", fmt.Sprintf("name: %s\nmain: %s\n%s", p.name, filepath.ToSlash(rel), decls)); err != nil {
		t.Fatal(err)
	}
	configureDO(p, url)
	return p
}

// warmDOWebcluster builds the example program into the shared cache once, so that the tests, which run in
// parallel, do not all compile it at the same time.
var warmDOWebcluster = sync.OnceValue(func() error {
	tmp, err := os.MkdirTemp("", "infra-do-warm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	p, err := makeProject(tmp, "warm", doWebclusterDir())
	if err != nil {
		return err
	}
	if r := p.run("stack", "init", "dev"); r.code != 0 {
		return fmt.Errorf("warm-up: %s", r)
	}
	// A preview with no token fails at the provider's configuration, after the program was built.
	_ = p.runEnv(doEnv(), "preview")
	return nil
})

// doClusterObjects is what a web cluster of n droplets holds in the simulator.
func doClusterObjects(n int) dosim.Objects {
	// The tags: the declared one, and each droplet's infra-urn and infra-token tags.
	return dosim.Objects{Droplets: n, ReservedIPs: n, LoadBalancers: 1, Firewalls: 1, Tags: 1 + 2*n, Domains: 1, DomainRecords: 2}
}

// assertDOObjects fails the test unless the simulator holds exactly want of each kind.
func assertDOObjects(t *testing.T, s *dosim.Server, want dosim.Objects) {
	t.Helper()
	if got := s.Objects(); got != want {
		t.Errorf("the simulator holds %+v, want %+v", got, want)
	}
}

// dropletIDs lists the IDs of the droplets the state tracks, sorted.
func (s snapshot) dropletIDs() []string {
	var out []string
	for _, r := range s.Resources {
		if r.Type == "digitalocean:index:Droplet" && !r.Delete {
			out = append(out, r.ID)
		}
	}
	sort.Strings(out)
	return out
}

// simDropletIDs lists the IDs of the simulator's droplets, sorted as strings.
func simDropletIDs(s *dosim.Server) []string {
	var out []string
	for _, d := range s.Droplets() {
		out = append(out, strconv.Itoa(d.ID))
	}
	sort.Strings(out)
	return out
}
