package sim

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// FuzzFilter feeds arbitrary list filters to the parser: they must parse or fail with a message, never panic.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{`labels.infra-token = "abc"`, `(name = "a") AND (status != DONE)`, `clientOperationId eq x`, `= =`, `"`, `a = "`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := parseFilter(s)
		if err != nil {
			return
		}
		_ = flt.match(map[string]any{"name": "a", "labels": map[string]any{"infra-token": "abc"}})
	})
}

// FuzzRequests runs arbitrary methods, paths, queries and bodies through the whole request path: any input must
// give a Google error body or a response, never a panic.
func FuzzRequests(f *testing.F) {
	f.Add("POST", "/compute/v1/projects/infra-sim/zones/us-central1-a/instances", "requestId=1",
		`{"name":"a","machineType":"zones/us-central1-a/machineTypes/e2-micro","disks":[{"initializeParams":{"sourceImage":"projects/debian-cloud/global/images/family/debian-12"}}]}`)
	f.Add("POST", "/compute/v1/projects/infra-sim/global/firewalls", "", `{"name":"f","allowed":[{"IPProtocol":"tcp"}]}`)
	f.Add("GET", "/compute/v1/projects/infra-sim/aggregated/operations", "filter=clientOperationId+%3D+%22x%22&pageToken=zz", "")
	f.Add("POST", "/dns/v1/projects/infra-sim/managedZones", "", `{"name":"z","dnsName":"example.com.","description":""}`)
	f.Add("POST", "/dns/v1/projects/infra-sim/managedZones/z/changes", "", `{"additions":[{"name":"a.example.com.","type":"A","rrdatas":["1.2.3.4"]}]}`)
	f.Add("PATCH", "/compute/v1/projects/infra-sim/regions/us-central1/subnetworks/default", "", `{"fingerprint":"x"}`)
	s := New(Options{Timing: Timing{OperationPending: time.Millisecond, OperationRunning: time.Millisecond}})
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		req, err := http.NewRequest(method, "http://sim"+path+"?"+query, bytes.NewBufferString(body))
		if err != nil {
			return
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code == 0 {
			t.Fatal("no status")
		}
	})
}
