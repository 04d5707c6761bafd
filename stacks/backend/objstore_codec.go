package backend

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// An object store keeps each stack under <prefix>stacks/<project>/<stack>/:
//
//	head.json                       the stack's marker and current pointer: {"version":N,"resources":R,"updated":T}
//	history/<N>.json                the snapshot update N left behind (written once)
//	history/<N>.info.json           what update N was (UpdateInfo)
//	journal/<base>/<seq>.jsonl      one journal batch appended on top of version base
//	lock.json                       the lock: holder, fencing token and lease (LockInfo)
//
// N, base and seq are zero-padded to 20 digits so that the store's lexicographic listing is numeric order.

const (
	headObject = "head.json"
	lockObject = "lock.json"
)

// padded renders a version or sequence number so that keys sort numerically.
func padded(n int64) string { return fmt.Sprintf("%020d", n) }

// parsePadded reads a number written by padded, possibly followed by suffix.
func parsePadded(name, suffix string) (int64, bool) {
	s, ok := strings.CutSuffix(name, suffix)
	if !ok || len(s) != 20 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' { // ParseInt would also take a sign
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, false
	}
	return v, true
}

// checkRef refuses names that would escape their place in a key or a path. Project and stack names are checked
// more strictly by the project package; this guards the store against any caller.
func checkRef(ref StackRef) error {
	for _, n := range []string{ref.Project, ref.Stack} {
		if n == "" || n == "." || n == ".." || strings.ContainsAny(n, "/\\\x00") {
			return fmt.Errorf("invalid stack name %q: project and stack names must be non-empty and must not contain '/'", ref.String())
		}
	}
	return nil
}

// head is the content of head.json.
type head struct {
	// Version is the current snapshot's version; 0 until the first update.
	Version int64 `json:"version"`
	// Resources and Updated describe the current version for stack listings, which never read snapshots.
	Resources int       `json:"resources,omitempty"`
	Updated   time.Time `json:"updated,omitempty"`
}

func encodeHead(h head) []byte {
	b, _ := json.Marshal(h) // a struct of numbers and a time always encodes
	return append(b, '\n')
}

// decodeHead reads head.json, refusing anything that is not a well-formed pointer: a damaged pointer must stop
// every write rather than be read as "version 0".
func decodeHead(data []byte) (head, error) {
	var h head
	if err := decodeStrict(data, &h); err != nil {
		return head{}, fmt.Errorf("the stack's current-version pointer is damaged: %w", err)
	}
	if h.Version < 0 {
		return head{}, fmt.Errorf("the stack's current-version pointer is damaged: version %d", h.Version)
	}
	return h, nil
}

// decodeLock reads a lock written by another run, maybe another version of infra, maybe damaged.
func decodeLock(data []byte) (LockInfo, error) {
	var l LockInfo
	if err := decodeStrict(data, &l); err != nil {
		return LockInfo{}, fmt.Errorf("the lock is damaged: %w", err)
	}
	if l.Token == 0 || l.Expires.IsZero() {
		return LockInfo{}, errors.New("the lock is damaged: it has no fencing token or no lease")
	}
	return l, nil
}

// decodeInfo reads the description of one update from the history.
func decodeInfo(data []byte) (UpdateInfo, error) {
	var u UpdateInfo
	if err := decodeStrict(data, &u); err != nil {
		return UpdateInfo{}, fmt.Errorf("an update's description is damaged: %w", err)
	}
	if u.Version < 1 {
		return UpdateInfo{}, fmt.Errorf("an update's description is damaged: version %d", u.Version)
	}
	return u, nil
}

// decodeStrict decodes exactly one JSON object: null, trailing data and values of the wrong type are errors.
// Unknown fields are allowed so that a newer infra may add some.
func decodeStrict(data []byte, v any) error {
	t := bytes.TrimSpace(data)
	if len(t) == 0 || t[0] != '{' {
		return errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}
