package auto

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Event is one line of the CLI's --json stream (docs/json-events.md): its type, sequence number and time, and
// the one field named after its type.
type Event struct {
	Type     string    `json:"type"`
	Sequence int64     `json:"sequence"`
	Time     time.Time `json:"time"`

	Prelude       *PreludeEvent    `json:"prelude,omitempty"`
	Step          *StepEvent       `json:"step,omitempty"`
	Diagnostic    *DiagnosticEvent `json:"diagnostic,omitempty"`
	ProgramOutput *ProgramOutput   `json:"programOutput,omitempty"`
	Summary       *SummaryEvent    `json:"summary,omitempty"`
	Result        *ResultEvent     `json:"result,omitempty"`
}

// PreludeEvent starts a run.
type PreludeEvent struct {
	Version int    `json:"version"`
	Project string `json:"project"`
	Stack   string `json:"stack"`
	Action  string `json:"action"`
	DryRun  bool   `json:"dryRun"`
}

// StepEvent is a resource's step: on step-start, step-done and step-failed. Property values are plain JSON
// values, secrets shown as "[secret]" (see docs/json-events.md for unknowns and references).
type StepEvent struct {
	URN       string         `json:"urn"`
	Type      string         `json:"type"`
	Name      string         `json:"name"`
	Op        string         `json:"op"`
	Parent    string         `json:"parent,omitempty"`
	Provider  string         `json:"provider,omitempty"`
	Custom    bool           `json:"custom"`
	Logical   bool           `json:"logical"`
	DryRun    bool           `json:"dryRun"`
	Retained  bool           `json:"retained,omitempty"`
	Gone      bool           `json:"gone,omitempty"`
	Replaces  []string       `json:"replaces,omitempty"`
	Diffs     []PropertyDiff `json:"diffs,omitempty"`
	Old       map[string]any `json:"old,omitempty"`
	New       map[string]any `json:"new,omitempty"`
	Outputs   map[string]any `json:"outputs,omitempty"`
	ElapsedMs int64          `json:"elapsedMs,omitempty"`
	Error     string         `json:"error,omitempty"`
}

// PropertyDiff is one property change of an update, a replace or a drift.
type PropertyDiff struct {
	Path string `json:"path"`
	Kind string `json:"kind"`
	Old  any    `json:"old,omitempty"`
	New  any    `json:"new,omitempty"`
}

// DiagnosticEvent is a message of the engine, a provider or the program.
type DiagnosticEvent struct {
	Severity string `json:"severity"`
	URN      string `json:"urn,omitempty"`
	Message  string `json:"message"`
}

// ProgramOutput is a line the program printed.
type ProgramOutput struct {
	Stream string `json:"stream"`
	Line   string `json:"line"`
}

// SummaryEvent ends a run.
type SummaryEvent struct {
	DryRun        bool           `json:"dryRun"`
	Failed        bool           `json:"failed"`
	Changes       map[string]int `json:"changes"`
	DurationMs    int64          `json:"durationMs"`
	ResourceCount int            `json:"resourceCount"`
	Outputs       map[string]any `json:"outputs,omitempty"`
	OldOutputs    map[string]any `json:"oldOutputs,omitempty"`
	Failures      []string       `json:"failures,omitempty"`
	Skipped       []string       `json:"skipped,omitempty"`
	Kept          []string       `json:"kept,omitempty"`
}

// ResultEvent is the last line: how the command ended.
type ResultEvent struct {
	Status    string `json:"status"`
	ExitCode  int    `json:"exitCode"`
	Error     string `json:"error,omitempty"`
	ErrorCode string `json:"errorCode,omitempty"`
}

// DecodeEvent decodes one line of the --json stream. A line that is not an event of a known type with its
// field is an error: the caller may be talking to a CLI of another format version.
func DecodeEvent(line []byte) (Event, error) {
	var e Event
	if err := json.Unmarshal(line, &e); err != nil {
		return Event{}, fmt.Errorf("not a JSON event line: %w", err)
	}
	var ok bool
	switch e.Type {
	case "prelude":
		ok = e.Prelude != nil
	case "step-start", "step-done", "step-failed":
		ok = e.Step != nil
	case "diagnostic":
		ok = e.Diagnostic != nil
	case "program-output":
		ok = e.ProgramOutput != nil
	case "summary":
		ok = e.Summary != nil
	case "result":
		ok = e.Result != nil
	case "":
		return Event{}, errors.New("a JSON line with no event type")
	default:
		// A type added by a newer CLI: passed on as it is, for the caller to ignore.
		ok = true
	}
	if !ok {
		return Event{}, fmt.Errorf("a %s event without its %s field", e.Type, e.Type)
	}
	return e, nil
}
