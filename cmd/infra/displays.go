package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/infrago/infra/display"
	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/engine/program"
	"github.com/infrago/infra/stacks/backend"
)

// outputs are the display flags of the commands that run the engine, and the displays a command opened. One
// command runs per process, so they live on the app, and the commands that share runFlags need nothing of
// their own: addDisplayFlags attaches the flags, printer picks the displays.
type outputs struct {
	json     bool
	markdown string

	// stdout is where --json and --markdown - write: the command's stdout, taken for them alone (the command's
	// other messages go to stderr instead).
	stdout io.Writer
	// jsonOut is the command's JSON stream, shared by its runs (the result line ends it, once).
	jsonOut *display.JSON
	// md collects the runs for --markdown; mdFile is the file it goes to (nil for stdout).
	md     *display.Markdown
	mdFile *os.File
	// opened are the displays for people, closed when the command ends.
	opened []display.Display
}

// isDisplayCommand tells the commands whose runs are displayed: they all get --json; preview gets --markdown.
func isDisplayCommand(name string) bool {
	switch name {
	case "preview", "up", "destroy", "refresh":
		return true
	}
	return false
}

// addDisplayFlags gives every command that runs the engine its output flags, and makes the command close its
// displays when it ends, whatever the outcome: the JSON stream's last line and the markdown summary say how
// it ended.
func (a *app) addDisplayFlags(root *cobra.Command) {
	for _, cmd := range root.Commands() {
		if !isDisplayCommand(cmd.Name()) || cmd.RunE == nil {
			continue
		}
		fl := cmd.Flags()
		fl.BoolVar(&a.out.json, "json", false,
			"write one JSON object per line for every event, and the result last (see docs/json-events.md); implies --non-interactive")
		if cmd.Name() == "preview" {
			fl.StringVar(&a.out.markdown, "markdown", "",
				"also write a summary for a pull-request comment to this file (- for stdout)")
		}
		run := cmd.RunE
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			err := a.beginOutputs(cmd)
			if err == nil {
				err = run(cmd, args)
			}
			return a.endOutputs(err)
		}
	}
}

// beginOutputs takes stdout for --json and --markdown - before the command runs.
func (a *app) beginOutputs(cmd *cobra.Command) error {
	o := &a.out
	o.stdout = cmd.OutOrStdout()
	if o.json || o.markdown == "-" {
		// Nothing but the stream goes to stdout: the command's own messages (a note about changes, a
		// question) go to stderr.
		cmd.SetOut(cmd.ErrOrStderr())
	}
	if o.json {
		// A machine reads the output: nobody is there to answer a question.
		a.nonInteractive = true
		o.jsonOut = display.NewJSON(o.stdout, display.JSONOptions{Redactor: a.redactor})
	}
	if o.json && o.markdown == "-" {
		return errors.New("--json and --markdown - both write to stdout: give --markdown a file name")
	}
	if o.markdown != "" && o.markdown != "-" {
		// Created now, so that a path that cannot be written fails before the run, not after it.
		f, err := os.Create(o.markdown)
		if err != nil {
			return fmt.Errorf("--markdown: %w", err)
		}
		o.mdFile = f
	}
	return nil
}

// endOutputs closes every display with the command's outcome, err, and returns err (or, if err is nil, the
// first error closing them: a markdown file that could not be written fails the command).
func (a *app) endOutputs(err error) error {
	o := &a.out
	r := display.Result{ExitCode: exitCode(err), Code: errorCode(err)}
	var ee *exitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.shown(), events.Shown(err):
		// Shown already, through the events.
	default:
		r.Error = a.redactor.Redact(err.Error())
	}
	var closeErr error
	keep := func(e error) {
		if e != nil && closeErr == nil {
			closeErr = e
		}
	}
	for _, d := range o.opened {
		keep(d.Close(r))
	}
	o.opened = nil
	if o.md != nil {
		keep(o.md.Close(r))
	} else if o.markdown != "" && (o.mdFile != nil || o.markdown == "-") {
		// The command failed before any run: the summary still says so.
		keep(display.NewMarkdown(o.markdownWriter(), display.MarkdownOptions{Redactor: a.redactor}).Close(r))
	}
	if o.mdFile != nil {
		keep(o.mdFile.Close())
		o.mdFile = nil
	}
	if o.jsonOut != nil {
		keep(o.jsonOut.Close(r))
	}
	if err == nil && closeErr != nil {
		return fmt.Errorf("write the output: %w", closeErr)
	}
	return err
}

func (o *outputs) markdownWriter() io.Writer {
	if o.mdFile != nil {
		return o.mdFile
	}
	return o.stdout
}

// exitCode is the status run gives the process for err.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// printer returns the display for one run of the engine, writing for people to w: with --json the JSON
// stream instead; on a terminal (unless CI or --non-interactive) the live display; else plain lines. With
// --markdown the run also goes into the summary.
func (a *app) printer(w io.Writer, f *runFlags) display.Display {
	o := &a.out
	var d display.Display
	if o.jsonOut != nil {
		// Closed once, by endOutputs, with the command's result.
		d = keepOpen{o.jsonOut}
	} else {
		d = a.humanDisplay(w, f)
		o.opened = append(o.opened, d)
	}
	if o.markdown == "" {
		return d
	}
	if o.md == nil {
		o.md = display.NewMarkdown(o.markdownWriter(), display.MarkdownOptions{Diff: f.diff, Redactor: a.redactor})
	}
	return display.Tee(d, keepOpen{o.md})
}

// humanDisplay is the live display when w is a terminal a person watches, plain lines otherwise.
func (a *app) humanDisplay(w io.Writer, f *runFlags) display.Display {
	opts := display.Options{Color: a.useColor(), ShowSames: f.showSames, Diff: f.diff, Verbose: a.verbose, Elapsed: true,
		Redactor: a.redactor}
	file, ok := w.(*os.File)
	if !ok || a.nonInteractive || os.Getenv("CI") != "" || !term.IsTerminal(int(file.Fd())) {
		return display.New(w, opts)
	}
	fd := int(file.Fd())
	return display.NewLive(w, display.LiveOptions{Options: opts, Size: func() (int, int) {
		width, height, err := term.GetSize(fd)
		if err != nil {
			return 0, 0
		}
		return width, height
	}})
}

// keepOpen is a display whose Close does nothing: displays that outlive one run are closed by endOutputs.
type keepOpen struct{ display.Display }

func (keepOpen) Close(display.Result) error { return nil }

// errorCode classifies a command's failure for the JSON result's errorCode.
func errorCode(err error) string {
	var build *program.BuildError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, backend.ErrLocked), errors.Is(err, backend.ErrFenced), errors.Is(err, backend.ErrConflict):
		return "concurrent-update"
	case errors.Is(err, backend.ErrNotFound):
		return "stack-not-found"
	case errors.As(err, &build):
		return "compile-error"
	}
	return ""
}
