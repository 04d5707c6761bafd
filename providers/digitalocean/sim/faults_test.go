package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		faults Faults
		status int
		check  func(t *testing.T, resp *godo.Response)
	}{
		{"rate limit", Faults{RateLimitRate: 1, RetryAfter: Duration(3 * time.Second)}, http.StatusTooManyRequests, func(t *testing.T, r *godo.Response) {
			if got := r.Header.Get("Retry-After"); got != "3" {
				t.Errorf("Retry-After %q, want 3", got)
			}
			if r.Rate.Remaining != 0 || r.Rate.Limit != rateLimit {
				t.Errorf("rate %+v", r.Rate)
			}
		}},
		{"server errors", Faults{ErrorRate: 1}, http.StatusInternalServerError, nil},
		{"none", Faults{}, http.StatusOK, func(t *testing.T, r *godo.Response) {
			if r.Rate.Limit != rateLimit || r.Rate.Remaining <= 0 || r.Rate.Reset.IsZero() {
				t.Errorf("rate headers %+v", r.Rate)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, c := start(t, Options{Faults: tc.faults})
			_, resp, err := c.Account.Get(t.Context())
			if tc.status == http.StatusOK && err != nil || tc.status != http.StatusOK && statusOf(err) != tc.status {
				t.Fatalf("got %v, want %d", err, tc.status)
			}
			if tc.check != nil {
				tc.check(t, resp)
			}
			st := s.Stats()
			if st.Requests != 1 || (tc.status == 429) != (st.RateLimited == 1) || (tc.status == 500) != (st.ServerErrors == 1) {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestNotFoundAfterCreate(t *testing.T) {
	t.Parallel()
	s, c := start(t, Options{Faults: Faults{NotFoundAfterCreate: Duration(150 * time.Millisecond)}})
	d := newDroplet(t, c, "eventual", "nyc3")
	if _, _, err := c.Droplets.Get(t.Context(), d.ID); statusOf(err) != http.StatusNotFound {
		t.Fatalf("get right after create: %v, want 404", err)
	}
	eventually(t, "droplet found", func() (bool, error) {
		_, _, err := c.Droplets.Get(t.Context(), d.ID)
		return err == nil, nil
	})
	if err := s.SetFaults(Faults{NotFoundAfterCreate: Duration(time.Hour)}); err == nil {
		t.Error("a window of an hour was accepted")
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	_, c := start(t, Options{Faults: Faults{Latency: Duration(80 * time.Millisecond)}})
	begin := time.Now()
	if _, _, err := c.Account.Get(t.Context()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d < 80*time.Millisecond {
		t.Errorf("answered in %s despite 80ms latency", d)
	}
}

func TestFaultsValidate(t *testing.T) {
	t.Parallel()
	for _, f := range []Faults{{RateLimitRate: -0.1}, {ErrorRate: 1.5}, {RateLimitRate: 0.6, ErrorRate: 0.6}, {Latency: Duration(-time.Second)},
		{RetryAfter: Duration(time.Hour)}} {
		if f.Validate() == nil {
			t.Errorf("%+v accepted", f)
		}
	}
	if err := (Faults{RateLimitRate: 0.2, ErrorRate: 0.1, Latency: Duration(time.Second)}).Validate(); err != nil {
		t.Error(err)
	}
	if s := (Faults{RateLimitRate: 0.2}).String(); !strings.Contains(s, "429 20%") {
		t.Errorf("String() = %q", s)
	}
}

func TestControlEndpoints(t *testing.T) {
	t.Parallel()
	s, c := start(t, Options{})
	newDroplet(t, c, "one", "nyc3")
	srv := httptestServer(t, s)
	resp, err := http.Post(srv+"/_sim/faults", "application/json", strings.NewReader(`{"rateLimit":0.5,"latency":"1ms"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if f := s.Faults(); f.RateLimitRate != 0.5 || f.Latency != Duration(time.Millisecond) {
		t.Errorf("faults %+v", f)
	}
	resp, err = http.Post(srv+"/_sim/faults", "application/json", strings.NewReader(`{"errors":7}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad faults: %d", resp.StatusCode)
	}
	resp, err = http.Get(srv + "/_sim/status")
	if err != nil {
		t.Fatal(err)
	}
	var st Status
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(body, &st); err != nil || st.Objects.Droplets != 1 {
		t.Errorf("status %s: %v", body, err)
	}
	_ = s.SetFaults(Faults{})
	resp, err = http.Post(srv+"/_sim/reset", "application/json", bytes.NewReader(nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := s.Objects().Total(); n != 0 {
		t.Errorf("%d objects after reset", n)
	}
}
