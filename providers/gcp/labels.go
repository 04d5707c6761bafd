package gcp

import (
	"fmt"
	"maps"
	"regexp"
	"strings"

	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
)

// The labels every labelled object the provider creates carries, so that a create cut off by a crash can be
// found again: infra-token is the create's idempotency token, infra-urn a digest of the resource's URN.
const (
	labelURN   = "infra-urn"
	labelToken = "infra-token"
)

// isInternal reports whether a label key is one of the provider's own.
func isInternal(k string) bool { return strings.HasPrefix(k, "infra-") }

// desiredLabels are the labels an object should carry besides the provider's own: the default labels with the
// resource's own over them.
func (c *clients) desiredLabels(user map[string]string) map[string]string {
	out := map[string]string{}
	maps.Copy(out, c.defaultLabels)
	maps.Copy(out, user)
	return out
}

// createLabels are the labels a new object is created with: the desired labels and the provider's own.
func (c *clients) createLabels(urn resource.URN, token string, user map[string]string) map[string]string {
	out := c.desiredLabels(user)
	out[labelURN] = urnLabel(urn)
	if token != "" {
		out[labelToken] = token
	}
	return out
}

// withInternal returns desired plus the provider's own labels of live, so that an update keeps them.
func withInternal(live, desired map[string]string) map[string]string {
	out := maps.Clone(desired)
	if out == nil {
		out = map[string]string{}
	}
	for k, v := range live {
		if isInternal(k) {
			out[k] = v
		}
	}
	return out
}

// visibleLabels drops the provider's own labels: what effectiveLabels reports.
func visibleLabels(live map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range live {
		if !isInternal(k) {
			out[k] = v
		}
	}
	return out
}

// userLabels recovers a resource's own labels from its live labels: the visible labels less the default labels,
// unless the resource set the same key itself (old holds its previous own labels). Nil when there are none.
func (c *clients) userLabels(live, old map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range visibleLabels(live) {
		if d, ok := c.defaultLabels[k]; ok && d == v {
			if ov, mine := old[k]; !mine || ov != v {
				continue
			}
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// sameLabels reports whether two label sets are equal.
func sameLabels(a, b map[string]string) bool { return maps.Equal(a, b) }

// checkLabelMap validates labels as Compute Engine and Cloud DNS do, and refuses the provider's own keys.
func checkLabelMap(prop string, m map[string]string) []provider.CheckFailure {
	var fs []provider.CheckFailure
	for k, v := range m {
		switch {
		case isInternal(k):
			fs = append(fs, provider.CheckFailure{Property: prop, Reason: fmt.Sprintf("label %q: keys starting with infra- are the provider's own", k)})
		case !labelKey.MatchString(k):
			fs = append(fs, provider.CheckFailure{Property: prop, Reason: fmt.Sprintf("label key %q: use at most 63 lowercase letters, digits, _ and -, starting with a letter", k)})
		case !labelValue.MatchString(v):
			fs = append(fs, provider.CheckFailure{Property: prop, Reason: fmt.Sprintf("label %s=%q: values hold at most 63 lowercase letters, digits, _ and -", k, v)})
		}
	}
	return fs
}

var (
	labelKey   = regexp.MustCompile(`^[a-z][-_a-z0-9]{0,62}$`)
	labelValue = regexp.MustCompile(`^[-_a-z0-9]{0,63}$`)
)
