package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// FileStore keeps stacks in a directory:
//
//	<dir>/stacks/<project>/<stack>/history/<N>.json       the snapshot update N left behind
//	<dir>/stacks/<project>/<stack>/history/<N>.info.json  what update N was
//	<dir>/stacks/<project>/<stack>/current                the current version N
//	<dir>/stacks/<project>/<stack>/journal/<N>.jsonl       the journal of the update running on top of N
//	<dir>/stacks/<project>/<stack>/lock                   present while a run holds the stack
//
// A snapshot is written once: the current state is a pointer to a history version, so an update writes its
// snapshot once, not twice. Every file is replaced atomically (write, fsync, rename, fsync of the directory); the
// journal is appended with one fsync per batch.
type FileStore struct {
	dir string
	now func() time.Time

	// fences remembers, per lock file, the file a fence check last read and found holding this run's token.
	// Every journal append checks the fence; while the lock file is the same file (same inode, size and
	// modification time) it cannot hold another token, so only a changed file is read and decoded again.
	fenceMu sync.Mutex
	fences  map[string]fenceSeen
}

// fenceSeen is a lock file a fence check read, and the token it held.
type fenceSeen struct {
	token int64
	stat  os.FileInfo
}

// NewFileStore returns a file store rooted at dir (created on first write).
func NewFileStore(dir string) *FileStore {
	return &FileStore{dir: dir, now: time.Now, fences: map[string]fenceSeen{}}
}

// URL implements Store.
func (f *FileStore) URL() string { return "file://" + f.dir }

// Dir is the store's root directory.
func (f *FileStore) Dir() string { return f.dir }

func (f *FileStore) stackDir(ref StackRef) string {
	return filepath.Join(f.dir, "stacks", ref.Project, ref.Stack)
}

func (f *FileStore) mustExist(ref StackRef) error {
	if _, err := os.Stat(f.stackDir(ref)); err != nil {
		return fmt.Errorf("stack %s: %w", ref, ErrNotFound)
	}
	return nil
}

// CreateStack implements Store.
func (f *FileStore) CreateStack(_ context.Context, ref StackRef) error {
	d := f.stackDir(ref)
	if err := os.MkdirAll(filepath.Dir(d), 0o755); err != nil {
		return fmt.Errorf("create stack %s: %w", ref, err)
	}
	if err := os.Mkdir(d, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("stack %s already exists in %s", ref.Stack, f.URL())
		}
		return fmt.Errorf("create stack %s: %w", ref, err)
	}
	for _, sub := range []string{"history", "journal"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o755); err != nil {
			return fmt.Errorf("create stack %s: %w", ref, err)
		}
	}
	return nil
}

// ListStacks implements Store.
func (f *FileStore) ListStacks(ctx context.Context, project string) ([]StackSummary, error) {
	projects := []string{project}
	if project == "" {
		entries, err := os.ReadDir(filepath.Join(f.dir, "stacks"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("list stacks in %s: %w", f.dir, err)
		}
		projects = nil
		for _, e := range entries {
			if e.IsDir() {
				projects = append(projects, e.Name())
			}
		}
	}
	var out []StackSummary
	for _, p := range projects {
		entries, err := os.ReadDir(filepath.Join(f.dir, "stacks", p))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list stacks in %s: %w", f.dir, err)
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			ref := StackRef{Project: p, Stack: e.Name()}
			s := StackSummary{Project: p, Name: e.Name()}
			if st, err := os.Stat(filepath.Join(f.stackDir(ref), "current")); err == nil {
				s.LastUpdate = st.ModTime()
			}
			if h, err := f.History(ctx, ref); err == nil && len(h) > 0 {
				s.Resources = h[0].Resources
			}
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Project != out[j].Project {
			return out[i].Project < out[j].Project
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// RemoveStack implements Store.
func (f *FileStore) RemoveStack(_ context.Context, ref StackRef) error {
	if err := f.mustExist(ref); err != nil {
		return fmt.Errorf("remove %w", err)
	}
	return os.RemoveAll(f.stackDir(ref))
}

func (f *FileStore) currentVersion(ref StackRef) (int64, error) {
	b, err := os.ReadFile(filepath.Join(f.stackDir(ref), "current"))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("%w: the current-version file of stack %s is damaged (%q): restore a version with `infra stack restore`", errDamagedPointer, ref, b)
	}
	return v, nil
}

// errDamagedPointer marks a current-version file that does not hold a version.
var errDamagedPointer = errors.New("damaged current-version file")

// newestVersion is the highest version in the stack's history (0 if none).
func (f *FileStore) newestVersion(ref StackRef) (int64, error) {
	entries, err := os.ReadDir(filepath.Join(f.stackDir(ref), "history"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	var newest int64
	for _, e := range entries {
		if v, err := strconv.ParseInt(strings.TrimSuffix(e.Name(), ".json"), 10, 64); err == nil {
			newest = max(newest, v)
		}
	}
	return newest, nil
}

// ReadState implements Store.
func (f *FileStore) ReadState(_ context.Context, ref StackRef) ([]byte, int64, error) {
	if err := f.mustExist(ref); err != nil {
		return nil, 0, err
	}
	v, err := f.currentVersion(ref)
	if err != nil || v == 0 {
		return nil, 0, err
	}
	b, err := os.ReadFile(f.historyFile(ref, v, ".json"))
	if err != nil {
		return nil, 0, fmt.Errorf("read state of %s (version %d): %w", ref, v, err)
	}
	return b, v, nil
}

func (f *FileStore) historyFile(ref StackRef, v int64, suffix string) string {
	return filepath.Join(f.stackDir(ref), "history", strconv.FormatInt(v, 10)+suffix)
}

// WriteState implements Store. The snapshot and its description go into the history first; the current pointer
// moves last, so a crash at any point leaves either the old version (with its journal) or the new one current.
func (f *FileStore) WriteState(_ context.Context, ref StackRef, fence int64, data []byte, info UpdateInfo) error {
	if err := f.mustExist(ref); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := f.checkFence(ref, fence); err != nil {
		return err
	}
	cur, err := f.currentVersion(ref)
	if errors.Is(err, errDamagedPointer) {
		// Only `infra stack restore` gets here (nothing else loads a stack whose pointer is damaged). The check
		// that matters still holds: the new version is newer than every version in the history.
		cur, err = f.newestVersion(ref)
	}
	if err != nil {
		return err
	}
	if info.Version <= cur {
		return fmt.Errorf("%w: version %d is current, this run wrote on top of an older version and tried to write %d; run again",
			ErrConflict, cur, info.Version)
	}
	if err := os.MkdirAll(filepath.Join(f.stackDir(ref), "history"), 0o755); err != nil {
		return err
	}
	if err := writeAtomic(f.historyFile(ref, info.Version, ".json"), data); err != nil {
		return fmt.Errorf("write state of %s: %w", ref, err)
	}
	meta, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(f.historyFile(ref, info.Version, ".info.json"), append(meta, '\n')); err != nil {
		return fmt.Errorf("write history of %s: %w", ref, err)
	}
	if err := writeAtomic(filepath.Join(f.stackDir(ref), "current"), []byte(strconv.FormatInt(info.Version, 10)+"\n")); err != nil {
		return fmt.Errorf("write state of %s: %w", ref, err)
	}
	// Journals of older versions are folded into this snapshot now.
	if entries, err := os.ReadDir(filepath.Join(f.stackDir(ref), "journal")); err == nil {
		for _, e := range entries {
			if v, err := strconv.ParseInt(strings.TrimSuffix(e.Name(), ".jsonl"), 10, 64); err == nil && v < info.Version {
				os.Remove(filepath.Join(f.stackDir(ref), "journal", e.Name()))
			}
		}
	}
	return nil
}

// History implements Store.
func (f *FileStore) History(_ context.Context, ref StackRef) ([]UpdateInfo, error) {
	if err := f.mustExist(ref); err != nil {
		return nil, err
	}
	hist := filepath.Join(f.stackDir(ref), "history")
	entries, err := os.ReadDir(hist)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", ref, err)
	}
	var out []UpdateInfo
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".info.json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(hist, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read history of %s: %w", ref, err)
		}
		var info UpdateInfo
		if err := json.Unmarshal(b, &info); err != nil {
			return nil, fmt.Errorf("read history of %s: %s is damaged: %w", ref, e.Name(), err)
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version > out[j].Version })
	return out, nil
}

// ReadHistory implements Store.
func (f *FileStore) ReadHistory(_ context.Context, ref StackRef, version int64) ([]byte, error) {
	b, err := os.ReadFile(f.historyFile(ref, version, ".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("version %d of stack %s: %w", version, ref, ErrNotFound)
	}
	return b, err
}

// PruneHistory implements Store.
func (f *FileStore) PruneHistory(ctx context.Context, ref StackRef, keep int) error {
	h, err := f.History(ctx, ref)
	if err != nil {
		return err
	}
	cur, err := f.currentVersion(ref)
	if err != nil {
		return err
	}
	for i, u := range h {
		if i < keep || u.Version == cur {
			continue
		}
		for _, suffix := range []string{".json", ".info.json"} {
			if err := os.Remove(f.historyFile(ref, u.Version, suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("prune history of %s: %w", ref, err)
			}
		}
	}
	return nil
}

func (f *FileStore) journalFile(ref StackRef, base int64) string {
	return filepath.Join(f.stackDir(ref), "journal", strconv.FormatInt(base, 10)+".jsonl")
}

// AppendJournal implements Store: one write and one fsync per batch.
func (f *FileStore) AppendJournal(_ context.Context, ref StackRef, fence int64, base int64, batch []byte) error {
	if err := f.checkFence(ref, fence); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(f.stackDir(ref), "journal"), 0o755); err != nil {
		return err
	}
	fh, err := os.OpenFile(f.journalFile(ref, base), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("append to the journal of %s: %w", ref, err)
	}
	_, werr := fh.Write(batch)
	serr := fh.Sync()
	cerr := fh.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("append to the journal of %s: %w", ref, err)
	}
	return nil
}

// ReadJournal implements Store.
func (f *FileStore) ReadJournal(_ context.Context, ref StackRef, base int64) ([]byte, error) {
	b, err := os.ReadFile(f.journalFile(ref, base))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

type fileLock struct {
	f     *FileStore
	ref   StackRef
	info  LockInfo
	lease time.Duration
}

func (l *fileLock) Token() int64 { return l.info.Token }

func (l *fileLock) Renew(context.Context) error {
	if err := l.f.checkFence(l.ref, l.info.Token); err != nil {
		return err
	}
	l.info.Expires = l.f.now().Add(l.lease).UTC()
	data, err := json.Marshal(l.info)
	if err != nil {
		return err
	}
	return writeAtomic(l.f.lockPath(l.ref), data)
}

func (l *fileLock) Release(context.Context) error {
	cur, err := readLock(l.f.lockPath(l.ref))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil && cur.Token != l.info.Token {
		return nil // someone else holds it now: not ours to remove
	}
	if err := os.Remove(l.f.lockPath(l.ref)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("release the lock of %s: %w", l.ref, err)
	}
	return nil
}

func (f *FileStore) lockPath(ref StackRef) string { return filepath.Join(f.stackDir(ref), "lock") }

// checkFence fails unless the lock file holds the token: a writer whose lease was taken over must stop.
func (f *FileStore) checkFence(ref StackRef, fence int64) error {
	path := f.lockPath(ref)
	st, err := os.Stat(path)
	if err == nil {
		f.fenceMu.Lock()
		seen, ok := f.fences[path]
		f.fenceMu.Unlock()
		if ok && seen.token == fence && os.SameFile(seen.stat, st) && seen.stat.Size() == st.Size() && seen.stat.ModTime().Equal(st.ModTime()) {
			return nil
		}
	}
	cur, err := readLock(path)
	if err != nil {
		return fmt.Errorf("%w: stack %s is not locked by this run any more (%v); another run may have taken over after the lease expired", ErrFenced, ref, err)
	}
	if cur.Token != fence {
		return fmt.Errorf("%w: stack %s is now held by %s; this run's lease expired and it must stop", ErrFenced, ref, cur)
	}
	// The stat taken before the read describes the file read only if nothing replaced it in between: take it
	// again, and remember it only when both agree.
	if st2, err := os.Stat(path); err == nil && st != nil && os.SameFile(st, st2) && st.Size() == st2.Size() && st.ModTime().Equal(st2.ModTime()) {
		f.fenceMu.Lock()
		f.fences[path] = fenceSeen{token: fence, stat: st2}
		f.fenceMu.Unlock()
	}
	return nil
}

// Lock implements Store with an exclusively created lock file holding the holder's identity, fencing token and
// lease. A lock whose lease has expired, or whose holder process is gone from this host, is taken over.
func (f *FileStore) Lock(_ context.Context, ref StackRef, holder LockInfo, lease time.Duration) (Lock, error) {
	if err := f.mustExist(ref); err != nil {
		return nil, fmt.Errorf("lock %w", err)
	}
	path := f.lockPath(ref)
	for attempt := 0; attempt < 3; attempt++ {
		now := f.now()
		info := holder
		info.Token = now.UnixNano()
		info.Expires = now.Add(lease).UTC()
		data, err := json.Marshal(info)
		if err != nil {
			return nil, err
		}
		err = createExclusive(path, data)
		if err == nil {
			return &fileLock{f: f, ref: ref, info: info, lease: lease}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("lock stack %s: %w", ref, err)
		}
		cur, rerr := readLock(path)
		if rerr != nil {
			if errors.Is(rerr, fs.ErrNotExist) {
				continue // released meanwhile
			}
			return nil, fmt.Errorf("lock stack %s: the lock file %s exists but cannot be read (%v); if no other run is active, run `infra stack unlock`", ref, path, rerr)
		}
		stale := !cur.Expires.IsZero() && now.After(cur.Expires) ||
			cur.Host == holder.Host && cur.PID > 0 && !processAlive(cur.PID)
		if !stale {
			return nil, lockedError(ref, cur)
		}
		// Move the stale lock aside rather than deleting it: of two runs taking it over at once, only one
		// rename succeeds, and the other sees the new lock on its next attempt.
		aside := path + ".stale-" + strconv.FormatInt(now.UnixNano(), 10)
		if err := os.Rename(path, aside); err == nil {
			os.Remove(aside)
		}
	}
	cur, _ := readLock(path)
	return nil, lockedError(ref, cur)
}

// Unlock implements Store.
func (f *FileStore) Unlock(_ context.Context, ref StackRef) (*LockInfo, error) {
	path := f.lockPath(ref)
	cur, err := readLock(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		return nil, fmt.Errorf("unlock stack %s: %w", ref, rerr)
	}
	if err != nil {
		return nil, nil
	}
	return &cur, nil
}

func readLock(path string) (LockInfo, error) {
	var info LockInfo
	b, err := os.ReadFile(path)
	if err != nil {
		return info, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&info); err != nil {
		return info, fmt.Errorf("decode lock: %w", err)
	}
	return info, nil
}

func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// writeAtomic replaces path with data: write a temporary file, sync it, rename it over path, sync the directory.
// createExclusive creates path holding data, failing with fs.ErrExist if it exists. The file appears whole: it
// is written under a temporary name and hard-linked into place, so a run racing for the same lock never reads
// a lock file that is still empty.
func createExclusive(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".new-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name)
	_, werr := tmp.Write(data)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return err
	}
	if err := os.Chmod(name, 0o644); err != nil {
		return err
	}
	if err := os.Link(name, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fs.ErrExist
		}
		return err
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	_, werr := tmp.Write(data)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(name)
		return err
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
