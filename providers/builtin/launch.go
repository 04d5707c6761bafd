package builtin

import (
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/infrago/infra/internal/buildid"
	"github.com/infrago/infra/providers/aws"
	"github.com/infrago/infra/providers/builtin/command"
	"github.com/infrago/infra/providers/builtin/data"
	"github.com/infrago/infra/providers/builtin/random"
	"github.com/infrago/infra/providers/digitalocean"
	"github.com/infrago/infra/providers/gcp"
)

// BinaryName is the file name of the lean binary that serves the built-in provider called name
// (cmd/infra-builtin-core for the small providers, one binary per cloud), or "" for a name that is not built in.
func BinaryName(name string) string {
	switch name {
	case data.Name, random.Name, command.Name:
		return "infra-builtin-core"
	case aws.Name, gcp.Name, digitalocean.Name:
		return "infra-builtin-" + name
	}
	return ""
}

// Launcher makes the commands that serve built-in providers. A provider is served by its lean binary beside the
// CLI when the CLI was built knowing that binary's Go build ID and the file on disk has that ID (`make build`
// builds them together); otherwise by the CLI itself, re-executed as `infra provider serve NAME`. Either way the
// engine speaks the same plugin protocol to it. The check is what keeps a binary left by an earlier build, or a
// CLI built on its own with `go build`, from pairing a CLI with providers of another version.
type Launcher struct {
	exe    string
	ids    map[string]string
	readID func(path string) (string, error)

	mu      sync.Mutex
	checked map[string]bool // lean binary path: whether its build ID matched
}

// NewLauncher returns the launcher for the CLI binary exe, which was built beside the lean binaries listed in
// binaries as "file=buildID" pairs separated by commas (the Makefile's -X main.builtinBinaries; empty when the CLI
// was built alone). A pair that is not file=buildID, or names a path rather than a file, is skipped: its
// providers are then served by the CLI.
func NewLauncher(exe, binaries string) *Launcher {
	l := &Launcher{exe: exe, ids: map[string]string{}, readID: buildid.Read, checked: map[string]bool{}}
	for _, pair := range strings.Split(binaries, ",") {
		file, id, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || file == "" || id == "" || strings.ContainsAny(file, `/\`) || file == "." || file == ".." {
			continue
		}
		l.ids[file] = id
	}
	return l
}

// Command returns the command that serves the built-in provider name.
func (l *Launcher) Command(name string) *exec.Cmd {
	if path := l.lean(name); path != "" {
		return exec.Command(path, name)
	}
	return exec.Command(l.exe, "provider", "serve", name)
}

// Served says what serves the built-in provider name: the lean binary's path, or the CLI's re-execution.
func (l *Launcher) Served(name string) string {
	if path := l.lean(name); path != "" {
		return path
	}
	return l.exe + " provider serve " + name
}

// lean is the path of name's lean binary when it is there and is the one the CLI was built with, else "".
func (l *Launcher) lean(name string) string {
	file := BinaryName(name)
	want, ok := l.ids[file]
	if !ok {
		return ""
	}
	path := filepath.Join(filepath.Dir(l.exe), file)
	l.mu.Lock()
	defer l.mu.Unlock()
	match, seen := l.checked[path]
	if !seen {
		// A missing or stale binary is not an error: the CLI serves the provider itself, only slower to start.
		got, err := l.readID(path)
		match = err == nil && got == want
		l.checked[path] = match
	}
	if !match {
		return ""
	}
	return path
}
