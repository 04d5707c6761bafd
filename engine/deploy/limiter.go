package deploy

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/engine/plugin"
)

// limiter bounds how many operations run at once against one provider package, and adapts: when the provider
// reports throttling the limit halves (down to one), and every success raises it by one back towards its maximum
// (additive increase, multiplicative decrease, as TCP does with congestion).
type limiter struct {
	mu      sync.Mutex
	max     int
	limit   int
	running int
	wake    chan struct{}
}

func newLimiter(max int) *limiter {
	if max < 1 {
		max = 1
	}
	return &limiter{max: max, limit: max, wake: make(chan struct{})}
}

// acquire waits for a slot.
func (l *limiter) acquire(ctx context.Context) error {
	for {
		l.mu.Lock()
		if l.running < l.limit {
			l.running++
			l.mu.Unlock()
			return nil
		}
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (l *limiter) release(throttled bool) {
	l.mu.Lock()
	l.running--
	if throttled {
		l.limit = max(1, l.limit/2)
	} else if l.limit < l.max {
		l.limit++
	}
	close(l.wake)
	l.wake = make(chan struct{})
	l.mu.Unlock()
}

// current reports the limit now in force.
func (l *limiter) current() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

// limiterFor returns the limiter of a package, made on first use.
func (d *Deployment) limiterFor(pkg string) *limiter {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.limiters == nil {
		d.limiters = map[string]*limiter{}
	}
	l, ok := d.limiters[pkg]
	if !ok {
		m := d.opts.ProviderParallel[pkg]
		if m <= 0 {
			m = cap(d.sem)
		}
		l = newLimiter(m)
		d.limiters[pkg] = l
	}
	return l
}

// maxThrottleRetries bounds how often one operation is retried after the provider said it was throttled.
const maxThrottleRetries = 10

// call runs one provider operation under its package's limiter, retrying with exponential backoff and jitter
// while the provider reports throttling (which promises the operation did not happen). Each retry is reported.
func (d *Deployment) call(ctx context.Context, pkg, what string, fn func() error) error {
	l := d.limiterFor(pkg)
	backoff := 200 * time.Millisecond
	for attempt := 0; ; attempt++ {
		if err := l.acquire(ctx); err != nil {
			return err
		}
		err := fn()
		throttled := errors.Is(err, plugin.ErrThrottled)
		l.release(throttled)
		if !throttled || attempt >= maxThrottleRetries {
			return err
		}
		wait := backoff + time.Duration(rand.Int64N(int64(backoff)))
		d.Diagnose(events.SevDebug, "", "provider "+pkg+" is throttling "+what+"; retrying in "+wait.Round(time.Millisecond).String()+
			" with at most "+itoa(l.current())+" operations at once")
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return err
		}
		backoff = min(backoff*2, 20*time.Second)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
