package gcp

import (
	"errors"
	"net/http"

	"google.golang.org/api/googleapi"
)

// apiCode is the HTTP status of a Google API error (0 for other errors).
func apiCode(err error) int {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	return 0
}

// errorReason is the first reason a Google API error gives ("notFound", "alreadyExists"), or "".
func errorReason(ge *googleapi.Error) string {
	for _, e := range ge.Errors {
		if e.Reason != "" {
			return e.Reason
		}
	}
	return ""
}

// isReason reports whether err is a Google API error with one of reasons.
func isReason(err error, reasons ...string) bool {
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return false
	}
	r := errorReason(ge)
	for _, want := range reasons {
		if r == want {
			return true
		}
	}
	return false
}

// isNotFound reports whether err says the object does not exist.
func isNotFound(err error) bool { return apiCode(err) == http.StatusNotFound }
