package sim

import (
	"fmt"
	"net/http"
)

// apiError is a failure as AWS reports it: an HTTP status, an error code and a message.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%s (%d): %s", e.Code, e.Status, e.Message) }

// errorf builds an apiError.
func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// badRequest is a 400 with the given code, the status of nearly every client error on these services.
func badRequest(code, format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, code, format, args...)
}

// missingParam is the error of a request without a required parameter. EC2 and ELBv2 share the code.
func missingParam(name string) *apiError {
	return badRequest("MissingParameter", "The request must contain the parameter %s", name)
}

// invalidParam is the error of a parameter with a bad value.
func invalidParam(format string, args ...any) *apiError {
	return badRequest("InvalidParameterValue", format, args...)
}

// faultError is the error an injected fault answers with, in the words of the service.
func faultError(service string, kind faultKind) *apiError {
	switch service {
	case serviceEC2:
		switch kind {
		case faultThrottle:
			return errorf(http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.")
		case faultServerError:
			return errorf(http.StatusInternalServerError, "InternalError", "An internal error has occurred")
		default:
			return errorf(http.StatusServiceUnavailable, "Unavailable", "The service is unavailable. Please try again shortly.")
		}
	default:
		switch kind {
		case faultThrottle:
			return errorf(http.StatusBadRequest, "Throttling", "Rate exceeded")
		case faultServerError:
			return errorf(http.StatusInternalServerError, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.")
		default:
			return errorf(http.StatusServiceUnavailable, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
		}
	}
}
