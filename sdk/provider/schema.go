package provider

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/infrago/infra/sdk/resource"
)

// SchemaVersion is the version of the schema format described here.
const SchemaVersion = 1

// Schema describes everything a provider offers. It is the single source of truth for the typed SDK bindings
// (`make gen`), the provider documentation and the engine's knowledge of which outputs a resource has.
type Schema struct {
	SchemaVersion int                       `json:"schemaVersion"`
	Name          string                    `json:"name"`
	Version       string                    `json:"version"`
	Description   string                    `json:"description,omitempty"`
	Config        map[string]Property       `json:"config,omitempty"`
	Resources     map[string]ResourceSchema `json:"resources"`
	Functions     map[string]FunctionSchema `json:"functions,omitempty"`
	Types         map[string]ObjectType     `json:"types,omitempty"`
}

// ResourceSchema describes one resource type.
type ResourceSchema struct {
	Description string              `json:"description,omitempty"`
	Inputs      map[string]Property `json:"inputs"`
	Outputs     map[string]Property `json:"outputs"`
	// DeleteBeforeReplace says replacements of this type must delete the old object first (names are unique).
	DeleteBeforeReplace bool `json:"deleteBeforeReplace,omitempty"`
	// Virtual says the type's objects exist only in state: its operations have no effect outside.
	Virtual bool `json:"virtual,omitempty"`
}

// FunctionSchema describes one provider function.
type FunctionSchema struct {
	Description string              `json:"description,omitempty"`
	Inputs      map[string]Property `json:"inputs"`
	Outputs     map[string]Property `json:"outputs"`
}

// ObjectType is a named object type used by properties ("#/types/<token>").
type ObjectType struct {
	Description string              `json:"description,omitempty"`
	Properties  map[string]Property `json:"properties"`
}

// TypeSpec is the type of a property.
type TypeSpec struct {
	// Type is one of string, integer, number, boolean, array, map, any; empty when Ref is set.
	Type string `json:"type,omitempty"`
	// Items is the element type of an array.
	Items *TypeSpec `json:"items,omitempty"`
	// Values is the element type of a map (keys are strings).
	Values *TypeSpec `json:"values,omitempty"`
	// Ref names an object type: "#/types/<token>".
	Ref string `json:"$ref,omitempty"`
}

// Property describes one input, output or config property.
type Property struct {
	TypeSpec
	Description string `json:"description,omitempty"`
	// Required: for an input, the program must set it; for an output, it is always present.
	Required bool `json:"required,omitempty"`
	// Secret values are always treated as secrets.
	Secret bool `json:"secret,omitempty"`
	// ReplaceOnChanges: a change to this input replaces the object instead of updating it.
	ReplaceOnChanges bool `json:"replaceOnChanges,omitempty"`
	// Default is filled in by Check when the input is absent.
	Default any `json:"default,omitempty"`
	// Deprecated, when set, is shown to users who set the property.
	Deprecated string `json:"deprecated,omitempty"`
}

// RefToken returns the object type token a Ref names.
func (t TypeSpec) RefToken() string { return strings.TrimPrefix(t.Ref, "#/types/") }

// String renders the type the way docs and errors show it: "list(string)", "map(number)", "random:index:Rule".
func (t TypeSpec) String() string {
	switch {
	case t.Ref != "":
		return t.RefToken()
	case t.Type == "array" && t.Items != nil:
		return "list(" + t.Items.String() + ")"
	case t.Type == "map" && t.Values != nil:
		return "map(" + t.Values.String() + ")"
	}
	return t.Type
}

// MarshalSchema renders the schema as indented, deterministic JSON.
func MarshalSchema(s Schema) ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// UnmarshalSchema reads a schema and checks that it is one this code understands.
func UnmarshalSchema(data []byte) (Schema, error) {
	var s Schema
	if err := json.Unmarshal(data, &s); err != nil {
		return Schema{}, fmt.Errorf("decode provider schema: %w", err)
	}
	if s.SchemaVersion != SchemaVersion {
		return Schema{}, fmt.Errorf("provider schema version %d is not supported (this engine reads version %d)", s.SchemaVersion, SchemaVersion)
	}
	if s.Name == "" {
		return Schema{}, fmt.Errorf("provider schema has no name")
	}
	return s, nil
}

// schemaBuilder derives schema properties from Go struct types.
type schemaBuilder struct {
	pkg    string
	types  map[string]ObjectType
	seen   map[reflect.Type]string
	errors []string
}

func newSchemaBuilder(pkg string) *schemaBuilder {
	return &schemaBuilder{pkg: pkg, types: map[string]ObjectType{}, seen: map[reflect.Type]string{}}
}

// properties derives the properties of struct type t. module names the module nested types belong to.
func (b *schemaBuilder) properties(t reflect.Type, module string, inputs bool) map[string]Property {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	props := map[string]Property{}
	if t == nil || t.Kind() != reflect.Struct {
		return props
	}
	for _, f := range resource.StructFields(t) {
		sf := t.FieldByIndex(f.Index)
		p := Property{
			TypeSpec:    b.typeSpec(f.Type, module),
			Description: sf.Tag.Get("doc"),
			Deprecated:  sf.Tag.Get("deprecated"),
			Secret:      f.HasOption("secret"),
		}
		if inputs {
			p.ReplaceOnChanges = f.HasOption("replace")
		}
		if d, ok := sf.Tag.Lookup("default"); ok {
			v, err := parseDefault(d, f.Type)
			if err != nil {
				b.errors = append(b.errors, fmt.Sprintf("%s.%s: default %q: %v", t.Name(), sf.Name, d, err))
			}
			p.Default = v
		}
		nilable := f.Type.Kind() == reflect.Pointer || f.Type.Kind() == reflect.Slice ||
			f.Type.Kind() == reflect.Map || f.Type.Kind() == reflect.Interface
		p.Required = !nilable && !f.HasOption("optional") && p.Default == nil
		props[f.Name] = p
	}
	return props
}

func (b *schemaBuilder) typeSpec(t reflect.Type, module string) TypeSpec {
	if t == reflect.TypeOf(resource.PropertyValue{}) {
		return TypeSpec{Type: "any"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return b.typeSpec(t.Elem(), module)
	case reflect.String:
		return TypeSpec{Type: "string"}
	case reflect.Bool:
		return TypeSpec{Type: "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return TypeSpec{Type: "integer"}
	case reflect.Float32, reflect.Float64:
		return TypeSpec{Type: "number"}
	case reflect.Slice, reflect.Array:
		items := b.typeSpec(t.Elem(), module)
		return TypeSpec{Type: "array", Items: &items}
	case reflect.Map:
		values := b.typeSpec(t.Elem(), module)
		return TypeSpec{Type: "map", Values: &values}
	case reflect.Interface:
		return TypeSpec{Type: "any"}
	case reflect.Struct:
		if tok, ok := b.seen[t]; ok {
			return TypeSpec{Ref: "#/types/" + tok}
		}
		tok := b.pkg + ":" + module + ":" + t.Name()
		b.seen[t] = tok
		b.types[tok] = ObjectType{Description: docOf(t), Properties: b.properties(t, module, true)}
		return TypeSpec{Ref: "#/types/" + tok}
	}
	b.errors = append(b.errors, fmt.Sprintf("unsupported Go type %s", t))
	return TypeSpec{Type: "any"}
}

// docOf reads a type's description from a Doc method on its zero value, if it has one.
func docOf(t reflect.Type) string {
	if d, ok := reflect.New(t).Interface().(interface{ Doc() string }); ok {
		return d.Doc()
	}
	return ""
}

func parseDefault(s string, t reflect.Type) (any, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return s, nil
	case reflect.Bool:
		return strconv.ParseBool(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseInt(s, 10, 64)
		return float64(n), err
	case reflect.Float32, reflect.Float64:
		return strconv.ParseFloat(s, 64)
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("not valid JSON for %s", t)
	}
	return v, nil
}

// moduleOf returns the module part of a type token.
func moduleOf(token string) string {
	p := strings.Split(token, ":")
	if len(p) == 3 {
		return p[1]
	}
	return "index"
}

// sortedNames returns the keys of a property map in sorted order.
func sortedNames(m map[string]Property) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
