package healthrecord

import (
	"testing"
	"time"
)

func TestMinSince(t *testing.T) {
	t.Parallel()
	at := func(s int) time.Time { return time.Unix(1000+int64(s), 0) }
	rec := func(counts ...int) Record[int] {
		var out Record[int]
		for i, n := range counts {
			out = append(out, Sample[int]{At: at(i * 10), Healthy: make([]int, n)})
		}
		return out
	}
	tests := []struct {
		name   string
		record Record[int]
		since  time.Time
		want   int
	}{
		{"empty", nil, at(0), -1},
		{"never healthy", rec(0, 0), at(0), -1},
		{"rolling", rec(0, 1, 2, 1, 2, 1), at(0), 1},
		{"gap", rec(0, 1, 0, 1), at(0), 0},
		{"gap before since", rec(0, 1, 0, 1, 2, 1), at(25), 1},
		{"state at since counts", rec(1, 2, 0), at(15), 0},
		{"since after a healthy state", rec(2, 1), at(100), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := MinSince(tc.record, tc.since); got != tc.want {
				t.Errorf("MinSince = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestObserve(t *testing.T) {
	t.Parallel()
	var r Record[string]
	at := time.Unix(1000, 0)
	for i, h := range [][]string{nil, {"a"}, {"a"}, {"a", "b"}, {"b"}, {"b"}} {
		r.Observe(at.Add(time.Duration(i)*time.Second), h)
	}
	if len(r) != 4 || len(r[0].Healthy) != 0 || len(r[3].Healthy) != 1 || r[3].Healthy[0] != "b" || !r[3].At.Equal(at.Add(4*time.Second)) {
		t.Errorf("record = %+v; want a sample only on each change", r)
	}
	c := r.Clone()
	c[1].Healthy[0] = "z"
	if r[1].Healthy[0] != "a" {
		t.Error("Clone shares its samples")
	}
}
