package project

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FileError is a problem at one place of a project or stack config file. Error() reads like a compiler message,
// "Infra.yaml:3: unknown field "nmae"; did you mean "name"?", and always says what to do.
type FileError struct {
	// File is the path as the caller named it.
	File string
	// Line is 1-based; 0 when the problem concerns the file as a whole.
	Line int
	// Msg is the problem and the fix.
	Msg string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// problems collects the FileErrors of one file, so that a user sees every problem at once.
type problems struct {
	file string
	errs []error
}

func (p *problems) add(line int, format string, args ...any) {
	p.errs = append(p.errs, &FileError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	return errors.Join(p.errs...)
}

var yamlLineErr = regexp.MustCompile(`(?s)^yaml: line (\d+): (.*)$`)

// parserProblems are the messages of the YAML parser (as opposed to its scanner). The library reports the line
// of a parser error 0-based (the line where the enclosing construct starts, counted from 0) and of a scanner
// error 1-based; only the message tells them apart.
var parserProblems = []string{
	"did not find expected ',' or ']'", "did not find expected ',' or '}'", "did not find expected '-' indicator",
	"did not find expected <document start>", "did not find expected <stream-start>", "did not find expected key",
	"did not find expected node content", "found duplicate %TAG directive", "found duplicate %YAML directive",
	"found incompatible YAML document", "found undefined tag handle",
}

// syntaxError turns a YAML parser error into a FileError with the line in the usual place. The parser's messages
// describe the problem, never the content, so nothing from the file is echoed.
func syntaxError(file string, err error) error {
	msg := err.Error()
	if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		for _, p := range parserProblems {
			if m[2] == p {
				line++
				break
			}
		}
		return &FileError{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	return &FileError{File: file, Msg: "invalid YAML: " + msg}
}

// parseDocument parses data as a single YAML document and returns its root node: nil for an empty file or an
// empty/null document (the caller decides whether that is an error).
func parseDocument(file string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxError(file, err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		return nil, &FileError{File: file, Line: next.Line, Msg: "more than one YAML document (a second \"---\"): keep a single document"}
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxError(file, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, nil
	}
	return root, nil
}

// checkPlainYAML reports aliases (and so alias cycles and alias bombs, whose expansion could make a small file
// huge) and, in every mapping, keys that are not strings or are repeated. These are checked on the node tree
// before anything decodes it, with lines in the messages.
func checkPlainYAML(p *problems, n *yaml.Node) {
	switch n.Kind {
	case yaml.AliasNode:
		p.add(n.Line, "YAML aliases (*%s) are not supported here: write the value out in full", n.Value)
	case yaml.MappingNode:
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
				p.add(k.Line, "mapping keys must be strings: quote the key")
			} else if prev, dup := seen[k.Value]; dup {
				p.add(k.Line, "key %q is already defined at line %d: remove one of them", k.Value, prev)
			} else {
				seen[k.Value] = k.Line
			}
			checkPlainYAML(p, n.Content[i+1])
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			checkPlainYAML(p, c)
		}
	}
}

// kindName describes a node's type for messages ("a string", "a list").
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.ShortTag() {
	case "!!str":
		return "a string"
	case "!!int":
		return "an integer"
	case "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	case "!!null":
		return "empty"
	}
	return "a " + n.ShortTag() + " value"
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// suggest returns the candidate closest to s, if it is close enough to be a likely typo (a few edits away, or a
// prefix: "bool" for "boolean").
func suggest(s string, candidates []string) (string, bool) {
	if len(s) > 64 {
		return "", false
	}
	best, bestD := "", len(s)+1
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if len(s) <= 3 {
		limit = 1
	}
	if best != "" && bestD <= limit {
		return best, true
	}
	if len(s) >= 3 {
		for _, c := range candidates {
			if strings.HasPrefix(c, s) || strings.HasPrefix(s, c) {
				return c, true
			}
		}
	}
	return "", false
}

// unknownMsg is the message for an unknown name, with a suggestion when one is close.
func unknownMsg(what, name string, known []string) string {
	if s, ok := suggest(name, known); ok {
		return fmt.Sprintf("unknown %s %q; did you mean %q?", what, name, s)
	}
	return fmt.Sprintf("unknown %s %q: known %ss are %s", what, name, what, quoteList(known))
}

func quoteList(xs []string) string {
	var b bytes.Buffer
	for i, x := range xs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(x))
	}
	return b.String()
}

// editDistance is the optimal-string-alignment distance of two strings: insertions, deletions, substitutions and
// transpositions of neighbours ("nmae" is one edit from "name").
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
