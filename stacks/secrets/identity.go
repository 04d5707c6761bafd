package secrets

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode/utf8"

	"filippo.io/age"
)

// Environment variables honoured for decryption, with the meaning sops gives them.
const (
	// EnvAgeKey holds one or more age identities (AGE-SECRET-KEY-1...), separated by white space.
	EnvAgeKey = "SOPS_AGE_KEY"
	// EnvAgeKeyFile names an age identity file (the format age-keygen writes).
	EnvAgeKeyFile = "SOPS_AGE_KEY_FILE"
)

// maxIdentityFile bounds what is read from an identity file; age's own parser uses the same limit.
const maxIdentityFile = 1 << 24

// IdentitySource is one place identities were looked for, for error messages that tell the user what was tried.
type IdentitySource struct {
	// Location is a file path, or "$SOPS_AGE_KEY" for the environment variable.
	Location string
	// Recipients are the public keys of the identities found there.
	Recipients []string
	// Missing is true when the place does not exist (variable unset, file absent).
	Missing bool
	// Err is why the place could not be used, if it exists but is unreadable or malformed. It never contains key
	// material.
	Err error
}

func (s IdentitySource) describe() string {
	switch {
	case s.Err != nil:
		return fmt.Sprintf("%s: %v", s.Location, s.Err)
	case s.Missing && strings.HasPrefix(s.Location, "$"):
		return s.Location + ": not set"
	case s.Missing:
		return s.Location + ": does not exist"
	case len(s.Recipients) == 1:
		return s.Location + ": 1 identity (" + s.Recipients[0] + ")"
	default:
		return fmt.Sprintf("%s: %d identities (%s)", s.Location, len(s.Recipients), strings.Join(s.Recipients, ", "))
	}
}

// Identities are the age identities (private keys) available to unwrap a data key, with where they came from.
type Identities struct {
	ids     []age.Identity
	sources []IdentitySource
}

// Recipients returns the public keys of all identities, in the order they were found.
func (i *Identities) Recipients() []string {
	var out []string
	for _, s := range i.sources {
		out = append(out, s.Recipients...)
	}
	return out
}

// Sources returns every place that was looked at, found or not.
func (i *Identities) Sources() []IdentitySource {
	return append([]IdentitySource(nil), i.sources...)
}

// add parses identities from data and records the source. allowManyPerLine is sops' rule for SOPS_AGE_KEY.
func (i *Identities) add(location string, data []byte, allowManyPerLine bool) {
	src := IdentitySource{Location: location}
	ids, recipients, err := parseIdentities(data, allowManyPerLine)
	if err != nil {
		src.Err = err
	} else {
		i.ids = append(i.ids, ids...)
		src.Recipients = recipients
	}
	i.sources = append(i.sources, src)
}

func (i *Identities) addFile(path string) {
	data, err := readBounded(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		i.sources = append(i.sources, IdentitySource{Location: path, Missing: true})
	case err != nil:
		i.sources = append(i.sources, IdentitySource{Location: path, Err: err})
	default:
		i.add(path, data, false)
	}
}

// ParseIdentities reads identities in the age-keygen format ("#" comments, one AGE-SECRET-KEY-1... per line) from
// data; location names the source in messages. Errors name the line, never its content.
func ParseIdentities(location string, data []byte) (*Identities, error) {
	ids := &Identities{}
	ids.add(location, data, false)
	if err := ids.sources[0].Err; err != nil {
		return nil, fmt.Errorf("parse identities in %s: %w", location, err)
	}
	return ids, nil
}

// LoadIdentities collects every identity available to this process, in the order sops uses: SOPS_AGE_KEY,
// SOPS_AGE_KEY_FILE, then the default files (infra's, then sops'). A place that is missing or malformed is
// recorded in Sources and skipped, so one bad file does not hide a good one.
func LoadIdentities() *Identities {
	ids := &Identities{}
	if v, ok := os.LookupEnv(EnvAgeKey); ok {
		ids.add("$"+EnvAgeKey, []byte(v), true)
	} else {
		ids.sources = append(ids.sources, IdentitySource{Location: "$" + EnvAgeKey, Missing: true})
	}
	if p, ok := os.LookupEnv(EnvAgeKeyFile); ok && p != "" {
		ids.addFile(p)
	} else {
		ids.sources = append(ids.sources, IdentitySource{Location: "$" + EnvAgeKeyFile, Missing: true})
	}
	if p, err := DefaultIdentityPath(); err == nil {
		ids.addFile(p)
	} else {
		ids.sources = append(ids.sources, IdentitySource{Location: "default identity file", Err: err})
	}
	if p, err := sopsDefaultKeyFile(); err == nil {
		ids.addFile(p)
	}
	return ids
}

// parseIdentities parses native age identities. Plugin identities (AGE-PLUGIN-...) are refused: they run external
// programs, which infra does not do on its own.
func parseIdentities(data []byte, allowManyPerLine bool) ([]age.Identity, []string, error) {
	if !utf8.Valid(data) {
		return nil, nil, errors.New("not valid UTF-8")
	}
	var ids []age.Identity
	var recipients []string
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		words := []string{line}
		if allowManyPerLine {
			words = strings.Fields(line)
		}
		for _, w := range words {
			id, rcpt, err := parseIdentity(w)
			if err != nil {
				return nil, nil, fmt.Errorf("line %d: %w", n+1, err)
			}
			ids = append(ids, id)
			recipients = append(recipients, rcpt)
		}
	}
	if len(ids) == 0 {
		return nil, nil, errors.New("no identities found")
	}
	return ids, recipients, nil
}

// parseIdentity parses one identity and returns its public key. The age parser's own error is dropped on purpose:
// it may quote part of the private key.
func parseIdentity(s string) (age.Identity, string, error) {
	switch {
	case strings.HasPrefix(s, "AGE-SECRET-KEY-PQ-1"):
		id, err := age.ParseHybridIdentity(s)
		if err != nil {
			return nil, "", errors.New("malformed post-quantum age identity")
		}
		return id, id.Recipient().String(), nil
	case strings.HasPrefix(s, "AGE-SECRET-KEY-1"):
		id, err := age.ParseX25519Identity(s)
		if err != nil {
			return nil, "", errors.New("malformed age identity")
		}
		return id, id.Recipient().String(), nil
	case strings.HasPrefix(s, "AGE-PLUGIN-"):
		return nil, "", errors.New("age plugin identities are not supported")
	default:
		return nil, "", errors.New("not an age identity (want AGE-SECRET-KEY-1...)")
	}
}

func readBounded(path string) ([]byte, error) {
	return readBoundedN(path, maxIdentityFile)
}

// readBoundedN reads at most limit bytes of a file and fails for a longer one. A missing file gives an error
// wrapping fs.ErrNotExist.
func readBoundedN(path string, limit int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > limit {
		return nil, fmt.Errorf("read %s: file is larger than %d bytes", path, limit)
	}
	return data, nil
}

// configHome is $XDG_CONFIG_HOME, or ~/.config when it is unset, on every OS: the design puts user-level files
// under ~/.config/infra everywhere.
func configHome() (string, error) {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		if !filepath.IsAbs(d) {
			return "", fmt.Errorf("XDG_CONFIG_HOME=%q is not an absolute path", d)
		}
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the user config directory: %w (set XDG_CONFIG_HOME)", err)
	}
	return filepath.Join(home, ".config"), nil
}

// DefaultIdentityPath returns $XDG_CONFIG_HOME/infra/age/keys.txt (~/.config/infra/age/keys.txt when
// XDG_CONFIG_HOME is unset). The file may not exist yet.
func DefaultIdentityPath() (string, error) {
	dir, err := configHome()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "infra", "age", "keys.txt"), nil
}

// sopsDefaultKeyFile is where the sops CLI keeps its age keys (sops/age/keys.txt in the user config directory,
// with sops' own rule for finding that directory), read so that sops users need no extra setup.
func sopsDefaultKeyFile() (string, error) {
	var dir string
	if d, ok := os.LookupEnv("XDG_CONFIG_HOME"); ok && d != "" && runtime.GOOS == "darwin" {
		dir = d
	} else {
		d, err := os.UserConfigDir()
		if err != nil {
			return "", err
		}
		dir = d
	}
	return filepath.Join(dir, "sops", "age", "keys.txt"), nil
}
