package random

import (
	"fmt"

	"github.com/infrago/infra/sdk/provider"
)

const (
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	numericChars = "0123456789"
	// defaultSpecial is the set Terraform's and Pulumi's random providers use, so that values moved from either
	// look alike and pass the same password policies.
	defaultSpecial = "!@#$%&*()-_=+[]{}<>:?"

	// maxStringLength bounds length so a typo cannot make the provider allocate gigabytes and bloat state.
	maxStringLength = 1 << 20
)

// charClass is one class of characters a random string draws from.
type charClass struct {
	enableProp string // the input that switches the class on: "upper"
	minProp    string // the input with its minimum count: "minUpper"
	enabled    bool
	min        int
	chars      []rune // distinct characters, so none is drawn more often than another
}

// classes lists the four character classes as a's inputs configure them, enabled or not.
func classes(a StringArgs) []charClass {
	special := defaultSpecial
	if a.OverrideSpecial != nil {
		special = *a.OverrideSpecial
	}
	return []charClass{
		{enableProp: "upper", minProp: "minUpper", enabled: a.Upper, min: a.MinUpper, chars: distinct(upperChars)},
		{enableProp: "lower", minProp: "minLower", enabled: a.Lower, min: a.MinLower, chars: distinct(lowerChars)},
		{enableProp: "numeric", minProp: "minNumeric", enabled: a.Numeric, min: a.MinNumeric, chars: distinct(numericChars)},
		{enableProp: "special", minProp: "minSpecial", enabled: a.Special, min: a.MinSpecial, chars: distinct(special)},
	}
}

// distinct returns the characters of s without repeats, in first-seen order.
func distinct(s string) []rune {
	seen := map[rune]bool{}
	var out []rune
	for _, r := range s {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// validate reports every reason a's inputs cannot produce a string, each naming the input and the fix.
func validate(a StringArgs) []provider.CheckFailure {
	var failures []provider.CheckFailure
	fail := func(prop, format string, args ...any) {
		failures = append(failures, provider.CheckFailure{Property: prop, Reason: fmt.Sprintf(format, args...)})
	}
	switch {
	case a.Length < 1:
		fail("length", "length is %d; set it to the number of characters to generate, at least 1", a.Length)
	case a.Length > maxStringLength:
		fail("length", "length is %d, more than the %d characters a random string may have; use a smaller length", a.Length, maxStringLength)
	}
	if a.OverrideSpecial != nil && *a.OverrideSpecial == "" && a.Special {
		fail("overrideSpecial", "overrideSpecial is empty while special is true; list the special characters to use, or set special to false")
	}
	sum, anyEnabled := 0, false
	for _, c := range classes(a) {
		usable := c.enabled && len(c.chars) > 0
		anyEnabled = anyEnabled || usable
		switch {
		case c.min < 0:
			fail(c.minProp, "%s is %d; it must be 0 or more", c.minProp, c.min)
		case c.min > 0 && !c.enabled:
			fail(c.minProp, "%s is %d but %s is false; set %s to true or %s to 0", c.minProp, c.min, c.enableProp, c.enableProp, c.minProp)
		default:
			sum += c.min
		}
	}
	if !anyEnabled {
		fail("upper", "upper, lower, numeric and special are all false (or have no characters); set at least one of them to true")
	}
	if a.Length >= 1 && sum > a.Length {
		fail("length", "length is %d but minUpper+minLower+minNumeric+minSpecial add up to %d; raise length to at least %d or lower the minimums", a.Length, sum, sum)
	}
	return failures
}

// generate makes a random string that satisfies a, which must have passed validate.
func generate(a StringArgs) (string, error) {
	if failures := validate(a); len(failures) > 0 {
		return "", fmt.Errorf("invalid inputs: %s: %s", failures[0].Property, failures[0].Reason)
	}
	out := make([]rune, 0, a.Length)
	// Satisfy the minimum counts first, then fill up from the union of all enabled classes, then shuffle so the
	// mandatory characters are not always at the front. Each character is uniform within the set it is drawn from.
	var pool []rune
	for _, c := range classes(a) {
		if !c.enabled {
			continue
		}
		pool = append(pool, c.chars...)
		for range c.min {
			r, err := pick(c.chars)
			if err != nil {
				return "", fmt.Errorf("generate random string: %w", err)
			}
			out = append(out, r)
		}
	}
	// A custom special set may repeat letters or digits; drawing from the distinct union keeps every character
	// equally likely.
	pool = distinct(string(pool))
	for len(out) < a.Length {
		r, err := pick(pool)
		if err != nil {
			return "", fmt.Errorf("generate random string: %w", err)
		}
		out = append(out, r)
	}
	if err := shuffle(out); err != nil {
		return "", fmt.Errorf("generate random string: %w", err)
	}
	return string(out), nil
}
