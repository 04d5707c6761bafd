package sim

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/infrago/infra/internal/simserve"
)

// Faults are the failures the simulator injects. Rates are fractions of requests between 0 and 1; each request
// draws independently. Faults apply to EC2, ELBv2 and Route 53 requests, not to KMS (which has its own
// InjectError) or to the /_sim/ control endpoints.
type Faults struct {
	// ThrottleRate is the share of requests refused with the service's throttling error before they are
	// processed: RequestLimitExceeded (503) on EC2, Throttling (400) on ELBv2 and Route 53.
	ThrottleRate float64 `json:"throttle"`
	// ErrorRate is the share of requests refused with a server error before they are processed: InternalError
	// (500) or Unavailable (503) on EC2, InternalFailure (500) or ServiceUnavailable (503) elsewhere.
	ErrorRate float64 `json:"errors"`
	// Latency is added to every request; LatencyJitter adds up to that much more, drawn uniformly.
	Latency       Duration `json:"latency"`
	LatencyJitter Duration `json:"latencyJitter"`
	// ConsistencyWindow is how long a new object cannot be found by its ID after its creation, as AWS's
	// eventually consistent APIs sometimes answer (InvalidInstanceID.NotFound right after RunInstances). Calls
	// that list or filter do not show it yet either.
	ConsistencyWindow Duration `json:"consistencyWindow"`
}

// Duration is a time.Duration that reads and writes JSON as a string such as "250ms" (or a number of
// nanoseconds).
type Duration = simserve.Duration

// maxLatency bounds injected latency so that a typo cannot make every request hang for hours.
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
	}{{"latency", f.Latency}, {"latency jitter", f.LatencyJitter}, {"consistency window", f.ConsistencyWindow}} {
		if d.v < 0 || time.Duration(d.v) > maxLatency {
			return fmt.Errorf("%s %s is not between 0 and %s", d.name, time.Duration(d.v), maxLatency)
		}
	}
	return nil
}

// String describes the faults for people.
func (f Faults) String() string {
	return fmt.Sprintf("throttle %.0f%%, 5xx %.0f%%, latency %s (+%s jitter), consistency window %s",
		f.ThrottleRate*100, f.ErrorRate*100, time.Duration(f.Latency), time.Duration(f.LatencyJitter), time.Duration(f.ConsistencyWindow))
}

// faultKind is what the dice decided for one request.
type faultKind int

const (
	faultNone faultKind = iota
	faultThrottle
	faultServerError
	faultUnavailable
)

// faultRNG is the simulator's own random source for fault decisions (not the package-level one, so that two
// simulators in one process draw independently).
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
	case x < f.ThrottleRate+f.ErrorRate/2:
		return faultServerError, delay
	case x < f.ThrottleRate+f.ErrorRate:
		return faultUnavailable, delay
	}
	return faultNone, delay
}
