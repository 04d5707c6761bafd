package sim

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// httptestServer serves s for a test and returns its URL.
func httptestServer(t *testing.T, s *Server) string {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL
}

// FuzzRequests runs arbitrary methods, paths, queries and bodies through the whole request path: any input must
// give a DigitalOcean error body or a response, never a panic.
func FuzzRequests(f *testing.F) {
	f.Add("POST", "/v2/droplets", "", `{"name":"a","region":"nyc3","size":"s-1vcpu-1gb","image":"debian-12-x64","tags":["web"]}`)
	f.Add("POST", "/v2/droplets", "", `{"names":["a","b"],"region":"nyc3","size":"s-1vcpu-1gb","image":171000003}`)
	f.Add("POST", "/v2/droplets/100000002/actions", "", `{"type":"resize","size":"s-2vcpu-2gb"}`)
	f.Add("DELETE", "/v2/droplets", "tag_name=web", "")
	f.Add("GET", "/v2/droplets", "page=2&per_page=1&tag_name=web", "")
	f.Add("POST", "/v2/load_balancers", "", `{"name":"lb","region":"nyc3","tag":"web","forwarding_rules":[{"entry_protocol":"http","entry_port":80,"target_protocol":"http","target_port":80}]}`)
	f.Add("POST", "/v2/firewalls", "", `{"name":"fw","inbound_rules":[{"protocol":"tcp","ports":"22","sources":{"addresses":["0.0.0.0/0"]}}]}`)
	f.Add("POST", "/v2/domains/example.com/records", "", `{"type":"SRV","name":"_x._tcp","data":"a.","priority":1,"port":2,"weight":3}`)
	f.Add("POST", "/v2/reserved_ips/198.51.100.3/actions", "", `{"type":"assign","droplet_id":100000002}`)
	f.Add("POST", "/v2/tags/web/resources", "", `{"resources":[{"resource_id":"100000002","resource_type":"droplet"}]}`)
	f.Add("PUT", "/_sim/faults", "", `{"rateLimit":0.1,"retryAfter":"2s"}`)
	s := New(Options{Timing: Timing{DropletActive: time.Millisecond, ActionComplete: time.Millisecond}})
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		req, err := http.NewRequest(method, "http://sim"+path+"?"+query, bytes.NewBufferString(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer fuzz")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code == 0 {
			t.Fatal("no status")
		}
		_ = s.SetFaults(Faults{})
	})
}

// FuzzFaults feeds arbitrary JSON to the fault decoder: it must decode or fail, and what it accepts must be valid.
func FuzzFaults(f *testing.F) {
	for _, s := range []string{`{"rateLimit":0.2,"errors":0.1,"latency":"50ms","notFoundAfterCreate":"1s","retryAfter":3000000000}`, `{"latency":"x"}`, `[]`, `{"errors":2}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := decodeFaults([]byte(s), Faults{})
		if err == nil && got.Validate() != nil {
			t.Fatalf("decodeFaults(%q) accepted invalid %+v", s, got)
		}
	})
}
