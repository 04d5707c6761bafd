package deploy

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/infrago/infra/engine/plugin"
	"github.com/infrago/infra/stacks/state"
)

func TestLimiterAdapts(t *testing.T) {
	t.Parallel()
	l := newLimiter(8)
	for i := 0; i < 3; i++ {
		if err := l.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		l.release(true)
	}
	if got := l.current(); got != 1 {
		t.Fatalf("after three throttles from 8: limit %d, want 1", got)
	}
	for i := 0; i < 20; i++ {
		_ = l.acquire(context.Background())
		l.release(false)
	}
	if got := l.current(); got != 8 {
		t.Fatalf("successes must raise the limit back to its maximum: %d", got)
	}
}

// TestCallRetriesThrottledWithLessConcurrency: operations the provider refuses as throttled are retried, and
// while it throttles fewer run at once; every operation ends up done exactly once.
func TestCallRetriesThrottledWithLessConcurrency(t *testing.T) {
	t.Parallel()
	d := New(&state.Snapshot{}, Options{Parallel: 8, ProviderParallel: map[string]int{"slow": 4}})
	var running, peak, done atomic.Int32
	var mu sync.Mutex
	throttles := map[int]int{}
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			err := d.call(context.Background(), "slow", fmt.Sprint("op ", i), func() error {
				n := running.Add(1)
				defer running.Add(-1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(5 * time.Millisecond)
				mu.Lock()
				defer mu.Unlock()
				if throttles[i] < 2 {
					throttles[i]++
					return fmt.Errorf("%w: slow down", plugin.ErrThrottled)
				}
				done.Add(1)
				return nil
			})
			if err != nil {
				t.Errorf("op %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	if done.Load() != 12 {
		t.Fatalf("%d operations done, want 12", done.Load())
	}
	if peak.Load() > 4 {
		t.Fatalf("the per-provider bound of 4 was exceeded: %d at once", peak.Load())
	}
}
