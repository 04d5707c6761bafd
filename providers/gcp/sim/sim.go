package sim

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/infrago/infra/internal/simserve"
)

// Defaults for Options.
const (
	DefaultProject = "infra-sim"
	DefaultRegion  = "us-central1"
	DefaultListen  = "127.0.0.1:0"
)

// Options configure a simulator. Zero fields take the defaults documented on each.
type Options struct {
	// Listen is the TCP address Start serves on (DefaultListen: a free loopback port).
	Listen string
	// Projects are the projects that exist (DefaultProject alone if empty); requests for any other get 404.
	Projects []string
	// Regions are the simulated regions (DefaultRegion and europe-west1 if empty); each has zones <region>-a, -b
	// and -c.
	Regions []string
	// Faults are the faults injected from the start; SetFaults changes them at run time.
	Faults Faults
	// Timing sets how long asynchronous transitions take; SetTiming changes it at run time.
	Timing Timing
	// PageSize caps every page of a list, whatever maxResults the client asks for, so that clients must follow
	// nextPageToken (0: Google's own limit of 500).
	PageSize int
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// Log, if set, receives one line per request served.
	Log func(line string)
	// Observe, if set, is called with every request and the response it got (control endpoints excluded).
	Observe func(Exchange)
}

// Exchange is one request the simulator served and its response.
type Exchange struct {
	Method string
	// Path is the request's URL path and Query its decoded query parameters.
	Path  string
	Query map[string][]string
	// Body and Response are the request and response bodies (JSON, or empty).
	Body     []byte
	Status   int
	Response []byte
}

// Timing is how long the simulator's asynchronous transitions take.
type Timing struct {
	// OperationPending is how long an operation stays PENDING (default 50ms).
	OperationPending time.Duration
	// OperationRunning is how long an operation then stays RUNNING before it is DONE (default 200ms).
	OperationRunning time.Duration
	// InstanceStart is how long a new or started instance spends in PROVISIONING and STAGING before it is
	// RUNNING (default 500ms, half in each).
	InstanceStart time.Duration
	// InstanceStop is how long a stopping instance stays STOPPING before it is TERMINATED (default 300ms).
	InstanceStop time.Duration
	// ChangeDone is how long a Cloud DNS change stays pending (default 200ms).
	ChangeDone time.Duration
	// HealthyAfter is how long after an instance is RUNNING (or added to a target pool, if later) the pool's
	// health checks find it healthy (default 300ms).
	HealthyAfter time.Duration
}

func (t Timing) withDefaults() Timing {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.OperationPending, 50*time.Millisecond)
	def(&t.OperationRunning, 200*time.Millisecond)
	def(&t.InstanceStart, 500*time.Millisecond)
	def(&t.InstanceStop, 300*time.Millisecond)
	def(&t.ChangeDone, 200*time.Millisecond)
	def(&t.HealthyAfter, 300*time.Millisecond)
	return t
}

// Server is a simulator: an http.Handler that serves Compute Engine and Cloud DNS, safe for concurrent use.
// Build one with New.
type Server struct {
	opts Options

	mu     sync.Mutex
	faults Faults
	timing Timing
	stats  Stats
	rng    *faultRNG
	st     *world
}

var (
	projectPattern = regexp.MustCompile(`^[a-z][-a-z0-9]{4,28}[a-z0-9]$`)
	regionPattern  = regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]$`)
)

// New returns a simulator holding the regions, zones, default networks and catalogues of its projects.
func New(opts Options) *Server {
	if opts.Listen == "" {
		opts.Listen = DefaultListen
	}
	if len(opts.Projects) == 0 {
		opts.Projects = []string{DefaultProject}
	}
	if len(opts.Regions) == 0 {
		opts.Regions = []string{DefaultRegion, "europe-west1"}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, faults: opts.Faults, timing: opts.Timing.withDefaults(), rng: newFaultRNG()}
	s.st = newWorld(opts.Projects, opts.Regions, opts.Now())
	return s
}

// Validate reports whether opts can start a simulator, naming the first bad field.
func (o Options) Validate() error {
	for _, p := range o.Projects {
		if !projectPattern.MatchString(p) {
			return fmt.Errorf("invalid project ID %q (6 to 30 lowercase letters, digits and hyphens, starting with a letter)", p)
		}
	}
	for _, r := range o.Regions {
		if !regionPattern.MatchString(r) {
			return fmt.Errorf("invalid region %q (want one like us-central1)", r)
		}
	}
	if o.PageSize < 0 {
		return fmt.Errorf("page size %d is negative", o.PageSize)
	}
	return o.Faults.Validate()
}

// Projects lists the simulated projects.
func (s *Server) Projects() []string { return append([]string(nil), s.opts.Projects...) }

// Regions lists the simulated regions.
func (s *Server) Regions() []string { return append([]string(nil), s.opts.Regions...) }

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

// Listening is a simulator served on a TCP address: its URL is the endpoint to give clients.
type Listening = simserve.Listening

// Start serves the simulator on Options.Listen until ctx is done or Close is called, and returns its URL.
func (s *Server) Start(ctx context.Context) (*Listening, error) {
	if err := s.opts.Validate(); err != nil {
		return nil, fmt.Errorf("gcp simulator: %w", err)
	}
	return simserve.Listen(ctx, s.opts.Listen, s, simserve.Options{Name: "gcp simulator"})
}
