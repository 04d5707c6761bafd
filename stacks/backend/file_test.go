package backend_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/infrago/infra/stacks/backend"
	"github.com/infrago/infra/stacks/backend/backendtest"
)

// TestFileStoreConformance runs the conformance suite every backend passes.
func TestFileStoreConformance(t *testing.T) {
	t.Parallel()
	backendtest.Run(t, func(t *testing.T) backend.Store { return backend.NewFileStore(t.TempDir()) })
}

func TestFileStoreStateAndHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := backend.NewFileStore(t.TempDir())
	dev := backend.StackRef{Project: "p", Stack: "dev"}
	if _, _, err := s.ReadState(ctx, dev); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("a stack that does not exist: %v", err)
	}
	if err := s.CreateStack(ctx, dev); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateStack(ctx, dev); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("creating a stack twice: %v", err)
	}
	if b, v, err := s.ReadState(ctx, dev); err != nil || b != nil || v != 0 {
		t.Fatalf("a new stack has no state: %q %d %v", b, v, err)
	}
	lock, err := s.Lock(ctx, dev, backend.CurrentHolder("test"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for v := int64(1); v <= 3; v++ {
		data := []byte(strings.Repeat("x", int(v)))
		if err := s.WriteState(ctx, dev, lock.Token(), data, backend.UpdateInfo{Version: v, Kind: "update", Result: "succeeded", Resources: int(v)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.WriteState(ctx, dev, lock.Token(), []byte("old"), backend.UpdateInfo{Version: 2}); !errors.Is(err, backend.ErrConflict) {
		t.Fatalf("writing an older version: %v", err)
	}
	if err := s.WriteState(ctx, dev, lock.Token()+1, []byte("x"), backend.UpdateInfo{Version: 4}); !errors.Is(err, backend.ErrFenced) {
		t.Fatalf("writing with a stale fencing token: %v", err)
	}
	if b, v, _ := s.ReadState(ctx, dev); string(b) != "xxx" || v != 3 {
		t.Fatalf("current state %q version %d", b, v)
	}
	h, err := s.History(ctx, dev)
	if err != nil || len(h) != 3 || h[0].Version != 3 || h[2].Version != 1 {
		t.Fatalf("history newest first: %+v %v", h, err)
	}
	if b, err := s.ReadHistory(ctx, dev, 2); err != nil || string(b) != "xx" {
		t.Fatalf("version 2: %q %v", b, err)
	}
	if _, err := s.ReadHistory(ctx, dev, 9); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("a missing version: %v", err)
	}
	// The journal is kept per base version; writing a newer snapshot retires older journals.
	if err := s.AppendJournal(ctx, dev, lock.Token(), 3, []byte("a\n")); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendJournal(ctx, dev, lock.Token(), 3, []byte("b\n")); err != nil {
		t.Fatal(err)
	}
	if b, _ := s.ReadJournal(ctx, dev, 3); string(b) != "a\nb\n" {
		t.Fatalf("journal %q", b)
	}
	if err := s.WriteState(ctx, dev, lock.Token(), []byte("xxxx"), backend.UpdateInfo{Version: 4, Resources: 4}); err != nil {
		t.Fatal(err)
	}
	if b, _ := s.ReadJournal(ctx, dev, 3); len(b) != 0 {
		t.Fatalf("the journal of version 3 should be retired: %q", b)
	}
	if err := s.PruneHistory(ctx, dev, 2); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.History(ctx, dev); len(h) != 2 || h[1].Version != 3 {
		t.Fatalf("after pruning to 2: %+v", h)
	}
	if err := lock.Release(ctx); err != nil {
		t.Fatal(err)
	}
	ss, err := s.ListStacks(ctx, "p")
	if err != nil || len(ss) != 1 || ss[0].Name != "dev" || ss[0].Resources != 4 || ss[0].LastUpdate.IsZero() {
		t.Fatalf("list: %+v %v", ss, err)
	}
	if ss, _ := s.ListStacks(ctx, "other"); len(ss) != 0 {
		t.Fatalf("another project's stacks: %+v", ss)
	}
	if err := s.RemoveStack(ctx, dev); err != nil {
		t.Fatal(err)
	}
	if ss, _ := s.ListStacks(ctx, ""); len(ss) != 0 {
		t.Fatalf("removed stack still listed: %+v", ss)
	}
	// No temporary files may be left behind by atomic writes.
	filepath.WalkDir(s.Dir(), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
}

func TestFileStoreLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := backend.NewFileStore(t.TempDir())
	dev := backend.StackRef{Project: "p", Stack: "dev"}
	if err := s.CreateStack(ctx, dev); err != nil {
		t.Fatal(err)
	}
	me := backend.CurrentHolder("infra up")
	l, err := s.Lock(ctx, dev, me, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Lock(ctx, dev, backend.CurrentHolder("infra destroy"), time.Minute)
	if !errors.Is(err, backend.ErrLocked) || !strings.Contains(err.Error(), "`infra up`") || !strings.Contains(err.Error(), "infra stack unlock") {
		t.Fatalf("a second writer must be refused with the holder and the fix: %v", err)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	l2, err := s.Lock(ctx, dev, me, time.Minute)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	holder, err := s.Unlock(ctx, dev)
	if err != nil || holder == nil || holder.Command != "infra up" {
		t.Fatalf("unlock: %+v %v", holder, err)
	}
	_ = l2.Release(ctx) // already gone: not an error
	// A lock whose holder process no longer exists on this host is taken over.
	dead := me
	dead.PID = 1 << 30
	if _, err := s.Lock(ctx, dev, dead, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lock(ctx, dev, me, time.Minute); err != nil {
		t.Fatalf("a dead holder's lock must be taken over: %v", err)
	}
	// A live lock held on another host is not taken over until its lease expires.
	if _, err := s.Unlock(ctx, dev); err != nil {
		t.Fatal(err)
	}
	other := dead
	other.Host = "elsewhere"
	held, err := s.Lock(ctx, dev, other, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lock(ctx, dev, me, time.Minute); !errors.Is(err, backend.ErrLocked) {
		t.Fatalf("another host's lock: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	mine, err := s.Lock(ctx, dev, me, time.Minute)
	if err != nil {
		t.Fatalf("an expired lease must be taken over: %v", err)
	}
	if err := held.Renew(ctx); !errors.Is(err, backend.ErrFenced) {
		t.Fatalf("the old holder must learn it lost the lock: %v", err)
	}
	if err := mine.Renew(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	cases := []struct {
		url, want, err string
	}{
		{"", filepath.Join(dir, ".infra"), ""},
		{"file://state", filepath.Join(dir, "state"), ""},
		{"file:///abs/state", "/abs/state", ""},
		{"state", "", "has no scheme"},
		{"ftp://x", "", "not available"},
	}
	for _, c := range cases {
		s, err := backend.Open(ctx, c.url, dir)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: want error %q, got %v", c.url, c.err, err)
			}
			continue
		}
		if err != nil || s.(*backend.FileStore).Dir() != c.want {
			t.Errorf("%q: got %v %v, want dir %s", c.url, s, err, c.want)
		}
	}
}

func TestLockInfoString(t *testing.T) {
	t.Parallel()
	l := backend.LockInfo{User: "ann", Host: "h", PID: 7, Command: "infra up", Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if s := l.String(); !strings.Contains(s, "ann@h (pid 7, `infra up`)") {
		t.Errorf("holder rendered as %q", s)
	}
}
