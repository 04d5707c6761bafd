package codegen

import (
	"fmt"
	"go/format"
	"strconv"
	"strings"

	"github.com/infrago/infra/sdk/provider"
)

// exampleDepth bounds how deep example values nest, so that recursive object types end.
const exampleDepth = 3

// example writes a complete program around body, the statements inside infra.Run. The documentation shows it,
// and the tests compile it, so the reference page cannot drift from the generated API.
type example struct {
	m    *model
	im   *imports
	body strings.Builder
}

func (m *model) newExample() *example {
	// A package no generated package is, so every generated name is qualified as a user program would write it.
	return &example{m: m, im: newImports(&pkgModel{})}
}

func (e *example) line(format string, args ...any) {
	fmt.Fprintf(&e.body, "\t\t"+format+"\n", args...)
}

// source assembles and formats the program.
func (e *example) source() (string, error) {
	e.im.useInfra()
	src := "package main\n\n" + e.im.block() + "func main() {\n\tinfra.Run(func(ctx *infra.Context) error {\n" +
		e.body.String() + "\t\treturn nil\n\t})\n}\n"
	out, err := format.Source([]byte(src))
	if err != nil {
		return "", fmt.Errorf("format example: %w\n%s", err, src)
	}
	return string(out), nil
}

// resourceExample is a program that creates one resource with its required inputs and exports an output.
func (m *model) resourceExample(pkg *pkgModel, r *resourceModel) (string, error) {
	e := m.newExample()
	q := e.im.qualifier(pkg)
	e.line("res, err := %sNew%s(ctx, %s, &%s%sArgs{", q, r.goName, strconv.Quote("my-"+snakeDash(r.goName)), q, r.goName)
	for _, p := range r.inputs {
		if p.prop.Required && p.prop.Default == nil {
			e.line("\t%s: %s,", p.goName, e.inputValue(p.prop.TypeSpec))
		}
	}
	e.line("})")
	e.line("if err != nil {")
	e.line("\treturn err")
	e.line("}")
	if out := exportedOutput(r.outputs, r.inputs); out != nil {
		e.line("ctx.Export(%s, res.%s)", strconv.Quote(out.name), out.goName)
	} else {
		e.line("ctx.Export(\"urn\", res.URN())")
	}
	return e.source()
}

// functionExample is a program that calls one function with its required arguments.
func (m *model) functionExample(pkg *pkgModel, f *functionModel) (string, error) {
	e := m.newExample()
	q := e.im.qualifier(pkg)
	out := exportedOutput(f.outputs, f.inputs)
	lhs := "_"
	if out != nil {
		lhs = "out"
	}
	e.line("%s, err := %s%s(ctx, &%s%sArgs{", lhs, q, f.goName, q, f.goName)
	for _, p := range f.inputs {
		if p.prop.Required && p.prop.Default == nil {
			e.line("\t%s: %s,", p.goName, e.plainValue(p.prop.TypeSpec, 0))
		}
	}
	e.line("})")
	e.line("if err != nil {")
	e.line("\treturn err")
	e.line("}")
	if out != nil {
		e.line("ctx.Export(%s, infra.Val(out.%s))", strconv.Quote(out.name), out.goName)
	}
	return e.source()
}

// providerExample is a program that configures a provider instance and hands it to a resource.
func (m *model) providerExample(pkg *pkgModel) (string, error) {
	e := m.newExample()
	q := e.im.qualifier(pkg)
	e.line("prov, err := %sNewProvider(ctx, %s, &%sProviderArgs{", q, strconv.Quote("my-"+snakeDash(m.schema.Name)), q)
	for _, p := range m.config {
		if p.prop.Required && p.prop.Default == nil {
			e.line("\t%s: %s,", p.goName, e.inputValue(p.prop.TypeSpec))
		}
	}
	e.line("})")
	e.line("if err != nil {")
	e.line("\treturn err")
	e.line("}")
	e.line("// Pass infra.Provider(prov) to the resources this instance should manage.")
	e.line("ctx.Export(\"provider\", prov.URN())")
	return e.source()
}

// exportedOutput picks the output an example exports: preferably one the provider computes (not an echo of an
// input), and a required one before an optional one.
func exportedOutput(outputs, inputs []*propModel) *propModel {
	isInput := map[string]bool{}
	for _, p := range inputs {
		isInput[p.name] = true
	}
	var best *propModel
	rank := func(p *propModel) int {
		r := 0
		if !isInput[p.name] {
			r += 2
		}
		if p.prop.Required {
			r++
		}
		return r
	}
	for _, p := range outputs {
		if best == nil || rank(p) > rank(best) {
			best = p
		}
	}
	return best
}

// inputValue is an example Input of type t.
func (e *example) inputValue(t provider.TypeSpec) string {
	switch {
	case t.Ref == "" && t.Type == "string":
		return `infra.String("example")`
	case t.Ref == "" && t.Type == "integer":
		return "infra.Int(16)"
	case t.Ref == "" && t.Type == "number":
		return "infra.Float64(1.5)"
	case t.Ref == "" && t.Type == "boolean":
		return "infra.Bool(true)"
	case t.Ref == "" && t.Type == "any":
		return `infra.Val[any]("example")`
	}
	return "infra.Val(" + e.plainValue(t, 0) + ")"
}

// plainValue is an example Go value of type t: object types are filled in with their required fields.
func (e *example) plainValue(t provider.TypeSpec, depth int) string {
	if t.Ref != "" {
		o := e.m.types[t.RefToken()]
		var fields []string
		if depth < exampleDepth {
			for _, p := range o.props {
				if p.prop.Required && p.prop.Default == nil && !e.m.byValueCycle[o.token][p.name] {
					fields = append(fields, p.goName+": "+e.plainValue(p.prop.TypeSpec, depth+1))
				}
			}
		}
		return e.m.goType(t, e.im) + "{" + strings.Join(fields, ", ") + "}"
	}
	switch t.Type {
	case "string", "any":
		return `"example"`
	case "integer":
		return "16"
	case "number":
		return "1.5"
	case "boolean":
		return "true"
	case "array":
		if depth >= exampleDepth {
			return "nil"
		}
		return e.m.goType(t, e.im) + "{" + e.plainValue(*t.Items, depth+1) + "}"
	case "map":
		if depth >= exampleDepth {
			return "nil"
		}
		return e.m.goType(t, e.im) + `{"example": ` + e.plainValue(*t.Values, depth+1) + "}"
	}
	return "nil"
}

// snakeDash is the kebab-case form of a name, for example resource names: "ForwardingRule" → "forwarding-rule".
func snakeDash(s string) string { return strings.ReplaceAll(snakeName(s), "_", "-") }
