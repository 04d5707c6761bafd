package codegen

import (
	"sort"
	"strconv"

	"github.com/infrago/infra/sdk/provider"
)

// imports collects the packages one generated file refers to and the names it refers to them by.
type imports struct {
	self    *pkgModel
	infra   bool              // the program SDK is used
	aliases map[string]string // import path → name used in the file
	taken   map[string]bool   // names in use
}

func newImports(self *pkgModel) *imports {
	return &imports{self: self, aliases: map[string]string{}, taken: map[string]bool{"infra": true}}
}

// useInfra records that the file uses the program SDK and returns its qualifier.
func (im *imports) useInfra() string {
	im.infra = true
	return "infra."
}

// qualifier returns what to put before a name declared in package p: nothing within p itself, otherwise the
// package's import name and a dot. Import names that generated code would shadow or that are taken get a
// "pkg" suffix.
func (im *imports) qualifier(p *pkgModel) string {
	if p == im.self {
		return ""
	}
	if a, ok := im.aliases[p.importPath]; ok {
		return a + "."
	}
	a := p.name
	if isGeneratedLocal(a) {
		a += "pkg"
	}
	for im.taken[a] {
		a += "x"
	}
	im.taken[a] = true
	im.aliases[p.importPath] = a
	return a + "."
}

// block renders the import declaration, or nothing when the file imports nothing.
func (im *imports) block() string {
	type spec struct{ path, alias string }
	var specs []spec
	if im.infra {
		specs = append(specs, spec{infraImportPath, ""})
	}
	for p, a := range im.aliases {
		alias := a
		if alias == lastElem(p) {
			alias = ""
		}
		specs = append(specs, spec{p, alias})
	}
	if len(specs) == 0 {
		return ""
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].path < specs[j].path })
	out := "import (\n"
	for _, s := range specs {
		if s.alias != "" {
			out += "\t" + s.alias + " "
		} else {
			out += "\t"
		}
		out += strconv.Quote(s.path) + "\n"
	}
	return out + ")\n\n"
}

func lastElem(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// goType renders the Go type of a validated type spec as seen from the file im belongs to.
func (m *model) goType(t provider.TypeSpec, im *imports) string {
	if t.Ref != "" {
		o := m.types[t.RefToken()]
		return im.qualifier(o.pkg) + o.goName
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
		return "[]" + m.goType(*t.Items, im)
	case "map":
		return "map[string]" + m.goType(*t.Values, im)
	}
	return "any"
}

// nilable reports whether the Go type of t has nil as its zero value, so that an absent value needs no pointer.
func nilable(t provider.TypeSpec) bool {
	return t.Ref == "" && (t.Type == "array" || t.Type == "map" || t.Type == "any")
}

// plainFieldType is the type of a field of a plain struct (object types, function arguments and results):
// optional values are pointers so that "absent" differs from the zero value, and so are required fields that
// would otherwise make a struct contain itself.
func (m *model) plainFieldType(owner string, p *propModel, im *imports) string {
	t := m.goType(p.prop.TypeSpec, im)
	optional := !p.prop.Required || p.prop.Default != nil
	if (optional && !nilable(p.prop.TypeSpec)) || m.byValueCycle[owner][p.name] {
		return "*" + t
	}
	return t
}

// structTag is the codec tag of a plain struct field.
func structTag(p *propModel) string {
	v := p.name
	if p.prop.Secret {
		v += ",secret"
	}
	return "`infra:" + strconv.Quote(v) + "`"
}
