package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// allSimFlags are the settings of `infra sim all`: where each simulator listens, and the faults all three
// inject. Everything else is each simulator's default.
type allSimFlags struct {
	simCommonFlags
	awsListen, gcpListen, doListen string
}

func (a *app) simAllCommand() *cobra.Command {
	var f allSimFlags
	cmd := &cobra.Command{
		Use:   "all",
		Short: "Run the AWS, Google Cloud and DigitalOcean simulators in one process until interrupted",
		Long: `Serve the AWS, Google Cloud and DigitalOcean simulators together in this one process, each
on its own loopback port, and print for each the stack configuration that points its
provider at it: a multi-cloud program can then be previewed, deployed and destroyed with
no cloud account. Each simulator is the one "infra sim aws", "infra sim gcp" and
"infra sim digitalocean" serve, with those commands' default timings; run those instead
to tune one cloud's timings.

The fault flags apply to all three; faults can also be changed on each while it runs
(curl -X PUT <endpoint>/_sim/faults, see each command's help). A port of 0 picks a free
one. Stop them with Ctrl-C: everything they hold is forgotten.`,
		Example: `  infra sim all
  infra sim all --aws-listen 127.0.0.1:0 --gcp-listen 127.0.0.1:0 --digitalocean-listen 127.0.0.1:0
  infra sim all --throttle 0.1 --errors 0.02 --latency 20ms`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAllSims(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	f.simCommonFlags.register(fl, simFlagHelp{listen: "",
		throttle: "the share of requests each simulator refuses with its cloud's throttling error (0 to 1)",
		errors:   "the share of requests each simulator refuses with a 5xx server error (0 to 1)",
		pageSize: "cap every page of a paginated call at this many items (0: each cloud's own limits)"})
	// One --listen cannot serve three simulators: each has its own.
	_ = fl.MarkHidden("listen")
	fl.StringVar(&f.awsListen, "aws-listen", "127.0.0.1:4566", "the address the AWS simulator serves on")
	fl.StringVar(&f.gcpListen, "gcp-listen", "127.0.0.1:8085", "the address the Google Cloud simulator serves on")
	fl.StringVar(&f.doListen, "digitalocean-listen", "127.0.0.1:8086", "the address the DigitalOcean simulator serves on")
	return cmd
}

// runAllSims serves the three simulators until ctx is done or the process is interrupted.
func runAllSims(ctx context.Context, stdout, stderr io.Writer, f allSimFlags) error {
	if f.listen != "" {
		return fmt.Errorf("infra sim all: --listen is not a flag of this command: give each simulator its address with --aws-listen, --gcp-listen and --digitalocean-listen")
	}
	// Each simulator starts from its own command's defaults, as if that command had run with no flags.
	var aws simFlags
	aws.register(pflag.NewFlagSet("aws", pflag.ContinueOnError))
	var gcp gcpSimFlags
	gcp.register(pflag.NewFlagSet("gcp", pflag.ContinueOnError))
	var do doSimFlags
	do.register(pflag.NewFlagSet("digitalocean", pflag.ContinueOnError))
	aws.simCommonFlags, gcp.simCommonFlags, do.simCommonFlags = f.simCommonFlags, f.simCommonFlags, f.simCommonFlags
	aws.listen, gcp.listen, do.listen = f.awsListen, f.gcpListen, f.doListen

	var sims []simulator
	for _, newSim := range []func() (simulator, error){
		func() (simulator, error) { return newAWSSim(aws, stderr) },
		func() (simulator, error) { return newGCPSim(gcp, stderr) },
		func() (simulator, error) { return newDigitalOceanSim(do, stderr) },
	} {
		s, err := newSim()
		if err != nil {
			return fmt.Errorf("infra sim all: %w", err)
		}
		sims = append(sims, s)
	}
	return serveSims(ctx, stdout, sims...)
}
