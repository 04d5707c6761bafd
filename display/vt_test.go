package display_test

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// vt is a fake terminal: it interprets what the live display writes (text, \r, \n and the few control
// sequences the display uses) into lines of screen, scrollback included, so golden tests show what a person
// would see rather than escape codes. Anything else it does not understand fails the test through err.
type vt struct {
	width      int
	lines      [][]rune
	row, col   int
	raw        strings.Builder
	err        error
	keepColors bool
}

func newVT(width int) *vt { return &vt{width: width, lines: [][]rune{nil}} }

func (t *vt) Write(p []byte) (int, error) {
	t.raw.Write(p)
	s := string(p)
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == '\x1b':
			n := t.escape(s)
			if n == 0 {
				return len(p), t.err
			}
			s = s[n:]
			continue
		case r == '\r':
			t.col = 0
		case r == '\n':
			t.row++
			t.col = 0
			for t.row >= len(t.lines) {
				t.lines = append(t.lines, nil)
			}
		default:
			t.put(r)
		}
		s = s[size:]
	}
	return len(p), nil
}

func (t *vt) put(r rune) {
	line := t.lines[t.row]
	for len(line) < t.col {
		line = append(line, ' ')
	}
	if t.col < len(line) {
		line[t.col] = r
	} else {
		line = append(line, r)
	}
	t.lines[t.row] = line
	t.col++
}

// escape handles one CSI sequence at the start of s and returns its length (0 on an unknown one).
func (t *vt) escape(s string) int {
	if len(s) < 3 || s[1] != '[' {
		t.err = fmt.Errorf("unsupported escape %q", s)
		return 0
	}
	i := 2
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == ';' || s[i] == '?') {
		i++
	}
	if i == len(s) {
		t.err = fmt.Errorf("unterminated escape %q", s)
		return 0
	}
	arg, final := s[2:i], s[i]
	n, _ := strconv.Atoi(arg)
	switch final {
	case 'A':
		if n == 0 {
			n = 1
		}
		t.row -= n
		if t.row < 0 {
			t.err = fmt.Errorf("cursor moved above the first line")
			t.row = 0
		}
	case 'J':
		// Clear from the cursor to the end of the screen.
		t.lines[t.row] = trimTo(t.lines[t.row], t.col)
		t.lines = t.lines[:t.row+1]
	case 'K':
		t.lines[t.row] = trimTo(t.lines[t.row], t.col)
	case 'm':
		if t.keepColors {
			for _, r := range "<" + arg + ">" {
				t.put(r)
			}
		}
	default:
		t.err = fmt.Errorf("unsupported escape %q", s[:i+1])
		return 0
	}
	return i + 1
}

func trimTo(line []rune, n int) []rune {
	if n < len(line) {
		return line[:n]
	}
	return line
}

// screen returns every line, scrollback included, without trailing spaces.
func (t *vt) screen() string {
	var b strings.Builder
	for i, l := range t.lines {
		if i == len(t.lines)-1 && len(l) == 0 {
			break
		}
		b.WriteString(strings.TrimRight(string(l), " "))
		b.WriteByte('\n')
	}
	return b.String()
}
