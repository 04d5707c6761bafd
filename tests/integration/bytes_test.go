package integration

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"testing"
)

// upBytes runs an up of n new data:index:Data resources and returns the bytes it wrote to the backend (journal
// and snapshot) and the size of the snapshot it left.
func upBytes(t testing.TB, n int) (written, snapshot int64) {
	p, err := makeProject(t.TempDir(), "many", filepath.Join(repoRoot, "tests", "programs", "many"))
	if err != nil {
		t.Fatal(err)
	}
	if tt, ok := t.(*testing.T); ok {
		p.t = tt
	}
	must := func(args ...string) result {
		r := p.run(args...)
		if r.code != 0 {
			t.Fatalf("%s", r)
		}
		return r
	}
	must("stack", "init", "dev")
	must("config", "set", "count", strconv.Itoa(n))
	must("up", "--yes")
	var history []struct {
		Bytes int64 `json:"bytes"`
	}
	if err := json.Unmarshal([]byte(must("stack", "history", "--json").stdout), &history); err != nil || len(history) == 0 {
		t.Fatalf("stack history: %v", err)
	}
	return history[0].Bytes, int64(len(must("stack", "export").stdout))
}

// TestUpBytesWrittenAreLinear checks the durability budget: everything an up writes to the backend — the journal
// of every step and the final snapshot — stays within 3 times the snapshot it leaves.
func TestUpBytesWrittenAreLinear(t *testing.T) {
	t.Parallel()
	written, snapshot := upBytes(t, 1000)
	t.Logf("an up of 1,000 new resources wrote %d bytes for a %d-byte snapshot (%.2fx)", written, snapshot, float64(written)/float64(snapshot))
	if written > 3*snapshot {
		t.Errorf("an up of 1,000 resources wrote %d bytes, more than 3x its %d-byte snapshot", written, snapshot)
	}
}

// BenchmarkUpBytesWritten reports the bytes an up of 1,000 and 10,000 new resources writes, as a multiple of the
// snapshot it leaves.
func BenchmarkUpBytesWritten(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				written, snapshot := upBytes(b, n)
				b.ReportMetric(float64(written), "bytes-written")
				b.ReportMetric(float64(snapshot), "snapshot-bytes")
				b.ReportMetric(float64(written)/float64(snapshot), "x-snapshot")
				if written > 3*snapshot {
					b.Errorf("an up of %d resources wrote %d bytes, more than 3x its %d-byte snapshot", n, written, snapshot)
				}
			}
		})
	}
}
