package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxBody bounds a request body.
const maxBody = 4 << 20

// request is one decoded API request.
type request struct {
	method string
	// segs are the path's segments after the API's prefix ("projects", "p", "zones", ...).
	segs  []string
	query map[string][]string
	body  map[string]any
	raw   []byte
}

func (r *request) param(name string) string {
	if v := r.query[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// response is what a handler answers: a status and a JSON value, or an error.
type response struct {
	status int
	value  any
	err    *apiError
}

func ok(v any) response { return response{status: http.StatusOK, value: v} }

func fail(e *apiError) response { return response{err: e} }

// ServeHTTP serves Compute Engine, Cloud DNS and the control endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	resp := response{}
	switch {
	case err != nil:
		resp = fail(invalid("cannot read the request body: %v", err))
	case len(raw) > maxBody:
		resp = fail(errf(http.StatusRequestEntityTooLarge, "invalid", "the request body is larger than %d bytes", maxBody))
	}
	api := ""
	var segs []string
	switch {
	case strings.HasPrefix(r.URL.Path, "/compute/v1/"):
		api, segs = "compute", split(strings.TrimPrefix(r.URL.Path, "/compute/v1/"))
	case strings.HasPrefix(r.URL.Path, "/dns/v1/"):
		api, segs = "dns", split(strings.TrimPrefix(r.URL.Path, "/dns/v1/"))
	}
	if resp.err == nil && api == "" {
		resp = fail(notFound(r.URL.Path))
	}
	if resp.err == nil {
		kind, delay := s.decide()
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-r.Context().Done():
			case <-t.C:
			}
			t.Stop()
		}
		switch kind {
		case faultThrottle:
			resp = fail(errf(http.StatusTooManyRequests, "rateLimitExceeded", "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service '%s.googleapis.com'.", api))
		case faultUnavailable:
			resp = fail(errf(http.StatusServiceUnavailable, "backendError", "The service is currently unavailable."))
		default:
			req := &request{method: r.Method, segs: segs, query: r.URL.Query(), raw: raw}
			if len(bytes.TrimSpace(raw)) > 0 {
				if err := json.Unmarshal(raw, &req.body); err != nil {
					resp = fail(invalid("Invalid JSON payload received. %v", err))
				}
			}
			if resp.err == nil {
				if api == "compute" {
					resp = s.compute(req, r)
				} else {
					resp = s.dns(req)
				}
			}
		}
	}
	body, status := s.encode(resp)
	s.count(resp, status)
	s.logf("%s %s %s → %d", api, r.Method, r.URL.Path, status)
	if s.opts.Observe != nil {
		s.opts.Observe(Exchange{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: raw, Status: status, Response: body})
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func split(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// encode renders a response's body and status.
func (s *Server) encode(r response) ([]byte, int) {
	if r.err != nil {
		return r.err.body(), r.err.status
	}
	if r.value == nil {
		return []byte("{}"), r.status
	}
	b, err := json.Marshal(r.value)
	if err != nil {
		e := errf(http.StatusInternalServerError, "internalError", "the simulator could not encode its response: %v", err)
		return e.body(), e.status
	}
	return b, r.status
}

func (s *Server) count(r response, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Requests++
	switch {
	case status == http.StatusTooManyRequests:
		s.stats.Throttled++
	case status == http.StatusServiceUnavailable:
		s.stats.Unavailable++
	case r.err != nil:
		s.stats.Failed++
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Log != nil {
		s.opts.Log(fmt.Sprintf(format, args...))
	}
}
