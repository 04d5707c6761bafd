package simserve

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestServeControl(t *testing.T) {
	t.Parallel()
	type faults struct {
		Rate    float64  `json:"rate"`
		Latency Duration `json:"latency"`
	}
	var f faults
	resets := 0
	c := Control{
		Status: func() any { return map[string]int{"objects": 3} },
		Faults: func() any { return f },
		SetFaults: func(body []byte) (any, error) {
			next := f
			if err := json.Unmarshal(body, &next); err != nil {
				return nil, err
			}
			if next.Rate > 1 {
				return nil, errors.New("rate above 1")
			}
			f = next
			return f, nil
		},
		Reset: func() { resets++ },
	}
	tests := []struct {
		method, path, body string
		status             int
		contains           string
	}{
		{"GET", "/_sim/status", "", 200, `"objects": 3`},
		{"POST", "/_sim/status", "", 405, "use GET"},
		{"PUT", "/_sim/faults", `{"rate":0.5,"latency":"250ms"}`, 200, `"latency": "250ms"`},
		{"GET", "/_sim/faults", "", 200, `"rate": 0.5`},
		{"PUT", "/_sim/faults", `{"rate":2}`, 400, "rate above 1"},
		{"PUT", "/_sim/faults", `{"latency":"soon"}`, 400, "soon"},
		{"PUT", "/_sim/faults", `{"latency":1000}`, 200, `"latency": "1µs"`},
		{"DELETE", "/_sim/faults", "", 405, "use GET or PUT"},
		{"POST", "/_sim/reset", "", 200, "reset"},
		{"GET", "/_sim/reset", "", 405, "use POST"},
		{"GET", "/_sim/other", "", 404, "unknown control endpoint"},
	}
	for _, tc := range tests {
		w := httptest.NewRecorder()
		ServeControl(w, httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)), c)
		if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.contains) {
			t.Errorf("%s %s %s: %d %s, want %d with %q", tc.method, tc.path, tc.body, w.Code, w.Body, tc.status, tc.contains)
		}
	}
	if resets != 1 || time.Duration(f.Latency) != time.Microsecond {
		t.Errorf("resets %d, faults %+v", resets, f)
	}
}
