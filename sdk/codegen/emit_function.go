package codegen

import (
	"fmt"
	"strconv"
)

// emitFunction generates the file of one provider function: a wrapper over infra.Invoke with plain argument and
// result structs. Function arguments are plain values, not Inputs, because a function runs when it is called
// and needs its arguments then.
func (m *model) emitFunction(pkg *pkgModel, fn *functionModel) ([]byte, error) {
	f := m.newFile(pkg)
	in := f.infra()
	f.raw(comment(0, sentence(fn.goName, fn.schema.Description, fmt.Sprintf("calls the %s function.", fn.token))))
	f.line("func %s(ctx *%sContext, args *%sArgs, opts ...%sInvokeOption) (*%sResult, error) {",
		fn.goName, in, fn.goName, in, fn.goName)
	f.line("\tif args == nil {")
	f.line("\t\targs = &%sArgs{}", fn.goName)
	f.line("\t}")
	f.line("\tres, err := %sInvoke[%sResult](ctx, %s, args, opts...)", in, fn.goName, strconv.Quote(fn.token))
	f.line("\tif err != nil {")
	f.line("\t\treturn nil, err")
	f.line("\t}")
	f.line("\treturn &res, nil")
	f.line("}")
	f.line("")
	m.emitPlainStruct(f, fn.token+"#args", fn.goName+"Args", fmt.Sprintf("%sArgs are the arguments of %s.", fn.goName, fn.goName), fn.inputs, true)
	m.emitPlainStruct(f, fn.token+"#result", fn.goName+"Result", fmt.Sprintf("%sResult is the result of %s.", fn.goName, fn.goName), fn.outputs, false)
	return f.bytes("")
}

// emitPlainStruct writes a struct of plain fields with codec tags. owner identifies the struct for the
// recursion check (only object types can recurse).
func (m *model) emitPlainStruct(f *goFile, owner, name, doc string, props []*propModel, input bool) {
	f.raw(comment(0, doc))
	if len(props) == 0 {
		f.line("type %s struct{}", name)
		f.line("")
		return
	}
	f.line("type %s struct {", name)
	for _, p := range props {
		f.raw(fieldDoc(1, p, input))
		f.line("\t%s %s %s", p.goName, m.plainFieldType(owner, p, f.im), structTag(p))
	}
	f.line("}")
	f.line("")
}
