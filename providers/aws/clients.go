package aws

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/hashicorp/go-hclog"
)

// awsProvider is one provider instance: its logger and, once configured, its clients. Every resource type of
// the instance shares it.
type awsProvider struct {
	log hclog.Logger

	mu sync.Mutex
	c  *clients
}

// clients are the configured AWS clients and the settings resources need.
type clients struct {
	region      string
	defaultTags map[string]string
	// poll is the shortest wait between two polls of a waiter (0: the SDK waiter's own).
	poll time.Duration
	log  hclog.Logger

	ec2 *ec2.Client
	elb *elbv2.Client
	r53 *route53.Client
}

func (p *awsProvider) setClients(c *clients) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.c = c
}

// clients returns the configured clients.
func (p *awsProvider) clients() (*clients, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.c == nil {
		return nil, errors.New("the aws provider is not configured yet")
	}
	return p.c, nil
}

// defaultWait bounds a wait when the operation has no deadline (the engine always gives one).
const defaultWait = 20 * time.Minute

// maxWait is how long a waiter may wait: until the operation's deadline (from CustomTimeouts or the engine's
// default), so that a slow AWS makes the step fail with a timeout instead of hanging.
func maxWait(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl); d > 0 {
			return d
		}
		return time.Millisecond
	}
	return defaultWait
}

// delays returns the configured poll interval and ten times it, the most a wait grows to; zero when pollInterval
// is unset.
func (c *clients) delays() (time.Duration, time.Duration) {
	if c.poll <= 0 {
		return 0, 0
	}
	return c.poll, 10 * c.poll
}

// tuneWaiter sets an SDK waiter's MinDelay and MaxDelay from the configured poll interval, and leaves the
// waiter's own defaults when pollInterval is unset: a waiter refuses a zero MinDelay.
func (c *clients) tuneWaiter(minDelay, maxDelay *time.Duration) {
	if lo, hi := c.delays(); lo > 0 {
		*minDelay, *maxDelay = lo, hi
	}
}

// waitErr describes a failed wait, naming what was awaited.
func waitErr(what string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("waiting for %s: timed out (raise the resource's CustomTimeouts if it needs longer): %w", what, err)
	}
	return fmt.Errorf("waiting for %s: %w", what, err)
}
