package project

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// projectFile is Infra.yaml as YAML sees it. Load checks the file on its node tree first (for messages with lines
// and suggestions) and then decodes it into this struct with KnownFields as a second, independent check.
type projectFile struct {
	Name        string                    `yaml:"name"`
	Description string                    `yaml:"description,omitempty"`
	Main        string                    `yaml:"main,omitempty"`
	Backend     string                    `yaml:"backend,omitempty"`
	Config      map[string]configDeclFile `yaml:"config,omitempty"`
	Providers   map[string]providerFile   `yaml:"providers,omitempty"`
	History     *historyFile              `yaml:"history,omitempty"`
}

type historyFile struct {
	Keep int `yaml:"keep"`
}

type configDeclFile struct {
	Type        string `yaml:"type,omitempty"`
	Default     *any   `yaml:"default,omitempty"`
	Description string `yaml:"description,omitempty"`
	Secret      bool   `yaml:"secret,omitempty"`
}

type providerFile struct {
	Path     string `yaml:"path,omitempty"`
	SHA256   string `yaml:"sha256,omitempty"`
	Parallel int    `yaml:"parallel,omitempty"`
}

var (
	projectFields  = []string{"name", "description", "main", "backend", "config", "providers", "history"}
	configFields   = []string{"type", "default", "description", "secret"}
	providerFields = []string{"path", "sha256", "parallel"}
)

// parseProject validates and decodes Infra.yaml content. file names the file in messages.
func parseProject(file string, data []byte) (*Project, error) {
	root, err := parseDocument(file, data)
	if err != nil {
		return nil, err
	}
	missingName := &FileError{File: file, Msg: `missing required field "name": add name: <project-name>`}
	if root == nil {
		return nil, missingName
	}
	if root.Kind != yaml.MappingNode {
		return nil, &FileError{File: file, Line: root.Line, Msg: "the file must be a mapping of fields (name: ..., description: ...), not " + kindName(root)}
	}
	ps := &problems{file: file}
	checkPlainYAML(ps, root)
	if err := ps.err(); err != nil {
		// Aliases and repeated keys make the rest of the tree ambiguous; stop here.
		return nil, err
	}
	p := &Project{}
	hasName := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "name":
			hasName = true
			if s, ok := stringField(ps, "name", v); ok {
				if err := ValidateProjectName(s); err != nil {
					ps.add(v.Line, "%v", err)
				}
				p.Name = s
			}
		case "description":
			p.Description, _ = stringField(ps, "description", v)
		case "main":
			if s, ok := stringField(ps, "main", v); ok {
				if filepath.IsAbs(s) || strings.HasPrefix(s, "/") {
					ps.add(v.Line, "main must be the program's directory relative to the project (e.g. main: ./app), not an absolute path")
				}
				p.Main = s
			}
		case "backend":
			if s, ok := stringField(ps, "backend", v); ok {
				checkBackend(ps, v.Line, s)
				p.Backend = s
			}
		case "config":
			p.Config = parseConfigDecls(ps, v)
		case "providers":
			p.Providers = parseProviders(ps, v)
		case "history":
			p.HistoryKeep = parseHistory(ps, v)
		default:
			ps.add(k.Line, "%s", unknownMsg("field", k.Value, projectFields))
		}
	}
	if !hasName {
		ps.errs = append(ps.errs, missingName)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	// The second check: a strict decode must agree with the node walk.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var pf projectFile
	if err := dec.Decode(&pf); err != nil {
		return nil, &FileError{File: file, Msg: fmt.Sprintf("invalid project file: %v", err)}
	}
	return p, nil
}

// parseHistory reads `history: {keep: N}`, the number of versions each stack's history keeps.
func parseHistory(ps *problems, n *yaml.Node) int {
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 || n.Content[0].Value != "keep" {
		ps.add(n.Line, "history must be a mapping with one field, keep: the number of versions to keep (e.g. history: {keep: 100})")
		return 0
	}
	v := n.Content[1]
	keep, err := strconv.Atoi(v.Value)
	if v.Kind != yaml.ScalarNode || err != nil || keep < 1 {
		ps.add(v.Line, "history.keep must be a whole number of versions, at least 1")
		return 0
	}
	return keep
}

// stringField reads a scalar string field; null reads as "". It reports anything else.
func stringField(ps *problems, field string, v *yaml.Node) (string, bool) {
	if isNull(v) {
		return "", true
	}
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
		ps.add(v.Line, "%s must be a string, not %s; quote it if you meant text", field, kindName(v))
		return "", false
	}
	return v.Value, true
}

// checkBackend validates the backend URL. A password in it is refused: Infra.yaml is committed, and a secret must
// never be stored in plaintext. The URL is echoed only in redacted form.
func checkBackend(ps *problems, line int, s string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		ps.add(line, "backend must be a URL such as s3://bucket/prefix, gs://bucket/prefix, postgres://host/db or file://path; leave it out to keep state in .infra/ inside the project")
		return
	}
	if _, hasPassword := u.User.Password(); hasPassword {
		ps.add(line, "backend URL %s contains a password; remove it and pass credentials through the environment (e.g. PGPASSWORD)", u.Redacted())
	}
}

func parseConfigDecls(ps *problems, n *yaml.Node) map[string]ConfigDecl {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		ps.add(n.Line, "config must be a mapping of config keys to declarations, not %s", kindName(n))
		return nil
	}
	out := map[string]ConfigDecl{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		if strings.Contains(key, ":") {
			if err := ValidateConfigKey(key); err != nil {
				ps.add(k.Line, "%v", err)
			}
		} else if err := ValidateConfigKey("project:" + key); err != nil {
			ps.add(k.Line, "config key %q: use only letters, digits, '-', '_' and '.', or <namespace>:<name>", key)
		}
		out[key] = parseConfigDecl(ps, key, v)
	}
	return out
}

func parseConfigDecl(ps *problems, key string, n *yaml.Node) ConfigDecl {
	var d ConfigDecl
	if isNull(n) {
		d.Type = ConfigString
		return d
	}
	if n.Kind != yaml.MappingNode {
		ps.add(n.Line, "config %q must be a mapping with type, default, description and/or secret, not %s; for a default value write default: <value> under it", key, kindName(n))
		return d
	}
	typeLine, defaultLine := 0, 0
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "type":
			s, ok := stringField(ps, "type", v)
			if !ok {
				continue
			}
			typeLine = v.Line
			switch ConfigType(s) {
			case ConfigString, ConfigInteger, ConfigBoolean, ConfigNumber, ConfigObject:
				d.Type = ConfigType(s)
			default:
				ps.add(v.Line, "config %q: %s", key, unknownMsg("type", s, configTypes))
			}
		case "default":
			defaultLine = v.Line
			before := len(ps.errs)
			if checkScalars(ps, v); len(ps.errs) > before {
				continue
			}
			val, err := decodeValue(v)
			if err != nil {
				ps.add(v.Line, "config %q: default: %v", key, err)
				continue
			}
			d.Default = val
		case "description":
			d.Description, _ = stringField(ps, "description", v)
		case "secret":
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
				ps.add(v.Line, "config %q: secret must be true or false, not %s", key, kindName(v))
				continue
			}
			d.Secret = v.Value == "true" || v.Value == "True" || v.Value == "TRUE"
		default:
			ps.add(k.Line, "config %q: %s", key, unknownMsg("field", k.Value, configFields))
		}
	}
	if d.Secret && d.Default != nil {
		ps.add(defaultLine, "config %q is secret and cannot have a default: it would be stored in plaintext in %s; remove the default and run `infra config set --secret %s <value>` for each stack", key, FileName, key)
	}
	inferred := valueType(d.Default)
	switch {
	case d.Type == "" && inferred != "":
		d.Type = inferred
	case d.Type == "":
		d.Type = ConfigString
	case d.Default != nil && !typeAccepts(d.Type, inferred):
		line := defaultLine
		if line == 0 {
			line = typeLine
		}
		ps.add(line, "config %q is declared as %s but its default is %s: change the type or the default", key, d.Type, describeType(inferred))
	}
	return d
}

// decodeValue decodes a YAML value into plain Go values (string, int, float64, bool, nil, map[string]any, []any).
func decodeValue(n *yaml.Node) (any, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, fmt.Errorf("cannot read the value: %v", err)
	}
	return normalizeValue(v)
}

// normalizeValue converts decoded YAML to the value types config uses, and refuses what has no JSON-like meaning.
func normalizeValue(v any) (any, error) {
	switch v := v.(type) {
	case nil, string, bool, float64:
		return v, nil
	case int:
		return v, nil
	case int64:
		if v < math.MinInt || v > math.MaxInt {
			return nil, fmt.Errorf("integer out of range; quote it to keep it as a string")
		}
		return int(v), nil
	case uint64:
		if v > math.MaxInt64 {
			return nil, fmt.Errorf("integer out of range; quote it to keep it as a string")
		}
		return int(v), nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			ne, err := normalizeValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = ne
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			ne, err := normalizeValue(e)
			if err != nil {
				return nil, err
			}
			out[k] = ne
		}
		return out, nil
	default:
		return nil, fmt.Errorf("values of YAML type %T are not supported; quote it to make it a string", v)
	}
}

// valueType is the config type of a normalized value; "" for nil.
func valueType(v any) ConfigType {
	switch v.(type) {
	case string:
		return ConfigString
	case int:
		return ConfigInteger
	case float64:
		return ConfigNumber
	case bool:
		return ConfigBoolean
	case map[string]any, []any:
		return ConfigObject
	}
	return ""
}

func typeAccepts(declared, actual ConfigType) bool {
	return declared == actual || declared == ConfigNumber && actual == ConfigInteger
}

func describeType(t ConfigType) string {
	switch t {
	case ConfigInteger:
		return "an integer"
	case ConfigObject:
		return "an object"
	}
	return "a " + string(t)
}

func parseProviders(ps *problems, n *yaml.Node) map[string]ProviderSpec {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		ps.add(n.Line, "providers must be a mapping of provider names to {path, sha256}, not %s", kindName(n))
		return nil
	}
	out := map[string]ProviderSpec{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if err := checkName("provider", k.Value); err != nil {
			ps.add(k.Line, "%v", err)
		}
		var spec ProviderSpec
		switch {
		case isNull(v):
		case v.Kind != yaml.MappingNode:
			ps.add(v.Line, "provider %q must be a mapping with path and/or sha256, not %s", k.Value, kindName(v))
		default:
			for j := 0; j+1 < len(v.Content); j += 2 {
				fk, fv := v.Content[j], v.Content[j+1]
				switch fk.Value {
				case "path":
					spec.Path, _ = stringField(ps, "path", fv)
				case "sha256":
					s, ok := stringField(ps, "sha256", fv)
					if !ok {
						continue
					}
					s = strings.TrimPrefix(strings.ToLower(s), "sha256:")
					if b, err := hex.DecodeString(s); err != nil || len(b) != 32 {
						ps.add(fv.Line, "provider %q: sha256 must be 64 hex digits, optionally after sha256: (the output of sha256sum on the plugin binary)", k.Value)
					}
					spec.SHA256 = s
				case "parallel":
					n, err := strconv.Atoi(fv.Value)
					if fv.Kind != yaml.ScalarNode || err != nil || n < 1 {
						ps.add(fv.Line, "provider %q: parallel must be a whole number of operations, at least 1", k.Value)
					}
					spec.Parallel = n
				default:
					ps.add(fk.Line, "provider %q: %s", k.Value, unknownMsg("field", fk.Value, providerFields))
				}
			}
		}
		out[k.Value] = spec
	}
	return out
}

// marshalProject renders a project in the file's canonical layout.
func marshalProject(p *Project) ([]byte, error) {
	pf := projectFile{Name: p.Name, Description: p.Description, Main: p.Main, Backend: p.Backend}
	if p.HistoryKeep > 0 {
		pf.History = &historyFile{Keep: p.HistoryKeep}
	}
	if len(p.Config) > 0 {
		pf.Config = map[string]configDeclFile{}
		for k, d := range p.Config {
			cd := configDeclFile{Type: string(d.Type), Description: d.Description, Secret: d.Secret}
			if d.Default != nil {
				def := d.Default
				cd.Default = &def
			}
			pf.Config[k] = cd
		}
	}
	if len(p.Providers) > 0 {
		pf.Providers = map[string]providerFile{}
		for k, s := range p.Providers {
			pf.Providers[k] = providerFile(s)
		}
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&pf); err != nil {
		return nil, fmt.Errorf("encode project: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode project: %w", err)
	}
	return b.Bytes(), nil
}
