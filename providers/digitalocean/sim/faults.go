package sim

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/infrago/infra/internal/simserve"
)

// Faults are the failures the simulator injects. Rates are fractions of requests between 0 and 1; each request
// draws independently. Faults apply to API requests, not to the /_sim/ control endpoints.
type Faults struct {
	// RateLimitRate is the share of requests refused with 429 too_many_requests and a Retry-After header.
	RateLimitRate float64 `json:"rateLimit"`
	// RetryAfter is what a 429's Retry-After header asks the client to wait (default 1s; rounded up to seconds).
	RetryAfter Duration `json:"retryAfter"`
	// ErrorRate is the share of requests refused with 500 server_error before they are processed.
	ErrorRate float64 `json:"errors"`
	// Latency is added to every request; LatencyJitter adds up to that much more, drawn uniformly.
	Latency       Duration `json:"latency"`
	LatencyJitter Duration `json:"latencyJitter"`
	// NotFoundAfterCreate is how long a new object answers 404 not_found to a GET after its create was accepted,
	// as an eventually consistent read would.
	NotFoundAfterCreate Duration `json:"notFoundAfterCreate"`
}

// Duration is a time.Duration that reads and writes JSON as a string such as "1s" (or a number of nanoseconds).
type Duration = simserve.Duration

// maxLatency bounds injected delays so that a typo cannot make every request hang for hours.
const maxLatency = 5 * time.Minute

// Validate reports the first fault setting out of range.
func (f Faults) Validate() error {
	for _, r := range []struct {
		name string
		v    float64
	}{{"rate limit rate", f.RateLimitRate}, {"error rate", f.ErrorRate}} {
		if r.v < 0 || r.v > 1 || r.v != r.v {
			return fmt.Errorf("%s %v is not between 0 and 1", r.name, r.v)
		}
	}
	if f.RateLimitRate+f.ErrorRate > 1 {
		return fmt.Errorf("rate limit rate %v and error rate %v add up to more than 1", f.RateLimitRate, f.ErrorRate)
	}
	for _, d := range []struct {
		name string
		v    Duration
	}{{"retry after", f.RetryAfter}, {"latency", f.Latency}, {"latency jitter", f.LatencyJitter}, {"not-found-after-create window", f.NotFoundAfterCreate}} {
		if d.v < 0 || time.Duration(d.v) > maxLatency {
			return fmt.Errorf("%s %s is not between 0 and %s", d.name, time.Duration(d.v), maxLatency)
		}
	}
	return nil
}

// String describes the faults for people.
func (f Faults) String() string {
	return fmt.Sprintf("429 %.0f%% (Retry-After %s), 500 %.0f%%, latency %s (+%s jitter), not found after create %s",
		f.RateLimitRate*100, time.Duration(f.retryAfter()), f.ErrorRate*100, time.Duration(f.Latency), time.Duration(f.LatencyJitter),
		time.Duration(f.NotFoundAfterCreate))
}

func (f Faults) retryAfter() Duration {
	if f.RetryAfter <= 0 {
		return Duration(time.Second)
	}
	return f.RetryAfter
}

// Stats count the requests served.
type Stats struct {
	Requests int `json:"requests"`
	// RateLimited and ServerErrors count the injected 429s and 500s.
	RateLimited  int `json:"rateLimited"`
	ServerErrors int `json:"serverErrors"`
	// Failed counts the other error answers (401s, 404s, 422s, ...).
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
	faultRateLimit
	faultServerError
)

// faultRNG is the simulator's own random source for fault decisions and identifiers, so two simulators draw
// independently.
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

// uuid returns a random version 4 UUID.
func (g *faultRNG) uuid() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var b [16]byte
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// decide draws the fault and the latency for one request.
func (s *Server) decide() (faultKind, time.Duration, Faults) {
	f := s.Faults()
	delay := time.Duration(f.Latency)
	if f.LatencyJitter > 0 {
		delay += time.Duration(s.rng.float() * float64(f.LatencyJitter))
	}
	x := s.rng.float()
	switch {
	case x < f.RateLimitRate:
		return faultRateLimit, delay, f
	case x < f.RateLimitRate+f.ErrorRate:
		return faultServerError, delay, f
	}
	return faultNone, delay, f
}
