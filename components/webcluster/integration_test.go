package webcluster

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	awssim "github.com/infrago/infra/providers/aws/sim"
	dosim "github.com/infrago/infra/providers/digitalocean/sim"
	gcpsim "github.com/infrago/infra/providers/gcp/sim"
	"github.com/infrago/infra/sdk/auto"
	"github.com/infrago/infra/sdk/infra"
	"github.com/infrago/infra/sdk/infratest"
)

// The integration test deploys the component through bin/infra, with infratest.Deploy, on each cloud's
// simulator: up, a preview with no changes, a release (a changed cloud-init) during which the load balancer must
// keep a healthy member all along, from the simulator's health record, and the destroy at the end, after which
// the simulator holds nothing.

// clusterProgram is the stack the test deploys: two VMs, its cloud, domain and message from the configuration.
func clusterProgram(ctx *infra.Context) error {
	cfg := infra.NewConfig(ctx, "")
	cloud, err := cfg.Require("cloud")
	if err != nil {
		return err
	}
	web, err := New(ctx, "web", &Args{Cloud: Cloud(cloud), Count: 2, Domain: cfg.Get("domain"), Message: cfg.Get("message")})
	if err != nil {
		return err
	}
	ctx.Export("url", web.URL)
	ctx.Export("addresses", web.Addresses)
	ctx.Export("loadBalancer", web.LoadBalancer)
	ctx.Export("backendPool", web.BackendPool)
	return nil
}

// simulated is what the test needs of a cloud's simulator.
type simulated struct {
	// objects counts what the simulator holds; vms lists the VMs' IDs.
	objects func() int
	vms     func() []string
	// minHealthy is the fewest healthy members the backend pool had from t on.
	minHealthy func(pool string, t time.Time) int
	config     map[string]string
	secrets    map[string]string
	env        []string
}

func startAWS(t *testing.T) simulated {
	s := awssim.New(awssim.Options{Timing: awssim.Timing{InstanceStart: 200 * time.Millisecond, InstanceStop: 100 * time.Millisecond,
		LoadBalancerActive: 200 * time.Millisecond, ChangeSync: 100 * time.Millisecond}})
	url := serve(t, s.Start)
	none := filepath.Join(t.TempDir(), "none")
	return simulated{
		objects: func() int { return s.Objects().Total() },
		vms: func() []string {
			var ids []string
			for _, i := range s.Instances() {
				ids = append(ids, i.ID)
			}
			return ids
		},
		minHealthy: s.MinHealthySince,
		config: map[string]string{"aws:region": awssim.DefaultRegion, "aws:endpoint": url, "aws:accessKey": "AKIDSIMULATOR",
			"aws:pollInterval": "50ms", "aws:retryMaxBackoff": "250ms", "aws:maxRetries": "25"},
		secrets: map[string]string{"aws:secretKey": "simulator-secret"},
		// Nothing on the machine may steer the AWS SDK to a real account.
		env: []string{"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=" + none, "AWS_SHARED_CREDENTIALS_FILE=" + none, "AWS_PROFILE=",
			"AWS_REGION=", "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_ENDPOINT_URL="},
	}
}

func startGCP(t *testing.T) simulated {
	s := gcpsim.New(gcpsim.Options{Timing: gcpsim.Timing{OperationPending: 20 * time.Millisecond, OperationRunning: 60 * time.Millisecond,
		InstanceStart: 200 * time.Millisecond, InstanceStop: 100 * time.Millisecond, ChangeDone: 60 * time.Millisecond, HealthyAfter: 150 * time.Millisecond}})
	url := serve(t, s.Start)
	none := filepath.Join(t.TempDir(), "none")
	return simulated{
		objects: func() int { return s.Objects().Total() },
		vms: func() []string {
			var ids []string
			for _, i := range s.Instances() {
				ids = append(ids, i.Path)
			}
			return ids
		},
		minHealthy: s.MinHealthySince,
		config: map[string]string{"gcp:project": gcpsim.DefaultProject, "gcp:region": gcpsim.DefaultRegion, "gcp:endpoint": url,
			"gcp:pollInterval": "50ms", "gcp:retryMaxBackoff": "250ms", "gcp:maxRetries": "25"},
		env: []string{"GOOGLE_APPLICATION_CREDENTIALS=" + none, "CLOUDSDK_CONFIG=" + none, "GOOGLE_CLOUD_PROJECT=", "CLOUDSDK_CORE_PROJECT=",
			"GOOGLE_CLOUD_REGION=", "CLOUDSDK_COMPUTE_REGION=", "GOOGLE_CLOUD_ZONE=", "CLOUDSDK_COMPUTE_ZONE=", "NO_GCE_CHECK=True", "GCE_METADATA_HOST=127.0.0.1:1"},
	}
}

func startDO(t *testing.T) simulated {
	s := dosim.New(dosim.Options{Timing: dosim.Timing{DropletActive: 200 * time.Millisecond, ActionComplete: 50 * time.Millisecond,
		LoadBalancerActive: 200 * time.Millisecond, HealthyAfter: 150 * time.Millisecond}})
	url := serve(t, s.Start)
	return simulated{
		objects: func() int { return s.Objects().Total() },
		vms: func() []string {
			var ids []string
			for _, d := range s.Droplets() {
				ids = append(ids, strconv.Itoa(d.ID))
			}
			return ids
		},
		minHealthy: s.MinHealthySince,
		config: map[string]string{"digitalocean:endpoint": url, "digitalocean:pollInterval": "20ms", "digitalocean:retryMinBackoff": "20ms",
			"digitalocean:retryMaxBackoff": "500ms", "digitalocean:maxRetries": "25"},
		secrets: map[string]string{"digitalocean:token": dosim.DefaultToken},
		env:     []string{"DIGITALOCEAN_TOKEN=", "DIGITALOCEAN_ACCESS_TOKEN=", "DIGITALOCEAN_API_URL="},
	}
}

// serve starts a simulator until the test ends and returns its URL. (The three simulators' listeners are one
// type.)
func serve(t *testing.T, start func(context.Context) (*awssim.Listening, error)) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l, err := start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = l.Close()
	})
	return l.URL
}

// infraBinary is the CLI: $INFRA_BIN, else bin/infra of this repository (built by `make build`).
func infraBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("deploys through bin/infra: not in -short mode")
	}
	bin := os.Getenv("INFRA_BIN")
	if bin == "" {
		bin, _ = filepath.Abs(filepath.Join("..", "..", "bin", "infra"))
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("no infra CLI at %s: run `make build` at the repository's root, or set INFRA_BIN", bin)
	}
	return bin
}

// goEnv keeps Go's caches when the CLI runs with the test's own HOME, so that builds do not start cold.
func goEnv(t *testing.T) []string {
	var env []string
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		v, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", k, err)
		}
		env = append(env, k+"="+strings.TrimSpace(string(v)))
	}
	return env
}

// TestClusterOnSimulators deploys a two-VM cluster on each cloud's simulator and releases a new cloud-init.
func TestClusterOnSimulators(t *testing.T) {
	bin := infraBinary(t)
	goenv := goEnv(t)
	clouds := []struct {
		cloud Cloud
		start func(*testing.T) simulated
	}{{AWS, startAWS}, {GCP, startGCP}, {DigitalOcean, startDO}}
	for _, c := range clouds {
		t.Run(string(c.cloud), func(t *testing.T) {
			t.Parallel()
			sim, onCloud := realCloud(t, c.cloud)
			if !onCloud {
				sim = c.start(t)
				// Registered before Deploy, so it runs after the harness's destroy.
				t.Cleanup(func() {
					if n := sim.objects(); n != 0 {
						t.Errorf("the simulator still holds %d objects after the destroy", n)
					}
				})
			}
			timeout := 5 * time.Minute
			if onCloud {
				// Real load balancers take minutes to provision, real VMs to boot and pass their checks.
				timeout = 45 * time.Minute
			}
			home := t.TempDir()
			config := map[string]string{"cloud": string(c.cloud), "message": "v1"}
			for k, v := range sim.config {
				config[k] = v
			}
			d := infratest.Deploy(t, infratest.DeployOptions{
				Program: clusterProgram, Project: "webcluster-it", WorkDir: filepath.Join(home, "project"), Binary: bin,
				Config: config, Secrets: sim.secrets,
				Env: append(append(append([]string{}, goenv...), sim.env...), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
					"INFRA_CACHE_DIR="+filepath.Join(home, "cache"), "INFRA_STACK=", "INFRA_PASSPHRASE="),
				Timeout: timeout,
			})
			domain := d.Name() + ".example.com"
			if onCloud {
				domain = d.Name() + "." + accDomain()
			}
			d.SetConfig("domain", domain)

			outs := d.Up()
			if got := outs["url"].Value; got != "http://www."+domain+"/" {
				t.Errorf("url = %v", got)
			}
			addrs, _ := outs["addresses"].Value.([]any)
			pool, _ := outs["backendPool"].Value.(string)
			if len(addrs) != 2 || pool == "" || outs["loadBalancer"].Value == "" {
				t.Fatalf("outputs %v: want two addresses, a load balancer and a backend pool", outs)
			}
			var before []string
			if !onCloud {
				if before = sim.vms(); len(before) != 2 {
					t.Fatalf("the simulator runs VMs %v, want 2", before)
				}
			}
			d.Preview(auto.ExpectNoChanges())

			// The release: every VM boots a new cloud-init, so each is replaced, one at a time.
			if !onCloud {
				waitFor(t, "both VMs healthy", func() bool { return sim.minHealthy(pool, time.Now()) == 2 })
			}
			release := time.Now()
			d.SetConfig("message", "v2")
			outs = d.Up()
			if onCloud {
				// The health record is the simulator's; on a real cloud the release's waits for health are what
				// the test sees, and the new VMs must differ from the old.
				t.Log("on a real cloud: the load balancer's healthy members during the release are asserted on the simulators only")
				newAddrs, _ := outs["addresses"].Value.([]any)
				if len(newAddrs) != 2 || slices.ContainsFunc(newAddrs, func(a any) bool { return slices.Contains(addrs, a) }) {
					t.Errorf("addresses %v after the release, %v before: want two new VMs", newAddrs, addrs)
				}
			} else {
				if n := sim.minHealthy(pool, release); n < 1 {
					t.Errorf("the load balancer had %d healthy members at some moment of the release; want at least 1 all along", n)
				}
				after := sim.vms()
				if len(after) != 2 || slices.ContainsFunc(after, func(id string) bool { return slices.Contains(before, id) }) {
					t.Errorf("VMs %v after the release, %v before: want two new ones", after, before)
				}
			}
			d.Preview(auto.ExpectNoChanges())
		})
	}
}

// realCloud is the cloud itself instead of its simulator, when INFRA_ACC=1 and the cloud's credentials are in
// the environment: AWS_ACCESS_KEY_ID, AWS_PROFILE or AWS_WEB_IDENTITY_TOKEN_FILE (region AWS_REGION, default
// us-east-1); GOOGLE_CLOUD_PROJECT with GOOGLE_APPLICATION_CREDENTIALS or gcloud's application-default
// credentials (region GOOGLE_CLOUD_REGION, default us-central1); DIGITALOCEAN_TOKEN. The machine's own credential
// files are passed on, since the test runs the CLI with a HOME of its own.
func realCloud(t *testing.T, cloud Cloud) (simulated, bool) {
	if os.Getenv("INFRA_ACC") != "1" {
		return simulated{}, false
	}
	home, _ := os.UserHomeDir()
	fileEnv := func(key, path string) []string {
		if os.Getenv(key) == "" {
			if _, err := os.Stat(path); err == nil {
				return []string{key + "=" + path}
			}
		}
		return nil
	}
	or := func(key, def string) string {
		if v := os.Getenv(key); v != "" {
			return v
		}
		return def
	}
	switch cloud {
	case AWS:
		if os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" && os.Getenv("AWS_WEB_IDENTITY_TOKEN_FILE") == "" {
			t.Log("INFRA_ACC=1 but no AWS credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE or AWS_WEB_IDENTITY_TOKEN_FILE): on the simulator")
			return simulated{}, false
		}
		return simulated{config: map[string]string{"aws:region": or("AWS_REGION", "us-east-1")},
			env: append(fileEnv("AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config")),
				fileEnv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials"))...)}, true
	case GCP:
		adc := filepath.Join(home, ".config", "gcloud")
		if os.Getenv("GOOGLE_CLOUD_PROJECT") == "" || (os.Getenv("GOOGLE_APPLICATION_CREDENTIALS") == "" && fileEnv("CLOUDSDK_CONFIG", adc) == nil) {
			t.Log("INFRA_ACC=1 but no Google Cloud project and credentials (GOOGLE_CLOUD_PROJECT, GOOGLE_APPLICATION_CREDENTIALS): on the simulator")
			return simulated{}, false
		}
		return simulated{config: map[string]string{"gcp:project": os.Getenv("GOOGLE_CLOUD_PROJECT"), "gcp:region": or("GOOGLE_CLOUD_REGION", "us-central1")},
			env: fileEnv("CLOUDSDK_CONFIG", adc)}, true
	case DigitalOcean:
		if os.Getenv("DIGITALOCEAN_TOKEN") == "" {
			t.Log("INFRA_ACC=1 but no DIGITALOCEAN_TOKEN: on the simulator")
			return simulated{}, false
		}
		return simulated{}, true
	}
	return simulated{}, false
}

// accDomain is the parent of the zones the test creates on a real cloud: INFRA_ACC_DOMAIN, else a name no one
// serves (the clouds refuse zones under example.com).
func accDomain() string {
	if d := os.Getenv("INFRA_ACC_DOMAIN"); d != "" {
		return d
	}
	return "infra-acceptance.net"
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
