package codegen

import (
	"fmt"
	"path"
	"sort"

	"github.com/infrago/infra/sdk/provider"
)

// model is a validated schema with every Go name, file and package decided, so that emitting code cannot fail
// on the schema any more.
type model struct {
	schema     provider.Schema
	importRoot string
	packages   map[string]*pkgModel    // by schema module name
	types      map[string]*objectModel // by type token
	config     []*propModel            // the provider's configuration, sorted by Go name
	// byValueCycle marks (type token, property) pairs whose by-value field would make a recursive struct of
	// infinite size; those fields are pointers even when required.
	byValueCycle map[string]map[string]bool
}

// pkgModel is one generated Go package: a module of the provider.
type pkgModel struct {
	module     string // the schema module ("index", "ec2")
	name       string // the Go package name, also the last element of dir
	dir        string // relative to sdk/: "random", "aws/ec2"
	importPath string
	index      bool
	resources  []*resourceModel // sorted by Go name
	functions  []*functionModel // sorted by Go name
	types      []*objectModel   // sorted by Go name
}

// resourceModel is one resource type.
type resourceModel struct {
	token   string
	goName  string
	file    string // without ".go"
	schema  provider.ResourceSchema
	inputs  []*propModel
	outputs []*propModel
}

// functionModel is one provider function.
type functionModel struct {
	token   string
	goName  string
	file    string
	schema  provider.FunctionSchema
	inputs  []*propModel
	outputs []*propModel
}

// objectModel is one object type.
type objectModel struct {
	token  string
	goName string
	pkg    *pkgModel
	schema provider.ObjectType
	props  []*propModel
}

// propModel is one property with its Go field name.
type propModel struct {
	name   string
	goName string
	prop   provider.Property
}

// isReservedResourceField reports whether a resource struct already has the name through its embedded state: a
// field with such a name would hide the ID() and URN() methods, and the struct would no longer be a resource.
func isReservedResourceField(name string) bool {
	return name == "ID" || name == "URN" || name == "CustomResourceState"
}

// noneReserved reserves no field names: plain structs and Args structs have no methods.
func noneReserved(string) bool { return false }

// buildModel validates s and decides every name.
func buildModel(s provider.Schema, importRoot string) (*model, error) {
	if err := validateSchemaHeader(s); err != nil {
		return nil, err
	}
	m := &model{schema: s, importRoot: importRoot, packages: map[string]*pkgModel{}, types: map[string]*objectModel{}}
	idx, err := m.pkg("index")
	if err != nil {
		return nil, err
	}
	idx.index = true
	// Types first: the other declarations' properties are checked against them.
	for _, add := range []func() error{m.addTypes, m.addResources, m.addFunctions} {
		if err := add(); err != nil {
			return nil, err
		}
	}
	if m.config, err = m.props("provider config", "property", s.Config, noneReserved); err != nil {
		return nil, err
	}
	if err := m.checkTypeSpecs(); err != nil {
		return nil, err
	}
	for _, pkg := range m.sortedPackages() {
		sortPackage(pkg)
		if err := checkPackageNames(pkg); err != nil {
			return nil, err
		}
	}
	if err := m.checkImportCycles(); err != nil {
		return nil, err
	}
	m.byValueCycle = findValueCycles(m)
	return m, nil
}

// place checks a token and returns the package its declaration goes to and its Go name.
func (m *model) place(kind, tok string) (*pkgModel, string, error) {
	mod, name, err := splitToken(m.schema.Name, tok)
	if err != nil {
		return nil, "", fmt.Errorf("%s %q: %w", kind, tok, err)
	}
	pkg, err := m.pkg(mod)
	if err != nil {
		return nil, "", fmt.Errorf("%s %s: %w", kind, tok, err)
	}
	return pkg, goName(name), nil
}

func (m *model) addTypes() error {
	for _, tok := range sortedKeys(m.schema.Types) {
		t := m.schema.Types[tok]
		pkg, name, err := m.place("object type", tok)
		if err != nil {
			return err
		}
		o := &objectModel{token: tok, goName: name, pkg: pkg, schema: t}
		if o.props, err = m.props("object type "+tok, "property", t.Properties, noneReserved); err != nil {
			return err
		}
		pkg.types = append(pkg.types, o)
		m.types[tok] = o
	}
	return nil
}

func (m *model) addResources() error {
	for _, tok := range sortedKeys(m.schema.Resources) {
		r := m.schema.Resources[tok]
		pkg, name, err := m.place("resource", tok)
		if err != nil {
			return err
		}
		rm := &resourceModel{token: tok, goName: name, file: fileBase(name, "resource"), schema: r}
		if rm.inputs, err = m.props("resource "+tok, "input", r.Inputs, noneReserved); err != nil {
			return err
		}
		if rm.outputs, err = m.props("resource "+tok, "output", r.Outputs, isReservedResourceField); err != nil {
			return err
		}
		pkg.resources = append(pkg.resources, rm)
	}
	return nil
}

func (m *model) addFunctions() error {
	for _, tok := range sortedKeys(m.schema.Functions) {
		f := m.schema.Functions[tok]
		pkg, name, err := m.place("function", tok)
		if err != nil {
			return err
		}
		fm := &functionModel{token: tok, goName: name, file: fileBase(name, "function"), schema: f}
		if fm.inputs, err = m.props("function "+tok, "argument", f.Inputs, noneReserved); err != nil {
			return err
		}
		if fm.outputs, err = m.props("function "+tok, "result", f.Outputs, noneReserved); err != nil {
			return err
		}
		pkg.functions = append(pkg.functions, fm)
	}
	return nil
}

// pkg returns the package of schema module mod, creating it on first use. Two modules that would end up in the
// same Go package are an error.
func (m *model) pkg(mod string) (*pkgModel, error) {
	if p, ok := m.packages[mod]; ok {
		return p, nil
	}
	root := packageName(m.schema.Name)
	p := &pkgModel{module: mod, name: root, dir: root}
	if mod != "index" {
		p.name = packageName(mod)
		if p.name == "" {
			return nil, fmt.Errorf("module %q has no letters or digits to name a Go package after", mod)
		}
		p.dir = path.Join(root, p.name)
	}
	p.importPath = path.Join(m.importRoot, p.dir)
	for _, other := range m.packages {
		if other.dir == p.dir {
			return nil, fmt.Errorf("modules %q and %q would both generate package %s", other.module, mod, p.dir)
		}
	}
	m.packages[mod] = p
	return p, nil
}

// props validates the properties of one struct and gives each a unique Go name; reserved names get a
// "Resource" prefix ("id" → ResourceID).
func (m *model) props(owner, kind string, props map[string]provider.Property, reserved func(string) bool) ([]*propModel, error) {
	out := make([]*propModel, 0, len(props))
	byGo := map[string]string{}
	for _, name := range sortedKeys(props) {
		if err := validatePropertyName(name); err != nil {
			return nil, fmt.Errorf("%s: %s %q: %w", owner, kind, name, err)
		}
		gn := goName(name)
		if reserved(gn) {
			gn = "Resource" + gn
		}
		if other, dup := byGo[gn]; dup {
			return nil, fmt.Errorf("%s: %ss %q and %q would both be the Go field %s; rename one in the schema", owner, kind, other, name, gn)
		}
		byGo[gn] = name
		out = append(out, &propModel{name: name, goName: gn, prop: props[name]})
	}
	// Fields are listed by Go name so that the generated structs read in a stable, alphabetical order.
	sort.Slice(out, func(i, j int) bool { return out[i].goName < out[j].goName })
	return out, nil
}

// checkTypeSpecs validates every property's type, including references to object types.
func (m *model) checkTypeSpecs() error {
	check := func(owner, kind string, props map[string]provider.Property) error {
		for _, name := range sortedKeys(props) {
			if err := m.validateType(props[name].TypeSpec); err != nil {
				return fmt.Errorf("%s: %s %q: %w", owner, kind, name, err)
			}
		}
		return nil
	}
	s := m.schema
	if err := check("provider config", "property", s.Config); err != nil {
		return err
	}
	for _, tok := range sortedKeys(s.Types) {
		if err := check("object type "+tok, "property", s.Types[tok].Properties); err != nil {
			return err
		}
	}
	for _, tok := range sortedKeys(s.Resources) {
		if err := check("resource "+tok, "input", s.Resources[tok].Inputs); err != nil {
			return err
		}
		if err := check("resource "+tok, "output", s.Resources[tok].Outputs); err != nil {
			return err
		}
	}
	for _, tok := range sortedKeys(s.Functions) {
		if err := check("function "+tok, "argument", s.Functions[tok].Inputs); err != nil {
			return err
		}
		if err := check("function "+tok, "result", s.Functions[tok].Outputs); err != nil {
			return err
		}
	}
	return nil
}

// sortedPackages returns the packages ordered by directory.
func (m *model) sortedPackages() []*pkgModel {
	out := make([]*pkgModel, 0, len(m.packages))
	for _, p := range m.packages {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].dir < out[j].dir })
	return out
}

func sortPackage(p *pkgModel) {
	sort.Slice(p.resources, func(i, j int) bool { return p.resources[i].goName < p.resources[j].goName })
	sort.Slice(p.functions, func(i, j int) bool { return p.functions[i].goName < p.functions[j].goName })
	sort.Slice(p.types, func(i, j int) bool { return p.types[i].goName < p.types[j].goName })
}

// checkPackageNames makes sure the top-level Go names and file names of one package are unique. An object type
// whose name is taken by a resource or function (their Args, Result and New names included) is renamed with a
// "Type" suffix, because object type names come from provider internals (Go struct names) and rarely matter to
// users, while resource and function names are the API.
func checkPackageNames(p *pkgModel) error {
	names := map[string]string{} // Go name → what declared it
	claim := func(name, what string) error {
		if other, dup := names[name]; dup {
			return fmt.Errorf("package %s: %s and %s would both declare %s; rename one in the schema", p.dir, other, what, name)
		}
		names[name] = what
		return nil
	}
	files := map[string]string{"doc": "the package doc", "types": "the object types"}
	claimFile := func(file, what string) error {
		if other, dup := files[file]; dup {
			return fmt.Errorf("package %s: %s and %s would both be generated into %s.go; rename one in the schema", p.dir, other, what, file)
		}
		files[file] = what
		return nil
	}
	if p.index {
		files["provider"] = "the provider resource"
		for _, n := range []string{"Provider", "ProviderArgs", "NewProvider"} {
			if err := claim(n, "the provider resource"); err != nil {
				return err
			}
		}
	}
	for _, r := range p.resources {
		what := "resource " + r.token
		for _, n := range []string{r.goName, r.goName + "Args", "New" + r.goName} {
			if err := claim(n, what); err != nil {
				return err
			}
		}
		if err := claimFile(r.file, what); err != nil {
			return err
		}
	}
	for _, f := range p.functions {
		what := "function " + f.token
		for _, n := range []string{f.goName, f.goName + "Args", f.goName + "Result"} {
			if err := claim(n, what); err != nil {
				return err
			}
		}
		if err := claimFile(f.file, what); err != nil {
			return err
		}
	}
	for _, t := range p.types {
		if _, taken := names[t.goName]; taken {
			t.goName += "Type"
		}
		if err := claim(t.goName, "object type "+t.token); err != nil {
			return err
		}
	}
	// Renaming may have changed the order.
	sort.Slice(p.types, func(i, j int) bool { return p.types[i].goName < p.types[j].goName })
	return nil
}

// sortedKeys returns the keys of a map in sorted order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
