package codegen

import (
	"fmt"
	"strconv"
	"strings"
)

// emitResource generates the file of one resource: its struct of outputs, its Args struct of inputs and its
// New constructor, which checks required inputs, registers the resource and wires every output.
func (m *model) emitResource(pkg *pkgModel, r *resourceModel) ([]byte, error) {
	f := m.newFile(pkg)
	in := f.infra()
	doc := sentence(r.goName, r.schema.Description, fmt.Sprintf("is %s %s resource.", article(r.token), r.token))
	if r.schema.DeleteBeforeReplace {
		doc += "\n\nReplacing it deletes the existing object before its replacement is created."
	}
	f.raw(comment(0, doc))
	f.line("type %s struct {", r.goName)
	f.line("\t%sCustomResourceState", in)
	if len(r.outputs) > 0 {
		f.line("")
	}
	for _, p := range r.outputs {
		f.raw(fieldDoc(1, p, false))
		f.line("\t%s %sOutput[%s]", p.goName, in, m.goType(p.prop.TypeSpec, f.im))
	}
	f.line("}")
	f.line("")

	m.emitArgs(f, r.goName+"Args", fmt.Sprintf("%sArgs are the arguments of New%s.", r.goName, r.goName), r.inputs)

	f.raw(comment(0, fmt.Sprintf("New%s registers %s %s resource named name.", r.goName, article(r.goName), r.goName)))
	f.line("func New%s(ctx *%sContext, name string, args *%sArgs, opts ...%sResourceOption) (*%s, error) {",
		r.goName, in, r.goName, in, r.goName)
	m.emitArgChecks(f, r.token, r.goName+"Args", r.inputs)
	f.line("\treg, err := ctx.RegisterResource(%s, name, %s, opts...)", strconv.Quote(r.token), propsLiteral(in, r.inputs))
	f.line("\tif err != nil {")
	f.line("\t\treturn nil, err")
	f.line("\t}")
	f.line("\tr := &%s{CustomResourceState: reg.CustomState()}", r.goName)
	for _, p := range r.outputs {
		f.line("\tr.%s = %sOutputProp[%s](reg, %s)", p.goName, in, m.goType(p.prop.TypeSpec, f.im), strconv.Quote(p.name))
	}
	f.line("\treturn r, nil")
	f.line("}")
	return f.bytes("")
}

// emitArgs writes an Args struct of Input fields.
func (m *model) emitArgs(f *goFile, name, doc string, inputs []*propModel) {
	f.raw(comment(0, doc))
	if len(inputs) == 0 {
		f.line("type %s struct{}", name)
		f.line("")
		return
	}
	f.line("type %s struct {", name)
	for _, p := range inputs {
		f.raw(fieldDoc(1, p, true))
		f.line("\t%s %sInput[%s]", p.goName, f.infra(), m.goType(p.prop.TypeSpec, f.im))
	}
	f.line("}")
	f.line("")
}

// emitArgChecks defaults a nil args to empty ones and rejects unset required inputs before anything is
// registered, so the mistake is reported at the line that made it rather than by the provider later.
func (m *model) emitArgChecks(f *goFile, token, argsType string, inputs []*propModel) {
	if len(inputs) == 0 {
		return
	}
	f.line("\tif args == nil {")
	f.line("\t\targs = &%s{}", argsType)
	f.line("\t}")
	for _, p := range inputs {
		if !p.prop.Required || p.prop.Default != nil {
			continue
		}
		f.line("\tif args.%s == nil {", p.goName)
		f.line("\t\treturn nil, %sMissingArgError(%s, name, %s)", f.infra(), strconv.Quote(token), strconv.Quote(p.goName))
		f.line("\t}")
	}
}

// propsLiteral renders the infra.Props of a registration: every input by its schema name.
func propsLiteral(in string, inputs []*propModel) string {
	if len(inputs) == 0 {
		return in + "Props{}"
	}
	var b strings.Builder
	b.WriteString(in + "Props{\n")
	for _, p := range inputs {
		fmt.Fprintf(&b, "\t\t%s: %sProp(args.%s),\n", strconv.Quote(p.name), in, p.goName)
	}
	b.WriteString("\t}")
	return b.String()
}
