package display

import (
	"bytes"
	"io"
	"strings"
	"sync"

	"github.com/infrago/infra/sdk/resource"
)

// MinSecretLength is the shortest secret the Redactor masks in free text. Shorter values ("1", "yes") would
// garble ordinary output wherever they happen to appear; structured values are masked whatever their length.
const MinSecretLength = 4

// Redactor masks known secret values wherever they appear in text: program output, provider logs, error
// messages. Structured values are masked by their secret mark; the Redactor catches the plaintext that escapes
// into free text (a program that prints a password, a provider that logs its inputs). It is safe for concurrent
// use.
type Redactor struct {
	mu sync.RWMutex
	// byPrefix indexes secrets by their first MinSecretLength bytes, so a line is scanned once whatever the
	// number of secrets.
	byPrefix map[string][]string
	known    map[string]bool
	// filter is a one-hash Bloom filter of the prefixes in byPrefix: most positions of a text are ruled out
	// by a multiplication and a bit test, without hashing a string for a map lookup. It holds at least 16 bits
	// per prefix, so about one position in twenty needs the map.
	filter []uint64
	shift  uint
}

// NewRedactor returns an empty Redactor.
func NewRedactor() *Redactor {
	return &Redactor{byPrefix: map[string][]string{}, known: map[string]bool{}}
}

// Add learns a secret string.
func (r *Redactor) Add(secret string) {
	if r == nil || len(secret) < MinSecretLength {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.known[secret] {
		return
	}
	r.index(secret)
	// Secrets printed as JSON (quotes and backslashes escaped) must be caught too.
	if esc := escapeJSON(secret); esc != secret && !r.known[esc] {
		r.index(esc)
	}
}

// index adds a secret to byPrefix and the filter. r.mu is held for writing.
func (r *Redactor) index(secret string) {
	r.known[secret] = true
	p := secret[:MinSecretLength]
	list := append(r.byPrefix[p], secret)
	// Longest first, so that a secret containing another is masked whole.
	for i := len(list) - 1; i > 0 && len(list[i]) > len(list[i-1]); i-- {
		list[i], list[i-1] = list[i-1], list[i]
	}
	r.byPrefix[p] = list
	if len(list) > 1 {
		return // the prefix is in the filter already
	}
	if len(r.byPrefix)*16 > len(r.filter)*64 {
		// Grow the filter to keep it sparse, and put every prefix back in.
		bits := 1 << 12
		for bits < len(r.byPrefix)*32 {
			bits <<= 1
		}
		r.filter = make([]uint64, bits/64)
		r.shift = uint(64 - bitsLen(bits))
		for q := range r.byPrefix {
			r.mark(q)
		}
		return
	}
	r.mark(p)
}

func bitsLen(n int) int {
	l := 0
	for n > 1 {
		n >>= 1
		l++
	}
	return l
}

func (r *Redactor) mark(p string) {
	h := prefixHash(p) >> r.shift
	r.filter[h>>6] |= 1 << (h & 63)
}

// prefixHash hashes the first MinSecretLength bytes of s (Fibonacci hashing: the filter takes the top bits).
func prefixHash(s string) uint64 {
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
	return x * 0x9E3779B97F4A7C15
}

func escapeJSON(s string) string {
	if !strings.ContainsAny(s, "\\\"\n\t\r") {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`, "\r", `\r`).Replace(s)
}

// AddValue learns every secret string inside v: the plaintext under each secret mark, as a whole (a string or a
// value's rendering) and every string nested in it.
func (r *Redactor) AddValue(v resource.PropertyValue) {
	if r == nil {
		return
	}
	var walk func(v resource.PropertyValue, inSecret bool)
	walk = func(v resource.PropertyValue, inSecret bool) {
		switch v.Kind() {
		case resource.KindSecret:
			walk(v.SecretElement(), true)
		case resource.KindString:
			if inSecret {
				r.Add(v.StringValue())
			}
		case resource.KindNumber:
			if inSecret {
				r.Add(resource.FormatNumber(v.NumberValue()))
			}
		case resource.KindList:
			for _, e := range v.ListValue() {
				walk(e, inSecret)
			}
		case resource.KindMap:
			for _, e := range v.MapValue() {
				walk(e, inSecret)
			}
		}
	}
	walk(v, false)
}

// AddMap learns the secrets of every property of m.
func (r *Redactor) AddMap(m resource.PropertyMap) {
	for _, v := range m {
		if v.ContainsSecrets() {
			r.AddValue(v)
		}
	}
}

// Redact returns s with every known secret replaced by [secret].
func (r *Redactor) Redact(s string) string {
	if r == nil || len(s) < MinSecretLength {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.redactLocked(s)
}

// redactLocked is Redact for a caller that holds r.mu for reading (so that many strings cost one lock).
func (r *Redactor) redactLocked(s string) string {
	if r == nil || len(s) < MinSecretLength || len(r.byPrefix) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i+MinSecretLength <= len(s); {
		if h := prefixHash(s[i:]) >> r.shift; r.filter[h>>6]&(1<<(h&63)) == 0 {
			i++
			continue
		}
		cands := r.byPrefix[s[i:i+MinSecretLength]]
		matched := ""
		for _, c := range cands {
			if strings.HasPrefix(s[i:], c) {
				matched = c
				break
			}
		}
		if matched == "" {
			i++
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString("[secret]")
		i += len(matched)
		last = i
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// rlock and runlock let a display hold the read lock over many redactLocked calls.
func (r *Redactor) rlock() {
	if r != nil {
		r.mu.RLock()
	}
}

func (r *Redactor) runlock() {
	if r != nil {
		r.mu.RUnlock()
	}
}

// Writer returns a writer that redacts whole lines before passing them to w (for provider logs).
func (r *Redactor) Writer(w interface{ Write([]byte) (int, error) }) *RedactingWriter {
	return &RedactingWriter{r: r, w: w}
}

// RedactingWriter redacts what is written through it, line by line.
type RedactingWriter struct {
	r    *Redactor
	w    interface{ Write([]byte) (int, error) }
	mu   sync.Mutex
	part []byte
}

// Write implements io.Writer; partial lines wait for their end.
func (rw *RedactingWriter) Write(p []byte) (int, error) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	rw.part = append(rw.part, p...)
	// Whole lines are redacted and written in one go; a partial line at the end waits for the rest. The scan
	// is linear in what was written, however many lines one write holds.
	end := bytes.LastIndexByte(rw.part, '\n')
	if end < 0 {
		return len(p), nil
	}
	out := rw.r.Redact(string(rw.part[:end+1]))
	rest := copy(rw.part, rw.part[end+1:])
	rw.part = rw.part[:rest]
	if _, err := io.WriteString(rw.w, out); err != nil {
		return len(p), err
	}
	return len(p), nil
}
