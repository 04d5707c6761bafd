package codegen

import (
	"fmt"
	"strings"

	"github.com/infrago/infra/sdk/provider"
)

// DocsHeader is the first line of a generated reference page; like Header it marks the file as generated.
func DocsHeader(pkg string) string {
	return "<!-- " + strings.TrimPrefix(Header(pkg), "// ") + " -->"
}

// Docs returns the Markdown reference page of the provider described by s: an overview, the provider
// configuration, then every resource (description, a Go example, inputs and outputs), function and object type.
// It validates s like Generate does.
func Docs(s provider.Schema) ([]byte, error) {
	m, err := buildModel(s, DefaultImportRoot)
	if err != nil {
		return nil, err
	}
	d := &docWriter{m: m}
	if err := d.write(); err != nil {
		return nil, fmt.Errorf("provider %s docs: %w", s.Name, err)
	}
	return []byte(d.b.String()), nil
}

// docWriter builds the reference page.
type docWriter struct {
	m *model
	b strings.Builder
}

func (d *docWriter) p(format string, args ...any) {
	fmt.Fprintf(&d.b, format, args...)
	d.b.WriteByte('\n')
}

func (d *docWriter) write() error {
	s := d.m.schema
	idx := d.m.packages["index"]
	d.p("%s", DocsHeader(s.Name))
	d.p("")
	d.p("# %s provider", s.Name)
	d.p("")
	if desc := strings.TrimSpace(s.Description); desc != "" {
		d.p("%s", mdText(desc))
		d.p("")
	}
	if s.Version != "" {
		d.p("Schema version `%s`.", s.Version)
		d.p("")
	}
	d.p("The Go bindings are generated from the provider's schema (`make gen`); every resource has a `New<Resource>` " +
		"constructor taking an `Args` struct of inputs, and its outputs are `infra.Output` fields.")
	d.p("")
	d.p("| Go package | Contents |")
	d.p("|---|---|")
	for _, pkg := range d.m.sortedPackages() {
		d.p("| `%s` | %s |", pkg.importPath, cell(packageContents(pkg)))
	}
	d.p("")

	d.p("## Configuration")
	d.p("")
	d.p("The default `%s` provider is configured from the stack's configuration. To configure an instance "+
		"explicitly, create it with `%s.NewProvider` and pass it to resources with `infra.Provider`.", s.Name, idx.name)
	d.p("")
	if len(d.m.config) == 0 {
		d.p("The provider has no configuration.")
		d.p("")
	} else {
		d.inputTable(d.m.config, false)
	}
	src, err := d.m.providerExample(idx)
	if err != nil {
		return err
	}
	d.code(src)

	if err := d.resources(); err != nil {
		return err
	}
	if err := d.functions(); err != nil {
		return err
	}
	d.types()
	return nil
}

func (d *docWriter) resources() error {
	var all []*resourceModel
	pkgOf := map[*resourceModel]*pkgModel{}
	for _, pkg := range d.m.sortedPackages() {
		for _, r := range pkg.resources {
			all = append(all, r)
			pkgOf[r] = pkg
		}
	}
	if len(all) == 0 {
		return nil
	}
	d.p("## Resources")
	d.p("")
	for _, r := range all {
		pkg := pkgOf[r]
		d.anchor(r.token)
		d.p("### %s", r.goName)
		d.p("")
		d.p("`%s` · `%s.New%s` in `%s`", r.token, pkg.name, r.goName, pkg.importPath)
		d.p("")
		if desc := strings.TrimSpace(r.schema.Description); desc != "" {
			d.p("%s", mdText(desc))
			d.p("")
		}
		if r.schema.DeleteBeforeReplace {
			d.p("Replacing it deletes the existing object before its replacement is created.")
			d.p("")
		}
		src, err := d.m.resourceExample(pkg, r)
		if err != nil {
			return fmt.Errorf("resource %s: %w", r.token, err)
		}
		d.code(src)
		d.p("#### Inputs")
		d.p("")
		if len(r.inputs) == 0 {
			d.p("None.")
			d.p("")
		} else {
			d.inputTable(r.inputs, true)
		}
		d.p("#### Outputs")
		d.p("")
		d.p("Besides `ID()` and `URN()`:")
		d.p("")
		if len(r.outputs) == 0 {
			d.p("None.")
			d.p("")
		} else {
			d.outputTable(r.outputs)
		}
	}
	return nil
}

func (d *docWriter) functions() error {
	first := true
	for _, pkg := range d.m.sortedPackages() {
		for _, f := range pkg.functions {
			if first {
				d.p("## Functions")
				d.p("")
				first = false
			}
			d.anchor(f.token)
			d.p("### %s", f.goName)
			d.p("")
			d.p("`%s` · `%s.%s` in `%s`", f.token, pkg.name, f.goName, pkg.importPath)
			d.p("")
			if desc := strings.TrimSpace(f.schema.Description); desc != "" {
				d.p("%s", mdText(desc))
				d.p("")
			}
			src, err := d.m.functionExample(pkg, f)
			if err != nil {
				return fmt.Errorf("function %s: %w", f.token, err)
			}
			d.code(src)
			d.p("#### Arguments")
			d.p("")
			if len(f.inputs) == 0 {
				d.p("None.")
				d.p("")
			} else {
				d.inputTable(f.inputs, false)
			}
			d.p("#### Result")
			d.p("")
			if len(f.outputs) == 0 {
				d.p("None.")
				d.p("")
			} else {
				d.outputTable(f.outputs)
			}
		}
	}
	return nil
}

func (d *docWriter) types() {
	first := true
	for _, pkg := range d.m.sortedPackages() {
		for _, t := range pkg.types {
			if first {
				d.p("## Types")
				d.p("")
				first = false
			}
			d.anchor(t.token)
			d.p("### %s", t.goName)
			d.p("")
			d.p("`%s` · `%s.%s` in `%s`", t.token, pkg.name, t.goName, pkg.importPath)
			d.p("")
			if desc := strings.TrimSpace(t.schema.Description); desc != "" {
				d.p("%s", mdText(desc))
				d.p("")
			}
			if len(t.props) == 0 {
				d.p("No properties.")
				d.p("")
				continue
			}
			d.inputTable(t.props, false)
		}
	}
}
