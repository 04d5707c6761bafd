package sim

import (
	"fmt"
	"net/http"
)

// apiError is a failure as DigitalOcean reports it: an HTTP status, a short id and a message.
type apiError struct {
	status  int
	id      string
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.id, e.message) }

func errf(status int, id, format string, args ...any) *apiError {
	return &apiError{status: status, id: id, message: fmt.Sprintf(format, args...)}
}

func notFound() *apiError {
	return errf(http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
}

func unprocessable(format string, args ...any) *apiError {
	return errf(http.StatusUnprocessableEntity, "unprocessable_entity", format, args...)
}

func badRequest(format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, "bad_request", format, args...)
}

// errorBody is DigitalOcean's JSON error body, which godo reads into a godo.ErrorResponse.
type errorBody struct {
	ID        string `json:"id"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}
