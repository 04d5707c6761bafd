package aws

import (
	"maps"
	"sort"
	"strings"

	"github.com/infrago/infra/sdk/resource"
)

// The tags every object the provider creates carries, so that a create cut off by a crash can be found again.
const (
	tagURN   = "infra:urn"
	tagToken = "infra:token"
)

// isInternal reports whether a tag key is one of the provider's own.
func isInternal(k string) bool { return strings.HasPrefix(k, "infra:") }

// desiredTags are the tags an object should carry besides the provider's own: the default tags with the
// resource's own over them.
func (c *clients) desiredTags(user map[string]string) map[string]string {
	out := map[string]string{}
	maps.Copy(out, c.defaultTags)
	maps.Copy(out, user)
	return out
}

// createTags are the tags a new object is created with: the desired tags and the provider's own.
func (c *clients) createTags(urn resource.URN, token string, user map[string]string) map[string]string {
	out := c.desiredTags(user)
	out[tagURN] = string(urn)
	if token != "" {
		out[tagToken] = token
	}
	return out
}

// visibleTags drops the provider's own tags from live tags: what tagsAll reports.
func visibleTags(live map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range live {
		if !isInternal(k) {
			out[k] = v
		}
	}
	return out
}

// userTags recovers a resource's own tags from its live tags: the visible tags less the default tags, unless
// the resource set the same key itself (old holds its previous own tags). Nil when there are none.
func (c *clients) userTags(live, old map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range visibleTags(live) {
		if d, ok := c.defaultTags[k]; ok && d == v {
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

// tagChanges compares live tags with the desired ones (the provider's own are left alone) and returns the
// tags to set and the keys to remove, sorted.
func tagChanges(live, desired map[string]string) (set map[string]string, remove []string) {
	set = map[string]string{}
	for k, v := range desired {
		if lv, ok := live[k]; !ok || lv != v {
			set[k] = v
		}
	}
	for k := range live {
		if _, ok := desired[k]; !ok && !isInternal(k) {
			remove = append(remove, k)
		}
	}
	sort.Strings(remove)
	return set, remove
}

// sortedKeys returns a map's keys in order, so that API calls are deterministic.
func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
