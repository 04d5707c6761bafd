package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds a request body.
const maxBody = 4 << 20

// rateLimit is the hourly request allowance the ratelimit-* headers report, DigitalOcean's own.
const rateLimit = 5000

// request is one decoded API request.
type request struct {
	method string
	// segs are the path's segments after /v2/ ("droplets", "123", "actions").
	segs  []string
	query url.Values
	body  map[string]any
	// base is the scheme and host the client used, for the links the responses carry.
	base string
	now  time.Time
}

func (r *request) param(name string) string { return r.query.Get(name) }

// response is what a handler answers: a status and a JSON value, or an error.
type response struct {
	status int
	value  any
	err    *apiError
}

func ok(v any) response { return response{status: http.StatusOK, value: v} }

func fail(e *apiError) response { return response{err: e} }

func noContent() response { return response{status: http.StatusNoContent} }

// ServeHTTP serves the API under /v2/ and the control endpoints under /_sim/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	header := w.Header()
	var resp response
	switch {
	case err != nil:
		resp = fail(badRequest("cannot read the request body: %v", err))
	case len(raw) > maxBody:
		resp = fail(errf(http.StatusRequestEntityTooLarge, "request_entity_too_large", "the request body is larger than %d bytes", maxBody))
	case !strings.HasPrefix(r.URL.Path, "/v2/"):
		resp = fail(notFound())
	case !s.authorized(r.Header.Get("Authorization")):
		resp = fail(errf(http.StatusUnauthorized, "Unauthorized", "Unable to authenticate you"))
	}
	if resp.err == nil {
		kind, delay, f := s.decide()
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-r.Context().Done():
			case <-t.C:
			}
			t.Stop()
		}
		switch kind {
		case faultRateLimit:
			resp = fail(errf(http.StatusTooManyRequests, "too_many_requests", "API Rate limit exceeded."))
			header.Set("Retry-After", strconv.Itoa(int(math.Ceil(time.Duration(f.retryAfter()).Seconds()))))
		case faultServerError:
			resp = fail(errf(http.StatusInternalServerError, "server_error", "Server was unable to give you a response."))
		default:
			base := "http://" + r.Host
			if r.TLS != nil {
				base = "https://" + r.Host
			}
			req := &request{method: r.Method, segs: split(strings.TrimPrefix(r.URL.Path, "/v2/")), query: r.URL.Query(), base: base}
			resp = s.handle(req, raw)
		}
	}
	body, status := s.encode(resp)
	s.count(resp, status)
	s.rateHeaders(header, status)
	s.logf("%s %s → %d", r.Method, r.URL.RequestURI(), status)
	if len(body) > 0 {
		header.Set("Content-Type", "application/json; charset=utf-8")
	}
	if s.opts.Observe != nil {
		s.opts.Observe(Exchange{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: raw, Status: status, Response: body,
			ResponseHeader: header.Clone()})
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// handle decodes the body and routes the request with the state locked.
func (s *Server) handle(req *request, raw []byte) response {
	if len(bytes.TrimSpace(raw)) > 0 && req.method != http.MethodGet {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return fail(badRequest("The request body is not valid JSON: %v", err))
		}
		m, isMap := v.(map[string]any)
		if !isMap && v != nil {
			return fail(badRequest("The request body must be a JSON object"))
		}
		req.body = m
	}
	if req.body == nil {
		req.body = map[string]any{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	req.now = s.opts.Now()
	s.advanceLocked(req.now)
	if len(req.segs) == 0 {
		return fail(notFound())
	}
	h, found := s.routes()[req.segs[0]]
	if !found {
		return fail(notFound())
	}
	resp := h(req)
	// A change of members is a change of health: record it at the time of the request that made it.
	s.recordHealthLocked(req.now)
	return resp
}

func (s *Server) authorized(h string) bool {
	tok, isBearer := strings.CutPrefix(h, "Bearer ")
	tok = strings.TrimSpace(tok)
	if !isBearer || tok == "" {
		return false
	}
	return s.opts.Token == "" || tok == s.opts.Token
}

// rateHeaders sets the ratelimit-* headers DigitalOcean sends on every response: the allowance, what is left of
// it, and when (Unix seconds) it is whole again.
func (s *Server) rateHeaders(h http.Header, status int) {
	s.mu.Lock()
	n := s.stats.Requests
	now := s.opts.Now()
	s.mu.Unlock()
	remaining := rateLimit - n%rateLimit
	if status == http.StatusTooManyRequests {
		remaining = 0
	}
	h.Set("ratelimit-limit", strconv.Itoa(rateLimit))
	h.Set("ratelimit-remaining", strconv.Itoa(remaining))
	h.Set("ratelimit-reset", strconv.FormatInt(now.Add(time.Minute).Unix(), 10))
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
		b, _ := json.Marshal(errorBody{ID: r.err.id, Message: r.err.message, RequestID: s.rng.uuid()})
		return b, r.err.status
	}
	if r.status == http.StatusNoContent {
		return nil, r.status
	}
	if r.value == nil {
		return []byte("{}"), r.status
	}
	b, err := json.Marshal(r.value)
	if err != nil {
		b, _ = json.Marshal(errorBody{ID: "server_error", Message: fmt.Sprintf("the simulator could not encode its response: %v", err)})
		return b, http.StatusInternalServerError
	}
	return b, r.status
}

func (s *Server) count(r response, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Requests++
	switch {
	case status == http.StatusTooManyRequests:
		s.stats.RateLimited++
	case status >= 500:
		s.stats.ServerErrors++
	case r.err != nil:
		s.stats.Failed++
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Log != nil {
		s.opts.Log(fmt.Sprintf(format, args...))
	}
}

// page answers a list: the items of the requested page under key, links.pages and meta.total.
func (s *Server) page(req *request, key string, items []any) response {
	perPage := 20
	if v := req.param("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fail(badRequest("per_page must be a positive integer, not %q", v))
		}
		perPage = n
	}
	perPage = min(perPage, 200)
	if s.opts.PageSize > 0 {
		perPage = min(perPage, s.opts.PageSize)
	}
	pageNo := 1
	if v := req.param("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fail(badRequest("page must be a positive integer, not %q", v))
		}
		pageNo = n
	}
	total := len(items)
	last := max(1, (total+perPage-1)/perPage)
	from := min((pageNo-1)*perPage, total)
	to := min(from+perPage, total)
	if items == nil {
		items = []any{}
	}
	link := func(n int) string {
		q := url.Values{}
		for k, v := range req.query {
			q[k] = v
		}
		q.Set("page", strconv.Itoa(n))
		q.Set("per_page", strconv.Itoa(perPage))
		return req.base + "/v2/" + strings.Join(req.segs, "/") + "?" + q.Encode()
	}
	pages := map[string]any{}
	if pageNo > 1 {
		pages["first"], pages["prev"] = link(1), link(min(pageNo-1, last))
	}
	if pageNo < last {
		pages["next"], pages["last"] = link(pageNo+1), link(last)
	}
	// A list that fits one page has empty links, as DigitalOcean sends it.
	links := map[string]any{}
	if len(pages) > 0 {
		links["pages"] = pages
	}
	return ok(map[string]any{key: items[from:to], "links": links, "meta": map[string]any{"total": total}})
}

// str, num, list and flag read fields of a decoded JSON body.
func str(m map[string]any, k string) string {
	v, _ := m[k].(string)
	return v
}

func num(m map[string]any, k string) (int, bool) {
	f, isNum := m[k].(float64)
	if !isNum || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int(f), true
}

func flag(m map[string]any, k string) bool {
	v, _ := m[k].(bool)
	return v
}

func stringList(m map[string]any, k string) ([]string, bool) {
	raw, present := m[k]
	if !present || raw == nil {
		return nil, true
	}
	l, isList := raw.([]any)
	if !isList {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for _, v := range l {
		s, isStr := v.(string)
		if !isStr {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func ints(m map[string]any, k string) ([]int, bool) {
	raw, present := m[k]
	if !present || raw == nil {
		return nil, true
	}
	l, isList := raw.([]any)
	if !isList {
		return nil, false
	}
	out := make([]int, 0, len(l))
	for i := range l {
		n, isNum := num(map[string]any{"v": l[i]}, "v")
		if !isNum {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
