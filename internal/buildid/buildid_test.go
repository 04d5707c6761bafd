package buildid

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadMatchesGoTool reads a freshly linked binary's ID and compares it with the toolchain's own reading.
func TestReadMatchesGoTool(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "prog")
	if out, err := exec.Command("go", "build", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	want, err := exec.Command("go", "tool", "buildid", bin).Output()
	if err != nil {
		t.Fatalf("go tool buildid: %v", err)
	}
	got, err := Read(bin)
	if err != nil {
		t.Fatal(err)
	}
	if got != strings.TrimSpace(string(want)) {
		t.Errorf("Read = %q, go tool buildid says %q", got, want)
	}
}

func TestReadRejects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "script")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(script); err == nil || !strings.Contains(err.Error(), script) {
		t.Errorf("Read of a shell script: %v, want an error naming it", err)
	}
	if _, err := Read(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Read of a missing file: %v, want ErrNotExist", err)
	}
}

func note(nameSize, descSize, typ uint32, name, desc string) []byte {
	b := binary.LittleEndian.AppendUint32(nil, nameSize)
	b = binary.LittleEndian.AppendUint32(b, descSize)
	b = binary.LittleEndian.AppendUint32(b, typ)
	return append(append(b, name...), desc...)
}

func TestParseNote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"valid", note(4, 5, 4, "Go\x00\x00", "ab/cd"), "ab/cd"},
		{"short", []byte{1, 2, 3}, ""},
		{"other note type", note(4, 5, 3, "Go\x00\x00", "ab/cd"), ""},
		{"other name", note(4, 5, 4, "GNU\x00", "ab/cd"), ""},
		{"description past the end", note(4, 50, 4, "Go\x00\x00", "ab/cd"), ""},
		{"empty description", note(4, 0, 4, "Go\x00\x00", ""), ""},
	}
	for _, tt := range tests {
		got, err := ParseNote(tt.in, binary.LittleEndian)
		if tt.want == "" {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("%s: ParseNote = %q, %v; want ErrNotFound", tt.name, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: ParseNote = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func FuzzParseNote(f *testing.F) {
	f.Add(note(4, 5, 4, "Go\x00\x00", "ab/cd"))
	f.Add(note(4, 0xffffffff, 4, "Go\x00\x00", "x"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := ParseNote(b, binary.BigEndian)
		if err == nil && (id == "" || len(id) > len(b)) {
			t.Fatalf("ParseNote(%q) = %q with no error", b, id)
		}
	})
}
