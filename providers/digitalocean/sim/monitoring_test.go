package sim

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

// TestDropletsHealthChecks reads the droplets_health_checks metric through godo: a droplet behind the load
// balancer is reported failing until it has been up for the health threshold, then passing.
func TestDropletsHealthChecks(t *testing.T) {
	t.Parallel()
	_, c := start(t, Options{})
	ctx := t.Context()
	d := newDroplet(t, c, "web-1", "nyc3", "web")
	lb := must[*godo.LoadBalancer](t, "create lb")(c.LoadBalancers.Create(ctx, lbRequest("web", "web")))
	read := func() (float64, bool) {
		now := time.Now()
		m, _, err := c.Monitoring.GetLoadBalancerDropletsHealthChecks(ctx, &godo.LoadBalancerMetricsRequest{
			LoadBalancerID: lb.ID, Start: now.Add(-time.Minute), End: now.Add(time.Second)})
		if err != nil {
			t.Fatalf("read health checks: %v", err)
		}
		if m.Status != "success" || len(m.Data.Result) != 1 {
			t.Fatalf("metric = %+v, want one series", m)
		}
		s := m.Data.Result[0]
		if string(s.Metric["droplet_id"]) != strconv.Itoa(d.ID) || string(s.Metric["lb_id"]) != lb.ID || len(s.Values) != 1 {
			t.Fatalf("series = %+v", s)
		}
		return float64(s.Values[0].Value), true
	}
	if v, _ := read(); v != 0 {
		t.Errorf("a droplet still starting passes its checks: %v", v)
	}
	eventually(t, "droplet passes its checks", func() (bool, error) { v, _ := read(); return v == 1, nil })

	cases := []struct{ name, query string }{
		{"no lb_id", "start=1&end=2"},
		{"bad start", "lb_id=" + lb.ID + "&start=soon&end=2"},
	}
	for _, tc := range cases {
		req, err := c.NewRequest(ctx, http.MethodGet, "v2/monitoring/metrics/load_balancer/droplets_health_checks?"+tc.query, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Do(ctx, req, nil); statusOf(err) != http.StatusBadRequest {
			t.Errorf("%s: err = %v, want 400", tc.name, err)
		}
	}
	now := time.Now()
	if _, _, err := c.Monitoring.GetLoadBalancerDropletsHealthChecks(ctx, &godo.LoadBalancerMetricsRequest{
		LoadBalancerID: "4de7ac8b-495b-4884-9a69-1050c6793cd6", Start: now.Add(-time.Minute), End: now}); statusOf(err) != http.StatusNotFound {
		t.Errorf("unknown lb: err = %v, want 404", err)
	}
}
