package gcp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/googleapis/gax-go/v2"
	"github.com/hashicorp/go-hclog"
	"google.golang.org/api/googleapi"
)

// retryable reports whether an HTTP status may succeed when the call is repeated.
func retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable,
		http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff is jittered exponential backoff from 100ms up to max.
type backoff struct {
	max     time.Duration
	attempt int
}

func (b *backoff) next() time.Duration {
	d := 100 * time.Millisecond << min(b.attempt, 20)
	b.attempt++
	d = min(d, b.max)
	// Full jitter between half and all of it, so that many clients throttled at once do not retry in step.
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// retryAfter is the wait a response's Retry-After header asks for, if any (capped at max).
func retryAfter(h http.Header, limit time.Duration) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return min(time.Duration(secs)*time.Second, limit), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(limit, time.Until(t).Abs()), true
	}
	return 0, false
}

// retryer is the gax retryer of every Compute Engine call: it repeats calls refused with a retryable status or
// cut off by a network error, and logs each retry at debug level, which `infra --verbose` shows. Repeating an
// insert is safe: every mutating call carries a requestId, which makes Compute Engine answer a repeat with the
// first call's operation.
type retryer struct {
	s   settings
	log hclog.Logger
	bo  backoff
	n   int
}

// Retry decides whether to repeat a failed call and how long to wait first.
func (r *retryer) Retry(err error) (time.Duration, bool) {
	if r.n >= r.s.maxRetries {
		return 0, false
	}
	var ge *googleapi.Error
	var ne net.Error
	reason := ""
	var wait time.Duration
	switch {
	case errors.As(err, &ge) && retryable(ge.Code):
		reason = fmt.Sprintf("%d %s", ge.Code, errorReason(ge))
		if d, ok := retryAfter(ge.Header, r.s.maxBackoff); ok {
			wait = d
		}
	case errors.As(err, &ne), errors.Is(err, io.ErrUnexpectedEOF):
		reason = err.Error()
	default:
		return 0, false
	}
	r.n++
	if wait == 0 {
		wait = r.bo.next()
	}
	r.log.Debug("retrying Google Cloud call", "service", "compute", "attempt", r.n, "reason", reason, "retryIn", wait.String())
	return wait, true
}

// retryOption is the call option that gives every Compute Engine call the provider's retryer.
func retryOption(s settings, log hclog.Logger) gax.CallOption {
	return gax.WithRetry(func() gax.Retryer { return &retryer{s: s, log: log, bo: backoff{max: s.maxBackoff}} })
}

// retryTransport repeats Cloud DNS requests refused with a retryable status or cut off by a network error.
type retryTransport struct {
	base http.RoundTripper
	s    settings
	log  hclog.Logger
}

// RoundTrip sends the request, again after a backoff while it fails in a way that may pass.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	bo := backoff{max: t.s.maxBackoff}
	for attempt := 0; ; attempt++ {
		r := req.Clone(req.Context())
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		resp, err := t.base.RoundTrip(r)
		reason := ""
		var wait time.Duration
		switch {
		case err != nil:
			var ne net.Error
			if !errors.As(err, &ne) {
				return nil, err
			}
			reason = err.Error()
		case retryable(resp.StatusCode):
			reason = resp.Status
			if d, ok := retryAfter(resp.Header, t.s.maxBackoff); ok {
				wait = d
			}
		default:
			return resp, nil
		}
		if attempt >= t.s.maxRetries || req.Context().Err() != nil {
			return resp, err
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			_ = resp.Body.Close()
		}
		if wait == 0 {
			wait = bo.next()
		}
		t.log.Debug("retrying Google Cloud call", "service", "dns", "method", req.Method, "path", req.URL.Path, "attempt", attempt+1,
			"reason", reason, "retryIn", wait.String())
		tm := time.NewTimer(wait)
		select {
		case <-req.Context().Done():
			tm.Stop()
			return nil, req.Context().Err()
		case <-tm.C:
		}
	}
}
