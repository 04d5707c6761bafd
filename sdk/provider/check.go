package provider

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/infrago/infra/sdk/resource"
)

// CheckProperties validates m against the declared properties and returns a copy with defaults filled in. Values
// not known yet pass. Failures name the property path and say what was expected.
func (s *Schema) CheckProperties(props map[string]Property, m resource.PropertyMap) (resource.PropertyMap, []CheckFailure) {
	out := m.Copy()
	var failures []CheckFailure
	for k := range m {
		if _, ok := props[k]; !ok {
			reason := fmt.Sprintf("unknown property %q", k)
			if near := closest(k, sortedNames(props)); near != "" {
				reason += fmt.Sprintf("; did you mean %q?", near)
			}
			failures = append(failures, CheckFailure{Property: k, Reason: reason})
		}
	}
	for _, name := range sortedNames(props) {
		p := props[name]
		v, ok := m[name]
		if !ok || v.IsNull() {
			switch {
			case p.Default != nil:
				dv, err := resource.FromGo(p.Default)
				if err == nil {
					if p.Secret {
						dv = resource.MakeSecret(dv)
					}
					out[name] = dv
				}
			case p.Required:
				failures = append(failures, CheckFailure{Property: name, Reason: "missing required property"})
			}
			continue
		}
		failures = append(failures, s.checkValue(resource.PropertyPath{name}, p.TypeSpec, v)...)
		if p.Secret && !v.IsSecret() {
			out[name] = resource.MakeSecret(v)
		}
	}
	return out, failures
}

func (s *Schema) checkValue(path resource.PropertyPath, t TypeSpec, v resource.PropertyValue) []CheckFailure {
	for v.IsSecret() {
		v = v.SecretElement()
	}
	if v.IsUnknown() || v.IsNull() || t.Type == "any" {
		return nil
	}
	fail := func(format string, args ...any) []CheckFailure {
		return []CheckFailure{{Property: path.String(), Reason: fmt.Sprintf(format, args...)}}
	}
	if t.Ref != "" {
		ot, ok := s.Types[t.RefToken()]
		if !ok {
			return fail("schema names unknown type %s", t.RefToken())
		}
		if v.Kind() != resource.KindMap {
			return fail("expected an object (%s), got %s", t.RefToken(), v.Kind())
		}
		m := v.MapValue()
		var failures []CheckFailure
		for k := range m {
			if _, ok := ot.Properties[k]; !ok {
				reason := fmt.Sprintf("unknown property %q", k)
				if near := closest(k, sortedNames(ot.Properties)); near != "" {
					reason += fmt.Sprintf("; did you mean %q?", near)
				}
				failures = append(failures, CheckFailure{Property: append(append(resource.PropertyPath(nil), path...), k).String(), Reason: reason})
			}
		}
		for _, name := range sortedNames(ot.Properties) {
			p := ot.Properties[name]
			sub := append(append(resource.PropertyPath(nil), path...), name)
			e, ok := m[name]
			if !ok || e.IsNull() {
				if p.Required && p.Default == nil {
					failures = append(failures, CheckFailure{Property: sub.String(), Reason: "missing required property"})
				}
				continue
			}
			failures = append(failures, s.checkValue(sub, p.TypeSpec, e)...)
		}
		return failures
	}
	switch t.Type {
	case "string":
		if v.Kind() != resource.KindString {
			return fail("expected a string, got %s", describe(v))
		}
	case "boolean":
		if v.Kind() != resource.KindBool {
			return fail("expected true or false, got %s", describe(v))
		}
	case "integer":
		if v.Kind() != resource.KindNumber || v.NumberValue() != math.Trunc(v.NumberValue()) {
			return fail("expected a whole number, got %s", describe(v))
		}
	case "number":
		if v.Kind() != resource.KindNumber {
			return fail("expected a number, got %s", describe(v))
		}
	case "array":
		if v.Kind() != resource.KindList {
			return fail("expected a list, got %s", describe(v))
		}
		var failures []CheckFailure
		if t.Items != nil {
			for i, e := range v.ListValue() {
				failures = append(failures, s.checkValue(append(append(resource.PropertyPath(nil), path...), i), *t.Items, e)...)
			}
		}
		return failures
	case "map":
		if v.Kind() != resource.KindMap {
			return fail("expected a map, got %s", describe(v))
		}
		var failures []CheckFailure
		if t.Values != nil {
			m := v.MapValue()
			for _, k := range m.Keys() {
				failures = append(failures, s.checkValue(append(append(resource.PropertyPath(nil), path...), k), *t.Values, m[k])...)
			}
		}
		return failures
	}
	return nil
}

func describe(v resource.PropertyValue) string {
	switch v.Kind() {
	case resource.KindString, resource.KindNumber, resource.KindBool:
		s := v.String()
		if len(s) > 40 {
			s = s[:37] + "..."
		}
		return v.Kind().String() + " " + s
	}
	return "a " + v.Kind().String()
}

// closest returns the candidate nearest to name by edit distance, if it is near enough to be a likely typo.
func closest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(name), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= 2 || (bestD <= len(name)/3 && bestD <= 4) {
		return best
	}
	return ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// DiffInputs is the schema-driven diff: it compares old and new inputs property by property (a value not known
// yet counts as changed), and marks as replacing every changed property declared ReplaceOnChanges, or every
// change at all when the resource cannot update in place.
func DiffInputs(props map[string]Property, olds, news resource.PropertyMap, canUpdate bool) DiffResponse {
	var resp DiffResponse
	seen := map[string]bool{}
	check := func(k string) {
		if seen[k] {
			return
		}
		seen[k] = true
		ov, ook := olds[k]
		nv, nok := news[k]
		if ook == nok && ov.EqualIgnoringSecrets(nv) && !nv.ContainsUnknowns() {
			return
		}
		if !ook && nok && nv.IsNull() || !nok && ook && ov.IsNull() {
			return
		}
		resp.Changed = append(resp.Changed, k)
		if !canUpdate || props[k].ReplaceOnChanges {
			resp.Replaces = append(resp.Replaces, k)
		}
	}
	for _, k := range olds.Keys() {
		check(k)
	}
	for _, k := range news.Keys() {
		check(k)
	}
	sort.Strings(resp.Changed)
	sort.Strings(resp.Replaces)
	resp.HasChanges = len(resp.Changed) > 0
	return resp
}
