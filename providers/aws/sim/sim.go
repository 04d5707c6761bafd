package sim

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/infrago/infra/internal/simserve"
)

// Defaults for Options.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "123456789012"
	DefaultListen    = "127.0.0.1:0"
)

// Options configure a simulator. Zero fields take the defaults documented on each.
type Options struct {
	// Listen is the TCP address Start serves on (DefaultListen: a free loopback port).
	Listen string
	// Region is the simulated region (DefaultRegion); its availability zones are <region>a, b and c.
	Region string
	// AccountID is the 12-digit account that owns every object (DefaultAccountID).
	AccountID string
	// InstanceLimit is the account's quota of instances that are not terminated (0: DefaultInstanceLimit); a
	// RunInstances beyond it fails with InstanceLimitExceeded, as AWS's does.
	InstanceLimit int
	// Faults are the faults injected from the start; SetFaults changes them at run time.
	Faults Faults
	// Timing sets how long asynchronous transitions take; SetTiming changes it at run time.
	Timing Timing
	// PageSize caps every page a paginated call returns, whatever size the client asks for, so that clients
	// are made to follow NextToken and Marker (0: AWS's own limits, typically 1000).
	PageSize int
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// Log, if set, receives one line per request served: the service, the operation and the outcome.
	Log func(line string)
	// KMS, if set, serves the KMS requests (JSON 1.1, X-Amz-Target: TrentService.*) that reach the listener, so
	// that one endpoint serves every AWS API a stack uses. `infra sim aws` plugs in the KMS simulator of
	// stacks/secrets/kmssim/awskms; it is passed in rather than imported because a provider (and its simulator)
	// may not depend on stacks/. Nil: KMS requests are refused.
	KMS http.Handler
}

// Timing is how long the simulator's asynchronous transitions take.
type Timing struct {
	// InstanceStart is how long an instance stays pending before it runs, and a stopped instance takes to start
	// again (default 1s).
	InstanceStart time.Duration
	// InstanceStop is how long an instance takes to stop, or to terminate (default 500ms).
	InstanceStop time.Duration
	// LoadBalancerActive is how long a load balancer stays provisioning (default 1s).
	LoadBalancerActive time.Duration
	// ChangeSync is how long a Route 53 change stays PENDING before it is INSYNC (default 500ms).
	ChangeSync time.Duration
	// TerminatedRetention is how long a terminated instance stays visible to DescribeInstances, as it does on
	// AWS (default 1h).
	TerminatedRetention time.Duration
}

func (t Timing) withDefaults() Timing {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.InstanceStart, time.Second)
	def(&t.InstanceStop, 500*time.Millisecond)
	def(&t.LoadBalancerActive, time.Second)
	def(&t.ChangeSync, 500*time.Millisecond)
	def(&t.TerminatedRetention, time.Hour)
	return t
}

// Server is a simulator: an http.Handler that serves EC2, ELBv2, Route 53 and KMS, and is safe for concurrent
// use. Build one with New.
type Server struct {
	opts Options

	mu     sync.Mutex
	faults Faults
	timing Timing
	stats  Stats
	rng    *faultRNG
	st     *world
}

// New returns a simulator holding a default VPC, its subnets and security group, and the image catalogue.
func New(opts Options) *Server {
	if opts.Listen == "" {
		opts.Listen = DefaultListen
	}
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, faults: opts.Faults, timing: opts.Timing.withDefaults(), rng: newFaultRNG()}
	s.st = newWorld(opts.Region, opts.AccountID, opts.Now())
	return s
}

// Validate reports whether opts can start a simulator, naming the first bad field.
func (o Options) Validate() error {
	if o.Region != "" && !regionPattern.MatchString(o.Region) {
		return fmt.Errorf("invalid region %q (want one like us-east-1)", o.Region)
	}
	if o.AccountID != "" && !accountPattern.MatchString(o.AccountID) {
		return fmt.Errorf("invalid account ID %q (want 12 digits)", o.AccountID)
	}
	if o.PageSize < 0 {
		return fmt.Errorf("page size %d is negative", o.PageSize)
	}
	return o.Faults.Validate()
}

// Region is the simulated region.
func (s *Server) Region() string { return s.opts.Region }

// AccountID is the simulated account.
func (s *Server) AccountID() string { return s.opts.AccountID }

// SetFaults replaces the faults injected from now on.
func (s *Server) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	return nil
}

// Faults returns the faults injected now.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// SetTiming replaces how long transitions take from now on (objects already in transition keep their deadline).
func (s *Server) SetTiming(t Timing) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timing = t.withDefaults()
}

// Timing returns how long transitions take now.
func (s *Server) Timing() Timing {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.timing
}

// Listening is a simulator served on a TCP address: its URL is the endpoint to give clients.
type Listening = simserve.Listening

// Start serves the simulator on Options.Listen until ctx is done or Close is called, and returns its URL.
func (s *Server) Start(ctx context.Context) (*Listening, error) {
	if err := s.opts.Validate(); err != nil {
		return nil, fmt.Errorf("aws simulator: %w", err)
	}
	return simserve.Listen(ctx, s.opts.Listen, s, simserve.Options{Name: "aws simulator"})
}
