package events

import "errors"

// An error whose message has gone out as an event (a step failure, a diagnostic) must not be printed again by
// whoever receives it: the deployment, the engine and the CLI all ask Shown, and whoever reports it wraps it with
// MarkShown.

// shownError marks an error whose message went out as an event.
type shownError struct{ err error }

func (e *shownError) Error() string { return e.err.Error() }
func (e *shownError) Unwrap() error { return e.err }

// MarkShown records that err has been reported through the events; nil stays nil, and an error marked already is
// returned as it is.
func MarkShown(err error) error {
	if err == nil || Shown(err) {
		return err
	}
	return &shownError{err}
}

// Shown reports whether err (or an error it wraps) was reported through the events already.
func Shown(err error) bool {
	var s *shownError
	return errors.As(err, &s)
}
