package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestSimAll starts the three simulators in one process on free ports, checks that each prints its endpoint and
// configuration and answers its cloud's API there, and that all three stop together.
func TestSimAll(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out lockedBuffer
	f := allSimFlags{awsListen: "127.0.0.1:0", gcpListen: "127.0.0.1:0", doListen: "127.0.0.1:0"}
	done := make(chan error, 1)
	go func() { done <- runAllSims(ctx, &out, io.Discard, f) }()
	url := regexp.MustCompile(`(AWS|Google Cloud|DigitalOcean) simulator listening on (http://\S+)`)
	deadline := time.Now().Add(10 * time.Second)
	for len(url.FindAllStringSubmatch(out.String(), -1)) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	urls := map[string]string{}
	for _, m := range url.FindAllStringSubmatch(out.String(), -1) {
		urls[m[1]] = m[2]
	}
	if len(urls) != 3 {
		cancel()
		t.Fatalf("want three endpoints, got %v:\n%s", urls, out.String())
	}
	for _, want := range []string{"aws:endpoint " + urls["AWS"], "gcp:endpoint " + urls["Google Cloud"], "digitalocean:endpoint " + urls["DigitalOcean"]} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the banner lacks %q:\n%s", want, out.String())
		}
	}
	for _, c := range []struct{ name, path, auth string }{
		{"AWS", "/_sim/status", ""},
		{"Google Cloud", "/compute/v1/projects/infra-sim/global/networks", "Bearer sim"},
		{"DigitalOcean", "/v2/regions", "Bearer sim"},
	} {
		req, _ := http.NewRequest(http.MethodGet, urls[c.name]+c.path, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s simulator: %v", c.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s simulator: GET %s: %d", c.name, c.path, resp.StatusCode)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"AWS", "Google Cloud", "DigitalOcean"} {
		if !strings.Contains(out.String(), name+" simulator stopped.") {
			t.Errorf("the %s simulator did not say it stopped:\n%s", name, out.String())
		}
	}
}

func TestSimAllBadFlags(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		f    allSimFlags
		want string
	}{
		{allSimFlags{simCommonFlags: simCommonFlags{listen: "127.0.0.1:0"}}, "--aws-listen"},
		{allSimFlags{simCommonFlags: simCommonFlags{throttle: 2}, awsListen: "127.0.0.1:0", gcpListen: "127.0.0.1:0", doListen: "127.0.0.1:0"}, "infra sim all"},
		{allSimFlags{awsListen: "nowhere", gcpListen: "127.0.0.1:0", doListen: "127.0.0.1:0"}, "AWS simulator"},
	} {
		err := runAllSims(t.Context(), io.Discard, io.Discard, c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error naming %q", c.f, err, c.want)
		}
	}
}
