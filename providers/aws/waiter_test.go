package aws

import (
	"testing"
	"time"
)

// TestTuneWaiter: with pollInterval unset, as on a real account, an SDK waiter keeps its own delays (a zero
// MinDelay makes a wait fail at its first retry); with it set, waits start at it and grow to ten times it.
func TestTuneWaiter(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		poll             time.Duration
		wantMin, wantMax time.Duration
	}{
		{0, 30 * time.Second, 120 * time.Second},
		{200 * time.Millisecond, 200 * time.Millisecond, 2 * time.Second},
	} {
		// The Route 53 change waiter's defaults.
		lo, hi := 30*time.Second, 120*time.Second
		(&clients{poll: c.poll}).tuneWaiter(&lo, &hi)
		if lo != c.wantMin || hi != c.wantMax {
			t.Errorf("pollInterval %v: delays %v to %v, want %v to %v", c.poll, lo, hi, c.wantMin, c.wantMax)
		}
	}
}
