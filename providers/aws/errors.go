package aws

import (
	"context"
	"errors"
	"time"

	"github.com/aws/smithy-go"
	"github.com/hashicorp/go-hclog"
)

// isCode reports whether err is an AWS error with one of codes.
func isCode(err error, codes ...string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.ErrorCode() == c {
			return true
		}
	}
	return false
}

// propagation is how long a call that names an object created moments ago is repeated while AWS answers that
// the object does not exist: its APIs are eventually consistent, and a new object can take seconds to be
// visible to every call.
const propagation = 2 * time.Minute

// retryOn calls fn until it succeeds, fails with an error whose code is not among codes, limit has passed, or
// ctx is done. It absorbs the errors eventual consistency gives right after a create (an object not found yet)
// and dependencies that take a while to go away (a security group still used by a terminating instance).
func retryOn(ctx context.Context, log hclog.Logger, what string, limit time.Duration, codes []string, fn func() error) error {
	deadline := time.Now().Add(limit)
	delay := 100 * time.Millisecond
	for {
		err := fn()
		if err == nil || !isCode(err, codes...) || time.Now().After(deadline) {
			return err
		}
		log.Debug("waiting for AWS to catch up", "what", what, "reason", errorCode(err), "retryIn", delay.String())
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		delay = min(delay*2, 5*time.Second)
	}
}
