package sim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/digitalocean/godo"

	"github.com/infrago/infra/providers/digitalocean/sim/openapi"
)

// description is DigitalOcean's API description, parsed once for the package's tests.
var description = openapi.New()

// fast is a timing that keeps tests quick while still making every transition observable.
var fast = Timing{DropletActive: 30 * time.Millisecond, ActionComplete: 30 * time.Millisecond, LoadBalancerActive: 30 * time.Millisecond,
	HealthyAfter: 30 * time.Millisecond}

// bearer adds a token to every request, as godo's oauth2 client would.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// start serves a simulator for one test with every exchange checked against the description; the test fails on
// any exchange that does not conform.
func start(t *testing.T, opts Options) (*Server, *godo.Client) {
	t.Helper()
	if opts.Timing == (Timing{}) {
		opts.Timing = fast
	}
	var mu sync.Mutex
	var problems []error
	opts.Observe = func(x Exchange) {
		errs := description.Check(context.Background(), openapi.Exchange{Method: x.Method, Path: x.Path, Query: x.Query, Body: x.Body,
			Status: x.Status, ResponseHeader: x.ResponseHeader, Response: x.Response})
		mu.Lock()
		defer mu.Unlock()
		for _, e := range errs {
			// A request the description rules out is fine when the simulator refused it, as DigitalOcean would.
			var p *openapi.Problem
			if errors.As(e, &p) && p.Request && x.Status >= 400 && x.Status < 500 {
				continue
			}
			problems = append(problems, e)
		}
	}
	s := New(opts)
	l, err := s.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("exchange does not match DigitalOcean's API description: %v", p)
		}
	})
	return s, client(t, l.URL, "dop_v1_test")
}

func client(t *testing.T, url, token string) *godo.Client {
	t.Helper()
	c, err := godo.New(&http.Client{Transport: bearer{token}}, godo.SetBaseURL(url+"/"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// eventually polls cond until it holds or two seconds pass.
func eventually(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		done, err := cond()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not so after 2s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func must[T any](t *testing.T, what string) func(T, *godo.Response, error) T {
	return func(v T, _ *godo.Response, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func statusOf(err error) int {
	if e, isDO := err.(*godo.ErrorResponse); isDO {
		return e.Response.StatusCode
	}
	return 0
}

func waitAction(t *testing.T, c *godo.Client, a *godo.Action) {
	t.Helper()
	eventually(t, fmt.Sprintf("action %d (%s) completes", a.ID, a.Type), func() (bool, error) {
		got, _, err := c.Actions.Get(t.Context(), a.ID)
		return err == nil && got.Status == godo.ActionCompleted, err
	})
}
