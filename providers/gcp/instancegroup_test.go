package gcp

import (
	"strings"
	"testing"
)

// FuzzDecodeGroupMembers feeds instanceGroups.listInstances answers to the decoder: it must return a page or an
// error, never panic, and keep every member it was given.
func FuzzDecodeGroupMembers(f *testing.F) {
	f.Add([]byte(`{"kind":"compute#instanceGroupsListInstances","items":[{"instance":"https://x/projects/p/zones/z/instances/a","status":"RUNNING"}],"nextPageToken":"2"}`))
	f.Add([]byte(`{"items":[],"id":"x","unknownField":{"nested":[1,2]}}`))
	f.Add([]byte(`{"items":[{"instance":1}]}`))
	f.Add([]byte(`not json`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		page, err := decodeGroupMembers(body)
		if err != nil {
			return
		}
		if page == nil {
			t.Fatal("no page and no error")
		}
	})
}

func TestDecodeGroupMembers(t *testing.T) {
	t.Parallel()
	page, err := decodeGroupMembers([]byte(`{"items":[{"instance":"a","status":"RUNNING"},{"instance":"b"}],"nextPageToken":"t","warning":{"code":"NO_RESULTS_ON_PAGE"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(page.GetItems()) != 2 || page.GetItems()[1].GetInstance() != "b" || page.GetNextPageToken() != "t" {
		t.Errorf("decoded %v", page)
	}
	if _, err := decodeGroupMembers([]byte(`{"items":"x"}`)); err == nil {
		t.Error("a page whose items are not a list decoded")
	}
}

// TestCheckLoadBalancer runs Check of the global HTTP load balancer's resources on bad inputs: each must fail on
// the property at fault, with a reason naming what is wrong.
func TestCheckLoadBalancer(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t, simOptions())
	const (
		inst  = "projects/p/zones/us-central1-a/instances/i"
		group = "projects/p/zones/us-central1-a/instanceGroups/g"
		hc    = "projects/p/global/healthChecks/h"
	)
	cases := []struct {
		typ    string
		inputs map[string]any
		want   string
	}{
		{InstanceGroupToken, map[string]any{"namedPorts": []any{map[string]any{"name": "http", "port": 0}}}, "namedPorts[0].port: port 0"},
		{InstanceGroupToken, map[string]any{"namedPorts": []any{map[string]any{"name": "http", "port": 80}, map[string]any{"name": "http", "port": 81}}}, "namedPorts[1].name: the named port \"http\" is given twice"},
		{InstanceGroupToken, map[string]any{"instances": []any{"i"}}, "instances[0]: instances: ID \"i\" is not of the form"},
		{InstanceGroupToken, map[string]any{"zone": "us-east1-b", "instances": []any{inst}}, "instances[0]: instance " + inst + " is in zone us-central1-a"},
		{BackendServiceToken, map[string]any{"healthChecks": []any{hc}, "protocol": "TCP"}, "protocol: protocol \"TCP\""},
		{BackendServiceToken, map[string]any{}, "healthChecks: a backend service with instance group backends takes exactly one health check, not 0"},
		{BackendServiceToken, map[string]any{"healthChecks": []any{hc}, "timeoutSec": 0}, "timeoutSec: timeoutSec 0"},
		{BackendServiceToken, map[string]any{"healthChecks": []any{hc}, "backends": []any{map[string]any{"group": inst}}}, "backends[0].group: group: ID"},
		{BackendServiceToken, map[string]any{"healthChecks": []any{hc}, "backends": []any{map[string]any{"group": group, "balancingMode": "RATE"}}}, "backends[0].maxRatePerInstance: balancingMode RATE needs maxRatePerInstance"},
		{BackendServiceToken, map[string]any{"healthChecks": []any{hc}, "backends": []any{map[string]any{"group": group, "balancingMode": "CONNECTION"}}}, "backends[0].balancingMode: balancingMode \"CONNECTION\""},
		{URLMapToken, map[string]any{"defaultService": "projects/p/global/backendBuckets/b"}, "defaultService: defaultService: ID"},
		{URLMapToken, map[string]any{"defaultService": "projects/p/global/backendServices/b", "pathRules": []any{map[string]any{"paths": []any{"api/*"}, "service": "projects/p/global/backendServices/b"}}}, "pathRules[0].paths: path \"api/*\" does not start with /"},
		{URLMapToken, map[string]any{"defaultService": "projects/p/global/backendServices/b", "pathRules": []any{map[string]any{"paths": []any{"/a/*/b"}, "service": "projects/p/global/backendServices/b"}}}, "pathRules[0].paths: path \"/a/*/b\" has a * that is not at its end"},
		{URLMapToken, map[string]any{"defaultService": "projects/p/global/backendServices/b", "pathRules": []any{map[string]any{"service": "b"}}}, "pathRules[0].service: service: ID"},
		{URLMapToken, map[string]any{"defaultService": "projects/p/global/backendServices/b", "pathRules": []any{map[string]any{"paths": []any{"/a"}, "service": "projects/p/global/backendServices/b"}, map[string]any{"paths": []any{"/a"}, "service": "projects/p/global/backendServices/b"}}}, "pathRules[1].paths: path \"/a\" is in two rules"},
		{TargetHTTPProxyToken, map[string]any{"urlMap": "um"}, "urlMap: urlMap: ID \"um\""},
		{GlobalForwardingRuleToken, map[string]any{"target": "projects/p/regions/r/targetPools/tp"}, "target: target: ID"},
		{GlobalForwardingRuleToken, map[string]any{"target": "projects/p/global/targetHttpProxies/px", "portRange": "443"}, "portRange: portRange \"443\" is not 80 or 8080"},
	}
	for _, c := range cases {
		fs := e.checkFailures(c.typ, props(t, c.inputs))
		found := false
		for _, f := range fs {
			if strings.HasPrefix(f, c.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("Check %s %v = %q; want a failure starting %q", c.typ, c.inputs, fs, c.want)
		}
	}
}

func TestFloat32To64(t *testing.T) {
	t.Parallel()
	for _, v := range []float64{0.1, 100, 1.5, 33.3} {
		if got := float32To64(float32(v)); got != v {
			t.Errorf("float32To64(float32(%v)) = %v", v, got)
		}
	}
}
