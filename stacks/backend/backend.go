// Package backend keeps stack state: the current snapshot of each stack, its history and its lock. The file
// backend keeps them in a directory inside the project (.infra/ by default); other backends plug in behind Store.
package backend

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"
)

// ErrNotFound is returned when a stack or a history version does not exist.
var ErrNotFound = errors.New("not found")

// ErrLocked is wrapped by the error returned when another run holds a stack's lock.
var ErrLocked = errors.New("stack is locked")

// Store keeps the state of a project's stacks.
type Store interface {
	// URL names the backend, for messages.
	URL() string
	// CreateStack records a new, empty stack; it fails if the stack exists.
	CreateStack(ctx context.Context, stack string) error
	// ListStacks returns the project's stacks, without reading their states.
	ListStacks(ctx context.Context) ([]StackSummary, error)
	// RemoveStack deletes a stack with its state and history.
	RemoveStack(ctx context.Context, stack string) error
	// ReadState returns the stack's current snapshot bytes, or nil when the stack has never been updated.
	// It fails with ErrNotFound when the stack does not exist.
	ReadState(ctx context.Context, stack string) ([]byte, error)
	// WriteState replaces the stack's snapshot and adds it to the history with info.
	WriteState(ctx context.Context, stack string, data []byte, info UpdateInfo) error
	// History lists the stack's updates, newest first.
	History(ctx context.Context, stack string) ([]UpdateInfo, error)
	// ReadHistory returns the snapshot bytes an update left behind.
	ReadHistory(ctx context.Context, stack string, version int64) ([]byte, error)
	// Lock takes the stack's exclusive lock, failing with ErrLocked (and who holds it) when taken.
	Lock(ctx context.Context, stack string, holder LockInfo) (Lock, error)
	// Unlock removes a stack's lock whoever holds it: for people recovering from a run that died.
	Unlock(ctx context.Context, stack string) (*LockInfo, error)
}

// Lock is a held stack lock.
type Lock interface {
	// Release gives the lock up.
	Release(ctx context.Context) error
}

// StackSummary is what a stack listing shows.
type StackSummary struct {
	Name string
	// LastUpdate is when the stack's state was last written; zero if never.
	LastUpdate time.Time
	// Resources is the resource count of the last update, when known.
	Resources int
}

// UpdateInfo describes one update in a stack's history.
type UpdateInfo struct {
	Version   int64             `json:"version"`
	Kind      string            `json:"kind"`
	Result    string            `json:"result"`
	StartTime time.Time         `json:"startTime"`
	EndTime   time.Time         `json:"endTime"`
	User      string            `json:"user,omitempty"`
	Host      string            `json:"host,omitempty"`
	Message   string            `json:"message,omitempty"`
	Changes   map[string]int    `json:"changes,omitempty"`
	Resources int               `json:"resources"`
	Env       map[string]string `json:"env,omitempty"`
}

// LockInfo says who holds a lock.
type LockInfo struct {
	User    string    `json:"user"`
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Time    time.Time `json:"time"`
}

// String renders the holder for messages.
func (l LockInfo) String() string {
	return fmt.Sprintf("%s@%s (pid %d, `%s`) since %s", l.User, l.Host, l.PID, l.Command, l.Time.Local().Format(time.RFC3339))
}

// CurrentHolder describes this process as a lock holder running command.
func CurrentHolder(command string) LockInfo {
	host, _ := os.Hostname()
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return LockInfo{User: name, Host: host, PID: os.Getpid(), Command: command, Time: time.Now().UTC()}
}

// Open returns the Store named by rawURL. An empty URL is the file backend in the project's .infra directory.
// Relative file paths are relative to projectDir.
func Open(ctx context.Context, rawURL, projectDir string) (Store, error) {
	if rawURL == "" {
		return NewFileStore(filepath.Join(projectDir, ".infra")), nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("backend URL %q: %w", rawURL, err)
	}
	switch u.Scheme {
	case "file":
		p := u.Opaque
		if p == "" {
			p = u.Host + u.Path
		}
		if p == "" {
			return nil, fmt.Errorf("backend URL %q has no path: use file://.infra or file:///abs/path", rawURL)
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(projectDir, p)
		}
		return NewFileStore(p), nil
	case "":
		return nil, fmt.Errorf("backend URL %q has no scheme: use file://<dir>", rawURL)
	}
	return nil, fmt.Errorf("backend URL %q: the %s backend is not available in this version; use file://<dir>", rawURL, strings.ToLower(u.Scheme))
}
