package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/infrago/infra/internal/simserve"

	"github.com/infrago/infra/providers/aws/sim"
	"github.com/infrago/infra/stacks/secrets/kmssim/awskms"
)

// simCommand groups the cloud simulators a user can run to try programs with no cloud account.
func (a *app) simCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run a local simulator of a cloud's API",
		Long: `Run a stateful simulator of a cloud's own API on a loopback port, so that programs can
be previewed, deployed and destroyed with no cloud account. The providers talk to it
with their real SDKs; only the endpoint changes.`,
		Example: "  infra sim aws\n  infra sim gcp\n  infra sim digitalocean\n  infra sim all",
	}
	cmd.AddCommand(a.simAWSCommand(), a.simGCPCommand(), a.simDigitalOceanCommand(), a.simAllCommand())
	return cmd
}

// simCommonFlags are the settings every `infra sim` command has: where to listen, the faults all simulators
// inject, the page size and the request log.
type simCommonFlags struct {
	listen           string
	throttle, errors float64
	latency, jitter  time.Duration
	pageSize         int
	logRequests      bool
}

// simFlagHelp is what the common flags mean on one simulator: its throttling and server errors, and its own
// page size limit.
type simFlagHelp struct {
	listen, throttle, errors, pageSize string
}

// register declares the common flags on fl.
func (c *simCommonFlags) register(fl *pflag.FlagSet, h simFlagHelp) {
	fl.StringVar(&c.listen, "listen", h.listen, "the address to serve on (port 0: any free port)")
	fl.Float64Var(&c.throttle, "throttle", 0, h.throttle)
	fl.Float64Var(&c.errors, "errors", 0, h.errors)
	fl.DurationVar(&c.latency, "latency", 0, "latency added to every request")
	fl.DurationVar(&c.jitter, "latency-jitter", 0, "up to this much more latency, drawn at random per request")
	fl.IntVar(&c.pageSize, "page-size", 0, h.pageSize)
	fl.BoolVar(&c.logRequests, "log", false, "print one line per request served")
}

// requestLog is the simulator's per-request logger writing to stderr, or nil without --log.
func (c simCommonFlags) requestLog(stderr io.Writer) func(string) {
	if !c.logRequests {
		return nil
	}
	return func(line string) { fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("15:04:05.000"), line) }
}

// simulator is one cloud's simulator ready to serve: name ("AWS simulator") titles its messages, start begins
// serving, and banner says how to use it at its URL.
type simulator struct {
	name   string
	start  func(context.Context) (*simserve.Listening, error)
	banner func(url string) string
}

// serveSims serves the simulators until ctx is done, the process is interrupted or one of them stops.
func serveSims(ctx context.Context, stdout io.Writer, sims ...simulator) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var ls []*simserve.Listening
	closeAll := func() error {
		var errs []error
		for i, l := range ls {
			if err := l.Close(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", sims[i].name, err))
			}
		}
		return errors.Join(errs...)
	}
	for _, s := range sims {
		l, err := s.start(ctx)
		if err != nil {
			return errors.Join(fmt.Errorf("start the %s: %w", s.name, err), closeAll())
		}
		ls = append(ls, l)
	}
	for i, l := range ls {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "%s listening on %s\n%s", sims[i].name, l.URL, sims[i].banner(l.URL))
	}
	// Every listener ends when ctx does; one that ends sooner failed, and the others stop with it.
	stopped := make(chan struct{}, len(ls))
	for _, l := range ls {
		go func() {
			<-l.Done()
			stopped <- struct{}{}
		}()
	}
	<-stopped
	stop()
	if err := closeAll(); err != nil {
		return err
	}
	for _, s := range sims {
		fmt.Fprintf(stdout, "%s stopped.\n", s.name)
	}
	return nil
}

// simFlags are the settings of `infra sim aws`.
type simFlags struct {
	simCommonFlags
	region                   string
	window                   time.Duration
	instanceStart, lbActive  time.Duration
	changeSync, instanceStop time.Duration
}

func (a *app) simAWSCommand() *cobra.Command {
	var f simFlags
	cmd := &cobra.Command{
		Use:   "aws",
		Short: "Run the AWS simulator (EC2, ELBv2, Route 53, KMS) until interrupted",
		Long: `Serve a simulator of the AWS APIs the aws provider uses (EC2, Elastic Load Balancing v2,
Route 53) and of KMS (for the awskms secrets provider) on one endpoint, and print the
stack configuration that points the aws provider at it. It speaks AWS's own wire
protocols, holds its objects in memory until it stops, and starts with a default VPC,
default subnets in three availability zones, and a catalogue of public images.

Faults can be injected from the start with the flags, and changed while it runs:

  curl -X PUT <endpoint>/_sim/faults -d '{"throttle": 0.2, "errors": 0.05, "latency": "50ms"}'
  curl <endpoint>/_sim/status       # objects held, faults, request counts

Stop it with Ctrl-C.`,
		Example: `  infra sim aws
  infra sim aws --listen 127.0.0.1:4566 --throttle 0.2 --errors 0.05
  infra sim aws --consistency-window 500ms --instance-start 5s --log`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAWSSim(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	f.register(cmd.Flags())
	return cmd
}

// register declares the flags of `infra sim aws` on fl, each set to its default.
func (f *simFlags) register(fl *pflag.FlagSet) {
	f.simCommonFlags.register(fl, simFlagHelp{listen: "127.0.0.1:4566",
		throttle: "the share of requests refused with the service's throttling error (0 to 1)",
		errors:   "the share of requests refused with a 5xx server error (0 to 1)",
		pageSize: "cap every page of a paginated call at this many items (0: AWS's own limits)"})
	fl.StringVar(&f.region, "region", sim.DefaultRegion, "the region to simulate")
	fl.DurationVar(&f.window, "consistency-window", 0, "how long a new object is not found by its ID yet (eventual consistency)")
	fl.DurationVar(&f.instanceStart, "instance-start", time.Second, "how long an instance stays pending")
	fl.DurationVar(&f.instanceStop, "instance-stop", 500*time.Millisecond, "how long an instance takes to stop or terminate")
	fl.DurationVar(&f.lbActive, "lb-active", time.Second, "how long a load balancer stays provisioning")
	fl.DurationVar(&f.changeSync, "change-sync", 500*time.Millisecond, "how long a Route 53 change stays PENDING")
}

// runAWSSim serves the AWS simulator until ctx is done or the process is interrupted.
func runAWSSim(ctx context.Context, stdout, stderr io.Writer, f simFlags) error {
	s, err := newAWSSim(f, stderr)
	if err != nil {
		return err
	}
	return serveSims(ctx, stdout, s)
}

// newAWSSim is the AWS simulator f describes, logging requests to stderr.
func newAWSSim(f simFlags, stderr io.Writer) (simulator, error) {
	opts := sim.Options{
		Listen: f.listen, Region: f.region, PageSize: f.pageSize,
		Faults: sim.Faults{ThrottleRate: f.throttle, ErrorRate: f.errors, Latency: sim.Duration(f.latency),
			LatencyJitter: sim.Duration(f.jitter), ConsistencyWindow: sim.Duration(f.window)},
		Timing: sim.Timing{InstanceStart: f.instanceStart, InstanceStop: f.instanceStop, LoadBalancerActive: f.lbActive, ChangeSync: f.changeSync},
		Log:    f.requestLog(stderr),
	}
	if err := opts.Validate(); err != nil {
		return simulator{}, fmt.Errorf("infra sim aws: %w", err)
	}
	// KMS is served on the same listener, so that a stack's awskms secrets provider can use the simulator too.
	kms, err := awskms.New(awskms.Options{Region: f.region, AccountID: sim.DefaultAccountID})
	if err != nil {
		return simulator{}, fmt.Errorf("infra sim aws: %w", err)
	}
	opts.KMS = kms
	s := sim.New(opts)
	return simulator{name: "AWS simulator", start: s.Start, banner: func(url string) string {
		return fmt.Sprintf(`  services: EC2, Elastic Load Balancing v2, Route 53, KMS; region %[2]s; account %[3]s
  faults:   %[4]s

Point a stack's aws provider at it:
  infra config set aws:region %[2]s
  infra config set aws:endpoint %[1]s
  infra config set aws:accessKey test
  infra config set --secret aws:secretKey test
  infra config set aws:pollInterval 200ms

Or any AWS SDK or CLI:
  export AWS_ENDPOINT_URL=%[1]s AWS_REGION=%[2]s AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test

Status: curl %[1]s/_sim/status    Faults: curl -X PUT %[1]s/_sim/faults -d '{"throttle":0.2}'
Press Ctrl-C to stop (everything it holds is forgotten).
`, url, s.Region(), s.AccountID(), s.Faults())
	}}, nil
}
