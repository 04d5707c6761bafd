package codegen

import (
	"strings"
	"testing"

	"github.com/infrago/infra/sdk/provider"
)

func str() provider.TypeSpec { return provider.TypeSpec{Type: "string"} }

func prop(t provider.TypeSpec) provider.Property { return provider.Property{TypeSpec: t} }

func ref(tok string) provider.TypeSpec { return provider.TypeSpec{Ref: "#/types/" + tok} }

// schemaWith returns a valid schema changed by edit.
func schemaWith(edit func(s *provider.Schema)) provider.Schema {
	s := provider.Schema{
		SchemaVersion: provider.SchemaVersion,
		Name:          "p",
		Resources: map[string]provider.ResourceSchema{
			"p:index:Thing": {
				Inputs:  map[string]provider.Property{"name": prop(str())},
				Outputs: map[string]provider.Property{"name": prop(str())},
			},
		},
		Types: map[string]provider.ObjectType{
			"p:index:Rule": {Properties: map[string]provider.Property{"port": prop(provider.TypeSpec{Type: "integer"})}},
		},
	}
	edit(&s)
	return s
}

func TestInvalidSchemas(t *testing.T) {
	tests := []struct {
		name string
		edit func(s *provider.Schema)
		want string
	}{
		{"no name", func(s *provider.Schema) { s.Name = "" }, "provider schema has no name"},
		{"name without letters", func(s *provider.Schema) { s.Name = "9" }, `provider name "9" cannot name a Go package`},
		{"token with two parts", func(s *provider.Schema) {
			s.Resources["p:Thing"] = provider.ResourceSchema{}
		}, `resource "p:Thing": bad token: want p:<module>:<Name>`},
		{"token of another provider", func(s *provider.Schema) {
			s.Functions = map[string]provider.FunctionSchema{"q:index:getX": {}}
		}, `function "q:index:getX": bad token: it belongs to package "q"`},
		{"type name not an identifier", func(s *provider.Schema) {
			s.Types["p:index:1Rule"] = provider.ObjectType{}
		}, `object type "p:index:1Rule": bad token: name "1Rule" must be an ASCII identifier`},
		{"module without letters", func(s *provider.Schema) {
			s.Resources["p:--:X"] = provider.ResourceSchema{}
		}, `bad token: module "--" has no letters or digits`},
		{"unknown type name", func(s *provider.Schema) {
			s.Resources["p:index:Thing"].Inputs["size"] = prop(provider.TypeSpec{Type: "int"})
		}, `resource p:index:Thing: input "size": unknown type "int" (want string, integer, number, boolean, array, map, any or a $ref)`},
		{"no type at all", func(s *provider.Schema) {
			s.Resources["p:index:Thing"].Outputs["size"] = prop(provider.TypeSpec{})
		}, `resource p:index:Thing: output "size": no type and no $ref`},
		{"unknown type in array items", func(s *provider.Schema) {
			s.Types["p:index:Rule"].Properties["ports"] = prop(provider.TypeSpec{Type: "array", Items: &provider.TypeSpec{Type: "port"}})
		}, `object type p:index:Rule: property "ports": array items: unknown type "port"`},
		{"array without items", func(s *provider.Schema) {
			s.Config = map[string]provider.Property{"zones": prop(provider.TypeSpec{Type: "array"})}
		}, `provider config: property "zones": array type has no items type`},
		{"map without values", func(s *provider.Schema) {
			s.Resources["p:index:Thing"].Inputs["tags"] = prop(provider.TypeSpec{Type: "map"})
		}, `input "tags": map type has no values type`},
		{"ref to an unknown type", func(s *provider.Schema) {
			s.Resources["p:index:Thing"].Inputs["rule"] = prop(ref("p:index:Rul"))
		}, `input "rule": $ref "#/types/p:index:Rul" names an object type the schema does not define`},
		{"ref to an unknown type in map values", func(s *provider.Schema) {
			s.Functions = map[string]provider.FunctionSchema{"p:index:getX": {Outputs: map[string]provider.Property{
				"rules": prop(provider.TypeSpec{Type: "map", Values: &provider.TypeSpec{Ref: "#/types/p:index:Nope"}}),
			}}}
		}, `function p:index:getX: result "rules": map values: $ref "#/types/p:index:Nope" names an object type`},
		{"external ref", func(s *provider.Schema) {
			s.Resources["p:index:Thing"].Inputs["rule"] = prop(provider.TypeSpec{Ref: "https://example.com/schema.json#/types/x"})
		}, `only references to this schema's types (#/types/<token>) are supported`},
		{"ref with a type", func(s *provider.Schema) {
			s.Resources["p:index:Thing"].Inputs["rule"] = prop(provider.TypeSpec{Type: "string", Ref: "#/types/p:index:Rule"})
		}, `type "string" and $ref "#/types/p:index:Rule" are both set`},
		{"property names colliding in Go", func(s *provider.Schema) {
			s.Resources["p:index:Thing"].Inputs["vpcId"] = prop(str())
			s.Resources["p:index:Thing"].Inputs["vpcID"] = prop(str())
		}, `resource p:index:Thing: inputs "vpcID" and "vpcId" would both be the Go field VPCID`},
		{"output colliding with a renamed id", func(s *provider.Schema) {
			s.Resources["p:index:Thing"].Outputs["id"] = prop(str())
			s.Resources["p:index:Thing"].Outputs["resourceId"] = prop(str())
		}, `outputs "id" and "resourceId" would both be the Go field ResourceID`},
		{"property name that breaks a struct tag", func(s *provider.Schema) {
			s.Types["p:index:Rule"].Properties[`a"b`] = prop(str())
		}, `property "a\"b": property name contains '"'`},
		{"property name without letters", func(s *provider.Schema) {
			s.Resources["p:index:Thing"].Inputs["__"] = prop(str())
		}, `input "__": property name has no letters or digits`},
		{"modules in one package", func(s *provider.Schema) {
			s.Resources["p:foo-bar:X"] = provider.ResourceSchema{}
			s.Resources["p:foobar:Y"] = provider.ResourceSchema{}
		}, `modules "foo-bar" and "foobar" would both generate package p/foobar`},
		{"resource and function with one Go name", func(s *provider.Schema) {
			s.Functions = map[string]provider.FunctionSchema{"p:index:thing": {}}
		}, `package p: resource p:index:Thing and function p:index:thing would both declare Thing`},
		{"resource named Provider", func(s *provider.Schema) {
			s.Resources["p:index:Provider"] = provider.ResourceSchema{}
		}, `package p: the provider resource and resource p:index:Provider would both declare Provider`},
		{"resource clashing with another's Args", func(s *provider.Schema) {
			s.Resources["p:index:ThingArgs"] = provider.ResourceSchema{}
		}, `would both declare ThingArgs`},
		{"import cycle between modules", func(s *provider.Schema) {
			s.Types["p:a:A"] = provider.ObjectType{Properties: map[string]provider.Property{"b": prop(ref("p:b:B"))}}
			s.Types["p:b:B"] = provider.ObjectType{Properties: map[string]provider.Property{"a": prop(ref("p:a:A"))}}
		}, `modules refer to each other's object types in a cycle, which Go packages cannot do: a → b (object type p:a:A property "b" uses p:b:B), b → a`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schemaWith(tt.edit)
			_, err := Generate(s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Generate error = %v\nwant it to contain %s", err, tt.want)
			}
			if _, derr := Docs(s); derr == nil || derr.Error() != err.Error() {
				t.Errorf("Docs error = %v, want the same as Generate's", derr)
			}
		})
	}
}

func TestValidSchemaEdgeCases(t *testing.T) {
	s := schemaWith(func(s *provider.Schema) {
		// An object type named like a resource is renamed rather than rejected.
		s.Types["p:index:Thing"] = provider.ObjectType{}
		// A type that holds itself by value (through another) gets pointers where the cycle closes.
		s.Types["p:index:A"] = provider.ObjectType{Properties: map[string]provider.Property{
			"b": {TypeSpec: ref("p:index:B"), Required: true}}}
		s.Types["p:index:B"] = provider.ObjectType{Properties: map[string]provider.Property{
			"a": {TypeSpec: ref("p:index:A"), Required: true}, "rule": {TypeSpec: ref("p:index:Rule"), Required: true}}}
	})
	files, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	types := string(files["p/types.go"])
	for _, want := range []string{"type ThingType struct{}", "B *B `infra:\"b\"`", "A *A `infra:\"a\"`", "Rule Rule `infra:\"rule\"`"} {
		if !strings.Contains(types, want) {
			t.Errorf("p/types.go lacks %q:\n%s", want, types)
		}
	}
}
