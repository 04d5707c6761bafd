package display

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/infrago/infra/engine/events"
)

// DefaultMarkdownLimit keeps the steps of a markdown summary under GitHub's 65,536 characters per comment, with
// room for the rest.
const DefaultMarkdownLimit = 50000

// MarkdownOptions configure a Markdown display.
type MarkdownOptions struct {
	// Diff lists every input of created and deleted resources, as --diff does.
	Diff bool
	// Redactor masks secrets that escape into free text; the display teaches it every secret it sees. Nil
	// means a private one.
	Redactor *Redactor
	// Limit is the most bytes the steps may take; the steps beyond are counted, not listed. 0 means
	// DefaultMarkdownLimit.
	Limit int
}

// Markdown collects a run and, when closed, writes a summary of it suited to a pull-request comment: the stack,
// the counts per operation, the steps with their property diffs in a collapsible block, and the errors. Secrets
// are masked as everywhere else. It is safe for concurrent use.
type Markdown struct {
	opts MarkdownOptions
	w    io.Writer
	mu   sync.Mutex
	// f writes the property diffs of the steps, as the plain display does.
	f        formatter
	steps    bytes.Buffer
	omitted  int
	prelude  *events.Prelude
	summary  *events.Summary
	counts   map[events.Op]int
	errors   []string
	warnings []string
	closed   bool
}

// NewMarkdown returns a Markdown display that writes to w when it is closed.
func NewMarkdown(w io.Writer, opts MarkdownOptions) *Markdown {
	if opts.Redactor == nil {
		opts.Redactor = NewRedactor()
	}
	if opts.Limit <= 0 {
		opts.Limit = DefaultMarkdownLimit
	}
	m := &Markdown{opts: opts, w: w, counts: map[events.Op]int{}}
	m.f = formatter{opts: Options{Diff: opts.Diff, Redactor: opts.Redactor}, w: &m.steps}
	return m
}

// Emit implements events.Sink.
func (m *Markdown) Emit(e events.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.f.learn(e)
	switch e.Kind {
	case events.KindPrelude:
		p := *e.Prelude
		m.prelude = &p
		m.f.dryRun, m.f.action = p.DryRun, p.Action
	case events.KindStepDone:
		m.step(e.Step)
	case events.KindStepFailed:
		msg := e.Step.Error
		// The engine's errors name their resource already; others get its name in front.
		if name := fmt.Sprintf("%q", e.Step.URN.Name()); !strings.Contains(msg, name) {
			msg = e.Step.Type + " " + name + ": " + msg
		}
		m.errors = append(m.errors, msg)
	case events.KindDiagnostic:
		switch e.Diag.Severity {
		case events.SevError:
			m.errors = append(m.errors, e.Diag.Message)
		case events.SevWarning:
			m.warnings = append(m.warnings, e.Diag.Message)
		}
	case events.KindSummary:
		s := *e.Summary
		m.summary = &s
	}
}

func (m *Markdown) step(s *events.Step) {
	if s.Logical {
		m.counts[s.Op]++
	}
	if s.Op == events.OpSame {
		return
	}
	if m.steps.Len() > m.opts.Limit {
		m.omitted++
		return
	}
	status := string(s.Op)
	if !m.f.dryRun {
		status = pastTense[s.Op]
	}
	if s.Retained {
		status += " (retained: the object is left in place)"
	}
	if s.Op == events.OpReplace && len(s.Replaces) > 0 {
		status += " (because of " + strings.Join(s.Replaces, ", ") + ")"
	}
	switch {
	case s.Op == events.OpRefresh && s.Gone:
		status = "drifted: deleted outside infra"
	case s.Op == events.OpRefresh:
		status = "drifted: changed outside infra"
	case s.Op == events.OpSkipped && strings.HasPrefix(s.Error, "skipped"):
		status = s.Error
	case s.Op == events.OpSkipped && s.Error != "":
		status = "skipped: " + s.Error
	case s.Op == events.OpSkipped:
		status = "skipped"
	}
	// The symbol starts the line so that GitHub colours creates and deletes in a diff block.
	fmt.Fprintf(&m.steps, "%-2s %s  %s\n", s.Op.Symbol(), label(s), status)
	m.f.details(s)
}

// Close implements Display: it writes the summary. r carries an error the events did not (a program that does
// not compile, a stack that cannot be opened).
func (m *Markdown) Close(r Result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	if r.Error != "" {
		m.errors = append(m.errors, r.Error)
	}
	var b strings.Builder
	m.document(&b, r)
	_, err := io.WriteString(m.w, m.opts.Redactor.Redact(b.String()))
	return err
}

// opOrder is the order of the operations in the counts table (drift first, apart from what the program
// changes); others follow in alphabetical order, then the unchanged resources.
var opOrder = []events.Op{events.OpRefresh, events.OpCreate, events.OpUpdate, events.OpReplace, events.OpImport, events.OpDelete}

// opName is an operation as the counts table names it.
func opName(op events.Op) string {
	switch op {
	case events.OpSame:
		return "unchanged"
	case events.OpRefresh:
		return "drifted"
	}
	return string(op)
}

func (m *Markdown) document(b *strings.Builder, r Result) {
	what, stack := "preview", ""
	if m.prelude != nil {
		stack = m.prelude.Project + "/" + m.prelude.Stack
		switch {
		case m.prelude.Action == "destroy" && m.prelude.DryRun:
			what = "destroy preview"
		case !m.prelude.DryRun:
			what = m.prelude.Action
		}
	}
	counts := m.counts
	if m.summary != nil {
		counts = m.summary.Changes
	}
	changes := 0
	for op, n := range counts {
		if op != events.OpSame {
			changes += n
		}
	}
	failed := r.ExitCode == 1 || len(m.errors) > 0 || (m.summary != nil && m.summary.Failed)

	// A marker lets CI find its earlier comment for the stack and update it rather than add another.
	fmt.Fprintf(b, "<!-- infra %s: %s -->\n", what, stack)
	title := "infra " + what
	if stack != "" {
		title += " of `" + stack + "`"
	}
	switch {
	case failed:
		fmt.Fprintf(b, "### %s: failed\n\n", title)
	case changes == 0:
		fmt.Fprintf(b, "### %s: no changes\n\n", title)
	default:
		fmt.Fprintf(b, "### %s: %d to change\n\n", title, changes)
	}

	if len(counts) > 0 {
		b.WriteString("| | Operation | Resources |\n|---|---|---:|\n")
		for _, op := range orderedOps(counts) {
			if counts[op] == 0 {
				continue
			}
			sym := ""
			if strings.TrimSpace(op.Symbol()) != "" {
				sym = "`" + op.Symbol() + "`"
			}
			fmt.Fprintf(b, "| %s | %s | %d |\n", sym, opName(op), counts[op])
		}
		b.WriteString("\n")
	}

	if m.steps.Len() > 0 {
		steps := m.steps.String()
		fmt.Fprintf(b, "<details><summary>Steps and property diffs</summary>\n\n")
		fence := fenceFor(steps)
		fmt.Fprintf(b, "%sdiff\n%s%s\n", fence, steps, fence)
		if m.omitted > 0 {
			fmt.Fprintf(b, "\n... and %d more steps, left out to keep this comment short: run `infra preview` to see them all.\n", m.omitted)
		}
		b.WriteString("\n</details>\n\n")
	}

	if len(m.errors) > 0 {
		fmt.Fprintf(b, "**Errors** (%d)\n\n", len(m.errors))
		writeBlocks(b, m.errors)
	}
	if m.summary != nil && len(m.summary.Kept) > 0 {
		fmt.Fprintf(b, "**Left in place** (%d): the run would have deleted them, but they are still needed\n\n", len(m.summary.Kept))
		writeBlocks(b, []string{strings.Join(m.summary.Kept, "\n")})
	}
	if len(m.warnings) > 0 {
		fmt.Fprintf(b, "**Warnings** (%d)\n\n", len(m.warnings))
		writeBlocks(b, m.warnings)
	}
}

func orderedOps(counts map[events.Op]int) []events.Op {
	out := append([]events.Op(nil), opOrder...)
	var rest []events.Op
	for op := range counts {
		known := op == events.OpSame
		for _, o := range opOrder {
			known = known || o == op
		}
		if !known {
			rest = append(rest, op)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i] < rest[j] })
	return append(append(out, rest...), events.OpSame)
}

func writeBlocks(b *strings.Builder, msgs []string) {
	for _, msg := range msgs {
		msg = strings.TrimRight(msg, "\n")
		fence := fenceFor(msg)
		fmt.Fprintf(b, "%s\n%s\n%s\n\n", fence, msg, fence)
	}
}

// fenceFor returns a code fence longer than any run of backticks in s, so that s cannot close it.
func fenceFor(s string) string {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			if run > longest {
				longest = run
			}
		} else {
			run = 0
		}
	}
	if longest < 3 {
		longest = 2
	}
	return strings.Repeat("`", longest+1)
}
