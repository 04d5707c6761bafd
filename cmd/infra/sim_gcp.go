package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	gcpsim "github.com/infrago/infra/providers/gcp/sim"
)

// gcpSimFlags are the settings of `infra sim gcp`.
type gcpSimFlags struct {
	simCommonFlags
	project                  string
	slowOps, window          time.Duration
	opRunning, instanceStart time.Duration
}

func (a *app) simGCPCommand() *cobra.Command {
	var f gcpSimFlags
	cmd := &cobra.Command{
		Use:   "gcp",
		Short: "Run the Google Cloud simulator (Compute Engine, Cloud DNS) until interrupted",
		Long: `Serve a simulator of the Google Cloud APIs the gcp provider uses (Compute Engine v1 and
Cloud DNS v1, over REST) on one endpoint, and print the stack configuration that points
the gcp provider at it. Operations go PENDING, RUNNING, DONE and instances PROVISIONING,
STAGING, RUNNING; it holds its objects in memory until it stops, and starts with a default
network and a catalogue of public images (debian-cloud, ubuntu-os-cloud).

Faults can be injected from the start with the flags, and changed while it runs:

  curl -X PUT <endpoint>/_sim/faults -d '{"throttle": 0.2, "errors": 0.05, "slowOperations": "2s"}'
  curl <endpoint>/_sim/status       # objects held, faults, request counts

Stop it with Ctrl-C.`,
		Example: `  infra sim gcp
  infra sim gcp --listen 127.0.0.1:8085 --throttle 0.2 --errors 0.05 --slow-operations 1s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runGCPSim(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	f.register(cmd.Flags())
	return cmd
}

// register declares the flags of `infra sim gcp` on fl, each set to its default.
func (f *gcpSimFlags) register(fl *pflag.FlagSet) {
	f.simCommonFlags.register(fl, simFlagHelp{listen: "127.0.0.1:8085",
		throttle: "the share of requests refused with 429 rateLimitExceeded (0 to 1)",
		errors:   "the share of requests refused with 503 backendError (0 to 1)",
		pageSize: "cap every page of a list at this many items (0: Google's own 500)"})
	fl.StringVar(&f.project, "project", gcpsim.DefaultProject, "the project to simulate")
	fl.DurationVar(&f.slowOps, "slow-operations", 0, "added to how long every operation stays RUNNING")
	fl.DurationVar(&f.window, "not-found-window", 0, "how long a new object answers 404 after its insert")
	fl.DurationVar(&f.opRunning, "operation-time", 200*time.Millisecond, "how long an operation stays RUNNING")
	fl.DurationVar(&f.instanceStart, "instance-start", 500*time.Millisecond, "how long an instance takes from PROVISIONING to RUNNING")
}

// runGCPSim serves the Google Cloud simulator until ctx is done or the process is interrupted.
func runGCPSim(ctx context.Context, stdout, stderr io.Writer, f gcpSimFlags) error {
	s, err := newGCPSim(f, stderr)
	if err != nil {
		return err
	}
	return serveSims(ctx, stdout, s)
}

// newGCPSim is the Google Cloud simulator f describes, logging requests to stderr.
func newGCPSim(f gcpSimFlags, stderr io.Writer) (simulator, error) {
	opts := gcpsim.Options{Listen: f.listen, Projects: []string{f.project}, PageSize: f.pageSize,
		Faults: gcpsim.Faults{ThrottleRate: f.throttle, ErrorRate: f.errors, Latency: gcpsim.Duration(f.latency),
			LatencyJitter: gcpsim.Duration(f.jitter), SlowOperations: gcpsim.Duration(f.slowOps), NotFoundWindow: gcpsim.Duration(f.window)},
		Timing: gcpsim.Timing{OperationRunning: f.opRunning, InstanceStart: f.instanceStart}, Log: f.requestLog(stderr)}
	if err := opts.Validate(); err != nil {
		return simulator{}, fmt.Errorf("infra sim gcp: %w", err)
	}
	s := gcpsim.New(opts)
	return simulator{name: "Google Cloud simulator", start: s.Start, banner: func(url string) string {
		return fmt.Sprintf(`  services: Compute Engine v1, Cloud DNS v1; project %[2]s; regions %[3]v
  faults:   %[4]s

Point a stack's gcp provider at it:
  infra config set gcp:project %[2]s
  infra config set gcp:region us-central1
  infra config set gcp:endpoint %[1]s
  infra config set gcp:pollInterval 100ms

Status: curl %[1]s/_sim/status    Faults: curl -X PUT %[1]s/_sim/faults -d '{"throttle":0.2}'
Press Ctrl-C to stop (everything it holds is forgotten).
`, url, f.project, s.Regions(), s.Faults())
	}}, nil
}
