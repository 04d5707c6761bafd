package main

import (
	"fmt"

	"github.com/infrago/infra/providers/builtin"
	"github.com/infrago/infra/sdk/provider"
)

// builtinSchemas builds the schema of every built-in provider, in the order of builtin.Names.
func builtinSchemas() ([]provider.Schema, error) {
	var out []provider.Schema
	for _, name := range builtin.Names() {
		p, ok := builtin.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("built-in provider %q is listed but cannot be looked up", name)
		}
		s, err := p.BuildSchema()
		if err != nil {
			return nil, fmt.Errorf("build the schema of built-in provider %s: %w", name, err)
		}
		out = append(out, s)
	}
	return out, nil
}
