package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/infrago/infra/stacks/project"
)

// Infra.yaml may declare configuration keys with a type, a default, a description and whether they are secret.
// The declarations are applied here, where the CLI hands configuration to a program and where `config set`
// stores a value: a declared key that is not set gets its default, a value is converted to the declared type (or
// refused, naming the file, the key and the fix), and a key declared secret must be set with --secret.

// declared returns the declaration of a (qualified) key, if any.
func declared(p *project.Project, key string) (project.ConfigDecl, bool) {
	for k, d := range p.Config {
		if p.QualifyKey(k) == key {
			return d, true
		}
	}
	return project.ConfigDecl{}, false
}

// coerce converts v to the declared type: a string "3" to 3 for an integer, "true" to true for a boolean, and so
// on. what names the value for the error.
func coerce(d project.ConfigDecl, key string, v any, what string) (any, error) {
	bad := func(want string) error {
		return fmt.Errorf("configuration value %s %s is not %s, as Infra.yaml declares it: fix it with `infra config set %s <value>`",
			key, what, want, key)
	}
	switch d.Type {
	case "", project.ConfigString:
		switch x := v.(type) {
		case string:
			return x, nil
		case nil:
			return nil, nil
		}
		return fmt.Sprint(v), nil
	case project.ConfigInteger:
		switch x := v.(type) {
		case int:
			return x, nil
		case int64:
			return int(x), nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int(x), nil
			}
		case string:
			if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
				return n, nil
			}
		}
		return nil, bad("an integer")
	case project.ConfigNumber:
		switch x := v.(type) {
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case float64:
			return x, nil
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return f, nil
			}
		}
		return nil, bad("a number")
	case project.ConfigBoolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
				return b, nil
			}
		}
		return nil, bad("true or false")
	case project.ConfigObject:
		switch v.(type) {
		case map[string]any, []any:
			return v, nil
		}
		return nil, bad("an object (a YAML map or list)")
	}
	return v, nil
}

// applyDeclarations fills defaults into vals, converts declared values, and checks declared secrets.
func applyDeclarations(p *project.Project, file string, vals map[string]project.ConfigValue) error {
	keys := make([]string, 0, len(p.Config))
	for k := range p.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var problems []string
	for _, k := range keys {
		d := p.Config[k]
		key := p.QualifyKey(k)
		v, ok := vals[key]
		if !ok {
			if d.Default != nil {
				vals[key] = project.ConfigValue{Value: d.Default}
			}
			continue
		}
		if d.Secret && !v.Secret {
			problems = append(problems, fmt.Sprintf("%s is declared secret in Infra.yaml but stored in plain text in %s: set it again with `infra config set --secret %s`", key, file, k))
			continue
		}
		what := "in " + file
		if !v.Secret {
			what = fmt.Sprintf("%q in %s", fmt.Sprint(v.Value), file)
		}
		c, err := coerce(d, k, v.Value, what)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		v.Value = c
		vals[key] = v
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return nil
}
