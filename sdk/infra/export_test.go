package infra

import "errors"

// IsReported reports whether err is a failure the engine has already shown (Run exits with ExitCodeReported).
func IsReported(err error) bool {
	var r *reportedError
	return errors.As(err, &r)
}
