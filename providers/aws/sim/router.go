package sim

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Service names, as they appear in SigV4 credential scopes and in Stats.
const (
	serviceEC2     = "ec2"
	serviceELBv2   = "elasticloadbalancing"
	serviceRoute53 = "route53"
	serviceKMS     = "kms"
)

// API versions that tell the two Query-protocol services apart when a request reaches the shared endpoint.
const (
	ec2Version   = "2016-11-15"
	elbv2Version = "2015-12-01"
)

// request is one API call on its way to a handler.
type request struct {
	http   *http.Request
	action string
	p      params // the Query-protocol parameters (EC2, ELBv2)
	body   []byte // the raw body (Route 53)
	now    time.Time
	// window is the eventual-consistency window new objects get.
	window time.Duration
}

// Stats count the requests a simulator served.
type Stats struct {
	// Requests counts every API request (the /_sim/ endpoints excluded).
	Requests int `json:"requests"`
	// Throttled and ServerErrors count the requests refused by injected faults.
	Throttled    int `json:"throttled"`
	ServerErrors int `json:"serverErrors"`
	// Failed counts the requests answered with an API error of their own (not found, invalid, ...).
	Failed int `json:"failed"`
	// Operations counts requests by "service:Action".
	Operations map[string]int `json:"operations"`
}

// Stats returns the request counts so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.stats
	out.Operations = map[string]int{}
	for k, v := range s.stats.Operations {
		out.Operations[k] = v
	}
	return out
}

func (s *Server) count(service, action string, kind faultKind, failed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Requests++
	switch kind {
	case faultThrottle:
		s.stats.Throttled++
	case faultServerError, faultUnavailable:
		s.stats.ServerErrors++
	}
	if failed && kind == faultNone {
		s.stats.Failed++
	}
	if s.stats.Operations == nil {
		s.stats.Operations = map[string]int{}
	}
	s.stats.Operations[service+":"+action]++
}

// ServeHTTP dispatches a request to the service it is for: KMS (to Options.KMS) by its X-Amz-Target, Route 53 by
// its path, EC2
// and ELBv2 by the Version (or, failing that, the signing service) of their Query-protocol body.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, adminPrefix):
		s.serveAdmin(w, r)
	case strings.HasPrefix(r.Header.Get("X-Amz-Target"), "TrentService."):
		if s.opts.KMS == nil {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"UnknownOperationException","message":"this simulator serves no KMS (start it with infra sim aws)"}`))
			return
		}
		s.opts.KMS.ServeHTTP(w, r)
	case strings.HasPrefix(r.URL.Path, route53Prefix):
		s.serveRoute53(w, r)
	default:
		s.serveQuery(w, r)
	}
}

// serveQuery handles EC2 and ELBv2 requests.
func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	service := signingService(r)
	fail := func(svc string, e *apiError) {
		if svc == serviceELBv2 {
			writeXML(w, e.Status, typedErrorDoc(elbv2Namespace, e, requestID))
			return
		}
		writeXML(w, e.Status, ec2ErrorDoc(e, requestID))
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		fail(service, errorf(http.StatusMethodNotAllowed, "InvalidAction", "method %s is not supported", r.Method))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxQueryBody+1))
	if err != nil {
		fail(service, badRequest("MalformedQueryString", "cannot read the request body"))
		return
	}
	if r.Method == http.MethodGet {
		body = []byte(r.URL.RawQuery)
	}
	p, err := parseQuery(body)
	if err != nil {
		fail(service, badRequest("MalformedQueryString", "%v", err))
		return
	}
	switch p.get("Version") {
	case ec2Version:
		service = serviceEC2
	case elbv2Version:
		service = serviceELBv2
	}
	action := p.get("Action")
	if action == "" {
		fail(service, missingParam("Action"))
		return
	}
	var handler func(*request) (any, *apiError)
	switch service {
	case serviceEC2:
		handler = s.ec2Handler(action)
	case serviceELBv2:
		handler = s.elbv2Handler(action)
	default:
		fail(service, badRequest("InvalidAction", "cannot tell which service action %s is for: send Version=%s (EC2) or %s (ELBv2)",
			action, ec2Version, elbv2Version))
		return
	}
	if handler == nil {
		s.count(service, action, faultNone, true)
		fail(service, badRequest("InvalidAction", "The action %s is not valid for this web service (the simulator does not implement it).", action))
		return
	}
	kind, ok := s.injectFaults(r, service, action)
	if !ok {
		fail(service, faultError(service, kind))
		return
	}
	out, aerr := s.run(r, action, p, nil, handler)
	s.count(service, action, faultNone, aerr != nil)
	s.logf("%s %s: %s", service, action, outcome(aerr))
	if aerr != nil {
		fail(service, aerr)
		return
	}
	var doc []byte
	if service == serviceEC2 {
		doc, err = ec2Response(action, requestID, out)
	} else {
		doc, err = queryResponse(action, requestID, out)
	}
	if err != nil {
		fail(service, errEncode)
		return
	}
	w.Header().Set("x-amzn-RequestId", requestID)
	writeXML(w, http.StatusOK, doc)
}

// injectFaults applies latency and draws a fault for one request; ok is false when the request must be refused
// with kind.
func (s *Server) injectFaults(r *http.Request, service, action string) (faultKind, bool) {
	kind, delay := s.decide()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if kind == faultNone {
		return kind, true
	}
	s.count(service, action, kind, true)
	s.logf("%s %s: injected %s", service, action, faultError(service, kind).Code)
	return kind, false
}

// run calls handler with the world locked and its transitions brought up to date.
func (s *Server) run(r *http.Request, action string, p params, body []byte, handler func(*request) (any, *apiError)) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advanceLocked(now)
	v, aerr := handler(&request{http: r, action: action, p: p, body: body, now: now, window: time.Duration(s.faults.ConsistencyWindow)})
	// A change of targets is a change of health: record it at the time of the request that made it.
	s.recordHealthLocked(now)
	return v, aerr
}

func outcome(e *apiError) string {
	if e == nil {
		return "ok"
	}
	return e.Code
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Log != nil {
		s.opts.Log(fmt.Sprintf(format, args...))
	}
}

// signingService returns the service named in a SigV4 Authorization header's credential scope ("" if none).
func signingService(r *http.Request) string {
	h := r.Header.Get("Authorization")
	_, cred, ok := strings.Cut(h, "Credential=")
	if !ok {
		return ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[3]
}
