// Package events defines the stream of events a deployment emits. Every display (terminal, CI lines, JSON) is a
// consumer of this stream and nothing else, so what users see is exactly what the engine did.
package events

import (
	"time"

	"github.com/infrago/infra/sdk/resource"
)

// Op is what a step does to a resource.
type Op string

// The operations a step can perform.
const (
	OpSame    Op = "same"
	OpCreate  Op = "create"
	OpUpdate  Op = "update"
	OpReplace Op = "replace"
	OpDelete  Op = "delete"
	OpImport  Op = "import"
	OpRead    Op = "read"
	// OpDeleteReplaced removes the old object of a create-before-delete replacement.
	OpDeleteReplaced Op = "delete-replaced"
	// OpCreateReplacement creates the new object of a replacement.
	OpCreateReplacement Op = "create-replacement"
	// OpSkipped marks a resource the program declares but could not register because something it depends on
	// failed; its state is kept as it was.
	OpSkipped Op = "skipped"
	// OpRefresh reads an object's live state; a refresh step with Diffs is drift (the object changed outside),
	// one with Gone set found the object deleted outside.
	OpRefresh Op = "refresh"
)

// Symbol is the marker displays put in front of a step.
func (op Op) Symbol() string {
	switch op {
	case OpCreate, OpCreateReplacement:
		return "+"
	case OpUpdate:
		return "~"
	case OpReplace:
		return "+-"
	case OpDelete, OpDeleteReplaced:
		return "-"
	case OpImport:
		return "="
	case OpRead, OpRefresh:
		return ">"
	}
	return " "
}

// Kind is the kind of an event.
type Kind string

// The kinds of event.
const (
	KindPrelude    Kind = "prelude"
	KindStepStart  Kind = "step-start"
	KindStepDone   Kind = "step-done"
	KindStepFailed Kind = "step-failed"
	KindDiagnostic Kind = "diagnostic"
	KindProgram    Kind = "program-output"
	KindSummary    Kind = "summary"
)

// Event is one thing that happened during a deployment. Exactly one of the pointer fields is set, matching Kind.
type Event struct {
	Kind     Kind
	Time     time.Time
	Prelude  *Prelude
	Step     *Step
	Diag     *Diagnostic
	Program  *ProgramOutput
	Summary  *Summary
	Sequence int64
}

// Prelude starts the stream.
type Prelude struct {
	Project string
	Stack   string
	DryRun  bool
	// Action is "update", "destroy" or "preview".
	Action string
}

// Step describes one resource operation.
type Step struct {
	URN      resource.URN
	Type     string
	Op       Op
	Parent   resource.URN
	Provider string
	Custom   bool
	// Old and New are the resource's inputs before and after (either may be nil).
	Old resource.PropertyMap
	New resource.PropertyMap
	// Outputs are set on completion.
	Outputs resource.PropertyMap
	// Diffs are the property changes, as deep as they go.
	Diffs []resource.PropertyDiff
	// Replaces lists the properties that caused a replacement.
	Replaces []string
	// Elapsed is set on completion or failure.
	Elapsed time.Duration
	// Error is set on failure.
	Error  string
	DryRun bool
	// Logical is false for steps that are part of another step (the create and delete halves of a replacement).
	Logical bool
	// Retained marks a delete that only forgets the object (RetainOnDelete): it is left in place.
	Retained bool
	// Gone marks a refresh that found the object deleted outside infra.
	Gone bool
}

// Severity ranks diagnostics.
type Severity string

// Diagnostic severities.
const (
	SevDebug   Severity = "debug"
	SevInfo    Severity = "info"
	SevWarning Severity = "warning"
	SevError   Severity = "error"
)

// Diagnostic is a message for the user, possibly about one resource.
type Diagnostic struct {
	Severity Severity
	URN      resource.URN
	Message  string
}

// ProgramOutput is a line the program wrote to stdout or stderr.
type ProgramOutput struct {
	Stream string // "stdout" or "stderr"
	Line   string
}

// Summary ends the stream.
type Summary struct {
	DryRun   bool
	Changes  map[Op]int
	Duration time.Duration
	// Outputs are the stack outputs after the run; OldOutputs those before.
	Outputs    resource.PropertyMap
	OldOutputs resource.PropertyMap
	Failed     bool
	// ResourceCount is how many resources the stack holds afterwards.
	ResourceCount int
	// Failures lists the resources whose step failed, with why ("<urn>: <error>"); Skipped those not processed
	// because something they depend on failed; Kept those left in place that would have been deleted.
	Failures []string
	Skipped  []string
	Kept     []string
}

// Sink receives events. Emit must be safe for concurrent use and must not block for long: the engine calls it
// from its hot path.
type Sink interface {
	Emit(e Event)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(Event)

// Emit implements Sink.
func (f SinkFunc) Emit(e Event) { f(e) }

// Discard is a sink that drops everything.
var Discard Sink = SinkFunc(func(Event) {})

// Tee returns a sink that hands every event to each of sinks in turn.
func Tee(sinks ...Sink) Sink {
	return SinkFunc(func(e Event) {
		for _, s := range sinks {
			s.Emit(e)
		}
	})
}
