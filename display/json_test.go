package display_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/infrago/infra/display"
	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/internal/jsonschema"
	"github.com/infrago/infra/sdk/resource"
)

// renderJSON runs events through the JSON display with a fixed clock and closes it with r.
func renderJSON(t *testing.T, es []events.Event, r display.Result) string {
	t.Helper()
	var buf bytes.Buffer
	clk := newClock()
	j := display.NewJSON(&buf, display.JSONOptions{Now: clk.now})
	for _, e := range es {
		j.Emit(e)
		clk.advance(250 * time.Millisecond)
	}
	if err := j.Close(r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func loadSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "docs", "json-events.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := jsonschema.Compile(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkJSONLines holds every line to the published schema and to what the documentation promises: sequence
// numbers from 1 without gaps, and the result last.
func checkJSONLines(t *testing.T, schema *jsonschema.Schema, out string) {
	t.Helper()
	if !strings.HasSuffix(out, "\n") {
		t.Fatalf("the stream does not end with a newline")
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for i, line := range lines {
		if err := schema.Validate([]byte(line)); err != nil {
			t.Errorf("line %d does not match docs/json-events.schema.json: %v\n%s", i+1, err, line)
		}
		var head struct {
			Type     string
			Sequence int
		}
		if err := json.Unmarshal([]byte(line), &head); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if head.Sequence != i+1 {
			t.Errorf("line %d has sequence %d", i+1, head.Sequence)
		}
		if (head.Type == "result") != (i == len(lines)-1) {
			t.Errorf("line %d is a %s", i+1, head.Type)
		}
	}
}

func TestJSONGolden(t *testing.T) {
	t.Parallel()
	schema := loadSchema(t)
	for _, tt := range []struct {
		name string
		es   []events.Event
		r    display.Result
	}{
		{"preview", previewEvents(), display.Result{}},
		{"update_failure", updateEvents(), display.Result{ExitCode: 1}},
		{"preview_diff", diffEvents(), display.Result{ExitCode: 2}},
		{"destroy_preview", destroyEvents(), display.Result{}},
		{"preview_refresh", driftEvents(), display.Result{ExitCode: 2}},
		{"continue_on_error", continueEvents(), display.Result{ExitCode: 1}},
		// A command that failed before the run began: the result is the only line.
		{"no_run", nil, display.Result{ExitCode: 1, Error: "no stack is selected: pass --stack"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := renderJSON(t, tt.es, tt.r)
			if strings.Contains(got, canary) {
				t.Fatalf("a secret was written:\n%s", got)
			}
			checkJSONLines(t, schema, got)
			golden(t, "json_"+tt.name+".golden.jsonl", got)
		})
	}
}

// Secrets that escape into free text are masked inside their strings, so every line stays valid JSON even when
// a secret's text is also a JSON literal ("true", a number) or holds characters JSON escapes. Values that are
// not strings are never masked for looking like a secret: only their secret mark masks them.
func TestJSONMasksSecretsInFreeText(t *testing.T) {
	t.Parallel()
	weird := canary + "\"quoted\\ and\nnewline"
	es := []events.Event{
		{Kind: events.KindPrelude, Prelude: &events.Prelude{Project: "web", Stack: "dev", Action: "update"}},
		ev(events.KindStepDone, step(vmURN, events.OpCreate, func(st *events.Step) {
			st.New = pmap("a", secret(s("true")), "b", secret(n(8080)), "c", secret(s(weird)), "port", n(8080), "on", resource.NewBool(true))
			st.Elapsed = time.Millisecond
		})),
		{Kind: events.KindProgram, Program: &events.ProgramOutput{Stream: "stdout", Line: "printing " + weird + " and true and 8080"}},
		diag(events.SevError, "the provider logged "+weird),
		ev(events.KindStepFailed, step(sgURN, events.OpUpdate, func(st *events.Step) { st.Error = "token " + weird + " refused" })),
	}
	got := renderJSON(t, es, display.Result{ExitCode: 1, Error: "failed with " + canary + "\"quoted\\ and\nnewline"})
	if strings.Contains(got, canary) {
		t.Fatalf("a secret was written:\n%s", got)
	}
	checkJSONLines(t, loadSchema(t), got)
	for _, want := range []string{`"port":8080`, `"on":true`, `"line":"printing [secret] and [secret] and [secret]"`, `"message":"the provider logged [secret]"`, `"error":"token [secret] refused"`} {
		if !strings.Contains(got, want) {
			t.Errorf("no %s in\n%s", want, got)
		}
	}
}

func TestJSONConcurrentEmit(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	j := display.NewJSON(&buf, display.JSONOptions{})
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 100; i++ {
				j.Emit(ev(events.KindStepDone, step(vmURN, events.OpCreate)))
			}
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
	if err := j.Close(display.Result{}); err != nil {
		t.Fatal(err)
	}
	checkJSONLines(t, loadSchema(t), buf.String())
}

// The schema's event types are the engine's event kinds and the result: a kind added to the engine must be
// added to the schema and the documentation.
func TestJSONSchemaCoversEveryKind(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "docs", "json-events.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join("..", "docs", "json-events.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []events.Kind{events.KindPrelude, events.KindStepStart, events.KindStepDone, events.KindStepFailed,
		events.KindDiagnostic, events.KindProgram, events.KindSummary, display.JSONTypeResult} {
		if !bytes.Contains(data, []byte(`{"const": "`+string(k)+`"}`)) {
			t.Errorf("the schema has no event type %q", k)
		}
		if !bytes.Contains(doc, []byte("### `"+string(k)+"`")) {
			t.Errorf("docs/json-events.md has no section for %q", k)
		}
	}
}

// The examples in docs/json-events.md are real events: each line of each json block matches the schema.
func TestJSONDocExamples(t *testing.T) {
	t.Parallel()
	schema := loadSchema(t)
	doc, err := os.ReadFile(filepath.Join("..", "docs", "json-events.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(doc), "```json\n")[1:]
	if len(blocks) < 8 {
		t.Fatalf("only %d json examples in docs/json-events.md", len(blocks))
	}
	for _, block := range blocks {
		body, _, _ := strings.Cut(block, "```")
		for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
			if err := schema.Validate([]byte(line)); err != nil {
				t.Errorf("docs/json-events.md example does not match the schema: %v\n%s", err, line)
			}
		}
	}
}

// jsonFields maps every field of the event types to its name in the JSON stream ("" for a field deliberately
// not written). A field added to engine/events fails this test until it is written by display/json.go,
// documented in docs/json-events.md and described in docs/json-events.schema.json, then listed here.
var jsonFields = map[string]map[string]string{
	"Event": {"Kind": "type", "Time": "time", "Prelude": "prelude", "Step": "step", "Diag": "diagnostic",
		"Program": "programOutput", "Summary": "summary",
		// The stream numbers its own lines (the engine's sequence has gaps for events not emitted).
		"Sequence": ""},
	"Prelude": {"Project": "project", "Stack": "stack", "DryRun": "dryRun", "Action": "action"},
	"Step": {"URN": "urn", "Type": "type", "Op": "op", "Parent": "parent", "Provider": "provider", "Custom": "custom",
		"Old": "old", "New": "new", "Outputs": "outputs", "Diffs": "diffs", "Replaces": "replaces", "Elapsed": "elapsedMs",
		"Error": "error", "DryRun": "dryRun", "Logical": "logical", "Retained": "retained", "Gone": "gone"},
	"Diagnostic":    {"Severity": "severity", "URN": "urn", "Message": "message"},
	"ProgramOutput": {"Stream": "stream", "Line": "line"},
	"Summary": {"DryRun": "dryRun", "Changes": "changes", "Duration": "durationMs", "Outputs": "outputs",
		"OldOutputs": "oldOutputs", "Failed": "failed", "ResourceCount": "resourceCount", "Failures": "failures",
		"Skipped": "skipped", "Kept": "kept"},
}

func TestJSONCoversEveryEventField(t *testing.T) {
	t.Parallel()
	schema, err := os.ReadFile(filepath.Join("..", "docs", "json-events.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join("..", "docs", "json-events.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{events.Event{}, events.Prelude{}, events.Step{}, events.Diagnostic{}, events.ProgramOutput{}, events.Summary{}} {
		typ := reflect.TypeOf(v)
		known := jsonFields[typ.Name()]
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i).Name
			name, ok := known[f]
			switch {
			case !ok:
				t.Errorf("events.%s.%s is new: write it in display/json.go, document it in docs/json-events.md and "+
					"docs/json-events.schema.json, and list it in jsonFields", typ.Name(), f)
			case name == "":
			case !bytes.Contains(schema, []byte(`"`+name+`": {`)):
				t.Errorf("events.%s.%s (%q) is not in docs/json-events.schema.json", typ.Name(), f, name)
			case !bytes.Contains(doc, []byte("`"+name)) && !bytes.Contains(doc, []byte("."+name+"`")):
				t.Errorf("events.%s.%s (%q) is not in docs/json-events.md", typ.Name(), f, name)
			}
		}
	}
}
