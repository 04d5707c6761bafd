package codegen

import (
	"fmt"
	"strings"
)

// emitDoc generates doc.go, which carries the package doc comment.
func (m *model) emitDoc(pkg *pkgModel) ([]byte, error) {
	s := m.schema
	var text string
	if pkg.index {
		text = fmt.Sprintf("Package %s is the typed Go binding of the %s provider", pkg.name, s.Name)
		if s.Version != "" {
			text += fmt.Sprintf(" (schema version %s)", s.Version)
		}
		text += "."
		if d := strings.TrimSpace(s.Description); d != "" {
			text += "\n\n" + d
		}
		if others := m.moduleList(); others != "" {
			text += "\n\nResources of other modules are in the packages " + others + "."
		}
	} else {
		text = fmt.Sprintf("Package %s is the typed Go binding of the %s module of the %s provider.", pkg.name, pkg.module, s.Name)
	}
	text += fmt.Sprintf("\n\nIt is generated from the provider's schema by `make gen`; see docs/providers/%s.md for the reference.", s.Name)
	f := m.newFile(pkg)
	return f.bytes(comment(0, text))
}

// moduleList names the import paths of the non-index packages, for the index package's doc.
func (m *model) moduleList() string {
	var paths []string
	for _, p := range m.sortedPackages() {
		if !p.index {
			paths = append(paths, p.importPath)
		}
	}
	return strings.Join(paths, ", ")
}
