package sim

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/infrago/infra/internal/simserve"
)

// Defaults for Options.
const (
	DefaultListen = "127.0.0.1:0"
	// DefaultToken is the token `infra sim digitalocean` prints; any non-empty token works unless Options.Token
	// names one.
	DefaultToken = "dop_v1_sim"
)

// DefaultRegions are the simulated regions when Options.Regions is empty.
var DefaultRegions = []string{"nyc1", "nyc3", "sfo3", "ams3", "fra1", "lon1", "sgp1", "tor1"}

// Options configure a simulator. Zero fields take the defaults documented on each.
type Options struct {
	// Listen is the TCP address Start serves on (DefaultListen: a free loopback port).
	Listen string
	// Token is the only bearer token accepted; "" accepts any non-empty one. Others get 401 Unauthorized.
	Token string
	// Regions are the region slugs that exist (DefaultRegions if empty); each has a default VPC.
	Regions []string
	// Faults are the faults injected from the start; SetFaults changes them at run time.
	Faults Faults
	// Timing sets how long asynchronous transitions take; SetTiming changes it at run time.
	Timing Timing
	// PageSize caps per_page, so that clients must follow links.pages.next (0: DigitalOcean's own 200).
	PageSize int
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// Log, if set, receives one line per request served.
	Log func(line string)
	// Observe, if set, is called with every API request and the response it got (control endpoints excluded).
	Observe func(Exchange)
}

// Exchange is one request the simulator served and its response.
type Exchange struct {
	Method string
	// Path is the request's URL path and Query its decoded query parameters.
	Path  string
	Query map[string][]string
	// Body and Response are the request and response bodies (JSON, or empty).
	Body           []byte
	Status         int
	Response       []byte
	ResponseHeader http.Header
}

// Timing is how long the simulator's asynchronous transitions take.
type Timing struct {
	// DropletActive is how long a new droplet stays "new" before it is "active" (default 500ms).
	DropletActive time.Duration
	// ActionComplete is how long an action stays "in-progress" before it is "completed" (default 200ms).
	ActionComplete time.Duration
	// LoadBalancerActive is how long a new load balancer stays "new" before it is "active" (default 500ms).
	LoadBalancerActive time.Duration
	// HealthyAfter is how long after a droplet is active (or powered on, rebooted, or added to the load balancer,
	// if later) a load balancer counts it healthy (default 300ms).
	HealthyAfter time.Duration
}

func (t Timing) withDefaults() Timing {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.DropletActive, 500*time.Millisecond)
	def(&t.ActionComplete, 200*time.Millisecond)
	def(&t.LoadBalancerActive, 500*time.Millisecond)
	def(&t.HealthyAfter, 300*time.Millisecond)
	return t
}

// Server is a simulator: an http.Handler that serves DigitalOcean's v2 API, safe for concurrent use. Build one
// with New.
type Server struct {
	opts Options

	mu     sync.Mutex
	faults Faults
	timing Timing
	stats  Stats
	rng    *faultRNG
	st     *world
}

var regionPattern = regexp.MustCompile(`^[a-z]{3}[0-9]$`)

// New returns a simulator holding the regions, sizes, images and default VPCs.
func New(opts Options) *Server {
	if opts.Listen == "" {
		opts.Listen = DefaultListen
	}
	if len(opts.Regions) == 0 {
		opts.Regions = append([]string(nil), DefaultRegions...)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, faults: opts.Faults, timing: opts.Timing.withDefaults(), rng: newFaultRNG()}
	s.st = newWorld(opts.Regions, opts.Now(), s.rng)
	return s
}

// Validate reports whether opts can start a simulator, naming the first bad field.
func (o Options) Validate() error {
	for _, r := range o.Regions {
		if !regionPattern.MatchString(r) {
			return fmt.Errorf("invalid region %q (want a slug like nyc3)", r)
		}
	}
	if o.PageSize < 0 {
		return fmt.Errorf("page size %d is negative", o.PageSize)
	}
	return o.Faults.Validate()
}

// Regions lists the simulated region slugs.
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
		return nil, fmt.Errorf("digitalocean simulator: %w", err)
	}
	return simserve.Listen(ctx, s.opts.Listen, s, simserve.Options{Name: "digitalocean simulator"})
}
