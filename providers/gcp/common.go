package gcp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	compute "cloud.google.com/go/compute/apiv1"
	"github.com/hashicorp/go-hclog"

	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
)

// computeOp is a Compute Engine long-running operation.
type computeOp = compute.Operation

// propagation is how long a get of an object created moments ago is repeated while Compute Engine answers that
// it does not exist: a new object can take a moment to be visible to every read.
const propagation = 2 * time.Minute

// getRetrying runs get; a 404 gives (nil, nil). Unless once is set (an import, which must not wait for an object
// that may never exist), a 404 is repeated for a while first, since a new object may not be visible yet.
func getRetrying[T any](ctx context.Context, c *clients, get func() (T, error), once bool) (T, error) {
	var zero T
	deadline := time.Now().Add(propagation)
	delay := 50 * time.Millisecond
	for {
		v, err := get()
		if err == nil {
			return v, nil
		}
		if !isNotFound(err) {
			return zero, err
		}
		if once || time.Now().After(deadline) {
			return zero, nil
		}
		c.log.Debug("waiting for Google Cloud to catch up", "reason", "notFound", "retryIn", delay.String())
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return zero, nil
		case <-t.C:
		}
		delay = min(delay*2, 2*time.Second)
	}
}

// wrapRead names the object a failed read was about.
func wrapRead(id string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("read %s: %w", id, err)
}

// notVisible is the error of a create or update whose object cannot be read back.
func notVisible(id string, err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%s was created but cannot be read back; run `infra refresh` once it is visible", id)
}

// oldOf is the state's inputs for a refresh, nil for an import.
func oldOf[I any](imp bool, in *I) *I {
	if imp {
		return nil
	}
	return in
}

func intPtr(n int) *int { return &n }

// newRequestID is a fresh requestId for a call that is not a create (a patch, an update, a delete), so that
// the client's own retries of it are not applied twice.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return requestID(hex.EncodeToString(b[:]))
}

// deleteWith runs a delete call and waits for its operation; an object that is gone already is fine.
func (c *clients) deleteWith(ctx context.Context, id string, del func(requestID string) (*computeOp, error)) error {
	op, err := del(newRequestID())
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete %s: %w", id, err)
	}
	if err := c.wait(ctx, op, "the deletion of "+id); err != nil && !isNotFound(err) {
		return err
	}
	return nil
}

// lookupByOperation finds the object a cut-off create made: the insert operation its requestId started names
// the object, which is read as an import would read it. No operation, or an object that is gone, is nothing made.
func lookupByOperation[I, O any](ctx context.Context, p *gcpProvider, urn resource.URN, token string,
	read func(ctx context.Context, c *clients, id string, old *I, wait bool) (provider.ReadResponse[I, O], error)) (provider.ReadResponse[I, O], error) {
	c, err := p.clients()
	if err != nil {
		return provider.ReadResponse[I, O]{}, err
	}
	if c.project == "" {
		return provider.ReadResponse[I, O]{}, fmt.Errorf("look for the object of %s: no project configured", urn)
	}
	op, err := c.findOperation(ctx, c.project, requestID(token))
	if err != nil || op == nil {
		return provider.ReadResponse[I, O]{}, err
	}
	id := rel(op.GetTargetLink())
	logFound(c.log, id, urn)
	return read(ctx, c, id, nil, false)
}

func logFound(log hclog.Logger, id string, urn resource.URN) {
	log.Debug("found the object a cut-off create made", "id", id, "urn", string(urn))
}

// keepIfSet is live when the program set the property, nil when it left it to the provider's default.
func keepIfSet(old, live *string) *string {
	if old == nil {
		return nil
	}
	return live
}

// withFingerprint runs a change that names a fingerprint (read by call just before) and waits for it; when
// Compute Engine refuses it with 412 because the object changed in between, it reads the fingerprint again and
// retries, a few times.
func withFingerprint(ctx context.Context, c *clients, what string, call func() (*computeOp, error)) error {
	for attempt := 0; ; attempt++ {
		op, err := call()
		if apiCode(err) == 412 && attempt < 5 {
			c.log.Debug("the fingerprint was stale, reading it again", "what", what)
			continue
		}
		if err != nil {
			return fmt.Errorf("change %s: %w", what, err)
		}
		return c.wait(ctx, op, what)
	}
}
