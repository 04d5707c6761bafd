package sim

import (
	"strconv"
	"strings"
)

// filter is one EC2 Filter: a name and the values any of which may match (with * and ? wildcards).
type filter struct {
	name   string
	values []string
}

// parseFilters reads Filter.N.Name and Filter.N.Value.M.
func parseFilters(p params) ([]filter, *apiError) {
	ms, err := p.members("Filter")
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	out := make([]filter, 0, len(ms))
	for _, m := range ms {
		vals, err := m.strings("Value")
		if err != nil {
			return nil, invalidParam("%v", err)
		}
		if m.get("Name") == "" {
			return nil, invalidParam("a Filter has no Name")
		}
		out = append(out, filter{name: m.get("Name"), values: vals})
	}
	return out, nil
}

// attrFunc returns the values an object has for a filter name, and whether the name is one the object's kind
// can be filtered on.
type attrFunc func(name string) ([]string, bool)

// withTags extends attrs with the tag:<key>, tag-key and tag-value filters every taggable object supports.
func withTags(t tagMap, attrs attrFunc) attrFunc {
	return func(name string) ([]string, bool) {
		if key, ok := strings.CutPrefix(name, "tag:"); ok {
			if v, ok := t[key]; ok {
				return []string{v}, true
			}
			return nil, true
		}
		switch name {
		case "tag-key":
			return t.keys(), true
		case "tag-value":
			var out []string
			for _, k := range t.keys() {
				out = append(out, t[k])
			}
			return out, true
		}
		return attrs(name)
	}
}

// matchFilters reports whether an object passes every filter. An unknown filter name is an error, as on AWS.
func matchFilters(fs []filter, attrs attrFunc) (bool, *apiError) {
	for _, f := range fs {
		have, ok := attrs(f.name)
		if !ok {
			return false, invalidParam("The filter '%s' is invalid", f.name)
		}
		if !anyMatch(have, f.values) {
			return false, nil
		}
	}
	return true, nil
}

func anyMatch(have, patterns []string) bool {
	for _, h := range have {
		for _, p := range patterns {
			if wildcard(p, h) {
				return true
			}
		}
	}
	return false
}

// wildcard matches s against pattern, where * matches any run of characters (slashes included, unlike
// path.Match) and ? any one character.
func wildcard(pattern, s string) bool {
	px, sx := 0, 0
	starP, starS := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx]):
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			starP, starS = px, sx
			px++
		case starP >= 0:
			px = starP + 1
			starS++
			sx = starS
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

func one(s string) []string { return []string{s} }

func boolStr(b bool) []string { return []string{strconv.FormatBool(b)} }
