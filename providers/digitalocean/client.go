package digitalocean

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/digitalocean/godo"
	"github.com/hashicorp/go-hclog"

	"github.com/infrago/infra/sdk/resource"
)

// doProvider is one provider instance: its logger, its environment and, once configured, its client.
type doProvider struct {
	log hclog.Logger
	env func(string) string

	mu sync.Mutex
	c  *client
}

// client is the configured godo client and the settings resources need.
type client struct {
	godo *godo.Client
	// poll is the shortest wait between two polls of an action or a transition.
	poll time.Duration
	log  hclog.Logger
}

func (p *doProvider) setClient(c *client) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.c = c
}

// client returns the configured client.
func (p *doProvider) client() (*client, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.c == nil {
		return nil, errors.New("the digitalocean provider is not configured yet")
	}
	return p.c, nil
}

// statusOf is the HTTP status of a godo error (0 for other errors).
func statusOf(err error) int {
	var er *godo.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

// isNotFound reports whether err says the object does not exist.
func isNotFound(err error) bool { return statusOf(err) == http.StatusNotFound }

// propagation is how long a get of an object created moments ago is repeated while DigitalOcean answers that it
// does not exist.
const propagation = 2 * time.Minute

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backoff is the wait before poll number n: from the poll interval up to five times it.
func (c *client) backoff(n int) time.Duration {
	d := c.poll
	for i := 0; i < n && d < 5*c.poll; i++ {
		d = d * 3 / 2
	}
	return min(d, 5*c.poll)
}

// getFresh runs get; a 404 gives (zero, false, nil). Unless once is set (an import or a refresh, which must not
// wait for an object that may never exist), a 404 is repeated for a while first, since a new object may not be
// visible yet.
func getFresh[T any](ctx context.Context, c *client, get func() (T, error), once bool) (T, bool, error) {
	var zero T
	deadline := time.Now().Add(propagation)
	for n := 0; ; n++ {
		v, err := get()
		if err == nil {
			return v, true, nil
		}
		if !isNotFound(err) {
			return zero, false, err
		}
		if once || time.Now().After(deadline) {
			return zero, false, nil
		}
		c.log.Debug("waiting for DigitalOcean to catch up", "reason", "not found", "retryIn", c.backoff(n).String())
		if err := sleep(ctx, c.backoff(n)); err != nil {
			return zero, false, err
		}
	}
}

// waitFor polls until done reports true, or fails with what it returns.
func (c *client) waitFor(ctx context.Context, what string, done func() (bool, error)) error {
	for n := 0; ; n++ {
		ok, err := done()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		c.log.Debug("waiting", "for", what, "retryIn", c.backoff(n).String())
		if err := sleep(ctx, c.backoff(n)); err != nil {
			return fmt.Errorf("wait for %s: %w", what, err)
		}
	}
}

// waitAction polls an action until it completes; an errored action is an error naming what it was for.
func (c *client) waitAction(ctx context.Context, a *godo.Action, what string) error {
	if a == nil {
		return nil
	}
	id := a.ID
	status := a.Status
	return c.waitFor(ctx, what, func() (bool, error) {
		switch status {
		case godo.ActionCompleted:
			return true, nil
		case "errored":
			return false, fmt.Errorf("%s: action %d (%s) errored", what, id, a.Type)
		}
		got, _, err := c.godo.Actions.Get(ctx, id)
		if err != nil {
			return false, fmt.Errorf("%s: read action %d: %w", what, id, err)
		}
		status = got.Status
		return status == godo.ActionCompleted, errIfErrored(got, what)
	})
}

func errIfErrored(a *godo.Action, what string) error {
	if a.Status == "errored" {
		return fmt.Errorf("%s: action %d (%s) errored", what, a.ID, a.Type)
	}
	return nil
}

// Tags the provider puts on the objects that take tags, so that a create cut off by a crash can be found again.
const (
	urnTagPrefix   = "infra-urn:"
	tokenTagPrefix = "infra-token:"
)

// isInternalTag reports whether t is one of the provider's own tags, which never show in a resource's tags.
func isInternalTag(t string) bool {
	return strings.HasPrefix(t, urnTagPrefix) || strings.HasPrefix(t, tokenTagPrefix)
}

// urnTag is the tag naming a resource: its URN with every character a tag cannot hold (anything but letters,
// digits, colons, dashes and underscores) turned into an underscore. A URN too long for a tag's 255 characters is
// cut and ends with a hash of the whole URN, so that two long URNs still get different tags.
func urnTag(urn resource.URN) string {
	var b strings.Builder
	b.WriteString(urnTagPrefix)
	for _, r := range string(urn) {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == ':', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > 255 {
		sum := sha256.Sum256([]byte(urn))
		s = s[:255-17] + "-" + hex.EncodeToString(sum[:8])
	}
	return s
}

// tokenTag is the tag naming one create attempt by its idempotency token (hashed when it is not a short run of
// letters, digits and dashes).
func tokenTag(token string) string {
	ok := len(token) > 0 && len(token) <= 64
	for _, r := range token {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			ok = false
		}
	}
	if !ok {
		sum := sha256.Sum256([]byte(token))
		token = hex.EncodeToString(sum[:16])
	}
	return tokenTagPrefix + token
}

// userTags are the tags of an object without the provider's own.
func userTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		if !isInternalTag(t) {
			out = append(out, t)
		}
	}
	return out
}

// dropUnusedTags deletes each of the provider's tags in tags that no longer tags anything. Deleting a tag in
// DigitalOcean takes it off everything it tags, so one still in use (a replacement carries the same URN tag) is
// kept. A failure is only logged: a leftover tag tags nothing.
func (c *client) dropUnusedTags(ctx context.Context, tags []string) {
	for _, t := range tags {
		if !isInternalTag(t) {
			continue
		}
		got, _, err := c.godo.Tags.Get(ctx, t)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			c.log.Debug("could not read a tag to clean it up", "tag", t, "error", err.Error())
			continue
		}
		if got.Resources != nil && got.Resources.Count > 0 {
			continue
		}
		if _, err := c.godo.Tags.Delete(ctx, t); err != nil && !isNotFound(err) {
			c.log.Debug("could not delete an unused tag", "tag", t, "error", err.Error())
		}
	}
}

// listAll gathers every page of a list call, following links.pages.next.
func listAll[T any](ctx context.Context, list func(opt *godo.ListOptions) ([]T, *godo.Response, error)) ([]T, error) {
	var out []T
	opt := &godo.ListOptions{Page: 1, PerPage: 200}
	for {
		items, resp, err := list(opt)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if resp == nil || resp.Links == nil || resp.Links.IsLastPage() {
			return out, nil
		}
		page, err := resp.Links.CurrentPage()
		if err != nil {
			return nil, fmt.Errorf("read the page number: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		opt.Page = page + 1
	}
}

// wrapRead names the object a failed read was about.
func wrapRead(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("read %s: %w", what, err)
}

// notVisible is the error of a create or update whose object cannot be read back.
func notVisible(what string, err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%s was created but cannot be read back; run `infra refresh` once it is visible", what)
}

// oldOf is the state's inputs for a refresh, nil for an import.
func oldOf[I any](imp bool, in *I) *I {
	if imp {
		return nil
	}
	return in
}

func ptr[T any](v T) *T { return &v }

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
