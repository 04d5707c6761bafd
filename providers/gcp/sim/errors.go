package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is a failure as Google's APIs report it: an HTTP status, a reason and a message.
type apiError struct {
	status  int
	reason  string
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.reason, e.message) }

func errf(status int, reason, format string, args ...any) *apiError {
	return &apiError{status: status, reason: reason, message: fmt.Sprintf(format, args...)}
}

func notFound(path string) *apiError {
	return errf(http.StatusNotFound, "notFound", "The resource '%s' was not found", path)
}

func invalid(format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, "invalid", format, args...)
}

// errorBody is the JSON error body of Google's REST APIs, which googleapi.CheckResponse reads into a
// googleapi.Error.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    int         `json:"code"`
	Message string      `json:"message"`
	Errors  []errorItem `json:"errors"`
	Status  string      `json:"status,omitempty"`
}

type errorItem struct {
	Message string `json:"message"`
	Domain  string `json:"domain"`
	Reason  string `json:"reason"`
}

// statusNames are the canonical status names of the HTTP statuses the simulator answers with.
var statusNames = map[int]string{400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 409: "ALREADY_EXISTS", 412: "FAILED_PRECONDITION",
	429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE", 405: "INVALID_ARGUMENT", 500: "INTERNAL"}

func (e *apiError) body() []byte {
	domain := "global"
	if e.status == http.StatusTooManyRequests {
		domain = "usageLimits"
	}
	b, _ := json.Marshal(errorBody{Error: errorDetail{Code: e.status, Message: e.message, Status: statusNames[e.status],
		Errors: []errorItem{{Message: e.message, Domain: domain, Reason: e.reason}}}})
	return b
}
