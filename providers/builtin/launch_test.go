package builtin

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestBinaryName(t *testing.T) {
	t.Parallel()
	for _, name := range Names() {
		if BinaryName(name) == "" {
			t.Errorf("built-in provider %s has no lean binary", name)
		}
		dir := filepath.Join("..", "..", "cmd", BinaryName(name))
		if _, err := os.Stat(filepath.Join(dir, "main.go")); err != nil {
			t.Errorf("built-in provider %s: no command %s: %v", name, dir, err)
		}
	}
	if BinaryName("nope") != "" {
		t.Errorf("BinaryName of an unknown provider is not empty")
	}
}

// TestLauncherChoosesBinary covers every way the lean binary can be there or not.
func TestLauncherChoosesBinary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	exe := filepath.Join(dir, "infra")
	lean := filepath.Join(dir, "infra-builtin-core")
	reexec := exe + " provider serve data"
	tests := []struct {
		name     string
		binaries string
		onDisk   map[string]string // path -> build ID; missing means no such file
		want     string
	}{
		{"matching ID", "infra-builtin-core=abc", map[string]string{lean: "abc"}, lean},
		{"stale binary", "infra-builtin-core=abc", map[string]string{lean: "old"}, reexec},
		{"no binary", "infra-builtin-core=abc", nil, reexec},
		{"CLI built alone", "", map[string]string{lean: "abc"}, reexec},
		{"other binaries only", "infra-builtin-aws=abc", map[string]string{lean: "abc"}, reexec},
		{"malformed list", "infra-builtin-core,=x,../infra-builtin-core=abc", map[string]string{lean: "abc"}, reexec},
		{"spaces and trailing comma", " infra-builtin-aws=x, infra-builtin-core=abc ,", map[string]string{lean: "abc"}, lean},
	}
	for _, tt := range tests {
		l := NewLauncher(exe, tt.binaries)
		reads := 0
		l.readID = func(path string) (string, error) {
			reads++
			id, ok := tt.onDisk[path]
			if !ok {
				return "", os.ErrNotExist
			}
			return id, nil
		}
		if got := l.Served("data"); got != tt.want {
			t.Errorf("%s: Served(data) = %q, want %q", tt.name, got, tt.want)
		}
		cmd := l.Command("data")
		if got := strings.Join(cmd.Args, " "); got != tt.want && got != tt.want+" data" {
			t.Errorf("%s: Command(data) runs %q, want %q", tt.name, got, tt.want)
		}
		if reads > 1 {
			t.Errorf("%s: the build ID was read %d times; once per launcher is enough", tt.name, reads)
		}
	}
}

// TestLeanBinaryIsRecognised builds the real core binary, and checks the launcher uses it with its real build ID
// and that it serves only its own providers.
func TestLeanBinaryIsRecognised(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/infra-builtin-core")
	}
	t.Parallel()
	dir := t.TempDir()
	lean := filepath.Join(dir, "infra-builtin-core")
	if out, err := exec.Command("go", "build", "-o", lean, "../../cmd/infra-builtin-core").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	id, err := exec.Command("go", "tool", "buildid", lean).Output()
	if err != nil {
		t.Fatal(err)
	}
	l := NewLauncher(filepath.Join(dir, "infra"), "infra-builtin-core="+strings.TrimSpace(string(id)))
	if got := l.Served("random"); got != lean {
		t.Errorf("Served(random) = %q, want the lean binary %s", got, lean)
	}
	if got := NewLauncher(filepath.Join(dir, "infra"), "infra-builtin-core=v1/other").Served("random"); got == lean {
		t.Errorf("a binary with another build ID was used")
	}
	for _, args := range [][]string{{"aws"}, {}} {
		var stderr bytes.Buffer
		cmd := exec.Command(lean, args...)
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(stderr.String(), "[data random command]") {
			t.Errorf("infra-builtin-core %v: %v, %q; want exit status 2 naming what it serves", args, err, stderr.String())
		}
	}
}
