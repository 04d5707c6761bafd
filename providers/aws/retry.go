package aws

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/hashicorp/go-hclog"
)

// newRetryer builds the SDK retryer the configuration asks for: the standard retryer (jittered exponential
// backoff on throttling, 5xx and timeouts) with the attempt count and longest backoff configured, or, with
// retryMode adaptive, the SDK's adaptive mode on top of it. Standard is the default because adaptive mode's
// client-side rate limiter reacts to every throttle by cutting the request rate: against a fifth of requests
// throttled at random it made a small deployment more than ten times slower, while backoff alone converged. The SDK's retry quota is switched off: it is a circuit breaker for fleets of
// long-lived clients, and under sustained throttling it would fail a deployment's calls outright instead of
// letting the backoff absorb it. Every retry is logged at debug level, which `infra --verbose` shows.
func newRetryer(s settings, log hclog.Logger) aws.Retryer {
	std := func(o *retry.StandardOptions) {
		o.MaxAttempts = s.maxAttempts
		o.MaxBackoff = s.maxBackoff
		o.RateLimiter = ratelimit.None
	}
	var r aws.RetryerV2
	if s.mode == "standard" {
		r = retry.NewStandard(std)
	} else {
		r = retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
			o.StandardOptions = append(o.StandardOptions, std)
		})
	}
	return &loggingRetryer{RetryerV2: r, log: log}
}

// loggingRetryer logs each retry the wrapped retryer grants.
type loggingRetryer struct {
	aws.RetryerV2
	log hclog.Logger
}

// GetRetryToken is called once per retry, before the backoff, with the error that caused it.
func (r *loggingRetryer) GetRetryToken(ctx context.Context, opErr error) (func(error) error, error) {
	release, err := r.RetryerV2.GetRetryToken(ctx, opErr)
	if err == nil {
		r.log.Debug("retrying AWS call", "service", awsmiddleware.GetServiceID(ctx),
			"operation", awsmiddleware.GetOperationName(ctx), "reason", errorCode(opErr))
	}
	return release, err
}

// errorCode is an AWS error's code ("RequestLimitExceeded"), or the error's text for other failures.
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err == nil {
		return ""
	}
	return err.Error()
}
