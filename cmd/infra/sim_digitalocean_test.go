package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is an io.Writer safe to read while the simulator writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestSimDigitalOcean(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var out lockedBuffer
	f := doSimFlags{token: "secret", regions: []string{"nyc3"}, dropletActive: time.Millisecond, actionComplete: time.Millisecond,
		lbActive: time.Millisecond, healthyAfter: time.Millisecond}
	f.listen = "127.0.0.1:0"
	done := make(chan error, 1)
	go func() { done <- runDigitalOceanSim(ctx, &out, io.Discard, f) }()
	url := regexp.MustCompile(`listening on (http://\S+)`)
	deadline := time.Now().Add(5 * time.Second)
	for url.FindStringSubmatch(out.String()) == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	m := url.FindStringSubmatch(out.String())
	if m == nil {
		cancel()
		t.Fatalf("no endpoint printed: %s", out.String())
	}
	for _, want := range []string{"token:    secret", "digitalocean:endpoint " + m[1], "--secret digitalocean:token secret", "regions [nyc3]"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}
	req, _ := http.NewRequest(http.MethodGet, m[1]+"/v2/regions", nil)
	req.Header.Set("Authorization", "Bearer secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ratelimit-limit") == "" {
		t.Errorf("GET /v2/regions: %d %v", resp.StatusCode, resp.Header)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestSimDigitalOceanBadFlags(t *testing.T) {
	t.Parallel()
	for _, f := range []doSimFlags{{regions: []string{"New York"}}, {simCommonFlags: simCommonFlags{throttle: 2}}, {simCommonFlags: simCommonFlags{pageSize: -1}}} {
		err := runDigitalOceanSim(t.Context(), io.Discard, io.Discard, f)
		if err == nil || !strings.Contains(err.Error(), "infra sim digitalocean") {
			t.Errorf("%+v: %v, want an error naming the command", f, err)
		}
	}
}
