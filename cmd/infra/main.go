// Command infra previews and deploys infrastructure declared by Go programs. See docs/cli.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/infrago/infra/display"
	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/engine/plugin"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// exitError carries an exit status. Its message is printed unless it is nil or was shown through the engine's
// events already (events.Shown).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// shown reports whether an exit's message needs no printing: there is none, or the displays showed it.
func (e *exitError) shown() bool { return e.err == nil || events.Shown(e.err) }

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	app := newApp(ctx, cancel)
	return app.execute(app.rootCommand(), args)
}

// execute runs the command line args on root and returns the exit status. A panic in the command is recovered
// here (see crash.go): the user gets one paragraph and exit status 1, never a stack trace.
func (a *app) execute(root *cobra.Command, args []string) (code int) {
	defer func() {
		if v := recover(); v != nil {
			stack := debugStack()
			a.sessions.closeAll()
			a.reportCrash(a.stderr, args, v, stack)
			code = 1
		}
	}()
	root.SetArgs(args)
	err := root.ExecuteContext(a.ctx)
	if perr := a.stopProfiling(); perr != nil && err == nil {
		err = perr
	}
	a.usage.writeReport()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if !ee.shown() {
			fmt.Fprintf(os.Stderr, "error: %s\n", a.redactor.Redact(ee.err.Error()))
		}
		return ee.code
	}
	if !events.Shown(err) {
		fmt.Fprintf(os.Stderr, "error: %s\n", a.redactor.Redact(err.Error()))
	}
	return 1
}

// app holds what every command shares: global flags and the interrupt handling.
type app struct {
	ctx    context.Context
	cancel context.CancelFunc

	stack          string
	cwd            string
	nonInteractive bool
	color          string
	verbose        bool

	// stop is closed by the first interrupt; the second cancels ctx.
	stop chan struct{}
	// redactor learns every secret the command handles and masks it in everything the command prints.
	redactor *display.Redactor
	// out are the display flags (--json, --markdown) and the displays the command opened; see displays.go.
	out outputs
	// profile holds the developer profiling switches.
	profile profiling
	// usage collects peak memory for the benchmarks.
	usage usage
	// cancels are the plugin hosts whose providers a second interrupt asks to cancel their operations.
	cancels cancelList
	// sessions are the stacks the command opened, whose locks a crash releases.
	sessions heldSessions
	// stderr is where a crash is reported (os.Stderr; tests read it).
	stderr io.Writer
}

// cancelList holds the plugin hosts of a command, for the second interrupt.
type cancelList struct {
	mu    sync.Mutex
	hosts []*plugin.Host
}

func (c *cancelList) add(h *plugin.Host) {
	c.mu.Lock()
	c.hosts = append(c.hosts, h)
	c.mu.Unlock()
}

// cancel asks every provider of every host to stop its in-flight operations (the protocol's Cancel); the
// calls themselves are cancelled through the command's context as well, so this is for providers that need
// to clean up, such as stopping a waiter.
func (c *cancelList) cancel() {
	c.mu.Lock()
	hosts := slices.Clone(c.hosts)
	c.mu.Unlock()
	for _, h := range hosts {
		h.Cancel(5 * time.Second)
	}
}

func newApp(ctx context.Context, cancel context.CancelFunc) *app {
	return &app{ctx: ctx, cancel: cancel, stop: make(chan struct{}), redactor: display.NewRedactor(), stderr: os.Stderr}
}

// handleInterrupts makes the first SIGINT/SIGTERM stop new work and the second cancel work in flight.
func (a *app) handleInterrupts() func() {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case <-ch:
				n++
				if n == 1 {
					fmt.Fprintln(os.Stderr, "\ninterrupted: finishing the operations in flight and saving state (interrupt again to cancel them)")
					close(a.stop)
				} else {
					fmt.Fprintln(os.Stderr, "\ncancelling the operations in flight")
					go a.cancels.cancel()
					a.cancel()
					return
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "infra",
		Short: "Infrastructure as code in Go",
		Long: `infra previews and deploys the infrastructure a Go program declares.

Write a program against the typed SDK (github.com/infrago/infra/sdk/...), then run
` + "`infra preview`" + ` to see what would change and ` + "`infra up`" + ` to make it so. Each stack
(dev, staging, prod) is an instance of the program with its own configuration
(Infra.<stack>.yaml) and its own state (in .infra/ inside the project by default).

Exit status: 0 on success, 1 on any error, 2 when --expect-no-changes was given
and there are changes.`,
		Example: `  infra new hello && cd hello
  infra preview
  infra up --yes`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	pf := root.PersistentFlags()
	pf.StringVarP(&a.stack, "stack", "s", "", "the stack to operate on (default: the selected stack, or $INFRA_STACK)")
	pf.StringVarP(&a.cwd, "cwd", "C", "", "run as if started in this directory")
	pf.BoolVar(&a.nonInteractive, "non-interactive", false, "never prompt (implied when CI is set or stdout is not a terminal)")
	pf.StringVar(&a.color, "color", "auto", "colorize output: auto, always or never (NO_COLOR is honoured)")
	pf.BoolVarP(&a.verbose, "verbose", "v", false, "show debug messages from programs and providers")
	pf.StringVar(&a.profile.cpu, "cpuprofile", "", "write a CPU profile of the CLI to this file (for developers)")
	pf.StringVar(&a.profile.mem, "memprofile", "", "write a heap profile of the CLI to this file when it exits (for developers)")
	pf.StringVar(&a.profile.trace, "trace", "", "write an execution trace of the CLI to this file (for developers)")
	_ = pf.MarkHidden("cpuprofile")
	_ = pf.MarkHidden("memprofile")
	_ = pf.MarkHidden("trace")
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return a.startProfiling() }
	root.AddCommand(
		a.newCommand(),
		a.stackCommand(),
		a.configCommand(),
		a.previewCommand(),
		a.upCommand(),
		a.destroyCommand(),
		a.refreshCommand(),
		a.importCommand(),
		a.outputsCommand(),
		a.stateCommand(),
		a.versionCommand(),
		a.providerCommand(),
		a.simCommand(),
	)
	a.addDisplayFlags(root)
	return root
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version of infra",
		Example: "  infra version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), version)
			return nil
		},
	}
}
