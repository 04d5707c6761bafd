package openapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// shared is parsed once for the package's tests.
var shared = New()

func TestLoad(t *testing.T) {
	start := time.Now()
	if err := shared.Load(); err != nil {
		t.Fatal(err)
	}
	t.Logf("parsed the description in %s", time.Since(start))
	paths, err := shared.Paths()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"GET /v2/droplets", "POST /v2/droplets", "GET /v2/actions/{action_id}", "POST /v2/reserved_ips/{reserved_ip}/actions",
		"PUT /v2/load_balancers/{lb_id}", "POST /v2/firewalls/{firewall_id}/droplets", "GET /v2/domains/{domain_name}/records"} {
		if !contains(paths, want) {
			t.Errorf("the description has no %s", want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestCheck(t *testing.T) {
	t.Parallel()
	json := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	account := `{"account":{"droplet_limit":25,"floating_ip_limit":5,"volume_limit":10,"email":"sammy@example.com","uuid":"b6fr89dbf6d9156cace5f3c78dc9851d957381ef","email_verified":true,"status":"active","status_message":""}}`
	tests := []struct {
		name string
		x    Exchange
		// want are substrings of the problems expected, one each; none: the exchange conforms.
		want []string
	}{
		{"account", Exchange{Method: "GET", Path: "/v2/account", Status: 200, ResponseHeader: json, Response: []byte(account)}, nil},
		{"missing required field", Exchange{Method: "GET", Path: "/v2/account", Status: 200, ResponseHeader: json,
			Response: []byte(`{"account":{"droplet_limit":25,"floating_ip_limit":5,"uuid":"x","email_verified":true,"status":"active","status_message":""}}`)},
			[]string{`"email" is missing`}},
		{"enum", Exchange{Method: "GET", Path: "/v2/account", Status: 200, ResponseHeader: json,
			Response: []byte(strings.Replace(account, `"status":"active"`, `"status":"sleeping"`, 1))}, []string{"allowed values", "/account/status"}},
		{"error body", Exchange{Method: "GET", Path: "/v2/droplets/1", Status: 404, ResponseHeader: json,
			Response: []byte(`{"id":"not_found","message":"The resource you were accessing could not be found."}`)}, nil},
		{"error body without id", Exchange{Method: "GET", Path: "/v2/droplets/1", Status: 404, ResponseHeader: json,
			Response: []byte(`{"message":"The resource you were accessing could not be found."}`)}, []string{`"id"`}},
		{"undocumented status", Exchange{Method: "GET", Path: "/v2/account", Status: 418, ResponseHeader: json, Response: []byte(`{}`)}, []string{`"id" is missing`}},
		{"unknown path", Exchange{Method: "GET", Path: "/v2/teapots", Status: 200}, []string{"no such operation"}},
		{"bad query", Exchange{Method: "GET", Path: "/v2/droplets", Query: url.Values{"per_page": {"many"}}, Status: 200, ResponseHeader: json,
			Response: []byte(`{"droplets":[],"links":{},"meta":{"total":0}}`)}, []string{"per_page"}},
		{"request body", Exchange{Method: "POST", Path: "/v2/tags", Body: []byte(`{"name":7}`), Status: 201, ResponseHeader: json,
			Response: []byte(`{"tag":{"name":"a","resources":{"count":0,"droplets":{"count":0},"imgages":{"count":0},"volumes":{"count":0},"volume_snapshots":{"count":0},"databases":{"count":0}}}}`)},
			[]string{"request"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			errs := shared.Check(context.Background(), tc.x)
			if len(tc.want) == 0 {
				for _, e := range errs {
					t.Error(e)
				}
				return
			}
			for _, w := range tc.want {
				found := false
				for _, e := range errs {
					found = found || strings.Contains(e.Error(), w)
				}
				if !found {
					t.Errorf("no problem mentioning %s in %v", w, errs)
				}
			}
		})
	}
}

// BenchmarkLoad measures parsing the description, which every test binary that checks exchanges pays once.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if err := New().Load(); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzCheck runs arbitrary exchanges through Check: any input gives problems or none, never a panic.
func FuzzCheck(f *testing.F) {
	f.Add("POST", "/v2/domains/example.com/records", `{"type":"TXT","name":"@","data":"x","ttl":null}`, 201, `{"domain_record":{"id":1,"type":"TXT"}}`)
	f.Add("POST", "/v2/droplets", `{"name":"a","size":"s","image":"i","ssh_keys":null}`, 202, `{}`)
	f.Add("GET", "/v2/account", ``, 200, `not json`)
	f.Add("DELETE", "/v2/droplets/1", `[1,2]`, 204, ``)
	f.Fuzz(func(t *testing.T, method, path, body string, status int, response string) {
		_ = shared.Check(context.Background(), Exchange{Method: method, Path: path, Body: []byte(body), Status: status, Response: []byte(response)})
	})
}
