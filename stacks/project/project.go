// Package project reads and writes a project's files: Infra.yaml, which says what the project is, and
// Infra.<stack>.yaml, each stack's configuration, a sops file whose secret values are encrypted with the stack's
// data key (package secrets).
package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FileName is the name of the project file.
const FileName = "Infra.yaml"

// ErrNoProject is wrapped by Find's error when no project file is found.
var ErrNoProject = errors.New("no " + FileName + " found")

// Project is the content of Infra.yaml.
type Project struct {
	// Dir is the project's directory, the one holding Infra.yaml. Not part of the file.
	Dir string
	// Name is the project's name (required): letters, digits, '-', '_' and '.'.
	Name string
	// Description is free text for people.
	Description string
	// Main is the directory of the program, relative to Dir. Empty means ".".
	Main string
	// Backend is the URL where state is kept (s3://..., gs://..., postgres://..., file://...). Empty means the
	// project-local file backend in <Dir>/.infra.
	Backend string
	// Config declares the project's config keys, by full key ("<namespace>:<name>") or by bare name, which means
	// the project's own namespace (see QualifyKey).
	Config map[string]ConfigDecl
	// HistoryKeep is how many versions each stack's history keeps (0: all of them).
	HistoryKeep int
	// Providers configures provider plugins by name.
	Providers map[string]ProviderSpec
}

// ConfigType is the declared type of a config value.
type ConfigType string

// The config types a declaration may name.
const (
	ConfigString  ConfigType = "string"
	ConfigInteger ConfigType = "integer"
	ConfigBoolean ConfigType = "boolean"
	ConfigNumber  ConfigType = "number"
	ConfigObject  ConfigType = "object"
)

var configTypes = []string{string(ConfigString), string(ConfigInteger), string(ConfigBoolean), string(ConfigNumber), string(ConfigObject)}

// ConfigDecl declares one config key in Infra.yaml.
type ConfigDecl struct {
	// Type is the value's type. When the file omits it, it is the type of Default, or string.
	Type ConfigType
	// Default is used when a stack does not set the key; nil when there is none ("default: null" is none too).
	// Values are string, int, float64, bool, map[string]any or []any.
	Default any
	// Description is free text for people.
	Description string
	// Secret means stacks must set the value with `infra config set --secret`. A secret has no default: the
	// default would sit in plaintext in Infra.yaml.
	Secret bool
}

// ProviderSpec configures one provider plugin.
type ProviderSpec struct {
	// Path is the plugin binary, relative to Dir unless absolute. Empty means "find it on the plugin path".
	Path string
	// SHA256 pins the binary's checksum (64 lowercase hex digits); empty means not pinned.
	SHA256 string
	// Parallel bounds how many operations on this provider's resources run at once (0: no bound of its own).
	Parallel int
}

// Path returns the path of the project file.
func (p *Project) Path() string {
	return filepath.Join(p.Dir, FileName)
}

// MainDir returns the program's directory.
func (p *Project) MainDir() string {
	if p.Main == "" {
		return p.Dir
	}
	return filepath.Join(p.Dir, p.Main)
}

// StackConfigPath returns the path of a stack's config file, <Dir>/Infra.<stack>.yaml.
func (p *Project) StackConfigPath(stack string) string {
	return filepath.Join(p.Dir, "Infra."+stack+".yaml")
}

// Find returns the directory of the project that contains startDir: the nearest directory, startDir or one of its
// parents, holding Infra.yaml.
func Find(startDir string) (string, error) {
	dir, err := filepath.Abs(startDir)
	if err != nil {
		return "", fmt.Errorf("find project from %s: %w", startDir, err)
	}
	for {
		fi, err := os.Stat(filepath.Join(dir, FileName))
		if err == nil && !fi.IsDir() {
			return dir, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) {
			return "", fmt.Errorf("find project: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			abs, _ := filepath.Abs(startDir)
			return "", fmt.Errorf("%w in %s or any parent directory: run `infra new` to create a project, or cd into one", ErrNoProject, abs)
		}
		dir = parent
	}
}

// Load reads and validates <dir>/Infra.yaml. Every problem is reported as a *FileError naming the file and the
// line, joined with errors.Join when there are several.
func Load(dir string) (*Project, error) {
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("load project: %w: %s does not exist: run `infra new` to create a project", ErrNoProject, path)
		}
		return nil, fmt.Errorf("load project: %w", err)
	}
	p, err := parseProject(path, data)
	if err != nil {
		return nil, err
	}
	p.Dir = dir
	return p, nil
}

// Save writes Infra.yaml into p.Dir atomically (temp file and rename), after checking that Load will accept what
// it writes. The file is written from scratch, so comments in an existing file are not kept: Save is meant for
// `infra new` and for tools that own the file.
func (p *Project) Save() error {
	path := p.Path()
	data, err := marshalProject(p)
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if _, err := parseProject(path, data); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := writeFileAtomic(path, data, 0o644); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}
