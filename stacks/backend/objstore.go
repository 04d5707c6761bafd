package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// errBlobNotFound is returned by a blobStore when an object does not exist.
var errBlobNotFound = errors.New("object not found")

// errPrecondition is returned by a blobStore when a conditional write or delete finds the object changed (or, for
// a create, present).
var errPrecondition = errors.New("the object changed")

// blobStore is the little an object store (S3, GCS) must offer for objectStore to keep stacks in it. Keys are
// relative to the bucket. A version tag identifies one write of an object: S3's ETag, GCS's generation.
type blobStore interface {
	// get returns an object's content and version tag, or errBlobNotFound.
	get(ctx context.Context, key string) ([]byte, string, error)
	// put writes an object unconditionally.
	put(ctx context.Context, key string, data []byte) error
	// putIf writes an object only if its version tag is still tag, or, with tag "", only if it does not exist
	// (errPrecondition otherwise). It returns the new version tag.
	putIf(ctx context.Context, key string, data []byte, tag string) (string, error)
	// delete removes objects; missing ones are not an error.
	delete(ctx context.Context, keys ...string) error
	// deleteIf removes an object only if its version tag is still tag (errPrecondition otherwise); a missing
	// object is not an error.
	deleteIf(ctx context.Context, key, tag string) error
	// list returns the keys under prefix in lexicographic order; with a delimiter, keys that continue past it
	// are rolled up into the common prefixes returned second.
	list(ctx context.Context, prefix, delimiter string) (keys, prefixes []string, err error)
	// explain adds to an error of this store what the user should check (credentials, bucket, network).
	explain(err error) error
	// close releases the client's resources.
	close() error
}

// objectStore implements Store on an object store. Every object is written whole; the only atomic primitives it
// relies on are a conditional create and a conditional replace of a single object:
//
//   - head.json is created exclusively by CreateStack and replaced by WriteState only if it is still the version
//     that WriteState read, so two writers can never both move the current pointer (ErrConflict).
//   - lock.json is created exclusively by Lock; renewal and takeover replace it only if it is still the version
//     the run read, so of two runs taking over an expired lease exactly one wins.
//   - Every write first reads lock.json and compares the fencing token (see fence).
type objectStore struct {
	blobs  blobStore
	url    string // the backend's URL with any secret removed, for messages
	prefix string // "" or a key prefix ending in "/"
	now    func() time.Time

	// seqs is the next journal sequence number per stack and base version, learned from a listing on the
	// first append and kept here so that an append costs one request.
	mu   sync.Mutex
	seqs map[journalKey]int64
}

type journalKey struct {
	ref  StackRef
	base int64
}

func newObjectStore(blobs blobStore, url, prefix string) *objectStore {
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return &objectStore{blobs: blobs, url: url, prefix: prefix, now: time.Now, seqs: map[journalKey]int64{}}
}

// URL implements Store.
func (s *objectStore) URL() string { return s.url }

// Close releases the client's connections.
func (s *objectStore) Close() error { return s.blobs.close() }

func (s *objectStore) stacksPrefix() string { return s.prefix + "stacks/" }

func (s *objectStore) stackPrefix(ref StackRef) string {
	return s.stacksPrefix() + ref.Project + "/" + ref.Stack + "/"
}

func (s *objectStore) key(ref StackRef, name string) string { return s.stackPrefix(ref) + name }

func (s *objectStore) historyKey(ref StackRef, v int64, suffix string) string {
	return s.key(ref, "history/"+padded(v)+suffix)
}

// fail wraps an unexpected error of the store with the backend's URL, what was being done and what to check.
func (s *objectStore) fail(err error, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", s.url, fmt.Sprintf(format, args...), s.blobs.explain(err))
}

// readHead returns the stack's head and its version tag; ErrNotFound if the stack does not exist.
func (s *objectStore) readHead(ctx context.Context, ref StackRef) (head, string, error) {
	if err := checkRef(ref); err != nil {
		return head{}, "", err
	}
	data, tag, err := s.blobs.get(ctx, s.key(ref, headObject))
	if errors.Is(err, errBlobNotFound) {
		return head{}, "", fmt.Errorf("stack %s: %w in %s", ref, ErrNotFound, s.url)
	}
	if err != nil {
		return head{}, "", s.fail(err, "read the current version of stack %s", ref)
	}
	h, err := decodeHead(data)
	if err != nil {
		return head{}, "", fmt.Errorf("%s: stack %s: %w; restore a version with `infra stack restore`", s.url, ref, err)
	}
	return h, tag, nil
}

// CreateStack implements Store: the head is created only if it does not exist, so of two runs creating the same
// stack exactly one succeeds.
func (s *objectStore) CreateStack(ctx context.Context, ref StackRef) error {
	if err := checkRef(ref); err != nil {
		return err
	}
	_, err := s.blobs.putIf(ctx, s.key(ref, headObject), encodeHead(head{}), "")
	if errors.Is(err, errPrecondition) {
		return fmt.Errorf("stack %s already exists in %s", ref.Stack, s.url)
	}
	if err != nil {
		return s.fail(err, "create stack %s", ref)
	}
	return nil
}

// ListStacks implements Store. Projects and stacks are found with delimited listings; only each stack's small
// head object is read, never a snapshot.
func (s *objectStore) ListStacks(ctx context.Context, project string) ([]StackSummary, error) {
	projects := []string{project}
	if project == "" {
		_, prefixes, err := s.blobs.list(ctx, s.stacksPrefix(), "/")
		if err != nil {
			return nil, s.fail(err, "list projects")
		}
		projects = projects[:0]
		for _, p := range prefixes {
			projects = append(projects, strings.TrimSuffix(strings.TrimPrefix(p, s.stacksPrefix()), "/"))
		}
	}
	var refs []StackRef
	for _, p := range projects {
		if strings.Contains(p, "/") {
			return nil, fmt.Errorf("invalid project name %q", p)
		}
		_, prefixes, err := s.blobs.list(ctx, s.stacksPrefix()+p+"/", "/")
		if err != nil {
			return nil, s.fail(err, "list the stacks of project %s", p)
		}
		for _, sp := range prefixes {
			name := strings.TrimSuffix(strings.TrimPrefix(sp, s.stacksPrefix()+p+"/"), "/")
			refs = append(refs, StackRef{Project: p, Stack: name})
		}
	}
	summaries := make([]*StackSummary, len(refs))
	err := forEach(ctx, len(refs), func(ctx context.Context, i int) error {
		h, _, err := s.readHead(ctx, refs[i])
		if errors.Is(err, ErrNotFound) {
			return nil // objects left by a removal that was interrupted, or a stack being created: not a stack
		}
		if err != nil {
			return err
		}
		sum := StackSummary{Project: refs[i].Project, Name: refs[i].Stack}
		if h.Version > 0 {
			sum.LastUpdate, sum.Resources = h.Updated, h.Resources
		}
		summaries[i] = &sum
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := []StackSummary{}
	for _, sum := range summaries {
		if sum != nil {
			out = append(out, *sum)
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

// RemoveStack implements Store. The head goes last: a removal that is interrupted leaves a stack that still
// exists, and removing it again finishes the job.
func (s *objectStore) RemoveStack(ctx context.Context, ref StackRef) error {
	if _, _, err := s.readHead(ctx, ref); err != nil {
		return fmt.Errorf("remove %w", err)
	}
	keys, _, err := s.blobs.list(ctx, s.stackPrefix(ref), "")
	if err != nil {
		return s.fail(err, "remove stack %s", ref)
	}
	headKey := s.key(ref, headObject)
	rest := keys[:0]
	for _, k := range keys {
		if k != headKey {
			rest = append(rest, k)
		}
	}
	if err := s.blobs.delete(ctx, rest...); err != nil {
		return s.fail(err, "remove stack %s", ref)
	}
	if err := s.blobs.delete(ctx, headKey); err != nil {
		return s.fail(err, "remove stack %s", ref)
	}
	s.mu.Lock()
	for k := range s.seqs {
		if k.ref == ref {
			delete(s.seqs, k)
		}
	}
	s.mu.Unlock()
	return nil
}

// readAll reads objects in parallel and returns their contents in the order of keys.
func (s *objectStore) readAll(ctx context.Context, keys []string) ([][]byte, error) {
	out := make([][]byte, len(keys))
	err := forEach(ctx, len(keys), func(ctx context.Context, i int) error {
		data, _, err := s.blobs.get(ctx, keys[i])
		if err != nil {
			return fmt.Errorf("read %s: %w", keys[i], err)
		}
		out[i] = data
		return nil
	})
	return out, err
}

// objectStore is a Store, and closable for programs that open many.
var (
	_ Store     = (*objectStore)(nil)
	_ io.Closer = (*objectStore)(nil)
)
