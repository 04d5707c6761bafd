package display_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/infrago/infra/display"
	"github.com/infrago/infra/engine/events"
)

func renderMarkdown(t *testing.T, opts display.MarkdownOptions, es []events.Event, r display.Result) string {
	t.Helper()
	var buf bytes.Buffer
	m := display.NewMarkdown(&buf, opts)
	for _, e := range es {
		m.Emit(e)
	}
	if err := m.Close(r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestMarkdownGolden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		opts display.MarkdownOptions
		es   []events.Event
		r    display.Result
	}{
		{"preview", display.MarkdownOptions{}, previewEvents(), display.Result{}},
		{"preview_diff", display.MarkdownOptions{Diff: true}, diffEvents(), display.Result{ExitCode: 2}},
		{"update_failure", display.MarkdownOptions{}, updateEvents(), display.Result{ExitCode: 1}},
		{"preview_refresh", display.MarkdownOptions{}, driftEvents(), display.Result{ExitCode: 2}},
		{"continue_on_error", display.MarkdownOptions{}, continueEvents(), display.Result{ExitCode: 1}},
		{"no_changes", display.MarkdownOptions{}, []events.Event{
			{Kind: events.KindPrelude, Prelude: &events.Prelude{Project: "web", Stack: "prod", DryRun: true, Action: "preview"}},
			ev(events.KindStepDone, step(bucket, events.OpSame)),
			{Kind: events.KindSummary, Summary: &events.Summary{DryRun: true, Changes: map[events.Op]int{events.OpSame: 1}}},
		}, display.Result{}},
		// The program did not compile: there is a prelude and the command's error, nothing else.
		{"compile_error", display.MarkdownOptions{}, []events.Event{
			{Kind: events.KindPrelude, Prelude: &events.Prelude{Project: "web", Stack: "dev", DryRun: true, Action: "preview"}},
		}, display.Result{ExitCode: 1, Error: "the program in /src/web does not compile:\n./main.go:2:15: declared and not used: x\n```go\nx := 1\n```"}},
		// A long preview keeps to the size of a comment; what does not fit is counted.
		{"limited", display.MarkdownOptions{Limit: 300}, previewEvents(), display.Result{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := renderMarkdown(t, tt.opts, tt.es, tt.r)
			if strings.Contains(got, canary) {
				t.Fatalf("a secret was written:\n%s", got)
			}
			golden(t, "markdown_"+tt.name+".golden.md", got)
		})
	}
}
