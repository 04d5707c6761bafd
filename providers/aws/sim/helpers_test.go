package sim

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// fastTiming makes transitions quick enough for tests that wait for them.
var fastTiming = Timing{InstanceStart: 30 * time.Millisecond, InstanceStop: 30 * time.Millisecond,
	LoadBalancerActive: 30 * time.Millisecond, ChangeSync: 30 * time.Millisecond}

// start serves a simulator for the test and returns it with an AWS config aimed at it. Every page holds two
// items, so that the SDK's paginators must follow the tokens.
func start(t *testing.T, opts Options) (*Server, aws.Config) {
	t.Helper()
	if opts.PageSize == 0 {
		opts.PageSize = 2
	}
	if opts.Timing == (Timing{}) {
		opts.Timing = fastTiming
	}
	s := New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	l, err := s.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = l.Close()
	})
	return s, clientConfig(l.URL, 1)
}

// clientConfig is an AWS SDK configuration for the simulator at url, with attempts tries per call.
func clientConfig(url string, attempts int) aws.Config {
	return aws.Config{
		Region:       DefaultRegion,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint: aws.String(url),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = attempts
				o.MaxBackoff = 20 * time.Millisecond
			})
		},
	}
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// code returns the AWS error code of err ("" for none).
func code(err error) string {
	type coder interface{ ErrorCode() string }
	for e := err; e != nil; {
		if c, ok := e.(coder); ok {
			return c.ErrorCode()
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return ""
		}
		e = u.Unwrap()
	}
	return ""
}
