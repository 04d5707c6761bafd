package project

import (
	"fmt"
	"strings"
)

// maxNameLen bounds project and stack names: they become file names and parts of URNs.
const maxNameLen = 100

// nameChar reports whether r may appear in a project, stack, namespace or config key name.
func nameChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
}

// checkName validates a project or stack name. what is "project" or "stack", for the message.
func checkName(what, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%s name is empty; give it a name made of letters, digits, '-', '_' and '.'", what)
	case len(name) > maxNameLen:
		return fmt.Errorf("%s name is %d characters long; the limit is %d", what, len(name), maxNameLen)
	case strings.HasPrefix(name, "."):
		// A leading dot makes hidden files and "." / ".." path components out of names used in paths.
		return fmt.Errorf("%s name %q starts with a dot; start it with a letter or digit", what, name)
	}
	for _, r := range name {
		if !nameChar(r) {
			return fmt.Errorf("%s name %q contains %q; use only letters, digits, '-', '_' and '.'", what, name, r)
		}
	}
	return nil
}

// ValidateStackName checks a stack name: letters, digits, '-', '_' and '.', not starting with a dot, at most 100
// characters. Stack names become file names (Infra.<stack>.yaml) and parts of URNs.
func ValidateStackName(name string) error {
	return checkName("stack", name)
}

// ValidateProjectName checks a project name with the same rules as a stack name.
func ValidateProjectName(name string) error {
	return checkName("project", name)
}

// ValidateConfigKey checks a full config key "<namespace>:<name>" (e.g. "aws:region", "hello:greeting"): both
// parts non-empty and made of letters, digits, '-', '_' and '.'.
func ValidateConfigKey(key string) error {
	ns, name, ok := strings.Cut(key, ":")
	if !ok {
		return fmt.Errorf("config key %q has no namespace: write it as <namespace>:<name>, e.g. \"aws:region\" or \"<project>:%s\"", key, key)
	}
	if ns == "" || name == "" {
		return fmt.Errorf("config key %q: both the namespace and the name must be non-empty, as in \"aws:region\"", key)
	}
	for _, part := range []string{ns, name} {
		for _, r := range part {
			if !nameChar(r) {
				return fmt.Errorf("config key %q contains %q; use <namespace>:<name> with only letters, digits, '-', '_' and '.' in each part", key, r)
			}
		}
	}
	return nil
}

// QualifyKey returns key with the project's namespace when it has none ("greeting" → "<project>:greeting"), as
// `infra config set greeting ...` means the project's own key.
func (p *Project) QualifyKey(key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return p.Name + ":" + key
}
