package secrets

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"unicode/utf8"
)

// Environment variables that supply passphrases, for CI and scripts.
const (
	// EnvPassphrase holds the passphrase of a stack whose data key is wrapped for a passphrase.
	EnvPassphrase = "INFRA_PASSPHRASE"
	// EnvPassphraseFile names a file holding that passphrase (one trailing newline is ignored).
	EnvPassphraseFile = "INFRA_PASSPHRASE_FILE"
	// EnvNewPassphrase holds the passphrase to wrap the data key for when it is being changed (rekey, change of
	// secrets provider); without it, a new passphrase comes from EnvPassphrase or EnvPassphraseFile.
	EnvNewPassphrase = "INFRA_NEW_PASSPHRASE"
	// EnvNewPassphraseFile names a file holding the new passphrase.
	EnvNewPassphraseFile = "INFRA_NEW_PASSPHRASE_FILE"
)

// maxPassphraseFile bounds what is read from a passphrase file.
const maxPassphraseFile = 64 << 10

// ErrNoPassphrase is wrapped by errors about a passphrase that is needed but cannot be had: none in the
// environment and no terminal to ask on.
var ErrNoPassphrase = errors.New("no passphrase available")

// PassphrasePrompt asks a person for a passphrase: question is what to show, and confirm asks for it twice (for a
// new passphrase) and fails when the two differ.
type PassphrasePrompt func(ctx context.Context, question string, confirm bool) (string, error)

// Passphrases supplies the passphrases of passphrase recipients: the current one (to unwrap the data key) from
// INFRA_PASSPHRASE or INFRA_PASSPHRASE_FILE, a new one (to wrap it) from INFRA_NEW_PASSPHRASE or
// INFRA_NEW_PASSPHRASE_FILE, else the current variables; failing those, from a prompt, if there is one. Each is
// obtained at most once per Passphrases, so a person is asked at most once for each. Safe for concurrent use.
type Passphrases struct {
	prompt PassphrasePrompt

	mu      sync.Mutex
	current *obtained
	fresh   *obtained
}

// obtained is a passphrase and where it came from (for messages; never the passphrase itself).
type obtained struct {
	pass, source string
}

// NewPassphrases returns a supply of passphrases that asks prompt when the environment has none (nil: never
// ask).
func NewPassphrases(prompt PassphrasePrompt) *Passphrases {
	return &Passphrases{prompt: prompt}
}

// Current returns the passphrase that opens the stack, and where it came from.
func (p *Passphrases) Current(ctx context.Context) (pass, source string, err error) {
	o, err := p.getCurrent(ctx, true)
	if err != nil {
		return "", "", err
	}
	return o.pass, o.source, nil
}

// getCurrent obtains the current passphrase; with ask false it never prompts.
func (p *Passphrases) getCurrent(ctx context.Context, ask bool) (obtained, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.current != nil {
		return *p.current, nil
	}
	o, found, err := fromEnv(EnvPassphrase, EnvPassphraseFile)
	if err != nil {
		return obtained{}, err
	}
	if !found {
		if !ask || p.prompt == nil {
			return obtained{}, fmt.Errorf("%w: set %s or %s", ErrNoPassphrase, EnvPassphrase, EnvPassphraseFile)
		}
		pass, err := p.prompt(ctx, "Passphrase of the stack's secrets", false)
		if err != nil {
			return obtained{}, fmt.Errorf("read the passphrase: %w", err)
		}
		o = obtained{pass: pass, source: "the passphrase typed at the prompt"}
	}
	if err := checkPassphrase(o); err != nil {
		return obtained{}, err
	}
	p.current = &o
	return o, nil
}

// New returns the passphrase to wrap a data key for, and where it came from.
func (p *Passphrases) New(ctx context.Context) (pass, source string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fresh != nil {
		return p.fresh.pass, p.fresh.source, nil
	}
	o, found, err := fromEnv(EnvNewPassphrase, EnvNewPassphraseFile)
	if err == nil && !found {
		o, found, err = fromEnv(EnvPassphrase, EnvPassphraseFile)
	}
	if err != nil {
		return "", "", err
	}
	if !found {
		if p.prompt == nil {
			return "", "", fmt.Errorf("%w for the new passphrase recipient: set %s or %s (or %s when changing it)",
				ErrNoPassphrase, EnvPassphrase, EnvPassphraseFile, EnvNewPassphrase)
		}
		pass, err := p.prompt(ctx, "New passphrase for the stack's secrets", true)
		if err != nil {
			return "", "", fmt.Errorf("read the new passphrase: %w", err)
		}
		o = obtained{pass: pass, source: "the passphrase typed at the prompt"}
	}
	if err := checkPassphrase(o); err != nil {
		return "", "", err
	}
	p.fresh = &o
	return o.pass, o.source, nil
}

// known returns the passphrases this supply holds already, or can get without asking anyone: the current one and
// a new one (from INFRA_NEW_PASSPHRASE or INFRA_NEW_PASSPHRASE_FILE, or given earlier).
func (p *Passphrases) known(ctx context.Context) []obtained {
	var out []obtained
	if o, err := p.getCurrent(ctx, false); err == nil {
		out = append(out, o)
	}
	p.mu.Lock()
	fresh := p.fresh
	p.mu.Unlock()
	if fresh == nil {
		if o, found, err := fromEnv(EnvNewPassphrase, EnvNewPassphraseFile); err == nil && found && checkPassphrase(o) == nil {
			fresh = &o
		}
	}
	if fresh != nil && (len(out) == 0 || out[0].pass != fresh.pass) {
		out = append(out, *fresh)
	}
	return out
}

// canPrompt reports whether the supply may ask a person.
func (p *Passphrases) canPrompt() bool { return p.prompt != nil }

// fromEnv reads a passphrase from the variable or the file its companion names; both set is an error, because
// one would silently win.
func fromEnv(varName, fileVar string) (obtained, bool, error) {
	v, hasVar := os.LookupEnv(varName)
	f, hasFile := os.LookupEnv(fileVar)
	hasFile = hasFile && f != ""
	switch {
	case hasVar && hasFile:
		return obtained{}, false, fmt.Errorf("both %s and %s are set: keep one", varName, fileVar)
	case hasVar:
		return obtained{pass: v, source: "$" + varName}, true, nil
	case hasFile:
		pass, err := readPassphraseFile(f)
		if err != nil {
			return obtained{}, false, fmt.Errorf("%s: %w", fileVar, err)
		}
		return obtained{pass: pass, source: "$" + fileVar + " (" + f + ")"}, true, nil
	}
	return obtained{}, false, nil
}

// readPassphraseFile reads a passphrase file, less one trailing newline. Errors never quote the content.
func readPassphraseFile(path string) (string, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("passphrase file %s does not exist", path)
	}
	if err != nil {
		return "", fmt.Errorf("read passphrase file: %w", err)
	}
	if !fi.Mode().IsRegular() && fi.Mode()&fs.ModeNamedPipe == 0 {
		return "", fmt.Errorf("passphrase file %s is not a regular file", path)
	}
	data, err := readBoundedN(path, maxPassphraseFile)
	if err != nil {
		return "", err
	}
	return parsePassphraseFile(data)
}

// parsePassphraseFile strips one trailing newline (LF or CRLF), as a file written by an editor or `echo` has.
func parsePassphraseFile(data []byte) (string, error) {
	s := string(data)
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	if strings.ContainsAny(s, "\n") {
		return "", errors.New("the passphrase file has more than one line")
	}
	return s, nil
}

// checkPassphrase refuses passphrases that cannot be right. The message names the source, never the value.
func checkPassphrase(o obtained) error {
	switch {
	case o.pass == "":
		return fmt.Errorf("the passphrase from %s is empty", o.source)
	case !utf8.ValidString(o.pass):
		return fmt.Errorf("the passphrase from %s is not valid UTF-8", o.source)
	}
	return nil
}
