package codegen

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
)

// ImportCode returns the Go statement that declares an imported resource with exactly the given inputs, using the
// generated bindings of s: pasted into a program, it previews with no changes. Secret inputs are left out with a
// comment saying where to take them from (a secret is never printed). Inputs equal to their schema default are
// left out too.
func ImportCode(s provider.Schema, token, name string, inputs resource.PropertyMap) (string, error) {
	m, err := buildModel(s, DefaultImportRoot)
	if err != nil {
		return "", err
	}
	var pkg *pkgModel
	var rm *resourceModel
	for _, p := range m.packages {
		for _, r := range p.resources {
			if r.token == token {
				pkg, rm = p, r
			}
		}
	}
	if rm == nil {
		return "", fmt.Errorf("provider %s has no resource type %s", s.Name, token)
	}
	im := newImports(nil)
	var b strings.Builder
	fmt.Fprintf(&b, "%s, err := %s.New%s(ctx, %q, &%s.%sArgs{\n", varName(name), pkg.name, rm.goName, name, pkg.name, rm.goName)
	for _, p := range rm.inputs {
		v, ok := inputs[p.name]
		if !ok || v.IsNull() {
			continue
		}
		if def := p.prop.Default; def != nil {
			if dv, err := resource.FromGo(def); err == nil && dv.EqualIgnoringSecrets(v) {
				continue
			}
		}
		if v.ContainsSecrets() || p.prop.Secret {
			fmt.Fprintf(&b, "\t// %s: a secret; set it from configuration, e.g. cfg.RequireSecret(%q)\n", p.goName, p.name)
			continue
		}
		lit, err := m.literal(p.prop.TypeSpec, v, im, pkg)
		if err != nil {
			return "", fmt.Errorf("input %s: %w", p.name, err)
		}
		fmt.Fprintf(&b, "\t%s: %s,\n", p.goName, wrapInput(p.prop.TypeSpec, lit, m, im, pkg))
	}
	b.WriteString("})\n")
	return b.String(), nil
}

// varName turns a resource name into a Go variable name.
func varName(name string) string {
	n := goName(name)
	if n == "" {
		return "imported"
	}
	r := []rune(n)
	r[0] = []rune(strings.ToLower(string(r[0])))[0]
	out := string(r)
	if isKeyword(out) || isPredeclared(out) {
		out += "Res"
	}
	return out
}

// wrapInput turns a Go literal into an infra.Input of its type.
func wrapInput(t provider.TypeSpec, lit string, m *model, im *imports, self *pkgModel) string {
	switch {
	case t.Ref == "" && t.Type == "string":
		return "infra.String(" + lit + ")"
	case t.Ref == "" && t.Type == "integer":
		return "infra.Int(" + lit + ")"
	case t.Ref == "" && t.Type == "number":
		return "infra.Float64(" + lit + ")"
	case t.Ref == "" && t.Type == "boolean":
		return "infra.Bool(" + lit + ")"
	}
	return "infra.Val[" + m.goTypeFrom(t, self) + "](" + lit + ")"
}

// goTypeFrom renders a Go type as seen from code in another package (the user's program).
func (m *model) goTypeFrom(t provider.TypeSpec, self *pkgModel) string {
	if t.Ref != "" {
		o := m.types[t.RefToken()]
		return o.pkg.name + "." + o.goName
	}
	switch t.Type {
	case "string":
		return "string"
	case "integer":
		return "int"
	case "number":
		return "float64"
	case "boolean":
		return "bool"
	case "array":
		return "[]" + m.goTypeFrom(*t.Items, self)
	case "map":
		return "map[string]" + m.goTypeFrom(*t.Values, self)
	}
	return "any"
}

// literal renders v as a Go literal of the type t.
func (m *model) literal(t provider.TypeSpec, v resource.PropertyValue, im *imports, self *pkgModel) (string, error) {
	v = v.Unsecret()
	if t.Ref != "" {
		if v.Kind() != resource.KindMap {
			return "", fmt.Errorf("expected an object, got %s", v.Kind())
		}
		o := m.types[t.RefToken()]
		var b strings.Builder
		b.WriteString(o.pkg.name + "." + o.goName + "{")
		first := true
		for _, p := range o.props {
			pv, ok := v.MapValue()[p.name]
			if !ok || pv.IsNull() {
				continue
			}
			lit, err := m.literal(p.prop.TypeSpec, pv, im, self)
			if err != nil {
				return "", err
			}
			optional := !p.prop.Required || p.prop.Default != nil
			if (optional && !nilable(p.prop.TypeSpec)) || m.byValueCycle[o.token][p.name] {
				lit = "infra.Ptr(" + lit + ")"
			}
			if !first {
				b.WriteString(", ")
			}
			first = false
			b.WriteString(p.goName + ": " + lit)
		}
		b.WriteString("}")
		return b.String(), nil
	}
	switch t.Type {
	case "string":
		return strconv.Quote(v.StringValue()), nil
	case "boolean":
		return strconv.FormatBool(v.BoolValue()), nil
	case "integer":
		return strconv.FormatInt(int64(v.NumberValue()), 10), nil
	case "number":
		n := v.NumberValue()
		if n == math.Trunc(n) {
			return strconv.FormatFloat(n, 'f', 1, 64), nil
		}
		return strconv.FormatFloat(n, 'g', -1, 64), nil
	case "array":
		var parts []string
		for _, e := range v.ListValue() {
			lit, err := m.literal(*t.Items, e, im, self)
			if err != nil {
				return "", err
			}
			parts = append(parts, lit)
		}
		return m.goTypeFrom(t, self) + "{" + strings.Join(parts, ", ") + "}", nil
	case "map":
		keys := v.MapValue().Keys()
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			lit, err := m.literal(*t.Values, v.MapValue()[k], im, self)
			if err != nil {
				return "", err
			}
			parts = append(parts, strconv.Quote(k)+": "+lit)
		}
		return m.goTypeFrom(t, self) + "{" + strings.Join(parts, ", ") + "}", nil
	}
	return anyLiteral(v)
}

// anyLiteral renders a value of type any.
func anyLiteral(v resource.PropertyValue) (string, error) {
	switch v.Kind() {
	case resource.KindNull:
		return "nil", nil
	case resource.KindString:
		return strconv.Quote(v.StringValue()), nil
	case resource.KindBool:
		return strconv.FormatBool(v.BoolValue()), nil
	case resource.KindNumber:
		return "float64(" + strconv.FormatFloat(v.NumberValue(), 'g', -1, 64) + ")", nil
	case resource.KindList:
		var parts []string
		for _, e := range v.ListValue() {
			lit, err := anyLiteral(e)
			if err != nil {
				return "", err
			}
			parts = append(parts, lit)
		}
		return "[]any{" + strings.Join(parts, ", ") + "}", nil
	case resource.KindMap:
		keys := v.MapValue().Keys()
		var parts []string
		for _, k := range keys {
			lit, err := anyLiteral(v.MapValue()[k])
			if err != nil {
				return "", err
			}
			parts = append(parts, strconv.Quote(k)+": "+lit)
		}
		return "map[string]any{" + strings.Join(parts, ", ") + "}", nil
	}
	return "", fmt.Errorf("a %s value cannot be written as Go code", v.Kind())
}
