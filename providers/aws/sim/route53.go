package sim

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
)

// route53Prefix is the path every Route 53 API call starts with.
const route53Prefix = "/2013-04-01/"

// maxRoute53Body bounds a Route 53 request body: a change batch of 1000 records of 32 KiB is the documented
// maximum, far below it.
const maxRoute53Body = 4 << 20

// route53Route maps a request to its action and handler.
func (s *Server) route53Route(method, path string) (string, func(*request) (any, *apiError)) {
	rest := strings.TrimPrefix(path, route53Prefix)
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case len(parts) == 1 && parts[0] == "hostedzone":
		switch method {
		case http.MethodPost:
			return "CreateHostedZone", s.createHostedZone
		case http.MethodGet:
			return "ListHostedZones", s.listHostedZones
		}
	case len(parts) == 2 && parts[0] == "hostedzone":
		switch method {
		case http.MethodGet:
			return "GetHostedZone", s.getHostedZone
		case http.MethodDelete:
			return "DeleteHostedZone", s.deleteHostedZone
		case http.MethodPost:
			return "UpdateHostedZoneComment", s.updateHostedZoneComment
		}
	case len(parts) == 3 && parts[0] == "hostedzone" && parts[2] == "rrset":
		switch method {
		case http.MethodPost:
			return "ChangeResourceRecordSets", s.changeResourceRecordSets
		case http.MethodGet:
			return "ListResourceRecordSets", s.listResourceRecordSets
		}
	case len(parts) == 2 && parts[0] == "change" && method == http.MethodGet:
		return "GetChange", s.getChange
	case len(parts) == 3 && parts[0] == "tags":
		switch method {
		case http.MethodPost:
			return "ChangeTagsForResource", s.changeTagsForResource
		case http.MethodGet:
			return "ListTagsForResource", s.listTagsForResource
		}
	}
	return "", nil
}

// pathPart returns the n-th segment of a Route 53 path after /2013-04-01/.
func pathPart(r *request, n int) string {
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.http.URL.Path, route53Prefix), "/"), "/")
	if n < len(parts) {
		return parts[n]
	}
	return ""
}

// serveRoute53 handles Route 53 requests.
func (s *Server) serveRoute53(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	w.Header().Set("x-amz-request-id", requestID)
	fail := func(e *apiError) { writeXML(w, e.Status, typedErrorDoc(route53Namespace, e, requestID)) }
	action, handler := s.route53Route(r.Method, r.URL.Path)
	if handler == nil {
		s.count(serviceRoute53, r.Method+" "+r.URL.Path, faultNone, true)
		fail(errorf(http.StatusNotFound, "UnknownOperationException", "%s %s is not a Route 53 operation the simulator implements", r.Method, r.URL.Path))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRoute53Body+1))
	if err != nil {
		fail(badRequest("InvalidInput", "cannot read the request body"))
		return
	}
	if len(body) > maxRoute53Body {
		fail(badRequest("InvalidInput", "the request body is larger than %d bytes", maxRoute53Body))
		return
	}
	kind, ok := s.injectFaults(r, serviceRoute53, action)
	if !ok {
		fail(faultError(serviceRoute53, kind))
		return
	}
	out, aerr := s.run(r, action, params{}, body, handler)
	s.count(serviceRoute53, action, faultNone, aerr != nil)
	s.logf("%s %s: %s", serviceRoute53, action, outcome(aerr))
	if aerr != nil {
		fail(aerr)
		return
	}
	status := http.StatusOK
	if action == "CreateHostedZone" {
		status = http.StatusCreated
		if c, ok := out.(r53CreateHostedZoneResponse); ok {
			w.Header().Set("Location", "https://route53.amazonaws.com/2013-04-01"+c.HostedZone.ID)
		}
	}
	doc, err := encodeRoot(action+"Response", route53Namespace, out, nil)
	if err != nil {
		fail(errEncode)
		return
	}
	writeXML(w, status, doc)
}

// decodeXMLBody decodes a Route 53 request body into v, refusing documents with a DOCTYPE (no entity
// expansion) and trailing garbage.
func decodeXMLBody(body []byte, v any) *apiError {
	if len(body) > maxRoute53Body {
		return badRequest("InvalidInput", "the request body is too large")
	}
	if bytes.Contains(body, []byte("<!DOCTYPE")) || bytes.Contains(body, []byte("<!ENTITY")) {
		return badRequest("InvalidInput", "document type declarations are not allowed")
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return badRequest("InvalidInput", "Could not parse the request body: %v", err)
	}
	return nil
}
