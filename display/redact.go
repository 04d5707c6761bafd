package display

import (
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
	r.known[secret] = true
	p := secret[:MinSecretLength]
	list := append(r.byPrefix[p], secret)
	// Longest first, so that a secret containing another is masked whole.
	for i := len(list) - 1; i > 0 && len(list[i]) > len(list[i-1]); i-- {
		list[i], list[i-1] = list[i-1], list[i]
	}
	r.byPrefix[p] = list
	// Secrets printed as JSON (quotes and backslashes escaped) must be caught too.
	if esc := escapeJSON(secret); esc != secret {
		r.known[esc] = true
		r.byPrefix[esc[:MinSecretLength]] = append(r.byPrefix[esc[:MinSecretLength]], esc)
	}
}

func escapeJSON(s string) string {
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
	if len(r.byPrefix) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i+MinSecretLength <= len(s); {
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
	for {
		i := strings.IndexByte(string(rw.part), '\n')
		if i < 0 {
			break
		}
		line := rw.r.Redact(string(rw.part[:i+1]))
		rw.part = rw.part[i+1:]
		if _, err := rw.w.Write([]byte(line)); err != nil {
			return len(p), err
		}
	}
	return len(p), nil
}
