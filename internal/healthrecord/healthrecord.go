// Package healthrecord keeps a load balancer's health over time for the cloud simulators: which members passed
// their health checks from when to when. Tests of rolling deploys read it to prove a load balancer never had
// nobody to send traffic to.
package healthrecord

import (
	"slices"
	"time"
)

// Sample is the set of a load balancer's healthy members from At on (until the next sample).
type Sample[ID comparable] struct {
	At      time.Time
	Healthy []ID
}

// Record is a health record, oldest sample first; a sample is added only when the healthy set changes.
type Record[ID comparable] []Sample[ID]

// Observe adds a sample at when the healthy set differs from the last one. healthy is kept as given (in the
// order the caller lists members), so callers should list it in a stable order.
func (r *Record[ID]) Observe(at time.Time, healthy []ID) {
	if n := len(*r); n > 0 && slices.Equal((*r)[n-1].Healthy, healthy) {
		return
	}
	*r = append(*r, Sample[ID]{At: at, Healthy: slices.Clone(healthy)})
}

// Clone returns a copy that shares nothing with r.
func (r Record[ID]) Clone() Record[ID] {
	out := make(Record[ID], len(r))
	for i, s := range r {
		out[i] = Sample[ID]{At: s.At, Healthy: slices.Clone(s.Healthy)}
	}
	return out
}

// MinSince is the fewest healthy members the record shows from t on, counted from the first moment at or after
// t that there was one: a rolling deploy that never left the load balancer without a healthy member gives at
// least 1, one that did gives 0. It is -1 when there was no healthy member at any time from t on.
func MinSince[ID comparable](r []Sample[ID], t time.Time) int {
	from := 0
	for i, s := range r {
		if !s.At.After(t) {
			from = i
		}
	}
	least, seen := -1, false
	for _, s := range r[from:] {
		if !seen && len(s.Healthy) == 0 {
			continue
		}
		if !seen || len(s.Healthy) < least {
			least = len(s.Healthy)
		}
		seen = true
	}
	return least
}
