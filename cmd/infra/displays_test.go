package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/infrago/infra/internal/jsonschema"
)

// TestMain lets this test binary stand in for the infra binary: the engine starts a built-in provider by
// running its own executable with "provider serve NAME", which here is the test binary.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "provider" && os.Args[2] == "serve" {
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// displayCanary is the hello example's secret apiToken in these tests; no output may contain it.
const displayCanary = "CANARY-display-5b2e-never-printed"

// helloProject makes a project whose program is examples/hello, with stack dev configured, in an isolated
// home that still uses the real Go build and module caches (the program is built for real).
func helloProject(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH").Output()
	if err != nil {
		t.Skipf("no Go toolchain to build the program: %v", err)
	}
	goEnv := strings.Split(strings.TrimSpace(string(out)), "\n")
	isolateCLI(t)
	for i, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		t.Setenv(k, goEnv[i])
	}
	newPerson(t)
	dir := t.TempDir()
	hello, err := filepath.Abs(filepath.Join("..", "..", "examples", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(dir, hello)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Infra.yaml"), []byte("name: hello\nmain: "+filepath.ToSlash(rel)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustInfra(t, dir, "stack", "init", "dev")
	mustInfra(t, dir, "config", "set", "greeting", "Hi")
	mustInfra(t, dir, "config", "set", "--secret", "apiToken", displayCanary)
	return dir
}

// jsonLines checks that stdout is nothing but JSON events valid against docs/json-events.schema.json, the
// result last, and returns the lines decoded.
func jsonLines(t *testing.T, schema *jsonschema.Schema, r cliResult) []map[string]any {
	t.Helper()
	if strings.Contains(r.stdout+r.stderr, displayCanary) {
		t.Fatalf("the secret was printed:\n%s%s", r.stdout, r.stderr)
	}
	var out []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		if err := schema.Validate([]byte(line)); err != nil {
			t.Fatalf("stdout line %d is not a valid event: %v\n%s", i+1, err, line)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if last := out[len(out)-1]; last["type"] != "result" {
		t.Fatalf("the last line is not the result: %v", last)
	}
	return out
}

func result(lines []map[string]any) map[string]any {
	return lines[len(lines)-1]["result"].(map[string]any)
}

func countSteps(lines []map[string]any, typ, op string) int {
	n := 0
	for _, l := range lines {
		if l["type"] == typ && l["step"].(map[string]any)["op"] == op {
			n++
		}
	}
	return n
}

// TestJSONOfRealRuns runs preview, up and destroy of the hello example with --json and holds every line to
// the published schema; checks the exit-code contract in the result line, that nothing else reaches stdout,
// and --markdown.
func TestJSONOfRealRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program")
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "json-events.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	schema, err := jsonschema.Compile(data)
	if err != nil {
		t.Fatal(err)
	}
	dir := helloProject(t)

	r := infra(t, dir, "preview", "--json")
	lines := jsonLines(t, schema, r)
	if r.err != nil || result(lines)["status"] != "succeeded" || lines[0]["type"] != "prelude" {
		t.Fatalf("preview: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	if n := countSteps(lines, "step-done", "create"); n != 9 {
		t.Errorf("preview: %d creates, want 9:\n%s", n, r.stdout)
	}

	// up needs --yes with --json: nobody is there to answer.
	r = infra(t, dir, "up", "--json")
	lines = jsonLines(t, schema, r)
	if r.err == nil || len(lines) != 1 || result(lines)["exitCode"] != 1.0 || !strings.Contains(result(lines)["error"].(string), "--yes") {
		t.Fatalf("up without --yes: %v\n%s", r.err, r.stdout)
	}

	r = infra(t, dir, "up", "--json", "--yes")
	lines = jsonLines(t, schema, r)
	if r.err != nil || countSteps(lines, "step-done", "create") != 9 {
		t.Fatalf("up: %v\n%s%s", r.err, r.stdout, r.stderr)
	}

	r = infra(t, dir, "preview", "--json", "--expect-no-changes")
	if lines = jsonLines(t, schema, r); r.err != nil || result(lines)["status"] != "succeeded" {
		t.Fatalf("preview with no changes: %v\n%s", r.err, r.stdout)
	}

	// A change: exit status 2, said in the result line; the message for people goes to stderr.
	mustInfra(t, dir, "config", "set", "greeting", "Yo")
	r = infra(t, dir, "preview", "--json", "--expect-no-changes")
	lines = jsonLines(t, schema, r)
	if exitCode(r.err) != 2 || result(lines)["status"] != "changes-present" || !strings.Contains(r.stderr, "--expect-no-changes") {
		t.Fatalf("preview with changes: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
	if n := countSteps(lines, "step-done", "update"); n != 2 {
		t.Errorf("%d updates, want 2", n)
	}

	// The markdown summary, to a file and to stdout (the display then goes to stderr).
	md := filepath.Join(t.TempDir(), "preview.md")
	r = infra(t, dir, "preview", "--markdown", md)
	if r.err != nil {
		t.Fatal(r.err)
	}
	got := readFile(t, md)
	for _, want := range []string{"<!-- infra preview: hello/dev -->", "### infra preview of `hello/dev`: 2 to change",
		"| `~` | update | 2 |", `~ value.greeting: "Hi" => "Yo"`} {
		if !strings.Contains(got, want) {
			t.Errorf("the markdown has no %q:\n%s", want, got)
		}
	}
	if !strings.Contains(r.stdout, "Previewing update of stack") {
		t.Errorf("with --markdown FILE the display still goes to stdout:\n%s", r.stdout)
	}
	r = infra(t, dir, "preview", "--markdown", "-")
	if r.err != nil || !strings.HasPrefix(r.stdout, "<!-- infra preview: hello/dev -->") || !strings.Contains(r.stderr, "Previewing update of stack") {
		t.Fatalf("--markdown -: %v\n--- stdout\n%s--- stderr\n%s", r.err, r.stdout, r.stderr)
	}
	noCanary(t, "the markdown", got+r.stdout+r.stderr)
	if r = infra(t, dir, "preview", "--markdown", "-", "--json"); r.err == nil {
		t.Fatalf("--markdown - with --json was accepted")
	}

	r = infra(t, dir, "destroy", "--json", "--yes")
	if lines = jsonLines(t, schema, r); r.err != nil || countSteps(lines, "step-done", "delete") != 9 {
		t.Fatalf("destroy: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
}

// A command that fails before any run still ends its JSON stream with the result.
func TestJSONResultWithoutARun(t *testing.T) {
	isolateCLI(t)
	dir := newCLIProject(t)
	r := infra(t, dir, "preview", "--json", "--stack", "nosuchstack")
	if r.err == nil {
		t.Fatal("preview of a stack that does not exist succeeded")
	}
	var line struct {
		Type   string
		Result struct {
			Status   string
			ExitCode int
			Error    string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &line); err != nil || line.Type != "result" || line.Result.ExitCode != 1 ||
		!strings.Contains(line.Result.Error, "nosuchstack") {
		t.Fatalf("stdout is not one result line: %v\n%s", err, r.stdout)
	}
}
