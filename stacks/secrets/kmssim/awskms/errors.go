package awskms

import (
	"fmt"
	"net/http"
)

// apiError is an error in AWS's JSON 1.1 shape: {"__type": Type, "message": Message} with an HTTP status.
type apiError struct {
	Status  int
	Type    string
	Message string
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

func errorf(status int, typ, format string, args ...any) *apiError {
	return &apiError{Status: status, Type: typ, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "NotFoundException", format, args...)
}

func validation(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "ValidationException", format, args...)
}

// accessDenied is the message IAM gives when neither the key policy nor an identity policy allows an action.
func accessDenied(c caller, account, action, resource string) *apiError {
	return errorf(http.StatusBadRequest, "AccessDeniedException",
		"User: arn:aws:iam::%s:user/%s is not authorized to perform: kms:%s on resource: %s because no resource-based policy allows the kms:%s action",
		account, c.accessKeyID, action, resource, action)
}
