package backend

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// memBlobs is a blobStore in memory that records which keys were read.
type memBlobs struct {
	mu    sync.Mutex
	objs  map[string][]byte
	tags  map[string]string
	next  int
	reads []string
}

func newMemBlobs() *memBlobs { return &memBlobs{objs: map[string][]byte{}, tags: map[string]string{}} }

func (m *memBlobs) get(_ context.Context, key string) ([]byte, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads = append(m.reads, key)
	d, ok := m.objs[key]
	if !ok {
		return nil, "", errBlobNotFound
	}
	return append([]byte(nil), d...), m.tags[key], nil
}

func (m *memBlobs) store(key string, data []byte) string {
	m.next++
	m.objs[key] = append([]byte(nil), data...)
	m.tags[key] = strconv.Itoa(m.next)
	return m.tags[key]
}

func (m *memBlobs) put(_ context.Context, key string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.store(key, data)
	return nil
}

func (m *memBlobs) putIf(_ context.Context, key string, data []byte, tag string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tags[key] != tag {
		return "", errPrecondition
	}
	return m.store(key, data), nil
}

func (m *memBlobs) delete(_ context.Context, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		delete(m.objs, k)
		delete(m.tags, k)
	}
	return nil
}

func (m *memBlobs) deleteIf(_ context.Context, key, tag string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.tags[key]; ok && cur != tag {
		return errPrecondition
	}
	delete(m.objs, key)
	delete(m.tags, key)
	return nil
}

func (m *memBlobs) list(_ context.Context, prefix, delimiter string) ([]string, []string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var keys []string
	seen := map[string]bool{}
	var prefixes []string
	for k := range m.objs {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		rest := k[len(prefix):]
		if i := strings.Index(rest, delimiter); delimiter != "" && i >= 0 {
			p := prefix + rest[:i+1]
			if !seen[p] {
				seen[p] = true
				prefixes = append(prefixes, p)
			}
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	sort.Strings(prefixes)
	return keys, prefixes, nil
}

func (m *memBlobs) explain(err error) error { return err }
func (m *memBlobs) close() error            { return nil }

func (m *memBlobs) readKeys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.reads
	m.reads = nil
	return out
}

// TestObjectStoreListingReadsNoState checks that listing stacks reads only their heads, however long their
// history, and never a snapshot, a description or a journal.
func TestObjectStoreListingReadsNoState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMemBlobs()
	s := newObjectStore(m, "mem://test", "pre/fix")
	for _, ref := range []StackRef{{"a", "dev"}, {"a", "prod"}, {"b", "dev"}} {
		if err := s.CreateStack(ctx, ref); err != nil {
			t.Fatal(err)
		}
		l, err := s.Lock(ctx, ref, CurrentHolder("test"), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for v := int64(1); v <= 3; v++ {
			if err := s.WriteState(ctx, ref, l.Token(), []byte("state"), UpdateInfo{Version: v, Resources: 7}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AppendJournal(ctx, ref, l.Token(), 3, []byte("j\n")); err != nil {
			t.Fatal(err)
		}
	}
	m.readKeys()
	ss, err := s.ListStacks(ctx, "")
	if err != nil || len(ss) != 3 || ss[2].Project != "b" || ss[0].Resources != 7 || ss[0].LastUpdate.IsZero() {
		t.Fatalf("list: %+v %v", ss, err)
	}
	reads := m.readKeys()
	if len(reads) != 3 {
		t.Fatalf("listing 3 stacks read %d objects: %v", len(reads), reads)
	}
	for _, k := range reads {
		if !strings.HasPrefix(k, "pre/fix/stacks/") || !strings.HasSuffix(k, "/"+headObject) {
			t.Fatalf("listing read %s, which is not a stack's head", k)
		}
	}
}

// TestObjectStoreLostResponse checks that a conditional write whose answer was lost, and which the client
// retried, is recognised as this run's own write rather than taken for another run's.
func TestObjectStoreLostResponse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMemBlobs()
	s := newObjectStore(m, "mem://test", "")
	tag, err := s.putIfOrSame(ctx, "k", []byte("mine"), "")
	if err != nil {
		t.Fatal(err)
	}
	// The retry of the same create finds the object present, with our content.
	if got, err := s.putIfOrSame(ctx, "k", []byte("mine"), ""); err != nil || got != tag {
		t.Fatalf("a retried create of the same content: %q %v", got, err)
	}
	if _, err := s.putIfOrSame(ctx, "k", []byte("theirs"), ""); !errors.Is(err, errPrecondition) {
		t.Fatalf("a create over another content: %v", err)
	}
}

// TestObjectStoreDamagedObjects checks that damaged heads and locks are refused with what to do, never read as
// empty.
func TestObjectStoreDamagedObjects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMemBlobs()
	s := newObjectStore(m, "mem://test", "")
	ref := StackRef{"p", "dev"}
	if err := s.CreateStack(ctx, ref); err != nil {
		t.Fatal(err)
	}
	_ = m.put(ctx, s.key(ref, lockObject), []byte("{garbage"))
	if _, err := s.Lock(ctx, ref, CurrentHolder("test"), time.Minute); err == nil || !strings.Contains(err.Error(), "infra stack unlock") {
		t.Fatalf("a damaged lock: %v", err)
	}
	if h, err := s.Unlock(ctx, ref); err != nil || h != nil {
		t.Fatalf("unlocking a damaged lock: %+v %v", h, err)
	}
	if _, err := s.Lock(ctx, ref, CurrentHolder("test"), time.Minute); err != nil {
		t.Fatalf("after unlocking a damaged lock: %v", err)
	}
	_ = m.put(ctx, s.key(ref, headObject), []byte(`{"version":-3}`))
	if _, _, err := s.ReadState(ctx, ref); err == nil || !strings.Contains(err.Error(), "infra stack restore") {
		t.Fatalf("a damaged head: %v", err)
	}
}

// TestCheckRef checks that names that would escape their place in a key are refused.
func TestCheckRef(t *testing.T) {
	t.Parallel()
	for _, ref := range []StackRef{{"", "dev"}, {"p", ""}, {"p", ".."}, {"a/b", "dev"}, {"p", "d/e"}, {".", "x"}} {
		if checkRef(ref) == nil {
			t.Errorf("%+v accepted", ref)
		}
	}
	if err := checkRef(StackRef{"my-proj.x", "dev_1"}); err != nil {
		t.Error(err)
	}
}

func TestForEach(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var mu sync.Mutex
	seen := map[int]bool{}
	if err := forEach(ctx, 100, func(_ context.Context, i int) error {
		mu.Lock()
		seen[i] = true
		mu.Unlock()
		return nil
	}); err != nil || len(seen) != 100 {
		t.Fatalf("%d calls, %v", len(seen), err)
	}
	boom := errors.New("boom")
	if err := forEach(ctx, 100, func(_ context.Context, i int) error {
		if i == 3 {
			return boom
		}
		return nil
	}); !errors.Is(err, boom) {
		t.Fatalf("the error of one call: %v", err)
	}
}
