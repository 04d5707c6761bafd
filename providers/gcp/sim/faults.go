package sim

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/infrago/infra/internal/simserve"
)

// Faults are the failures the simulator injects. Rates are fractions of requests between 0 and 1; each request
// draws independently. Faults apply to Compute Engine and Cloud DNS requests, not to the /_sim/ control
// endpoints.
type Faults struct {
	// ThrottleRate is the share of requests refused with 429 rateLimitExceeded before they are processed.
	ThrottleRate float64 `json:"throttle"`
	// ErrorRate is the share of requests refused with 503 backendError before they are processed.
	ErrorRate float64 `json:"errors"`
	// Latency is added to every request; LatencyJitter adds up to that much more, drawn uniformly.
	Latency       Duration `json:"latency"`
	LatencyJitter Duration `json:"latencyJitter"`
	// SlowOperations is added to how long every new operation stays RUNNING.
	SlowOperations Duration `json:"slowOperations"`
	// NotFoundWindow is how long a new object answers 404 notFound to a get after the insert was accepted, as
	// an eventually consistent read would.
	NotFoundWindow Duration `json:"notFoundWindow"`
}

// Duration is a time.Duration that reads and writes JSON as a string such as "250ms" (or a number of
// nanoseconds).
type Duration = simserve.Duration

// maxLatency bounds injected delays so that a typo cannot make every request hang for hours.
const maxLatency = 5 * time.Minute

// Validate reports the first fault setting out of range.
func (f Faults) Validate() error {
	for _, r := range []struct {
		name string
		v    float64
	}{{"throttle rate", f.ThrottleRate}, {"error rate", f.ErrorRate}} {
		if r.v < 0 || r.v > 1 || r.v != r.v {
			return fmt.Errorf("%s %v is not between 0 and 1", r.name, r.v)
		}
	}
	if f.ThrottleRate+f.ErrorRate > 1 {
		return fmt.Errorf("throttle rate %v and error rate %v add up to more than 1", f.ThrottleRate, f.ErrorRate)
	}
	for _, d := range []struct {
		name string
		v    Duration
	}{{"latency", f.Latency}, {"latency jitter", f.LatencyJitter}, {"slow operations", f.SlowOperations}, {"not-found window", f.NotFoundWindow}} {
		if d.v < 0 || time.Duration(d.v) > maxLatency {
			return fmt.Errorf("%s %s is not between 0 and %s", d.name, time.Duration(d.v), maxLatency)
		}
	}
	return nil
}

// String describes the faults for people.
func (f Faults) String() string {
	return fmt.Sprintf("429 %.0f%%, 503 %.0f%%, latency %s (+%s jitter), slow operations +%s, not-found window %s",
		f.ThrottleRate*100, f.ErrorRate*100, time.Duration(f.Latency), time.Duration(f.LatencyJitter),
		time.Duration(f.SlowOperations), time.Duration(f.NotFoundWindow))
}

// Stats count the requests served.
type Stats struct {
	Requests int `json:"requests"`
	// Throttled and Unavailable count the injected 429s and 503s.
	Throttled   int `json:"throttled"`
	Unavailable int `json:"unavailable"`
	// Failed counts the other error answers (404s, 409s, ...).
	Failed int `json:"failed"`
}

// Stats returns the request counts so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

type faultKind int

const (
	faultNone faultKind = iota
	faultThrottle
	faultUnavailable
)

// faultRNG is the simulator's own random source for fault decisions, so two simulators draw independently.
type faultRNG struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newFaultRNG() *faultRNG {
	return &faultRNG{r: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
}

func (g *faultRNG) float() float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.r.Float64()
}

func (g *faultRNG) hex(n int) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

func (g *faultRNG) uint64() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.r.Uint64() >> 1
}

// decide draws the fault and the latency for one request.
func (s *Server) decide() (faultKind, time.Duration) {
	f := s.Faults()
	delay := time.Duration(f.Latency)
	if f.LatencyJitter > 0 {
		delay += time.Duration(s.rng.float() * float64(f.LatencyJitter))
	}
	x := s.rng.float()
	switch {
	case x < f.ThrottleRate:
		return faultThrottle, delay
	case x < f.ThrottleRate+f.ErrorRate:
		return faultUnavailable, delay
	}
	return faultNone, delay
}
