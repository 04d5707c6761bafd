// Package jsonschema validates JSON documents against the subset of JSON Schema (draft 2020-12) that the
// project's published schemas use, so tests can hold real output to the documented schema without a
// dependency. Supported: boolean schemas; type (a name or a list); const; enum; properties; required;
// additionalProperties (a boolean or a schema); items (one schema); $ref to "#/$defs/<name>"; allOf; oneOf;
// anyOf; not; minimum; minLength; format "date-time". Annotations ($schema, $id, title, description,
// examples, $comment) are ignored. Any other keyword is refused when the schema is compiled, so a schema
// cannot silently use more than is checked.
package jsonschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"
)

// Schema is a compiled schema.
type Schema struct {
	root any
	defs map[string]any
}

var annotations = map[string]bool{"$schema": true, "$id": true, "title": true, "description": true,
	"examples": true, "$comment": true, "$defs": true, "default": true}

var keywords = map[string]bool{"type": true, "const": true, "enum": true, "properties": true, "required": true,
	"additionalProperties": true, "items": true, "$ref": true, "allOf": true, "oneOf": true, "anyOf": true,
	"not": true, "minimum": true, "minLength": true, "format": true}

// Compile parses a schema and checks that it only uses supported keywords.
func Compile(data []byte) (*Schema, error) {
	root, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	s := &Schema{root: root, defs: map[string]any{}}
	if m, ok := root.(map[string]any); ok {
		if defs, ok := m["$defs"].(map[string]any); ok {
			s.defs = defs
		}
	}
	if err := s.check(root, "#"); err != nil {
		return nil, err
	}
	for name, d := range s.defs {
		if err := s.check(d, "#/$defs/"+name); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

// check refuses keywords the validator does not implement and references it cannot resolve.
func (s *Schema) check(node any, at string) error {
	switch n := node.(type) {
	case bool:
		return nil
	case map[string]any:
		for k, v := range n {
			switch {
			case annotations[k]:
			case !keywords[k]:
				return fmt.Errorf("schema %s: keyword %q is not supported", at, k)
			case k == "properties":
				props, ok := v.(map[string]any)
				if !ok {
					return fmt.Errorf("schema %s: properties must be an object", at)
				}
				for name, p := range props {
					if err := s.check(p, at+"/properties/"+name); err != nil {
						return err
					}
				}
			case k == "additionalProperties" || k == "items" || k == "not":
				if err := s.check(v, at+"/"+k); err != nil {
					return err
				}
			case k == "allOf" || k == "oneOf" || k == "anyOf":
				list, ok := v.([]any)
				if !ok {
					return fmt.Errorf("schema %s: %s must be a list", at, k)
				}
				for i, sub := range list {
					if err := s.check(sub, fmt.Sprintf("%s/%s/%d", at, k, i)); err != nil {
						return err
					}
				}
			case k == "$ref":
				ref, _ := v.(string)
				name, ok := strings.CutPrefix(ref, "#/$defs/")
				if !ok || s.defs[name] == nil {
					return fmt.Errorf("schema %s: cannot resolve $ref %q", at, ref)
				}
			case k == "format":
				if v != "date-time" {
					return fmt.Errorf("schema %s: format %v is not supported", at, v)
				}
			}
		}
		return nil
	}
	return fmt.Errorf("schema %s: a schema must be an object or a boolean", at)
}

// Validate checks one JSON document and returns every violation found, each with its location.
func (s *Schema) Validate(data []byte) error {
	v, err := decode(data)
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	var errs []string
	s.validate(s.root, v, "", &errs, 0)
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

func (s *Schema) validate(node, v any, at string, errs *[]string, depth int) {
	if depth > 100 {
		*errs = append(*errs, at+": schema nests too deep")
		return
	}
	fail := func(format string, args ...any) {
		loc := at
		if loc == "" {
			loc = "(root)"
		}
		*errs = append(*errs, loc+": "+fmt.Sprintf(format, args...))
	}
	switch n := node.(type) {
	case bool:
		if !n {
			fail("no value is allowed here")
		}
		return
	case map[string]any:
		if ref, ok := n["$ref"].(string); ok {
			s.validate(s.defs[strings.TrimPrefix(ref, "#/$defs/")], v, at, errs, depth+1)
		}
		if t, ok := n["type"]; ok && !typeMatches(t, v) {
			fail("is %s, want %v", typeName(v), t)
			return
		}
		if c, ok := n["const"]; ok && !equal(c, v) {
			fail("is %s, want %s", show(v), show(c))
		}
		if e, ok := n["enum"].([]any); ok {
			found := false
			for _, x := range e {
				found = found || equal(x, v)
			}
			if !found {
				fail("is %s, want one of %s", show(v), show(e))
			}
		}
		if min, ok := n["minimum"].(json.Number); ok {
			if num, ok := v.(json.Number); ok {
				a, _ := num.Float64()
				b, _ := min.Float64()
				if a < b {
					fail("is %s, less than the minimum %s", num, min)
				}
			}
		}
		if min, ok := n["minLength"].(json.Number); ok {
			if str, ok := v.(string); ok {
				b, _ := min.Int64()
				if int64(len([]rune(str))) < b {
					fail("is shorter than %s characters", min)
				}
			}
		}
		if n["format"] == "date-time" {
			if str, ok := v.(string); ok {
				if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
					fail("%q is not an RFC 3339 date-time", str)
				}
			}
		}
		if obj, ok := v.(map[string]any); ok {
			s.object(n, obj, at, errs, depth, fail)
		}
		if list, ok := v.([]any); ok {
			if items, ok := n["items"]; ok {
				for i, x := range list {
					s.validate(items, x, fmt.Sprintf("%s[%d]", at, i), errs, depth+1)
				}
			}
		}
		for _, sub := range asList(n["allOf"]) {
			s.validate(sub, v, at, errs, depth+1)
		}
		if subs := asList(n["anyOf"]); subs != nil {
			if matches, _ := s.count(subs, v, at, depth); matches == 0 {
				fail("matches none of anyOf")
			}
		}
		if subs := asList(n["oneOf"]); subs != nil {
			matches, why := s.count(subs, v, at, depth)
			if matches != 1 {
				fail("matches %d of oneOf, want exactly 1%s", matches, why)
			}
		}
		if not, ok := n["not"]; ok {
			var sub []string
			s.validate(not, v, at, &sub, depth+1)
			if len(sub) == 0 {
				fail("matches a schema it must not match")
			}
		}
	}
}

func (s *Schema) object(n map[string]any, obj map[string]any, at string, errs *[]string, depth int, fail func(string, ...any)) {
	props, _ := n["properties"].(map[string]any)
	for _, r := range asList(n["required"]) {
		name, _ := r.(string)
		if _, ok := obj[name]; !ok {
			fail("property %q is missing", name)
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if p, ok := props[k]; ok {
			s.validate(p, obj[k], at+"."+k, errs, depth+1)
			continue
		}
		if ap, ok := n["additionalProperties"]; ok {
			if b, ok := ap.(bool); ok && !b {
				fail("property %q is not allowed", k)
				continue
			}
			s.validate(ap, obj[k], at+"."+k, errs, depth+1)
		}
	}
}

// count returns how many of subs v matches and, when none does, why the closest one did not.
func (s *Schema) count(subs []any, v any, at string, depth int) (int, string) {
	matches := 0
	var best []string
	for _, sub := range subs {
		var e []string
		s.validate(sub, v, at, &e, depth+1)
		if len(e) == 0 {
			matches++
		} else if best == nil || len(e) < len(best) {
			best = e
		}
	}
	if matches == 0 && best != nil {
		return 0, " (closest: " + strings.Join(best, "; ") + ")"
	}
	return matches, ""
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func typeMatches(t, v any) bool {
	switch t := t.(type) {
	case string:
		return isType(t, v)
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok && isType(s, v) {
				return true
			}
		}
	}
	return false
}

func isType(t string, v any) bool {
	switch t {
	case "null":
		return v == nil
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		f, err := n.Float64()
		return err == nil && f == math.Trunc(f)
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	}
	return false
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

// equal compares JSON values; numbers by value, so 1 and 1.0 are equal.
func equal(a, b any) bool {
	na, okA := a.(json.Number)
	nb, okB := b.(json.Number)
	if okA && okB {
		x, _ := na.Float64()
		y, _ := nb.Float64()
		return x == y
	}
	return reflect.DeepEqual(a, b)
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
