package codegen

import "fmt"

// emitTypes generates types.go: one plain struct per object type of the package.
func (m *model) emitTypes(pkg *pkgModel) ([]byte, error) {
	f := m.newFile(pkg)
	for _, t := range pkg.types {
		doc := sentence(t.goName, t.schema.Description, fmt.Sprintf("is the %s object type.", t.token))
		m.emitPlainStruct(f, t.token, t.goName, doc, t.props, true)
	}
	return f.bytes("")
}
