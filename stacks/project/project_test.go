package project

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const fullProject = `name: web-cluster
description: A web cluster
main: ./app
backend: s3://bucket/prefix
config:
  hello:greeting:
    type: string
    default: hi
    description: What to say
  replicas:
    default: 3
  ratio:
    type: number
    default: 2
  tags:
    type: object
    default: {team: web}
  db:password:
    secret: true
providers:
  aws:
    sha256: 0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef
  custom:
    path: ./bin/infra-provider-custom
`

func TestLoadProject(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(fullProject), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := &Project{
		Dir:         dir,
		Name:        "web-cluster",
		Description: "A web cluster",
		Main:        "./app",
		Backend:     "s3://bucket/prefix",
		Config: map[string]ConfigDecl{
			"hello:greeting": {Type: ConfigString, Default: "hi", Description: "What to say"},
			"replicas":       {Type: ConfigInteger, Default: 3},
			"ratio":          {Type: ConfigNumber, Default: 2},
			"tags":           {Type: ConfigObject, Default: map[string]any{"team": "web"}},
			"db:password":    {Type: ConfigString, Secret: true},
		},
		Providers: map[string]ProviderSpec{
			"aws":    {SHA256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
			"custom": {Path: "./bin/infra-provider-custom"},
		},
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("got  %#v\nwant %#v", p, want)
	}
	if p.MainDir() != filepath.Join(dir, "app") || p.StackConfigPath("dev") != filepath.Join(dir, "Infra.dev.yaml") {
		t.Fatalf("paths: %s %s", p.MainDir(), p.StackConfigPath("dev"))
	}
	if p.QualifyKey("replicas") != "web-cluster:replicas" || p.QualifyKey("aws:region") != "aws:region" {
		t.Fatal("QualifyKey")
	}
}

func TestLoadProjectErrors(t *testing.T) {
	cases := []struct {
		name, data string
		want       []string
	}{
		{"bad yaml", "name: [web\n", []string{"Infra.yaml:2: invalid YAML"}},
		{"tab indentation", "name: web\nconfig:\n\tx: 1\n", []string{"Infra.yaml:3: invalid YAML"}},
		{"unknown field", "name: web\nnmae: web\n", []string{`Infra.yaml:2: unknown field "nmae"; did you mean "name"?`}},
		{"unknown field far", "name: web\nfoo: 1\n", []string{`Infra.yaml:2: unknown field "foo": known fields are "name", "description"`}},
		{"missing name", "description: x\n", []string{`Infra.yaml: missing required field "name": add name: <project-name>`}},
		{"empty file", "", []string{`Infra.yaml: missing required field "name"`}},
		{"bad name", "name: my web\n", []string{`Infra.yaml:1: project name "my web" contains ' '`}},
		{"empty name", "name:\n", []string{`Infra.yaml:1: project name is empty`}},
		{"dot name", "name: .hidden\n", []string{`Infra.yaml:1: project name ".hidden" starts with a dot`}},
		{"numeric name", "name: 42\n", []string{`Infra.yaml:1: name must be a string, not an integer; quote it`}},
		{"not a mapping", "- name: web\n", []string{`Infra.yaml:1: the file must be a mapping of fields`}},
		{"two documents", "name: web\n---\nname: other\n", []string{`Infra.yaml:2: more than one YAML document`}},
		{"duplicate key", "name: web\nname: other\n", []string{`Infra.yaml:2: key "name" is already defined at line 1`}},
		{"alias", "name: &n web\ndescription: *n\n", []string{`Infra.yaml:2: YAML aliases (*n) are not supported`}},
		{"bad config type", "name: web\nconfig:\n  x:\n    type: strin\n", []string{`Infra.yaml:4: config "x": unknown type "strin"; did you mean "string"?`}},
		{"bad config field", "name: web\nconfig:\n  x:\n    defualt: 1\n", []string{`Infra.yaml:4: config "x": unknown field "defualt"; did you mean "default"?`}},
		{"default type mismatch", "name: web\nconfig:\n  x:\n    type: integer\n    default: nope\n", []string{`Infra.yaml:5: config "x" is declared as integer but its default is a string`}},
		{"secret default", "name: web\nconfig:\n  db:pw:\n    secret: true\n    default: hunter2\n", []string{`Infra.yaml:5: config "db:pw" is secret and cannot have a default`}},
		{"secret not bool", "name: web\nconfig:\n  x:\n    secret: yes please\n", []string{`Infra.yaml:4: config "x": secret must be true or false`}},
		{"config shorthand", "name: web\nconfig:\n  x: 5\n", []string{`Infra.yaml:3: config "x" must be a mapping`}},
		{"bad config key", "name: web\nconfig:\n  a:b:c: {}\n", []string{`Infra.yaml:3: config key "a:b:c" contains ':'`}},
		{"bad sha", "name: web\nproviders:\n  aws:\n    sha256: abc\n", []string{`Infra.yaml:4: provider "aws": sha256 must be 64 hex digits`}},
		{"provider field", "name: web\nproviders:\n  aws:\n    pth: x\n", []string{`Infra.yaml:4: provider "aws": unknown field "pth"; did you mean "path"?`}},
		{"huge default", "name: web\nconfig:\n  x:\n    default: [1, 123456789012345678901234567890]\n", []string{`Infra.yaml:4: integer out of range`}},
		{"absolute main", "name: web\nmain: /abs/app\n", []string{`Infra.yaml:2: main must be the program's directory relative to the project`}},
		{"backend not url", "name: web\nbackend: my-bucket\n", []string{`Infra.yaml:2: backend must be a URL`}},
		{"several problems", "nmae: web\nconfig:\n  x:\n    type: bool\n", []string{
			`Infra.yaml:1: unknown field "nmae"; did you mean "name"?`,
			`Infra.yaml:4: config "x": unknown type "bool"; did you mean "boolean"?`,
			`Infra.yaml: missing required field "name"`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseProject("Infra.yaml", []byte(c.data))
			if err == nil {
				t.Fatalf("no error for:\n%s", c.data)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
			var fe *FileError
			if !errors.As(err, &fe) || fe.File != "Infra.yaml" {
				t.Errorf("error is not a *FileError for Infra.yaml: %#v", err)
			}
		})
	}
}

func TestBackendPasswordNotEchoed(t *testing.T) {
	_, err := parseProject("Infra.yaml", []byte("name: web\nbackend: postgres://admin:CANARY-pw@db/infra\n"))
	if err == nil || !strings.Contains(err.Error(), "Infra.yaml:2: backend URL") {
		t.Fatalf("password in backend URL not refused: %v", err)
	}
	if strings.Contains(err.Error(), "CANARY-pw") {
		t.Fatalf("error reveals the password: %v", err)
	}
}

func TestLoadNamesThePath(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("name: web\nnmae: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, FileName)+":2:") {
		t.Fatalf("error does not name the file and line: %v", err)
	}
	_, err = Load(t.TempDir())
	if !errors.Is(err, ErrNoProject) || !strings.Contains(err.Error(), "infra new") {
		t.Fatalf("missing project: %v", err)
	}
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, FileName), []byte("name: web\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(root, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, start := range []string{root, deep} {
		got, err := Find(start)
		if err != nil || got != root {
			t.Fatalf("Find(%s) = %s, %v; want %s", start, got, err, root)
		}
	}
	_, err := Find(t.TempDir())
	if !errors.Is(err, ErrNoProject) || !strings.Contains(err.Error(), "run `infra new`") {
		t.Fatalf("Find without a project: %v", err)
	}
}

func TestSaveProject(t *testing.T) {
	dir := t.TempDir()
	p := &Project{
		Dir:  dir,
		Name: "hello",
		Config: map[string]ConfigDecl{
			"hello:greeting": {Type: ConfigString, Default: "hi"},
			"hello:enabled":  {Type: ConfigBoolean, Default: false},
			"hello:count":    {Type: ConfigInteger, Default: 0},
		},
	}
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Fatalf("round trip:\ngot  %#v\nwant %#v", got, p)
	}
	bad := &Project{Dir: dir, Name: "no spaces allowed"}
	if err := bad.Save(); err == nil {
		t.Fatal("Save wrote an invalid project")
	}
	if again, _ := Load(dir); again == nil || again.Name != "hello" {
		t.Fatal("a refused Save changed the file")
	}
}

func TestValidateStackName(t *testing.T) {
	for _, ok := range []string{"dev", "prod-eu_1", "v1.2", strings.Repeat("a", 100)} {
		if err := ValidateStackName(ok); err != nil {
			t.Errorf("ValidateStackName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "a/b", "..", ".x", "é", strings.Repeat("a", 101), "dev:x"} {
		if err := ValidateStackName(bad); err == nil {
			t.Errorf("ValidateStackName(%q) accepted", bad)
		}
	}
}

func TestValidateConfigKey(t *testing.T) {
	for _, ok := range []string{"aws:region", "hello:greeting", "my-proj.x:some_key"} {
		if err := ValidateConfigKey(ok); err != nil {
			t.Errorf("ValidateConfigKey(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"region", ":x", "x:", "a:b:c", "a b:c", "a:b c"} {
		if err := ValidateConfigKey(bad); err == nil {
			t.Errorf("ValidateConfigKey(%q) accepted", bad)
		}
	}
}
