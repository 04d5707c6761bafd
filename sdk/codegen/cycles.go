package codegen

import (
	"fmt"
	"sort"
	"strings"

	"github.com/infrago/infra/sdk/provider"
)

// checkImportCycles rejects schemas whose modules refer to each other's object types in a circle: each module
// is its own Go package, and Go packages cannot import each other.
func (m *model) checkImportCycles() error {
	// deps[a][b] says why package a imports package b.
	deps := map[*pkgModel]map[*pkgModel]string{}
	use := func(from *pkgModel, what string, props []*propModel) {
		for _, p := range props {
			for _, tok := range refTokens(p.prop.TypeSpec) {
				to := m.types[tok].pkg
				if to == from {
					continue
				}
				if deps[from] == nil {
					deps[from] = map[*pkgModel]string{}
				}
				if _, ok := deps[from][to]; !ok {
					deps[from][to] = fmt.Sprintf("%s property %q uses %s", what, p.name, tok)
				}
			}
		}
	}
	for _, pkg := range m.sortedPackages() {
		if pkg.index {
			use(pkg, "provider config", m.config)
		}
		for _, r := range pkg.resources {
			use(pkg, "resource "+r.token, r.inputs)
			use(pkg, "resource "+r.token, r.outputs)
		}
		for _, f := range pkg.functions {
			use(pkg, "function "+f.token, f.inputs)
			use(pkg, "function "+f.token, f.outputs)
		}
		for _, t := range pkg.types {
			use(pkg, "object type "+t.token, t.props)
		}
	}
	const (
		unvisited = iota
		active
		done
	)
	state := map[*pkgModel]int{}
	var stack []*pkgModel
	var visit func(p *pkgModel) error
	visit = func(p *pkgModel) error {
		state[p] = active
		stack = append(stack, p)
		targets := make([]*pkgModel, 0, len(deps[p]))
		for t := range deps[p] {
			targets = append(targets, t)
		}
		sort.Slice(targets, func(i, j int) bool { return targets[i].dir < targets[j].dir })
		for _, t := range targets {
			switch state[t] {
			case active:
				i := len(stack) - 1
				for stack[i] != t {
					i--
				}
				cycle := append(append([]*pkgModel(nil), stack[i:]...), t)
				var why []string
				for j := 0; j+1 < len(cycle); j++ {
					why = append(why, fmt.Sprintf("%s → %s (%s)", cycle[j].module, cycle[j+1].module, deps[cycle[j]][cycle[j+1]]))
				}
				return fmt.Errorf("modules refer to each other's object types in a cycle, which Go packages cannot do: %s; "+
					"move the shared types into one module", strings.Join(why, ", "))
			case unvisited:
				if err := visit(t); err != nil {
					return err
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[p] = done
		return nil
	}
	for _, p := range m.sortedPackages() {
		if state[p] == unvisited {
			if err := visit(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// refTokens lists the object types a type spec refers to, directly or through array items and map values.
func refTokens(t provider.TypeSpec) []string {
	switch {
	case t.Ref != "":
		return []string{t.RefToken()}
	case t.Items != nil:
		return refTokens(*t.Items)
	case t.Values != nil:
		return refTokens(*t.Values)
	}
	return nil
}
