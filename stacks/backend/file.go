package backend

import (
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
	"syscall"
)

// FileStore keeps stacks in a directory:
//
//	<dir>/stacks/<stack>/state.json            the current snapshot
//	<dir>/stacks/<stack>/history/<N>.json       the snapshot update N left behind
//	<dir>/stacks/<stack>/history/<N>.info.json  what update N was
//	<dir>/stacks/<stack>/lock                   present while a run holds the stack
type FileStore struct {
	dir string
}

// NewFileStore returns a file store rooted at dir (created on first write).
func NewFileStore(dir string) *FileStore { return &FileStore{dir: dir} }

// URL implements Store.
func (f *FileStore) URL() string { return "file://" + f.dir }

// Dir is the store's root directory.
func (f *FileStore) Dir() string { return f.dir }

func (f *FileStore) stackDir(stack string) string { return filepath.Join(f.dir, "stacks", stack) }

// CreateStack implements Store.
func (f *FileStore) CreateStack(_ context.Context, stack string) error {
	d := f.stackDir(stack)
	if err := os.MkdirAll(filepath.Dir(d), 0o755); err != nil {
		return fmt.Errorf("create stack %s: %w", stack, err)
	}
	if err := os.Mkdir(d, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("stack %s already exists in %s", stack, f.URL())
		}
		return fmt.Errorf("create stack %s: %w", stack, err)
	}
	return os.MkdirAll(filepath.Join(d, "history"), 0o755)
}

// ListStacks implements Store.
func (f *FileStore) ListStacks(_ context.Context) ([]StackSummary, error) {
	entries, err := os.ReadDir(filepath.Join(f.dir, "stacks"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list stacks in %s: %w", f.dir, err)
	}
	var out []StackSummary
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		s := StackSummary{Name: e.Name()}
		if st, err := os.Stat(filepath.Join(f.stackDir(e.Name()), "state.json")); err == nil {
			s.LastUpdate = st.ModTime()
		}
		if h, err := f.History(context.Background(), e.Name()); err == nil && len(h) > 0 {
			s.Resources = h[0].Resources
		}
		out = append(out, s)
	}
	return out, nil
}

// RemoveStack implements Store.
func (f *FileStore) RemoveStack(_ context.Context, stack string) error {
	d := f.stackDir(stack)
	if _, err := os.Stat(d); err != nil {
		return fmt.Errorf("remove stack %s: %w", stack, ErrNotFound)
	}
	return os.RemoveAll(d)
}

// ReadState implements Store.
func (f *FileStore) ReadState(_ context.Context, stack string) ([]byte, error) {
	d := f.stackDir(stack)
	if _, err := os.Stat(d); err != nil {
		return nil, fmt.Errorf("stack %s: %w", stack, ErrNotFound)
	}
	b, err := os.ReadFile(filepath.Join(d, "state.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state of %s: %w", stack, err)
	}
	return b, nil
}

// WriteState implements Store. The history copy is written first, so a crash never leaves a current state that
// is missing from history; each file is replaced atomically.
func (f *FileStore) WriteState(_ context.Context, stack string, data []byte, info UpdateInfo) error {
	d := f.stackDir(stack)
	if _, err := os.Stat(d); err != nil {
		return fmt.Errorf("write state of %s: %w", stack, ErrNotFound)
	}
	hist := filepath.Join(d, "history")
	if err := os.MkdirAll(hist, 0o755); err != nil {
		return fmt.Errorf("write state of %s: %w", stack, err)
	}
	name := strconv.FormatInt(info.Version, 10)
	if err := writeAtomic(filepath.Join(hist, name+".json"), data); err != nil {
		return fmt.Errorf("write history of %s: %w", stack, err)
	}
	meta, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(hist, name+".info.json"), append(meta, '\n')); err != nil {
		return fmt.Errorf("write history of %s: %w", stack, err)
	}
	if err := writeAtomic(filepath.Join(d, "state.json"), data); err != nil {
		return fmt.Errorf("write state of %s: %w", stack, err)
	}
	return nil
}

// History implements Store.
func (f *FileStore) History(_ context.Context, stack string) ([]UpdateInfo, error) {
	hist := filepath.Join(f.stackDir(stack), "history")
	entries, err := os.ReadDir(hist)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(f.stackDir(stack)); serr != nil {
			return nil, fmt.Errorf("stack %s: %w", stack, ErrNotFound)
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", stack, err)
	}
	var out []UpdateInfo
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".info.json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(hist, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read history of %s: %w", stack, err)
		}
		var info UpdateInfo
		if err := json.Unmarshal(b, &info); err != nil {
			return nil, fmt.Errorf("read history of %s: %s: %w", stack, e.Name(), err)
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version > out[j].Version })
	return out, nil
}

// ReadHistory implements Store.
func (f *FileStore) ReadHistory(_ context.Context, stack string, version int64) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(f.stackDir(stack), "history", strconv.FormatInt(version, 10)+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("version %d of stack %s: %w", version, stack, ErrNotFound)
	}
	return b, err
}

type fileLock struct {
	path string
}

func (l *fileLock) Release(context.Context) error {
	if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("release lock %s: %w", l.path, err)
	}
	return nil
}

// Lock implements Store with an exclusively created lock file holding the holder's identity. A lock left by a
// process that no longer runs on this host is taken over.
func (f *FileStore) Lock(_ context.Context, stack string, holder LockInfo) (Lock, error) {
	d := f.stackDir(stack)
	if _, err := os.Stat(d); err != nil {
		return nil, fmt.Errorf("lock stack %s: %w", stack, ErrNotFound)
	}
	path := filepath.Join(d, "lock")
	data, err := json.Marshal(holder)
	if err != nil {
		return nil, err
	}
	for attempt := 0; attempt < 2; attempt++ {
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, werr := fh.Write(data)
			serr := fh.Sync()
			cerr := fh.Close()
			if werr != nil || serr != nil || cerr != nil {
				os.Remove(path)
				return nil, fmt.Errorf("lock stack %s: %w", stack, errors.Join(werr, serr, cerr))
			}
			return &fileLock{path: path}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("lock stack %s: %w", stack, err)
		}
		cur, rerr := readLock(path)
		if rerr != nil {
			return nil, fmt.Errorf("lock stack %s: the lock file %s exists but cannot be read (%v); if no other run is active, run `infra stack unlock`", stack, path, rerr)
		}
		if cur.Host == holder.Host && cur.PID > 0 && !processAlive(cur.PID) && attempt == 0 {
			// The holder died on this very machine: its lock protects nothing any more.
			os.Remove(path)
			continue
		}
		return nil, fmt.Errorf("%w: stack %s is being updated by %s; wait for that run to finish, or if it is no longer running, run `infra stack unlock`",
			ErrLocked, stack, cur)
	}
	return nil, fmt.Errorf("%w: stack %s: could not take the lock", ErrLocked, stack)
}

// Unlock implements Store.
func (f *FileStore) Unlock(_ context.Context, stack string) (*LockInfo, error) {
	path := filepath.Join(f.stackDir(stack), "lock")
	cur, err := readLock(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("unlock stack %s: %w", stack, err)
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
	if err := json.Unmarshal(b, &info); err != nil {
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
