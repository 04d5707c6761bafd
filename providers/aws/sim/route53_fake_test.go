package sim

import (
	"net/http"
	"net/url"
)

// fakeRoute53Request is a request with only the path set, for calling Route 53 handlers directly.
func fakeRoute53Request(path string) *http.Request {
	return &http.Request{Method: http.MethodPost, URL: &url.URL{Path: path}}
}
