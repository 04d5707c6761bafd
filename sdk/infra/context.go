// Package infra is the SDK infra programs are written with. A program is an ordinary Go main package:
//
//	func main() {
//		infra.Run(func(ctx *infra.Context) error {
//			pw, err := random.NewPassword(ctx, "db", &random.PasswordArgs{Length: infra.Int(24)})
//			if err != nil {
//				return err
//			}
//			ctx.Export("password", pw.Result)
//			return nil
//		})
//	}
//
// The infra CLI builds and runs the program; each New<Resource> call registers a resource with the engine, which
// compares it with the stack's state and creates, updates or replaces what changed. Values that come from
// resources are Outputs: typed, possibly secret, possibly unknown during a preview.
package infra

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/infrago/infra/sdk/protocol"
	"github.com/infrago/infra/sdk/resource"
	pb "github.com/infrago/infra/sdk/rpc/monitorpb"
)

// Monitor is the engine as a program sees it. Run connects to the real one; test harnesses (package infratest)
// supply their own.
type Monitor interface {
	// ProgramInfo returns what the program is running for.
	ProgramInfo(ctx context.Context) (*pb.ProgramInfo, error)
	// Register sends a registration; done is called exactly once with the engine's answer.
	Register(req *pb.RegisterRequest, done func(*pb.RegisterResponse, error))
	// RegisterOutputs records a component's or the stack's outputs.
	RegisterOutputs(ctx context.Context, req *pb.RegisterOutputsRequest) error
	// Invoke calls a provider function.
	Invoke(ctx context.Context, req *pb.InvokeRequest) (*pb.InvokeResponse, error)
	// Log sends a message to the engine's display.
	Log(ctx context.Context, req *pb.LogRequest) error
	// Close ends the session.
	Close() error
}

// ExitCodeReported is the exit status of a program whose failure the engine has already been told about, so the
// engine does not repeat it.
const ExitCodeReported = 32

// Context is a program's handle on the engine: resources register through it, and it knows the project, the
// stack, whether this is a preview, and the stack's configuration.
type Context struct {
	base   context.Context
	mon    Monitor
	info   *pb.ProgramInfo
	config resource.PropertyMap

	mu        sync.Mutex
	idle      *sync.Cond
	active    int                        // running callbacks, in-flight engine calls and the program function
	pending   map[*registration]struct{} // registrations not yet answered
	deferreds []*outputState             // Deferred outputs, for reporting ones never resolved
	exports   map[string]*outputState    // stack outputs
	errs      []error                    // failures, in order
	reported  bool                       // at least one failure was reported through the engine
	nextID    atomic.Uint64
}

// RunOption adjusts RunErr.
type RunOption func(*runOptions)

type runOptions struct {
	monitor     Monitor
	engineAddr  string
	engineToken string
}

// WithMonitor runs the program against m instead of the engine named by the environment (for tests).
func WithMonitor(m Monitor) RunOption { return func(o *runOptions) { o.monitor = m } }

// WithEngine runs the program against the engine listening at addr, which expects token, instead of the one
// the environment names. The automation API (sdk/auto) runs inline programs so, several at once in one process.
func WithEngine(addr, token string) RunOption {
	return func(o *runOptions) { o.engineAddr, o.engineToken = addr, token }
}

// Run runs a program and exits the process: with status 0 when every resource registered and the program
// returned nil, otherwise after reporting the failure. It is what a program's main calls.
func Run(program func(ctx *Context) error) {
	stopProfile := startProfile()
	err := RunErr(program)
	stopProfile()
	protocol.WriteProgramReport()
	if err == nil {
		os.Exit(0)
	}
	var rep *reportedError
	if errors.As(err, &rep) {
		os.Exit(ExitCodeReported)
	}
	fmt.Fprintf(os.Stderr, "error: %v\n", err)
	os.Exit(1)
}

// reportedError wraps a failure the engine has already shown.
type reportedError struct{ err error }

// Reported reports whether err, returned by RunErr, is a failure the engine has already been told about (a
// resource that failed to register), so that whoever runs the program need not repeat it.
func Reported(err error) bool {
	var rep *reportedError
	return errors.As(err, &rep)
}

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

// RunErr runs a program and returns its failure instead of exiting.
func RunErr(program func(ctx *Context) error, opts ...RunOption) error {
	var o runOptions
	for _, opt := range opts {
		opt(&o)
	}
	mon := o.monitor
	if mon == nil && o.engineAddr != "" {
		m, err := dialMonitor(o.engineAddr, o.engineToken)
		if err != nil {
			return err
		}
		mon = m
	}
	if mon == nil {
		m, err := dialMonitorFromEnv()
		if err != nil {
			return err
		}
		mon = m
	}
	defer mon.Close()
	base := context.Background()
	info, err := mon.ProgramInfo(base)
	if err != nil {
		return fmt.Errorf("ask the engine for program info: %w", err)
	}
	cfg, err := configFromInfo(info)
	if err != nil {
		return err
	}
	ctx := &Context{base: base, mon: mon, info: info, config: cfg, pending: map[*registration]struct{}{},
		exports: map[string]*outputState{}}
	ctx.idle = sync.NewCond(&ctx.mu)
	return ctx.run(program)
}

func (ctx *Context) run(program func(ctx *Context) error) error {
	ctx.mu.Lock()
	ctx.active++
	ctx.mu.Unlock()
	perr := program(ctx)
	ctx.done()
	ctx.waitIdle()
	if perr != nil {
		ctx.fail(perr, false)
	}
	if err := ctx.checkStuck(); err != nil {
		ctx.fail(err, false)
	}
	if len(ctx.errorsSoFar()) == 0 {
		if err := ctx.registerStackOutputs(); err != nil {
			ctx.fail(err, false)
		}
	}
	return ctx.result()
}

// spawn runs task as tracked work. A nil context (plain values only) runs it inline.
func (ctx *Context) spawn(task func()) {
	if ctx == nil {
		task()
		return
	}
	ctx.mu.Lock()
	ctx.active++
	ctx.mu.Unlock()
	go func() {
		defer ctx.done()
		task()
	}()
}

func (ctx *Context) begin() {
	ctx.mu.Lock()
	ctx.active++
	ctx.mu.Unlock()
}

func (ctx *Context) done() {
	ctx.mu.Lock()
	ctx.active--
	if ctx.active == 0 {
		ctx.idle.Broadcast()
	}
	ctx.mu.Unlock()
}

// waitIdle returns once nothing is running: no callbacks, no engine calls in flight, no program code.
func (ctx *Context) waitIdle() {
	ctx.mu.Lock()
	for ctx.active > 0 {
		ctx.idle.Wait()
	}
	ctx.mu.Unlock()
}

// fail records a failure; reported says the engine has shown it already.
func (ctx *Context) fail(err error, reported bool) {
	ctx.mu.Lock()
	defer ctx.mu.Unlock()
	ctx.errs = append(ctx.errs, err)
	if reported {
		ctx.reported = true
	}
}

func (ctx *Context) errorsSoFar() []error {
	ctx.mu.Lock()
	defer ctx.mu.Unlock()
	return append([]error(nil), ctx.errs...)
}

// result turns the recorded failures into the run's error. Failures not yet shown by the engine are sent to it
// as error diagnostics so they appear in the display; the run then counts as reported.
func (ctx *Context) result() error {
	errs := ctx.errorsSoFar()
	if len(errs) == 0 {
		return nil
	}
	// Consequences of a failure (a resource not registered because its input failed) fail the run but are not
	// repeated when their cause is there to be read.
	var causes []error
	for _, e := range errs {
		var dep *dependencyError
		if !errors.As(e, &dep) {
			causes = append(causes, e)
		}
	}
	if len(causes) == 0 {
		causes = errs
	}
	err := errors.Join(causes...)
	ctx.mu.Lock()
	reported := ctx.reported
	ctx.mu.Unlock()
	var unshown []string
	for _, e := range errs {
		var dep *dependencyError
		if errors.As(e, &dep) || isEngineReported(e) {
			continue
		}
		unshown = append(unshown, e.Error())
	}
	if len(unshown) > 0 {
		msg := strings.Join(unshown, "\n")
		if lerr := ctx.mon.Log(ctx.base, &pb.LogRequest{Severity: pb.Severity_SEVERITY_ERROR, Message: msg}); lerr == nil {
			reported = true
		}
	}
	if reported {
		return &reportedError{err: err}
	}
	return err
}

// Project is the name of the project being run.
func (ctx *Context) Project() string { return ctx.info.GetProject() }

// Stack is the name of the stack being run.
func (ctx *Context) Stack() string { return ctx.info.GetStack() }

// DryRun reports whether this run is a preview: nothing is changed and outputs of new resources are unknown.
func (ctx *Context) DryRun() bool { return ctx.info.GetDryRun() }

// Context returns the Go context of the run.
func (ctx *Context) Context() context.Context { return ctx.base }

// Export records a stack output, shown by `infra outputs` and readable by other stacks.
func (ctx *Context) Export(name string, value AnyOutput) {
	var s *outputState
	if value == nil {
		s = resolvedState(nil, false)
	} else {
		s = value.outputState()
	}
	ctx.mu.Lock()
	ctx.exports[name] = s
	ctx.mu.Unlock()
}

// Debug logs a message shown with --verbose.
func (ctx *Context) Debug(format string, args ...any) {
	ctx.log(pb.Severity_SEVERITY_DEBUG, format, args)
}

// Info logs a message shown in the display.
func (ctx *Context) Info(format string, args ...any) {
	ctx.log(pb.Severity_SEVERITY_INFO, format, args)
}

// Warn logs a warning shown in the display.
func (ctx *Context) Warn(format string, args ...any) {
	ctx.log(pb.Severity_SEVERITY_WARNING, format, args)
}

func (ctx *Context) log(sev pb.Severity, format string, args []any) {
	msg := fmt.Sprintf(format, args...)
	if err := ctx.mon.Log(ctx.base, &pb.LogRequest{Severity: sev, Message: msg}); err != nil {
		fmt.Fprintf(os.Stderr, "%s\n", msg)
	}
}

func (ctx *Context) deferredMade(s *outputState) {
	ctx.mu.Lock()
	ctx.deferreds = append(ctx.deferreds, s)
	ctx.mu.Unlock()
}

func (ctx *Context) registerStackOutputs() error {
	ctx.mu.Lock()
	names := make([]string, 0, len(ctx.exports))
	for n := range ctx.exports {
		names = append(names, n)
	}
	exports := ctx.exports
	ctx.mu.Unlock()
	sort.Strings(names)
	outs := resource.PropertyMap{}
	for _, n := range names {
		v, err := marshalState(exports[n])
		if err != nil {
			return fmt.Errorf("stack output %q: %w", n, err)
		}
		outs[n] = v
	}
	return ctx.mon.RegisterOutputs(ctx.base, &pb.RegisterOutputsRequest{Outputs: propertyMapPB(outs)})
}

// checkStuck runs when nothing is active any more. Anything still waiting then can never finish: it is waiting,
// directly or not, on itself or on a Deferred output that was never resolved. It returns the explanation.
func (ctx *Context) checkStuck() error {
	ctx.mu.Lock()
	var stuck []*registration
	for r := range ctx.pending {
		stuck = append(stuck, r)
	}
	deferreds := append([]*outputState(nil), ctx.deferreds...)
	exports := make(map[string]*outputState, len(ctx.exports))
	for k, v := range ctx.exports {
		exports[k] = v
	}
	ctx.mu.Unlock()
	var unresolvedExports []string
	for name, s := range exports {
		if !s.isResolved() {
			unresolvedExports = append(unresolvedExports, name)
		}
	}
	if len(stuck) == 0 && len(unresolvedExports) == 0 {
		return nil
	}
	sort.Slice(stuck, func(i, j int) bool { return stuck[i].seq < stuck[j].seq })
	if cycle := findCycle(stuck); cycle != nil {
		return fmt.Errorf("dependency cycle: %s\n  each resource waits for an output of the next; break the cycle by removing one of "+
			"these dependencies (an input, DependsOn or a Deferred output resolved from a later resource)", joinPath(cycle))
	}
	var unbound []string
	for _, d := range deferreds {
		d.mu.Lock()
		if len(d.sources) == 0 && !d.resolved {
			unbound = append(unbound, "Deferred output")
		}
		d.mu.Unlock()
	}
	var names []string
	for _, r := range stuck {
		names = append(names, r.describe())
	}
	sort.Strings(unresolvedExports)
	for _, e := range unresolvedExports {
		names = append(names, fmt.Sprintf("stack output %q", e))
	}
	msg := fmt.Sprintf("the program finished but %s never got the values it waits for", strings.Join(names, ", "))
	if len(unbound) > 0 {
		msg += fmt.Sprintf("; %d Deferred output(s) were never resolved: call the resolve function Deferred returned", len(unbound))
	}
	return errors.New(msg)
}
