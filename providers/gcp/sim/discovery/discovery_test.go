package discovery

import (
	"strings"
	"testing"
)

func loadCompute(t *testing.T) *Doc {
	t.Helper()
	p, err := ShippedDocument("compute/v1/compute-api.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestCheck shows that the validator passes what the API defines and names what it does not.
func TestCheck(t *testing.T) {
	t.Parallel()
	d := loadCompute(t)
	op := `{"kind":"compute#operation","id":"123","name":"operation-1","status":"DONE","progress":100,"targetLink":"x"}`
	cases := []struct {
		name, method, path string
		query              map[string][]string
		body               string
		status             int
		response           string
		want               string // "" for valid
	}{
		{"insert", "POST", "/compute/v1/projects/p-1234/zones/us-central1-a/instances", map[string][]string{"requestId": {"x"}},
			`{"name":"web","machineType":"zones/us-central1-a/machineTypes/e2-micro","disks":[{"boot":true,"initializeParams":{"diskSizeGb":"10"}}]}`, 200, op, ""},
		{"unknown response field", "GET", "/compute/v1/projects/p-1234/global/networks/n", nil, "", 200, `{"name":"n","colour":"blue"}`, `field "colour" is not a field of Network`},
		{"bad enum", "GET", "/compute/v1/projects/p-1234/zones/z/instances/i", nil, "", 200, `{"status":"BOOTING"}`, `"BOOTING" is not one of the enum values`},
		{"int64 as number", "GET", "/compute/v1/projects/p-1234/zones/z/disks/d", nil, "", 200, `{"sizeGb":10}`, "want a string"},
		{"uint64 id not digits", "GET", "/compute/v1/projects/p-1234/global/networks/n", nil, "", 200, `{"id":"abc"}`, "uint64"},
		{"unknown query", "GET", "/compute/v1/projects/p-1234/global/networks", map[string][]string{"colour": {"x"}}, "", 200, `{"items":[]}`, "query parameter colour"},
		{"unknown path", "GET", "/compute/v1/projects/p-1234/global/teapots", nil, "", 200, `{}`, "no method"},
		{"request field", "POST", "/compute/v1/projects/p-1234/global/firewalls", nil, `{"name":"f","allow":[]}`, 200, op, `field "allow"`},
		{"error body", "GET", "/compute/v1/projects/p-1234/global/networks/n", nil, "", 404,
			`{"error":{"code":404,"message":"gone","errors":[{"message":"gone","domain":"global","reason":"notFound"}]}}`, ""},
		{"bad error body", "GET", "/compute/v1/projects/p-1234/global/networks/n", nil, "", 404, `{"error":{"code":400,"message":"x","errors":[{"reason":"r"}]}}`, "differs"},
	}
	for _, c := range cases {
		errs := d.Check(c.method, c.path, c.query, []byte(c.body), c.status, []byte(c.response))
		var all []string
		for _, e := range errs {
			all = append(all, e.Error())
		}
		got := strings.Join(all, "\n")
		switch {
		case c.want == "" && got != "":
			t.Errorf("%s: want valid, got %s", c.name, got)
		case c.want != "" && !strings.Contains(got, c.want):
			t.Errorf("%s: want a problem with %q, got %q", c.name, c.want, got)
		}
	}
	if id, ok := d.Method("POST", "/compute/v1/projects/p-1234/targetHttpProxies/x/setUrlMap"); !ok || id != "compute.targetHttpProxies.setUrlMap" {
		t.Errorf("setUrlMap matched %q", id)
	}
}

// FuzzParse feeds arbitrary documents to Parse and arbitrary exchanges to Check: they must fail cleanly.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"name":"x","servicePath":"x/v1/","schemas":{"A":{"id":"A","type":"object","properties":{"a":{"$ref":"A"}}}},
		"resources":{"r":{"methods":{"get":{"id":"x.r.get","path":"p/{a}","httpMethod":"GET","response":{"$ref":"A"}}}}}}`), `{"a":{"a":{}}}`)
	f.Add([]byte(`{}`), `[]`)
	f.Fuzz(func(t *testing.T, doc []byte, resp string) {
		d, err := Parse(doc)
		if err != nil {
			return
		}
		_ = d.Check("GET", "/x/v1/p/1", map[string][]string{"q": {"1"}}, []byte(resp), 200, []byte(resp))
		_ = d.Check("GET", "/x/v1/p/1", nil, nil, 500, []byte(resp))
	})
}
