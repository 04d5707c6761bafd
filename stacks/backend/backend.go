// Package backend keeps stack state: each stack's snapshots (the current one and its history), the journal of
// the update in progress, and the stack's lock. Every backend (the project-local file backend, object stores,
// databases) implements Store and passes the same conformance suite.
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

// ErrFenced is wrapped by the error a write gets when its lock is no longer held: the lease expired and another
// run took the stack over. The writer must stop at once.
var ErrFenced = errors.New("the stack's lock was lost")

// ErrConflict is wrapped by the error a snapshot write gets when a newer snapshot exists already.
var ErrConflict = errors.New("the stack's state changed underneath this run")

// StackRef names a stack: stacks of different projects may share a backend.
type StackRef struct {
	Project string
	Stack   string
}

func (r StackRef) String() string { return r.Project + "/" + r.Stack }

// Store keeps the state of stacks.
type Store interface {
	// URL names the backend, for messages.
	URL() string
	// CreateStack records a new, empty stack; it fails if the stack exists.
	CreateStack(ctx context.Context, ref StackRef) error
	// ListStacks returns the stacks of a project ("" for every project) without reading their states.
	ListStacks(ctx context.Context, project string) ([]StackSummary, error)
	// RemoveStack deletes a stack with its state, history and journal.
	RemoveStack(ctx context.Context, ref StackRef) error

	// ReadState returns the stack's current snapshot and its version, or nil and 0 when the stack has never
	// been updated. It fails with ErrNotFound when the stack does not exist.
	ReadState(ctx context.Context, ref StackRef) ([]byte, int64, error)
	// WriteState makes data the stack's current snapshot as version info.Version, keeps it in the history, and
	// retires the journal of earlier versions. It fails with ErrConflict unless info.Version is newer than every
	// version written before, and with ErrFenced unless fence is the token of the lock currently held.
	WriteState(ctx context.Context, ref StackRef, fence int64, data []byte, info UpdateInfo) error
	// History lists the stack's updates, newest first.
	History(ctx context.Context, ref StackRef) ([]UpdateInfo, error)
	// ReadHistory returns the snapshot an update left behind.
	ReadHistory(ctx context.Context, ref StackRef, version int64) ([]byte, error)
	// PruneHistory deletes all but the newest keep versions (the current one is always kept).
	PruneHistory(ctx context.Context, ref StackRef, keep int) error

	// AppendJournal durably appends one batch of journal records written on top of snapshot version base. It
	// returns only once the batch is durable, and fails with ErrFenced unless fence is the current lock's token.
	AppendJournal(ctx context.Context, ref StackRef, fence int64, base int64, batch []byte) error
	// ReadJournal returns every batch appended on top of version base, concatenated in order.
	ReadJournal(ctx context.Context, ref StackRef, base int64) ([]byte, error)

	// Lock takes the stack's lock for lease (it expires unless renewed). It fails with ErrLocked, naming the
	// holder, when another run holds a lease that has not expired.
	Lock(ctx context.Context, ref StackRef, holder LockInfo, lease time.Duration) (Lock, error)
	// Unlock removes a stack's lock whoever holds it: for people recovering from a run that died.
	Unlock(ctx context.Context, ref StackRef) (*LockInfo, error)
}

// Lock is a held stack lock.
type Lock interface {
	// Token is the fencing token: every write made under the lock carries it.
	Token() int64
	// Renew extends the lease; it fails with ErrFenced when the lock was lost.
	Renew(ctx context.Context) error
	// Release gives the lock up.
	Release(ctx context.Context) error
}

// StackSummary is what a stack listing shows.
type StackSummary struct {
	Project string
	Name    string
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
	Bytes     int64             `json:"bytes,omitempty"`
	Env       map[string]string `json:"env,omitempty"`
}

// LockInfo says who holds a lock.
type LockInfo struct {
	User    string    `json:"user"`
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Time    time.Time `json:"time"`
	// Token is the lock's fencing token; Expires is when its lease ends unless renewed.
	Token   int64     `json:"token,omitempty"`
	Expires time.Time `json:"expires,omitempty"`
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

// lockedError is the error a second writer gets.
func lockedError(ref StackRef, holder LockInfo) error {
	return fmt.Errorf("%w: stack %s is being updated by %s; wait for that run to finish, or if it is no longer running, "+
		"run `infra stack unlock` (its lease ends at %s)", ErrLocked, ref.Stack, holder, holder.Expires.Local().Format(time.RFC3339))
}

// Open returns the Store named by rawURL. An empty URL is the file backend in the project's .infra directory.
// Relative file paths are relative to projectDir.
func Open(ctx context.Context, rawURL, projectDir string) (Store, error) {
	if rawURL == "" {
		return NewFileStore(filepath.Join(projectDir, ".infra")), nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("backend URL %s: %w", redactURL(rawURL), redact(err, passwordsIn(rawURL)))
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
	case "s3":
		return openS3(ctx, rawURL)
	case "gs":
		return openGCS(ctx, rawURL)
	case "postgres", "postgresql":
		return openPostgres(ctx, rawURL)
	case "":
		return nil, fmt.Errorf("backend URL %q has no scheme: use file://<dir>", rawURL)
	}
	return nil, fmt.Errorf("backend URL %q: the %s backend is not available in this version; use file://<dir>", rawURL, strings.ToLower(u.Scheme))
}
