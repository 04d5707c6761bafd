package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// An attached program is one that runs in a process of its own choosing instead of being built and started by
// the CLI: the automation API (sdk/auto) runs inline programs, functions of the calling process, this way. The
// caller starts `infra up --attach` (or preview) with two pipes as extra file descriptors: the CLI writes one
// AttachReady line to AttachWriteFD when the engine is ready for the program, and reads one AttachDone line from
// AttachReadFD when the program has finished. Each is a JSON object on one line.
const (
	// AttachWriteFD is the file descriptor the CLI writes AttachReady to (the caller's read end).
	AttachWriteFD = 3
	// AttachReadFD is the file descriptor the CLI reads AttachDone from (the caller's write end).
	AttachReadFD = 4
)

// AttachReady tells an attached program where the engine is: the same values EnvMonitor and EnvMonitorToken give
// a program the CLI starts.
type AttachReady struct {
	Monitor string `json:"monitor"`
	Token   string `json:"token"`
}

// AttachDone tells the CLI that the attached program has finished. Error is its failure ("" for success);
// Reported says the program already told the engine why, as a program exiting with status 32 does.
type AttachDone struct {
	Error    string `json:"error,omitempty"`
	Reported bool   `json:"reported,omitempty"`
}

// maxAttachLine bounds a line of the attach protocol: an error message, not a document.
const maxAttachLine = 1 << 20

// DecodeAttachReady reads an AttachReady line, refusing one without an address or token.
func DecodeAttachReady(line []byte) (AttachReady, error) {
	var r AttachReady
	if err := decodeAttachLine(line, &r); err != nil {
		return r, err
	}
	if r.Monitor == "" || r.Token == "" {
		return r, errors.New("the engine's attach line has no monitor address or token")
	}
	return r, nil
}

// DecodeAttachDone reads an AttachDone line.
func DecodeAttachDone(line []byte) (AttachDone, error) {
	var d AttachDone
	return d, decodeAttachLine(line, &d)
}

func decodeAttachLine(line []byte, v any) error {
	if len(line) > maxAttachLine {
		return fmt.Errorf("an attach line of %d bytes is longer than the %d allowed", len(line), maxAttachLine)
	}
	if strings.TrimSpace(string(line)) == "" {
		return errors.New("an empty attach line")
	}
	if err := json.Unmarshal(line, v); err != nil {
		return fmt.Errorf("an attach line is not the JSON object expected: %w", err)
	}
	return nil
}
