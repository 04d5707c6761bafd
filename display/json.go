package display

import (
	"bufio"
	"io"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/sdk/resource"
)

// JSONVersion is the version of the JSON event stream, given in its prelude. It changes only when a field
// changes meaning or goes away; new fields and event types may appear within a version.
const JSONVersion = 1

// The event types of the JSON stream: the engine's event kinds, and the command's result.
const (
	JSONTypeResult = "result"
)

// JSONOptions configure a JSON display.
type JSONOptions struct {
	// Redactor masks secrets that escape into free text (program output, messages); the display also teaches
	// it every secret it sees in events. Nil means a private one.
	Redactor *Redactor
	// Now stamps events that carry no time; nil means time.Now.
	Now func() time.Time
}

// JSON writes every event as one JSON object on one line, as documented in docs/json-events.md (schema:
// docs/json-events.schema.json), and the command's result as the last line. It is safe for concurrent use.
type JSON struct {
	opts JSONOptions
	mu   sync.Mutex
	w    *bufio.Writer
	seq  int64
	buf  []byte
	done bool
	err  error
}

// NewJSON returns a JSON display writing to w.
func NewJSON(w io.Writer, opts JSONOptions) *JSON {
	if opts.Redactor == nil {
		opts.Redactor = NewRedactor()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &JSON{opts: opts, w: bufio.NewWriterSize(w, 64*1024)}
}

// Emit implements events.Sink.
func (j *JSON) Emit(ev events.Event) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.done {
		return
	}
	if ev.Step != nil {
		j.opts.Redactor.AddMap(ev.Step.Old)
		j.opts.Redactor.AddMap(ev.Step.New)
		j.opts.Redactor.AddMap(ev.Step.Outputs)
	}
	if ev.Summary != nil {
		j.opts.Redactor.AddMap(ev.Summary.Outputs)
		j.opts.Redactor.AddMap(ev.Summary.OldOutputs)
	}
	e := jsonEnc{j.opts.Redactor}
	j.opts.Redactor.rlock()
	defer j.opts.Redactor.runlock()
	b := j.open(string(ev.Kind), ev.Time)
	switch ev.Kind {
	case events.KindPrelude:
		b = e.prelude(b, ev.Prelude)
	case events.KindStepStart, events.KindStepDone, events.KindStepFailed:
		b = e.step(b, ev.Step, ev.Kind != events.KindStepStart)
	case events.KindDiagnostic:
		b = e.diagnostic(b, ev.Diag)
	case events.KindProgram:
		b = append(b, `,"programOutput":{"stream":`...)
		b = e.str(b, ev.Program.Stream)
		b = append(b, `,"line":`...)
		b = e.str(b, ev.Program.Line)
		b = append(b, '}')
	case events.KindSummary:
		b = e.summary(b, ev.Summary)
	default:
		// A kind this version does not know: its type alone says it happened.
	}
	j.close(b)
}

// open starts a line: the type, the line's sequence number and the time.
func (j *JSON) open(typ string, t time.Time) []byte {
	j.seq++
	if t.IsZero() {
		t = j.opts.Now()
	}
	b := append(j.buf[:0], `{"type":`...)
	b = resource.AppendJSONString(b, typ)
	b = append(b, `,"sequence":`...)
	b = strconv.AppendInt(b, j.seq, 10)
	b = append(b, `,"time":"`...)
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// close ends the line and writes it. Each line is flushed at once so a consumer sees events as they happen.
func (j *JSON) close(b []byte) {
	b = append(b, '}', '\n')
	j.buf = b
	if _, err := j.w.Write(b); err != nil && j.err == nil {
		j.err = err
	}
	if err := j.w.Flush(); err != nil && j.err == nil {
		j.err = err
	}
}

// Close implements Display: the last line is the command's result.
func (j *JSON) Close(r Result) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.done {
		return j.err
	}
	e := jsonEnc{j.opts.Redactor}
	j.opts.Redactor.rlock()
	defer j.opts.Redactor.runlock()
	b := j.open(JSONTypeResult, time.Time{})
	b = append(b, `,"result":{"status":`...)
	b = e.str(b, r.Status())
	b = append(b, `,"exitCode":`...)
	b = strconv.AppendInt(b, int64(r.ExitCode), 10)
	if r.Error != "" {
		b = append(b, `,"error":`...)
		b = e.str(b, r.Error)
	}
	if r.Code != "" {
		b = append(b, `,"errorCode":`...)
		b = e.str(b, r.Code)
	}
	b = append(b, '}')
	j.close(b)
	j.done = true
	return j.err
}

func (e jsonEnc) prelude(b []byte, p *events.Prelude) []byte {
	b = append(b, `,"prelude":{"version":`...)
	b = strconv.AppendInt(b, JSONVersion, 10)
	b = append(b, `,"project":`...)
	b = e.str(b, p.Project)
	b = append(b, `,"stack":`...)
	b = e.str(b, p.Stack)
	b = append(b, `,"action":`...)
	b = e.str(b, p.Action)
	b = append(b, `,"dryRun":`...)
	b = strconv.AppendBool(b, p.DryRun)
	return append(b, '}')
}

// appendStep writes a step. Empty fields are left out: an absent map is an empty one.
func (e jsonEnc) step(b []byte, s *events.Step, finished bool) []byte {
	b = append(b, `,"step":{"urn":`...)
	b = e.str(b, string(s.URN))
	b = append(b, `,"type":`...)
	b = e.str(b, s.Type)
	b = append(b, `,"name":`...)
	b = e.str(b, s.URN.Name())
	b = append(b, `,"op":`...)
	b = e.str(b, string(s.Op))
	if s.Parent != "" {
		b = append(b, `,"parent":`...)
		b = e.str(b, string(s.Parent))
	}
	if s.Provider != "" {
		b = append(b, `,"provider":`...)
		b = e.str(b, s.Provider)
	}
	b = append(b, `,"custom":`...)
	b = strconv.AppendBool(b, s.Custom)
	b = append(b, `,"logical":`...)
	b = strconv.AppendBool(b, s.Logical)
	b = append(b, `,"dryRun":`...)
	b = strconv.AppendBool(b, s.DryRun)
	if s.Retained {
		b = append(b, `,"retained":true`...)
	}
	if s.Gone {
		b = append(b, `,"gone":true`...)
	}
	b = e.strings(b, "replaces", s.Replaces)
	if len(s.Diffs) > 0 {
		b = append(b, `,"diffs":[`...)
		for i, d := range s.Diffs {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.diff(b, d)
		}
		b = append(b, ']')
	}
	b = e.mapField(b, "old", s.Old)
	b = e.mapField(b, "new", s.New)
	b = e.mapField(b, "outputs", s.Outputs)
	if finished {
		b = append(b, `,"elapsedMs":`...)
		b = strconv.AppendInt(b, s.Elapsed.Milliseconds(), 10)
	}
	if s.Error != "" {
		b = append(b, `,"error":`...)
		b = e.str(b, s.Error)
	}
	return append(b, '}')
}

func (e jsonEnc) diff(b []byte, d resource.PropertyDiff) []byte {
	b = append(b, `{"path":`...)
	b = e.str(b, d.Path.String())
	b = append(b, `,"kind":`...)
	b = e.str(b, d.Kind.String())
	if d.Kind != resource.DiffAdd {
		b = append(b, `,"old":`...)
		b = e.value(b, d.Old)
	}
	if d.Kind != resource.DiffDelete {
		b = append(b, `,"new":`...)
		b = e.value(b, d.New)
	}
	return append(b, '}')
}

func (e jsonEnc) mapField(b []byte, name string, m resource.PropertyMap) []byte {
	if len(m) == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return e.object(b, m)
}

func (e jsonEnc) diagnostic(b []byte, d *events.Diagnostic) []byte {
	b = append(b, `,"diagnostic":{"severity":`...)
	b = e.str(b, string(d.Severity))
	if d.URN != "" {
		b = append(b, `,"urn":`...)
		b = e.str(b, string(d.URN))
	}
	b = append(b, `,"message":`...)
	b = e.str(b, d.Message)
	return append(b, '}')
}

func (e jsonEnc) summary(b []byte, s *events.Summary) []byte {
	b = append(b, `,"summary":{"dryRun":`...)
	b = strconv.AppendBool(b, s.DryRun)
	b = append(b, `,"failed":`...)
	b = strconv.AppendBool(b, s.Failed)
	b = append(b, `,"changes":{`...)
	ops := make([]string, 0, len(s.Changes))
	for op, n := range s.Changes {
		if n > 0 {
			ops = append(ops, string(op))
		}
	}
	sort.Strings(ops)
	for i, op := range ops {
		if i > 0 {
			b = append(b, ',')
		}
		b = e.str(b, op)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(s.Changes[events.Op(op)]), 10)
	}
	b = append(b, `},"durationMs":`...)
	b = strconv.AppendInt(b, s.Duration.Milliseconds(), 10)
	b = append(b, `,"resourceCount":`...)
	b = strconv.AppendInt(b, int64(s.ResourceCount), 10)
	b = e.mapField(b, "outputs", s.Outputs)
	b = e.mapField(b, "oldOutputs", s.OldOutputs)
	b = e.strings(b, "failures", s.Failures)
	b = e.strings(b, "skipped", s.Skipped)
	b = e.strings(b, "kept", s.Kept)
	return append(b, '}')
}

// strings writes a list of strings, left out when empty.
func (e jsonEnc) strings(b []byte, name string, list []string) []byte {
	if len(list) == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':', '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = e.str(b, s)
	}
	return append(b, ']')
}
