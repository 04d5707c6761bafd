package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// This file renders the CLI reference, docs/cli.md, from the cobra command tree, so that the reference says what
// `--help` says. It is not wired into any command: the test TestCLIDocs renders the tree and compares the result
// with the file (`go test ./cmd/infra -run TestCLIDocs -update` rewrites it).

// cliDocsUpdateCommand is how to regenerate docs/cli.md.
const cliDocsUpdateCommand = "go test ./cmd/infra -run TestCLIDocs -update"

// renderCLIDocs renders the Markdown reference of the command tree under root. It completes the tree the way
// cobra does when it executes (help flags, the version flag and the completion command), so that the result
// matches what `--help` prints. Hidden and deprecated commands, and cobra's `help` command, are left out. The
// output depends only on the tree, never on the machine it is rendered on.
func renderCLIDocs(root *cobra.Command) string {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var cmds []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.InitDefaultHelpFlag()
		c.InitDefaultVersionFlag()
		cmds = append(cmds, c)
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				walk(sub)
			}
		}
	}
	walk(root)

	var b strings.Builder
	name := root.Name()
	fmt.Fprintf(&b, "<!-- Code generated from the %s command tree by `%s`; DO NOT EDIT. -->\n\n", name, cliDocsUpdateCommand)
	fmt.Fprintf(&b, "# %s command reference\n\n", name)
	b.WriteString(sentence(root.Short))
	fmt.Fprintf(&b, "This page is generated from the commands themselves and says what `%s <command> --help` says. "+
		"Every command also accepts `-h`, `--help`; `%s help <command>` prints the same help.\n\n", name, name)

	b.WriteString("## Commands\n\n")
	for _, c := range cmds[1:] {
		depth := strings.Count(c.CommandPath(), " ") - 1
		fmt.Fprintf(&b, "%s- [`%s`](#%s): %s\n", strings.Repeat("  ", depth), c.CommandPath(), anchor(c.CommandPath()), markdownText(c.Short))
	}
	b.WriteString("\n## Global flags\n\n")
	b.WriteString("These flags are accepted by every command.\n\n")
	writeFlags(&b, root.PersistentFlags())

	for _, c := range cmds {
		writeCommand(&b, c)
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func writeCommand(b *strings.Builder, c *cobra.Command) {
	fmt.Fprintf(b, "## %s\n\n", c.CommandPath())
	b.WriteString(sentence(c.Short))
	// The usage lines, as cobra's help template writes them.
	var usage []string
	if c.Runnable() {
		usage = append(usage, c.UseLine())
	}
	if c.HasAvailableSubCommands() {
		usage = append(usage, c.CommandPath()+" [command]")
	}
	fmt.Fprintf(b, "```\n%s\n```\n\n", strings.Join(usage, "\n"))
	if len(c.Aliases) > 0 {
		aliases := make([]string, len(c.Aliases))
		for i, a := range c.Aliases {
			aliases[i] = "`" + a + "`"
		}
		fmt.Fprintf(b, "Aliases: %s.\n\n", strings.Join(aliases, ", "))
	}
	if long := strings.TrimSpace(c.Long); long != "" {
		b.WriteString(markdownBlock(long))
	}
	if ex := strings.Trim(c.Example, "\n"); strings.TrimSpace(ex) != "" {
		fmt.Fprintf(b, "Examples:\n\n```sh\n%s\n```\n\n", dedent(ex))
	}
	// The command's own flags; the root's persistent flags are the global flags, listed once at the top.
	local := pflag.NewFlagSet(c.Name(), pflag.ContinueOnError)
	add := func(f *pflag.Flag) {
		if f.Name != "help" && !f.Hidden {
			local.AddFlag(f)
		}
	}
	c.LocalNonPersistentFlags().VisitAll(add)
	if c.HasParent() {
		c.PersistentFlags().VisitAll(add)
	}
	if local.HasFlags() {
		b.WriteString("Flags:\n\n")
		writeFlags(b, local)
	}
	var subs []*cobra.Command
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			subs = append(subs, sub)
		}
	}
	if len(subs) > 0 && c.HasParent() {
		b.WriteString("Subcommands:\n\n")
		for _, sub := range subs {
			fmt.Fprintf(b, "- [`%s`](#%s): %s\n", sub.CommandPath(), anchor(sub.CommandPath()), markdownText(sub.Short))
		}
		b.WriteString("\n")
	}
}

// writeFlags renders flags as a table: the flag, its default (when it is not the type's zero value, as cobra
// shows it) and its description.
func writeFlags(b *strings.Builder, fs *pflag.FlagSet) {
	b.WriteString("| Flag | Default | Description |\n|---|---|---|\n")
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		varname, usage := pflag.UnquoteUsage(f)
		flag := "`--" + f.Name
		if varname != "" {
			flag += " " + varname
		}
		flag += "`"
		if f.Shorthand != "" {
			flag = "`-" + f.Shorthand + "`, " + flag
		}
		def := ""
		if d := flagDefault(f); d != "" {
			def = "`" + d + "`"
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", flag, def, strings.ReplaceAll(markdownText(usage), "|", `\|`))
	})
	b.WriteString("\n")
}

// flagDefault is the default a flag documents: "" for zero values, and a description instead of the number for
// defaults computed from the machine, so that the reference is the same wherever it is generated.
func flagDefault(f *pflag.Flag) string {
	switch f.DefValue {
	case "", "false", "0", "[]", "<nil>":
		return ""
	}
	if f.Value.Type() == "string" {
		return strconv.Quote(f.DefValue)
	}
	return f.DefValue
}

// sentence renders a command's short description as a paragraph.
func sentence(short string) string {
	return markdownText(strings.TrimSuffix(strings.TrimSpace(short), ".")) + ".\n\n"
}

// anchor is the GitHub-style anchor of a heading.
func anchor(heading string) string {
	return strings.ReplaceAll(strings.ToLower(heading), " ", "-")
}

// markdownBlock turns help text into Markdown: paragraphs stay paragraphs, and indented paragraphs (commands to
// type, file excerpts) become code blocks.
func markdownBlock(text string) string {
	var b strings.Builder
	for _, para := range splitParagraphs(text) {
		indented := true
		for _, l := range para {
			if !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "\t") {
				indented = false
			}
		}
		if indented {
			fmt.Fprintf(&b, "```\n%s\n```\n\n", dedent(strings.Join(para, "\n")))
			continue
		}
		for i, l := range para {
			para[i] = markdownLine(strings.TrimSpace(l))
		}
		b.WriteString(strings.Join(para, "\n"))
		b.WriteString("\n\n")
	}
	return b.String()
}

func splitParagraphs(text string) [][]string {
	var paras [][]string
	var cur []string
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == "" {
			if len(cur) > 0 {
				paras = append(paras, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, strings.TrimRight(l, " \t"))
	}
	if len(cur) > 0 {
		paras = append(paras, cur)
	}
	return paras
}

var codeSpan = regexp.MustCompile("`[^`]*`")

// markdownText escapes help text for Markdown, leaving `code spans` as they are: the help texts use backquotes
// for commands and file names, which read well in a terminal and become code in Markdown.
func markdownText(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range codeSpan.FindAllStringIndex(s, -1) {
		b.WriteString(escapeMarkdown(s[last:m[0]]))
		b.WriteString(s[m[0]:m[1]])
		last = m[1]
	}
	b.WriteString(escapeMarkdown(s[last:]))
	return b.String()
}

var markdownEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`, "`", "\\`")

func escapeMarkdown(s string) string { return markdownEscaper.Replace(s) }

// markdownLine escapes one line of prose; a line that Markdown would read as a heading or a quote is escaped too.
func markdownLine(s string) string {
	s = markdownText(s)
	if strings.HasPrefix(s, "#") || strings.HasPrefix(s, "&gt;") {
		s = `\` + s
	}
	return s
}

// dedent removes the indentation common to every non-blank line.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	prefix := ""
	first := true
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		ind := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if first {
			prefix, first = ind, false
			continue
		}
		for !strings.HasPrefix(ind, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	for i, l := range lines {
		lines[i] = strings.TrimRight(strings.TrimPrefix(l, prefix), " \t")
	}
	return strings.Join(lines, "\n")
}
