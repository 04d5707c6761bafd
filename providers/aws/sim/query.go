package sim

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// maxQueryBody bounds a Query-protocol request body; the largest legal request (16 KiB of user data, base64,
// plus tags and rules) is far below it.
const maxQueryBody = 1 << 20

// maxListIndex bounds the index of a list member ("InstanceId.N"): AWS refuses lists longer than a thousand
// anyway, and a bound keeps a hostile request from making the simulator sort millions of keys.
const maxListIndex = 10000

// params is a Query-protocol request (Action=...&Foo.1.Bar=...) viewed under a key prefix, so nested
// structures and lists read like the API's own shapes.
type params struct {
	vals   url.Values
	prefix string
}

// parseQuery decodes a form-encoded Query-protocol body.
func parseQuery(body []byte) (params, error) {
	if len(body) > maxQueryBody {
		return params{}, fmt.Errorf("request body is larger than %d bytes", maxQueryBody)
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return params{}, fmt.Errorf("malformed query string: %w", err)
	}
	return params{vals: vals}, nil
}

// get returns the value of key under the prefix ("" when absent).
func (p params) get(key string) string { return p.vals.Get(p.prefix + key) }

// has reports whether key is present under the prefix.
func (p params) has(key string) bool {
	_, ok := p.vals[p.prefix+key]
	return ok
}

// sub views the structure at key ("Placement" → "Placement.").
func (p params) sub(key string) params { return params{vals: p.vals, prefix: p.prefix + key + "."} }

// hasSub reports whether any key starts with key + ".".
func (p params) hasSub(key string) bool {
	pre := p.prefix + key + "."
	for k := range p.vals {
		if strings.HasPrefix(k, pre) {
			return true
		}
	}
	return false
}

// indexes lists the member indexes of list key in ascending order: "InstanceId.1", "InstanceId.2" → [1 2].
// Indexes need not be contiguous, as AWS accepts. An index outside 1..maxListIndex is an error.
func (p params) indexes(key string) ([]int, error) {
	pre := p.prefix + key + "."
	seen := map[int]bool{}
	for k := range p.vals {
		rest, ok := strings.CutPrefix(k, pre)
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || n > maxListIndex {
			return nil, fmt.Errorf("parameter %s%s has a bad list index %q", p.prefix, key, num)
		}
		seen[n] = true
	}
	out := make([]int, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Ints(out)
	return out, nil
}

// strings returns the members of a list of strings: Key.1, Key.2, ...
func (p params) strings(key string) ([]string, error) {
	idx, err := p.indexes(key)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(idx))
	for _, n := range idx {
		out = append(out, p.get(key+"."+strconv.Itoa(n)))
	}
	return out, nil
}

// members returns the views of a list of structures: Key.1., Key.2., ...
func (p params) members(key string) ([]params, error) {
	idx, err := p.indexes(key)
	if err != nil {
		return nil, err
	}
	out := make([]params, 0, len(idx))
	for _, n := range idx {
		out = append(out, p.sub(key+"."+strconv.Itoa(n)))
	}
	return out, nil
}

// intOr returns the integer at key, def when absent, or an error naming the parameter.
func (p params) intOr(key string, def int) (int, error) {
	v := p.get(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("parameter %s%s: %q is not a whole number", p.prefix, key, v)
	}
	return n, nil
}

// boolOr returns the boolean at key, def when absent, or an error naming the parameter.
func (p params) boolOr(key string, def bool) (bool, error) {
	v := p.get(key)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("parameter %s%s: %q is not true or false", p.prefix, key, v)
	}
	return b, nil
}
