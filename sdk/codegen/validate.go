package codegen

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/infrago/infra/sdk/provider"
)

// refPrefix starts every reference to an object type of the same schema.
const refPrefix = "#/types/"

// isPrimitive reports whether t is a schema type name that needs no further description.
func isPrimitive(t string) bool {
	switch t {
	case "string", "integer", "number", "boolean", "any":
		return true
	}
	return false
}

// validateSchemaHeader checks the parts of a schema every generated file depends on.
func validateSchemaHeader(s provider.Schema) error {
	if s.Name == "" {
		return fmt.Errorf("provider schema has no name")
	}
	if packageName(s.Name) == "" || !unicode.IsLetter([]rune(s.Name)[0]) {
		return fmt.Errorf("provider name %q cannot name a Go package: it must start with a letter", s.Name)
	}
	return nil
}

// splitToken checks that tok is "<pkg>:<module>:<Name>" for this provider and returns module and name.
func splitToken(pkg, tok string) (module, name string, err error) {
	parts := strings.Split(tok, ":")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", fmt.Errorf("bad token: want %s:<module>:<Name>", pkg)
	}
	if parts[0] != pkg {
		return "", "", fmt.Errorf("bad token: it belongs to package %q, not to this provider %q", parts[0], pkg)
	}
	module, name = parts[1], parts[2]
	if packageName(module) == "" {
		return "", "", fmt.Errorf("bad token: module %q has no letters or digits", module)
	}
	for i, c := range name {
		if !(unicode.IsLetter(c) || c == '_' || (i > 0 && unicode.IsDigit(c))) || c > unicode.MaxASCII {
			return "", "", fmt.Errorf("bad token: name %q must be an ASCII identifier starting with a letter", name)
		}
	}
	if goName(name) == "" {
		return "", "", fmt.Errorf("bad token: name %q has no letters", name)
	}
	return module, name, nil
}

// validatePropertyName rejects names that cannot be written into a struct tag or turned into a Go field.
func validatePropertyName(name string) error {
	if name == "" || name == "-" {
		return fmt.Errorf("property name must not be empty or %q", name)
	}
	for _, c := range name {
		if c == '"' || c == ',' || c == '`' || c == '\\' || unicode.IsSpace(c) || !unicode.IsPrint(c) {
			return fmt.Errorf("property name contains %q, which cannot appear in a struct tag", c)
		}
	}
	if goName(name) == "" {
		return fmt.Errorf("property name has no letters or digits to make a Go field name from")
	}
	return nil
}

// validateType checks a type: a known type name with its element types, or a reference to an object type the
// schema defines.
func (m *model) validateType(t provider.TypeSpec) error {
	if t.Ref != "" {
		if t.Type != "" && t.Type != "object" {
			return fmt.Errorf("type %q and $ref %q are both set; a reference has no type name", t.Type, t.Ref)
		}
		if !strings.HasPrefix(t.Ref, refPrefix) {
			return fmt.Errorf("$ref %q: only references to this schema's types (%s<token>) are supported", t.Ref, refPrefix)
		}
		if _, ok := m.types[t.RefToken()]; !ok {
			return fmt.Errorf("$ref %q names an object type the schema does not define", t.Ref)
		}
		return nil
	}
	switch {
	case isPrimitive(t.Type):
		return nil
	case t.Type == "array":
		if t.Items == nil {
			return fmt.Errorf("array type has no items type")
		}
		if err := m.validateType(*t.Items); err != nil {
			return fmt.Errorf("array items: %w", err)
		}
		return nil
	case t.Type == "map":
		if t.Values == nil {
			return fmt.Errorf("map type has no values type")
		}
		if err := m.validateType(*t.Values); err != nil {
			return fmt.Errorf("map values: %w", err)
		}
		return nil
	case t.Type == "":
		return fmt.Errorf("no type and no $ref")
	}
	return fmt.Errorf("unknown type %q (want string, integer, number, boolean, array, map, any or a $ref)", t.Type)
}

// findValueCycles finds the required object-typed fields of object types that lead back to their own type
// through other required object-typed fields. Generated as values such fields would make a struct contain
// itself, which Go rejects; they are generated as pointers instead.
func findValueCycles(m *model) map[string]map[string]bool {
	// edges[a] lists the (property, target) pairs a holds by value.
	type edge struct{ prop, target string }
	edges := map[string][]edge{}
	for _, tok := range sortedKeys(m.types) {
		for _, p := range m.types[tok].props {
			if p.prop.Ref != "" && p.prop.Required {
				edges[tok] = append(edges[tok], edge{p.name, p.prop.RefToken()})
			}
		}
	}
	reaches := func(from, to string) bool {
		seen := map[string]bool{}
		stack := []string{from}
		for len(stack) > 0 {
			cur := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if cur == to {
				return true
			}
			if seen[cur] {
				continue
			}
			seen[cur] = true
			for _, e := range edges[cur] {
				stack = append(stack, e.target)
			}
		}
		return false
	}
	out := map[string]map[string]bool{}
	for _, tok := range sortedKeys(edges) {
		for _, e := range edges[tok] {
			if reaches(e.target, tok) {
				if out[tok] == nil {
					out[tok] = map[string]bool{}
				}
				out[tok][e.prop] = true
			}
		}
	}
	return out
}
