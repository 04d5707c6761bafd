package project

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/getsops/sops/v3"
	sopsconfig "github.com/getsops/sops/v3/config"
	sopsyaml "github.com/getsops/sops/v3/stores/yaml"
	"go.yaml.in/yaml/v3"
)

// bigInteger matches plain integer literals, which YAML reads as floats when they exceed 64 bits.
var bigInteger = regexp.MustCompile(`^[-+]?[0-9_]+$`)

var stackConfigFields = []string{sectionConfig, sectionSecrets, sectionSops}

// encPrefix starts every sops-encrypted value.
const encPrefix = "ENC[AES256_GCM,"

// newSopsStore returns sops' YAML store with the sops CLI's defaults, so a file infra writes is byte for byte
// what `sops` would write for the same tree.
func newSopsStore() *sopsyaml.Store {
	return sopsyaml.NewStore(&sopsconfig.YAMLStoreConfig{})
}

// parseStackConfig checks the document on its YAML nodes (for messages with lines that never quote a value), then
// hands it to sops' YAML store, which reads the tree exactly as the sops CLI does.
func parseStackConfig(file string, data []byte) (*StackConfig, error) {
	root, err := parseDocument(file, data)
	if err != nil {
		return nil, err
	}
	s := &StackConfig{path: file, decrypted: true}
	if root == nil {
		return s, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, &FileError{File: file, Line: root.Line, Msg: "the file must be a mapping with config, secrets and sops sections, not " + kindName(root)}
	}
	ps := &problems{file: file}
	checkPlainYAML(ps, root)
	if err := ps.err(); err != nil {
		return nil, err
	}
	sopsLine, secretCount := 0, 0
	plainKeys := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case sectionConfig:
			checkSection(ps, k.Value, v, func(key, val *yaml.Node) {
				plainKeys[key.Value] = key.Line
				checkScalars(ps, val)
			})
		case sectionSecrets:
			checkSection(ps, k.Value, v, func(key, val *yaml.Node) {
				secretCount++
				checkSecretValue(ps, key, val)
			})
		case sectionSops:
			sopsLine = k.Line
			if v.Kind != yaml.MappingNode {
				ps.add(v.Line, "sops must be the mapping of sops metadata, not %s: restore the file from version control", kindName(v))
			}
		default:
			ps.add(k.Line, "%s: put plain values under config: and secrets under secrets:", unknownMsg("section", k.Value, stackConfigFields))
		}
	}
	// A key in both sections is ambiguous; say so with both lines.
	if sec := mappingValue(root, sectionSecrets); sec != nil {
		for i := 0; i+1 < len(sec.Content); i += 2 {
			k := sec.Content[i]
			if line, dup := plainKeys[k.Value]; dup {
				ps.add(k.Line, "key %q is both a plain value (line %d) and a secret: remove one of them", k.Value, line)
			}
		}
	}
	if secretCount > 0 && sopsLine == 0 {
		ps.add(0, "there are secrets but no sops: metadata to decrypt them: restore the file from version control")
	}
	if err := ps.err(); err != nil {
		return nil, err
	}

	store := newSopsStore()
	var tree sops.Tree
	if sopsLine > 0 {
		tree, err = store.LoadEncryptedFile(data)
		if err != nil {
			return nil, &FileError{File: file, Line: sopsLine, Msg: fmt.Sprintf("invalid sops metadata: %v: restore the file from version control", err)}
		}
		md := tree.Metadata
		s.md = &md
		// Until OpenSecrets, the secrets are ciphertext; an empty file has nothing to decrypt.
		s.decrypted = false
	} else {
		branches, err := store.LoadPlainFile(data)
		if err != nil {
			return nil, &FileError{File: file, Msg: fmt.Sprintf("invalid YAML: %v", err)}
		}
		tree.Branches = branches
	}
	if len(tree.Branches) > 1 {
		return nil, &FileError{File: file, Msg: "more than one YAML document: keep a single document"}
	}
	if len(tree.Branches) == 1 {
		s.root = tree.Branches[0]
	}
	if !s.decrypted {
		s.pristine = copyBranch(s.root)
	}
	return s, nil
}

// checkSection checks a config or secrets section: a mapping (or empty) of valid full keys.
func checkSection(ps *problems, name string, n *yaml.Node, each func(key, val *yaml.Node)) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		ps.add(n.Line, "%s must be a mapping of <namespace>:<name> keys to values, not %s", name, kindName(n))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if err := ValidateConfigKey(k.Value); err != nil {
			ps.add(k.Line, "%v", err)
			continue
		}
		each(k, v)
	}
}

// checkSecretValue makes sure a secret is stored encrypted. The value itself is never quoted: if it is not
// encrypted, it may be a plaintext secret.
func checkSecretValue(ps *problems, key, v *yaml.Node) {
	if v.Kind != yaml.ScalarNode {
		ps.add(v.Line, "secret %q must be an encrypted string, not %s: secrets are strings; put structured values under config:", key.Value, kindName(v))
		return
	}
	if isNull(v) || v.ShortTag() == "!!str" && (v.Value == "" || strings.HasPrefix(v.Value, encPrefix)) {
		return
	}
	ps.add(v.Line, "secret %q is not encrypted (its value is not shown): remove it from the file and set it with `infra config set --secret %s <value>`, or edit the file with `sops`", key.Value, key.Value)
}

// checkScalars refuses plain values that sops' tree cannot carry (integers beyond 64 bits, timestamps, binary),
// with the line, before sops fails on them without one.
func checkScalars(ps *problems, n *yaml.Node) {
	switch n.Kind {
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			ps.add(n.Line, "cannot read this value: quote it to keep it as a string")
			return
		}
		if _, isFloat := v.(float64); isFloat && n.Style == 0 && bigInteger.MatchString(n.Value) {
			// The YAML library reads an integer beyond 64 bits as a float, which a rewrite would turn into 1e+23.
			ps.add(n.Line, "integer out of range; quote it to keep it as a string")
			return
		}
		if _, err := normalizeValue(v); err != nil {
			ps.add(n.Line, "%v", err)
		}
	case yaml.MappingNode, yaml.SequenceNode:
		for _, c := range n.Content {
			checkScalars(ps, c)
		}
	}
}

// mappingValue returns the value node of key in a mapping node, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			v := m.Content[i+1]
			if v.Kind == yaml.MappingNode {
				return v
			}
			return nil
		}
	}
	return nil
}
