// Package buildid reads the build ID the Go toolchain stamps into every binary it links. The ID changes with
// the binary's content, so it tells whether a binary on disk is the very one another was built beside: the CLI
// uses it to serve built-in providers from the lean binaries `make build` puts next to it, and never from stale
// ones left by an earlier build.
package buildid

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// noteType is the ELF note type of the Go build ID in the note named "Go".
const noteType = 4

// maxNote bounds the section read: a real build ID note is under 200 bytes.
const maxNote = 4096

// ErrNotFound is returned for a binary that carries no Go build ID (not a Go binary, or not ELF).
var ErrNotFound = errors.New("no Go build ID")

// Read returns the Go build ID of the ELF binary at path, as `go tool buildid` prints it.
func Read(path string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", fmt.Errorf("read the build ID of %s: %w", path, err)
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return "", fmt.Errorf("read the build ID of %s: %w", path, ErrNotFound)
	}
	b, err := io.ReadAll(io.LimitReader(s.Open(), maxNote))
	if err != nil {
		return "", fmt.Errorf("read the build ID of %s: %w", path, err)
	}
	id, err := ParseNote(b, f.ByteOrder)
	if err != nil {
		return "", fmt.Errorf("read the build ID of %s: %w", path, err)
	}
	return id, nil
}

// ParseNote decodes the Go build ID from the contents of an ELF note section: a name size, a description size
// and a type, then the name "Go\x00\x00" and the ID, each padded to four bytes.
func ParseNote(b []byte, order binary.ByteOrder) (string, error) {
	if len(b) < 12 {
		return "", fmt.Errorf("the note is %d bytes, shorter than its header: %w", len(b), ErrNotFound)
	}
	nameSize, descSize, typ := order.Uint32(b[0:]), order.Uint32(b[4:]), order.Uint32(b[8:])
	rest := b[12:]
	if nameSize != 4 || typ != noteType || len(rest) < 4 || !bytes.Equal(rest[:4], []byte("Go\x00\x00")) {
		return "", fmt.Errorf("the note is not a Go build ID: %w", ErrNotFound)
	}
	rest = rest[4:]
	if descSize == 0 || uint64(descSize) > uint64(len(rest)) {
		return "", fmt.Errorf("the note says its build ID is %d bytes, but %d follow: %w", descSize, len(rest), ErrNotFound)
	}
	return string(rest[:descSize]), nil
}
