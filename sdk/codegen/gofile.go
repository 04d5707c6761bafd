package codegen

import (
	"fmt"
	"go/format"
	"strings"
)

// goFile accumulates the body of one generated Go file; imports are collected while the body is written and
// emitted in front of it at the end.
type goFile struct {
	m    *model
	pkg  *pkgModel
	im   *imports
	body strings.Builder
}

func (m *model) newFile(pkg *pkgModel) *goFile {
	return &goFile{m: m, pkg: pkg, im: newImports(pkg)}
}

// line writes one line of the body, formatted like fmt.Sprintf.
func (f *goFile) line(format string, args ...any) {
	fmt.Fprintf(&f.body, format, args...)
	f.body.WriteByte('\n')
}

// raw writes text to the body as it is.
func (f *goFile) raw(s string) { f.body.WriteString(s) }

// infra returns the qualifier of the program SDK and records the import.
func (f *goFile) infra() string { return f.im.useInfra() }

// bytes assembles the file: header, package doc (if any), package clause, imports and body, gofmt'ed.
func (f *goFile) bytes(packageDoc string) ([]byte, error) {
	var b strings.Builder
	b.WriteString(Header(f.m.schema.Name) + "\n\n")
	b.WriteString(packageDoc)
	b.WriteString("package " + f.pkg.name + "\n\n")
	b.WriteString(f.im.block())
	b.WriteString(f.body.String())
	src, err := format.Source([]byte(b.String()))
	if err != nil {
		// Generated code that does not parse is a bug in this package; the source helps find it.
		return nil, fmt.Errorf("format generated code: %w\n%s", err, b.String())
	}
	return src, nil
}

// fieldDoc is the doc comment of a struct field: the description, the notes that apply, and a Deprecated
// paragraph. Fields with nothing to say get no comment.
func fieldDoc(indent int, p *propModel, input bool) string {
	notes := propertyNotes(p, input)
	if strings.TrimSpace(p.prop.Description) == "" && len(notes) == 0 && p.prop.Deprecated == "" {
		return ""
	}
	text := sentence(p.goName, p.prop.Description, fmt.Sprintf("is the %q property.", p.name))
	if len(notes) > 0 {
		text += " " + strings.Join(notes, " ")
	}
	if d := strings.TrimSpace(p.prop.Deprecated); d != "" {
		text += "\n\nDeprecated: " + finish(d)
	}
	return comment(indent, text)
}
