package sim

import (
	"fmt"
	"strings"
)

// filter is a parsed list filter: terms that must all hold. The simulator reads the forms the gcp provider and
// gcloud write: `field = "value"`, `field != value`, `field eq value`, `field ne value`, with dotted fields
// (labels.env) and terms joined by AND, optionally in parentheses.
type filter []filterTerm

type filterTerm struct {
	path   []string
	negate bool
	value  string
}

// maxFilter bounds a filter's length.
const maxFilter = 4096

func parseFilter(s string) (filter, *apiError) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if len(s) > maxFilter {
		return nil, invalid("Invalid value for field 'filter': longer than %d characters", maxFilter)
	}
	var f filter
	for _, part := range splitAnd(s) {
		part = strings.TrimSpace(part)
		for strings.HasPrefix(part, "(") && strings.HasSuffix(part, ")") {
			part = strings.TrimSpace(part[1 : len(part)-1])
		}
		t, err := parseTerm(part)
		if err != nil {
			return nil, invalid("Invalid value for field 'filter': '%s': %v", s, err)
		}
		f = append(f, t)
	}
	return f, nil
}

// splitAnd splits at AND outside quotes.
func splitAnd(s string) []string {
	var parts []string
	quoted := false
	start := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case !quoted && strings.HasPrefix(s[i:], " AND "):
			parts = append(parts, s[start:i])
			start = i + len(" AND ")
			i = start - 1
		}
	}
	return append(parts, s[start:])
}

func parseTerm(s string) (filterTerm, error) {
	var field, op, value string
	for _, o := range []string{"!=", "=", " eq ", " ne "} {
		if i := strings.Index(s, o); i > 0 {
			field, op, value = strings.TrimSpace(s[:i]), strings.TrimSpace(o), strings.TrimSpace(s[i+len(o):])
			break
		}
	}
	if field == "" || value == "" {
		return filterTerm{}, fmt.Errorf("want <field> = <value>")
	}
	if strings.ContainsAny(field, " \"()") {
		return filterTerm{}, fmt.Errorf("bad field %q", field)
	}
	if strings.HasPrefix(value, `"`) {
		if len(value) < 2 || !strings.HasSuffix(value, `"`) {
			return filterTerm{}, fmt.Errorf("unterminated string")
		}
		value = value[1 : len(value)-1]
	}
	return filterTerm{path: strings.Split(field, "."), negate: op == "!=" || op == "ne", value: value}, nil
}

func (f filter) match(item map[string]any) bool {
	for _, t := range f {
		var v any = item
		for _, p := range t.path {
			m, _ := v.(map[string]any)
			v = m[p]
		}
		got := fmt.Sprint(v)
		if v == nil {
			got = ""
		}
		if (got == t.value) == t.negate {
			return false
		}
	}
	return true
}
