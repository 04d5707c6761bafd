package display

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/sdk/resource"
)

// formatter turns events into the lines people read. The plain Printer writes them as they come; the live
// display writes them above its tree. It is not safe for concurrent use: its owner serializes calls.
type formatter struct {
	opts Options
	w    io.Writer
	// live leaves steps in flight to the live tree: no "creating..." line is written when a step starts.
	live bool
	// dryRun and action come from the prelude.
	dryRun bool
	action string
	// errors seen, shown again at the end so they are not lost in long output.
	errors []string
}

// learn teaches the redactor every secret an event carries, before anything of it is written.
func (p *formatter) learn(e events.Event) {
	if e.Step != nil {
		p.opts.Redactor.AddMap(e.Step.Old)
		p.opts.Redactor.AddMap(e.Step.New)
		p.opts.Redactor.AddMap(e.Step.Outputs)
	}
	if e.Summary != nil {
		p.opts.Redactor.AddMap(e.Summary.Outputs)
		p.opts.Redactor.AddMap(e.Summary.OldOutputs)
	}
}

// event writes the lines of one event.
func (p *formatter) event(e events.Event) {
	p.learn(e)
	switch e.Kind {
	case events.KindPrelude:
		p.prelude(e.Prelude)
	case events.KindStepStart:
		p.stepStart(e.Step)
	case events.KindStepDone:
		p.stepDone(e.Step)
	case events.KindStepFailed:
		p.stepFailed(e.Step)
	case events.KindDiagnostic:
		p.diagnostic(e.Diag)
	case events.KindProgram:
		fmt.Fprintf(p.w, "    %s %s\n", p.color(colorDim, "|"), e.Program.Line)
	case events.KindSummary:
		p.summary(e.Summary)
	}
}

const (
	colorReset  = "\x1b[0m"
	colorGreen  = "\x1b[32m"
	colorYellow = "\x1b[33m"
	colorRed    = "\x1b[31m"
	colorMag    = "\x1b[35m"
	colorBold   = "\x1b[1m"
	colorDim    = "\x1b[2m"
)

func (p *formatter) color(c, s string) string {
	if !p.opts.Color {
		return s
	}
	return c + s + colorReset
}

func opColor(op events.Op) string {
	switch op {
	case events.OpCreate, events.OpCreateReplacement, events.OpImport:
		return colorGreen
	case events.OpUpdate:
		return colorYellow
	case events.OpDelete, events.OpDeleteReplaced:
		return colorRed
	case events.OpReplace:
		return colorMag
	}
	return ""
}

func (p *formatter) prelude(pr *events.Prelude) {
	p.dryRun, p.action = pr.DryRun, pr.Action
	fmt.Fprintf(p.w, "%s stack %s (project %s)\n\n", actionVerb(pr), p.color(colorBold, pr.Stack), pr.Project)
}

// actionVerb is what the run does to the stack: "Updating", "Previewing update of", ...
func actionVerb(pr *events.Prelude) string {
	verb := map[string]string{"update": "Updating", "preview": "Previewing update of", "destroy": "Destroying"}[pr.Action]
	if pr.Action == "destroy" && pr.DryRun {
		verb = "Previewing destroy of"
	}
	if verb == "" {
		verb = "Running " + pr.Action + " on"
	}
	return verb
}

// label is "<type> <name>", indented by the resource's depth under parents.
func label(s *events.Step) string {
	depth := strings.Count(s.URN.QualifiedType(), "$")
	return strings.Repeat("  ", depth) + s.Type + "  " + s.URN.Name()
}

var pastTense = map[events.Op]string{
	events.OpCreate: "created", events.OpUpdate: "updated", events.OpReplace: "replaced", events.OpDelete: "deleted",
	events.OpImport: "imported", events.OpRead: "read", events.OpDeleteReplaced: "deleted (replaced)",
	events.OpCreateReplacement: "created (replacement)", events.OpSame: "unchanged",
}

var presentTense = map[events.Op]string{
	events.OpCreate: "creating", events.OpUpdate: "updating", events.OpReplace: "replacing", events.OpDelete: "deleting",
	events.OpImport: "importing", events.OpRead: "reading", events.OpDeleteReplaced: "deleting (replaced)",
	events.OpCreateReplacement: "creating (replacement)", events.OpSame: "checking",
}

func (p *formatter) stepLine(s *events.Step, status string) {
	sym := s.Op.Symbol()
	fmt.Fprintf(p.w, " %s %s  %s\n", p.color(opColor(s.Op), fmt.Sprintf("%-2s", sym)), label(s), status)
}

func (p *formatter) stepStart(s *events.Step) {
	// In a preview every step finishes at once: the line is printed on completion. In an update, long steps
	// are visible while they run.
	if p.live || p.dryRun || s.Op == events.OpSame {
		return
	}
	p.stepLine(s, p.color(colorDim, presentTense[s.Op]+"..."))
}

func (p *formatter) stepDone(s *events.Step) {
	if s.Op == events.OpSame && !p.opts.ShowSames {
		return
	}
	status := string(s.Op)
	if s.Retained {
		status += " (retained: the object is left in place)"
	}
	if !p.dryRun {
		status = pastTense[s.Op]
		if s.Retained {
			status = "forgotten (retained: the object is left in place)"
		}
		if p.opts.Elapsed && s.Elapsed > 0 {
			status += fmt.Sprintf(" (%s)", formatElapsed(s.Elapsed))
		}
	}
	if s.Op == events.OpReplace && len(s.Replaces) > 0 {
		status += " (because of " + strings.Join(s.Replaces, ", ") + ")"
	}
	if s.Op == events.OpSkipped {
		// A skipped step did nothing; the reason is what the reader needs.
		switch {
		case strings.HasPrefix(s.Error, "skipped"):
			status = s.Error
		case s.Error != "":
			status = "skipped: " + s.Error
		}
		p.stepLine(s, p.color(colorYellow, status))
		return
	}
	if s.Op == events.OpRefresh {
		// Drift is what happened outside infra, shown apart from what the program changes.
		status = "drifted: changed outside infra"
		if s.Gone {
			status = "drifted: deleted outside infra"
		}
	}
	p.stepLine(s, status)
	p.details(s)
}

func (p *formatter) details(s *events.Step) {
	indent := strings.Repeat("  ", strings.Count(s.URN.QualifiedType(), "$")) + "      "
	switch s.Op {
	case events.OpUpdate, events.OpReplace, events.OpRefresh:
		for _, d := range s.Diffs {
			p.diffLine(indent, d)
		}
	case events.OpCreate, events.OpImport:
		if p.opts.Diff {
			for _, k := range s.New.Keys() {
				fmt.Fprintf(p.w, "%s%s %s: %s\n", indent, p.color(colorGreen, "+"), k, s.New[k])
			}
		}
	case events.OpDelete:
		if p.opts.Diff {
			for _, k := range s.Old.Keys() {
				fmt.Fprintf(p.w, "%s%s %s: %s\n", indent, p.color(colorRed, "-"), k, s.Old[k])
			}
		}
	}
}

func (p *formatter) diffLine(indent string, d resource.PropertyDiff) {
	switch d.Kind {
	case resource.DiffAdd:
		fmt.Fprintf(p.w, "%s%s %s: %s\n", indent, p.color(colorGreen, "+"), d.Path, d.New)
	case resource.DiffDelete:
		fmt.Fprintf(p.w, "%s%s %s: %s\n", indent, p.color(colorRed, "-"), d.Path, d.Old)
	default:
		fmt.Fprintf(p.w, "%s%s %s: %s => %s\n", indent, p.color(colorYellow, "~"), d.Path, d.Old, d.New)
	}
}

func (p *formatter) stepFailed(s *events.Step) {
	verb := presentTense[s.Op]
	if verb == "" || p.dryRun {
		verb = string(s.Op)
	}
	p.stepLine(s, p.color(colorRed, verb+" failed"))
	msg := indentLines(s.Error, "      ")
	fmt.Fprintf(p.w, "%s\n", p.color(colorRed, msg))
	p.errors = append(p.errors, s.Error)
}

func (p *formatter) diagnostic(d *events.Diagnostic) {
	switch d.Severity {
	case events.SevDebug:
		if !p.opts.Verbose {
			return
		}
		fmt.Fprintf(p.w, "    %s\n", p.color(colorDim, "debug: "+d.Message))
	case events.SevInfo:
		fmt.Fprintf(p.w, "    %s\n", d.Message)
	case events.SevWarning:
		fmt.Fprintf(p.w, "%s %s\n", p.color(colorYellow, "warning:"), indentRest(d.Message))
	case events.SevError:
		fmt.Fprintf(p.w, "%s %s\n", p.color(colorRed, "error:"), indentRest(d.Message))
		p.errors = append(p.errors, d.Message)
	}
}

func (p *formatter) summary(s *events.Summary) {
	fmt.Fprintln(p.w)
	if outs := outputLines(s.OldOutputs, s.Outputs, s.Failed); len(outs) > 0 && p.action != "destroy" && !s.Failed {
		fmt.Fprintln(p.w, "Outputs:")
		for _, l := range outs {
			fmt.Fprintln(p.w, l)
		}
		fmt.Fprintln(p.w)
	}
	fmt.Fprintf(p.w, "Resources: %s\n", changeSummary(s))
	if p.opts.Elapsed {
		fmt.Fprintf(p.w, "Duration: %s\n", roundDuration(s.Duration))
	}
	p.list("Failed", colorRed, s.Failures)
	p.list("Skipped because something they depend on failed", colorYellow, s.Skipped)
	p.list("Left in place because resources that failed or were skipped still use them", colorYellow, s.Kept)
	if s.Failed && len(p.errors) > 0 {
		fmt.Fprintf(p.w, "\n%s\n", p.color(colorRed, fmt.Sprintf("The %s failed with %d error(s); see above.", p.action, len(p.errors))))
	}
}

// list prints one summary section of a continue-on-error run, one resource per line.
func (p *formatter) list(title, c string, items []string) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(p.w, "\n%s (%d):\n", p.color(c, title), len(items))
	for _, it := range items {
		fmt.Fprintf(p.w, "    %s\n", indentRest(it))
	}
}

func outputLines(old, new resource.PropertyMap, failed bool) []string {
	var lines []string
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range new {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		ov, hadOld := old[k]
		nv, hasNew := new[k]
		switch {
		case !hadOld && hasNew:
			lines = append(lines, fmt.Sprintf("  + %s: %s", k, nv))
		case hadOld && !hasNew:
			if !failed {
				lines = append(lines, fmt.Sprintf("  - %s: %s", k, ov))
			}
		case !ov.Equal(nv):
			lines = append(lines, fmt.Sprintf("  ~ %s: %s => %s", k, ov, nv))
		default:
			lines = append(lines, fmt.Sprintf("    %s: %s", k, nv))
		}
	}
	return lines
}

func changeSummary(s *events.Summary) string {
	type entry struct {
		op   events.Op
		word string
	}
	order := []entry{{events.OpCreate, "create"}, {events.OpUpdate, "update"}, {events.OpReplace, "replace"},
		{events.OpImport, "import"}, {events.OpDelete, "delete"}}
	var parts []string
	for _, e := range order {
		n := s.Changes[e.op]
		if n == 0 {
			continue
		}
		if s.DryRun {
			parts = append(parts, fmt.Sprintf("%d to %s", n, e.word))
		} else {
			parts = append(parts, fmt.Sprintf("%d %s", n, pastTense[e.op]))
		}
	}
	if n := s.Changes[events.OpSame]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d unchanged", n))
	}
	if n := s.Changes[events.OpSkipped]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", n))
	}
	if n := s.Changes[events.OpRefresh]; n > 0 {
		parts = append([]string{fmt.Sprintf("%d drifted", n)}, parts...)
	}
	if len(parts) == 0 {
		return "no changes"
	}
	return strings.Join(parts, ", ")
}

func indentLines(s, indent string) string {
	return indent + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+indent)
}

func indentRest(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

func formatElapsed(d time.Duration) string {
	if d < time.Millisecond {
		return "<1ms"
	}
	return roundDuration(d).String()
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	default:
		return d.Round(time.Millisecond)
	}
}
