package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	dosim "github.com/infrago/infra/providers/digitalocean/sim"
)

// doSimFlags are the settings of `infra sim digitalocean`.
type doSimFlags struct {
	simCommonFlags
	token                         string
	regions                       []string
	retryAfter, window            time.Duration
	dropletActive, actionComplete time.Duration
	lbActive, healthyAfter        time.Duration
}

func (a *app) simDigitalOceanCommand() *cobra.Command {
	var f doSimFlags
	cmd := &cobra.Command{
		Use:     "digitalocean",
		Aliases: []string{"do"},
		Short:   "Run the DigitalOcean simulator (droplets, load balancers, firewalls, DNS, ...) until interrupted",
		Long: `Serve a simulator of the DigitalOcean v2 API the digitalocean provider uses (droplets and
their actions, reserved IPs, VPCs, SSH keys, tags, load balancers, firewalls, domains and
records) on one endpoint, and print the stack configuration and the token that point the
provider at it. Droplets and load balancers go new, then active; actions in-progress, then
completed. It holds its objects in memory until it stops, and starts with a default VPC in
every region and a catalogue of sizes and distribution images.

Faults can be injected from the start with the flags, and changed while it runs:

  curl -X PUT <endpoint>/_sim/faults -d '{"rateLimit": 0.2, "retryAfter": "2s", "errors": 0.05}'
  curl <endpoint>/_sim/status       # objects held, faults, request counts

Stop it with Ctrl-C.`,
		Example: `  infra sim digitalocean
  infra sim digitalocean --listen 127.0.0.1:8086 --throttle 0.2 --retry-after 2s --errors 0.05
  infra sim digitalocean --token secret --region nyc3 --region ams3 --not-found-after-create 500ms`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDigitalOceanSim(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	f.register(cmd.Flags())
	return cmd
}

// register declares the flags of `infra sim digitalocean` on fl, each set to its default.
func (f *doSimFlags) register(fl *pflag.FlagSet) {
	f.simCommonFlags.register(fl, simFlagHelp{listen: "127.0.0.1:8086",
		throttle: "the share of requests refused with 429 too_many_requests and a Retry-After header (0 to 1)",
		errors:   "the share of requests refused with 500 server_error (0 to 1)",
		pageSize: "cap per_page of every list at this many items (0: DigitalOcean's own 200)"})
	fl.StringVar(&f.token, "token", "", "the only bearer token accepted (default: any non-empty token)")
	fl.StringSliceVar(&f.regions, "region", nil, "a region slug to simulate, repeatable (default: "+strings.Join(dosim.DefaultRegions, ", ")+")")
	fl.DurationVar(&f.retryAfter, "retry-after", time.Second, "what a 429's Retry-After header asks clients to wait")
	fl.DurationVar(&f.window, "not-found-after-create", 0, "how long a GET of a new object answers 404 after its create")
	fl.DurationVar(&f.dropletActive, "droplet-active", 500*time.Millisecond, "how long a new droplet stays new before it is active")
	fl.DurationVar(&f.actionComplete, "action-complete", 200*time.Millisecond, "how long an action stays in-progress")
	fl.DurationVar(&f.lbActive, "lb-active", 500*time.Millisecond, "how long a new load balancer stays new before it is active")
	fl.DurationVar(&f.healthyAfter, "healthy-after", 300*time.Millisecond, "how long after a droplet is active its load balancers count it healthy")
}

// runDigitalOceanSim serves the DigitalOcean simulator until ctx is done or the process is interrupted.
func runDigitalOceanSim(ctx context.Context, stdout, stderr io.Writer, f doSimFlags) error {
	s, err := newDigitalOceanSim(f, stderr)
	if err != nil {
		return err
	}
	return serveSims(ctx, stdout, s)
}

// newDigitalOceanSim is the DigitalOcean simulator f describes, logging requests to stderr.
func newDigitalOceanSim(f doSimFlags, stderr io.Writer) (simulator, error) {
	opts := dosim.Options{Listen: f.listen, Token: f.token, Regions: f.regions, PageSize: f.pageSize,
		Faults: dosim.Faults{RateLimitRate: f.throttle, RetryAfter: dosim.Duration(f.retryAfter), ErrorRate: f.errors,
			Latency: dosim.Duration(f.latency), LatencyJitter: dosim.Duration(f.jitter), NotFoundAfterCreate: dosim.Duration(f.window)},
		Timing: dosim.Timing{DropletActive: f.dropletActive, ActionComplete: f.actionComplete, LoadBalancerActive: f.lbActive,
			HealthyAfter: f.healthyAfter},
		Log: f.requestLog(stderr)}
	if err := opts.Validate(); err != nil {
		return simulator{}, fmt.Errorf("infra sim digitalocean: %w", err)
	}
	token := f.token
	if token == "" {
		token = dosim.DefaultToken
	}
	s := dosim.New(opts)
	return simulator{name: "DigitalOcean simulator", start: s.Start, banner: func(url string) string {
		return fmt.Sprintf(`  services: DigitalOcean API v2 (droplets, actions, reserved IPs, VPCs, SSH keys, tags,
            load balancers, firewalls, domains); regions %[3]v
  token:    %[2]s
  faults:   %[4]s

Point a stack's digitalocean provider at it:
  infra config set digitalocean:endpoint %[1]s
  infra config set --secret digitalocean:token %[2]s

Or godo (godo.SetBaseURL) or curl:
  curl -H "Authorization: Bearer %[2]s" %[1]s/v2/droplets

Status: curl %[1]s/_sim/status    Faults: curl -X PUT %[1]s/_sim/faults -d '{"rateLimit":0.2}'
Press Ctrl-C to stop (everything it holds is forgotten).
`, url, token, s.Regions(), s.Faults())
	}}, nil
}
