package codegen

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// commentWidth is the column doc comments wrap at.
const commentWidth = 110

// tabWidth is how wide a tab counts when wrapping indented comments.
const tabWidth = 4

// comment renders text as a // comment at the given number of tabs, wrapped at about commentWidth columns.
// Blank lines separate paragraphs; paragraphs with lines that start with white space or a list marker keep
// their line breaks, because those are code blocks or lists in Go doc syntax.
func comment(indent int, text string) string {
	prefix := strings.Repeat("\t", indent) + "//"
	width := commentWidth - indent*tabWidth - len("// ")
	var out strings.Builder
	for i, para := range paragraphs(text, width) {
		if i > 0 {
			out.WriteString(prefix + "\n")
		}
		for _, line := range para {
			out.WriteString(prefix + " " + line + "\n")
		}
	}
	return out.String()
}

// paragraphs splits text into paragraphs of lines ready to print: prose wrapped to width, preformatted lines
// as they are.
func paragraphs(text string, width int) [][]string {
	text = strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n")
	var out [][]string
	for _, raw := range strings.Split(text, "\n\n") {
		raw = strings.Trim(raw, "\n")
		if strings.TrimSpace(raw) == "" {
			continue
		}
		lines := strings.Split(raw, "\n")
		if isPreformatted(lines) {
			for i, l := range lines {
				lines[i] = strings.TrimRight(l, " \t")
			}
			out = append(out, lines)
			continue
		}
		out = append(out, wrap(strings.Join(lines, " "), width))
	}
	return out
}

// isPreformatted reports whether a paragraph is a code block or a list.
func isPreformatted(lines []string) bool {
	for _, l := range lines {
		t := strings.TrimLeft(l, " \t")
		if len(t) < len(l) || strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") {
			return true
		}
	}
	return false
}

// wrap breaks prose into lines of at most width bytes; a longer word stays whole on its own line.
func wrap(s string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, w := range strings.Fields(s) {
		if cur.Len() > 0 && cur.Len()+1+len(w) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(w)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// sentence starts a doc comment with the Go name it documents, as Go convention asks. A description that
// already starts with the name is used as it is; one that starts with an article becomes "Name is the ...",
// one that starts with "Whether" becomes "Name says whether ..."; otherwise the first word is lower-cased when
// it is an ordinary capitalized word ("Generates a string" → "String generates a string").
func sentence(name, desc, fallback string) string {
	desc = strings.TrimSpace(desc)
	if desc == "" {
		return name + " " + fallback
	}
	if strings.HasPrefix(desc, name+" ") || desc == name {
		return finish(desc)
	}
	first, _, _ := strings.Cut(desc, " ")
	switch first {
	case "The", "A", "An", "One":
		return name + " is " + finish(strings.ToLower(first)+desc[len(first):])
	}
	switch strings.ToLower(first) {
	case "whether", "how", "what", "which", "when", "where", "who":
		return name + " says " + finish(lowerFirstWord(desc))
	}
	if isDescriptionVerb(strings.ToLower(strings.TrimRight(first, ",.:;"))) {
		return name + " " + finish(lowerFirstWord(desc))
	}
	// A noun phrase ("Arbitrary values that ...", "Seconds between two probes"): the name is what it says.
	verb := " is "
	if isPlural(name) {
		verb = " are "
	}
	return name + verb + finish(lowerFirstWord(desc))
}

// isDescriptionVerb reports whether a description's first word is a verb in the third person ("Generates a
// string", "Overrides the endpoint"), which follows the name directly; any other first word starts a noun phrase.
// Such verbs end in "s", as plural nouns do too: the nouns that descriptions start with are told apart by a list.
func isDescriptionVerb(w string) bool {
	if !strings.HasSuffix(w, "s") || strings.HasSuffix(w, "ss") {
		return false
	}
	switch w {
	case "bytes", "characters", "days", "digits", "failures", "hours", "ids", "items", "keys", "labels", "lines",
		"milliseconds", "minutes", "names", "numbers", "options", "ports", "rules", "seconds", "settings",
		"successes", "tags", "times", "values", "variables", "words":
		return false
	}
	return true
}

// isPlural reports whether a Go name reads as a plural ("Keepers", "SecurityGroupIDs", not "Status" or
// "Address"), for the verb of a noun-phrase doc comment.
func isPlural(name string) bool {
	if strings.HasSuffix(name, "IDs") || strings.HasSuffix(name, "ARNs") || strings.HasSuffix(name, "IPs") {
		return true
	}
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, "ss"), strings.HasSuffix(lower, "us"), strings.HasSuffix(lower, "is"),
		strings.HasSuffix(lower, "metadata"), strings.HasSuffix(lower, "data"):
		return false
	}
	return strings.HasSuffix(lower, "s")
}

// replacementStated matches a description that already says a change replaces the resource, in any of the
// wordings schemas use, so that the generated note does not say it twice.
var replacementStated = regexp.MustCompile(`(?i)\breplac(e|es|ed|ing|ement)\b|\bforces? (a )?new\b`)

// lowerFirstWord lower-cases the first letter of s when its first word is a capitalized ordinary word, not an
// acronym or a name with inner capitals ("The" → "the", "URL" and "GitHub" stay).
func lowerFirstWord(s string) string {
	word := s
	if i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }); i >= 0 {
		word = s[:i]
	}
	r := []rune(word)
	if len(r) < 2 || !unicode.IsUpper(r[0]) {
		return s
	}
	for _, c := range r[1:] {
		if !unicode.IsLower(c) {
			return s
		}
	}
	return string(unicode.ToLower(r[0])) + s[len(string(r[0])):]
}

// finish ends a sentence with a period unless it already ends with punctuation.
func finish(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	switch s[len(s)-1] {
	case '.', '!', '?', ':', ')', '`':
		return s
	}
	return s + "."
}

// propertyNotes lists what a user must know about an input beyond its description, in the words the doc
// comments and the reference page both use.
func propertyNotes(p *propModel, input bool) []string {
	var notes []string
	if input && p.prop.Required && p.prop.Default == nil {
		notes = append(notes, "Required.")
	}
	if input && p.prop.Default != nil {
		notes = append(notes, "Defaults to "+formatDefault(p.prop.Default)+".")
	}
	if input && p.prop.ReplaceOnChanges && !replacementStated.MatchString(p.prop.Description) {
		notes = append(notes, "Changing it replaces the resource.")
	}
	if p.prop.Secret {
		notes = append(notes, "Secret.")
	}
	return notes
}

// formatDefault renders a default value as JSON: strings quoted, numbers as written, lists and maps compact.
func formatDefault(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	// Defaults are read by people, not embedded in HTML: "<" stays "<".
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// A default that is not JSON cannot have come from a decoded schema; show it the Go way.
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(b.String())
}
