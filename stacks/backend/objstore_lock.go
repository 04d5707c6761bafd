package backend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// errLeaseEnded is the cause of a write's context ending because the lease it was checked against ran out.
var errLeaseEnded = errors.New("the lock's lease ended during the write")

// fence checks, before a write, that the stack's lock still carries the writer's token and that its lease has not
// ended, and returns a context for the write that ends when the lease does.
//
// An object store cannot make "check the lock, then write" one atomic step, so a window remains: a write checked
// here can still land after another run took the stack over. The lease bounds it: a takeover needs the lease to
// have ended, and the write's requests are cancelled when it ends, so a stale write can only land if a request
// sent before the lease ended is delayed in the network or in the store past its end (plus the clock skew
// between the two hosts). Holders renew every third of the lease, so a live writer always has most of a lease
// ahead of it. The current pointer is moreover replaced only if unchanged since it was read, so a stale snapshot
// write that lands late makes the next writer fail with ErrConflict instead of being silently lost.
func (s *objectStore) fence(ctx context.Context, ref StackRef, token int64) (context.Context, context.CancelFunc, error) {
	cur, _, err := s.readLock(ctx, ref)
	if errors.Is(err, errBlobNotFound) {
		return nil, nil, fmt.Errorf("%w: stack %s is not locked by this run any more (the lock was removed, e.g. by `infra stack unlock`); "+
			"this run must stop", ErrFenced, ref)
	}
	if err != nil {
		return nil, nil, err
	}
	if cur.Token != token {
		return nil, nil, fmt.Errorf("%w: stack %s is now held by %s; this run's lease expired and it must stop", ErrFenced, ref, cur)
	}
	if !s.now().Before(cur.Expires) {
		return nil, nil, fmt.Errorf("%w: the lease of this run's lock on stack %s ended at %s without being renewed; this run must stop",
			ErrFenced, ref, cur.Expires.Local().Format(time.RFC3339))
	}
	wctx, cancel := context.WithDeadlineCause(ctx, cur.Expires, errLeaseEnded)
	return wctx, cancel, nil
}

// leaseOr turns the error of a write whose lease ended while it ran into ErrFenced.
func (s *objectStore) leaseOr(wctx context.Context, err error) error {
	if errors.Is(context.Cause(wctx), errLeaseEnded) {
		return fmt.Errorf("%w: %v", ErrFenced, errLeaseEnded)
	}
	return err
}

// readLock returns the stack's lock and its version tag; errBlobNotFound if it is not locked.
func (s *objectStore) readLock(ctx context.Context, ref StackRef) (LockInfo, string, error) {
	if err := checkRef(ref); err != nil {
		return LockInfo{}, "", err
	}
	data, tag, err := s.blobs.get(ctx, s.key(ref, lockObject))
	if errors.Is(err, errBlobNotFound) {
		return LockInfo{}, "", err
	}
	if err != nil {
		return LockInfo{}, "", s.fail(err, "read the lock of stack %s", ref)
	}
	info, err := decodeLock(data)
	if err != nil {
		return LockInfo{}, tag, fmt.Errorf("%s: stack %s: %w; if no other run is active, run `infra stack unlock`", s.url, ref, err)
	}
	return info, tag, nil
}

// Lock implements Store. A free stack is locked by creating lock.json exclusively; a lock whose lease ended is
// taken over by replacing lock.json only if it is still the version read, so of several runs exactly one wins.
// A lock is not taken over because its holder's process seems gone: on a shared store the same host name may
// be another machine, so only the lease decides.
func (s *objectStore) Lock(ctx context.Context, ref StackRef, holder LockInfo, lease time.Duration) (Lock, error) {
	if _, _, err := s.readHead(ctx, ref); err != nil {
		return nil, fmt.Errorf("lock %w", err)
	}
	key := s.key(ref, lockObject)
	var last LockInfo
	for attempt := 0; attempt < 5; attempt++ {
		now := s.now()
		info := holder
		info.Time = holder.Time.UTC()
		info.Expires = now.Add(lease).UTC()
		cur, tag, err := s.readLock(ctx, ref)
		switch {
		case errors.Is(err, errBlobNotFound):
			info.Token = newToken(0)
			tag = ""
		case err != nil:
			return nil, fmt.Errorf("lock stack %s: %w", ref, err)
		case now.Before(cur.Expires):
			return nil, lockedError(ref, cur)
		default:
			info.Token = newToken(cur.Token)
		}
		last = cur
		data, err := json.Marshal(info)
		if err != nil {
			return nil, fmt.Errorf("lock stack %s: %w", ref, err)
		}
		newTag, err := s.putIfOrSame(ctx, key, data, tag)
		if err == nil {
			return &objectLock{s: s, ref: ref, lease: lease, info: info, tag: newTag}, nil
		}
		if !errors.Is(err, errPrecondition) {
			return nil, s.fail(err, "lock stack %s", ref)
		}
		// Another run created or took over the lock between our read and our write: look again.
	}
	return nil, lockedError(ref, last)
}

// newToken returns a random fencing token other than prev. Tokens only need to be unique per stack; random ones
// also make every lock object's content unique, which putIfOrSame relies on to recognise its own write.
func newToken(prev int64) int64 {
	for {
		if t := rand.Int64(); t != 0 && t != prev {
			return t
		}
	}
}

// Unlock implements Store.
func (s *objectStore) Unlock(ctx context.Context, ref StackRef) (*LockInfo, error) {
	cur, _, err := s.readLock(ctx, ref)
	if errors.Is(err, errBlobNotFound) {
		return nil, nil
	}
	// A damaged lock is removed too: that is what unlock is for.
	if derr := s.blobs.delete(ctx, s.key(ref, lockObject)); derr != nil {
		return nil, s.fail(derr, "unlock stack %s", ref)
	}
	if err != nil {
		return nil, nil
	}
	return &cur, nil
}

// objectLock is a lock held in an object store.
type objectLock struct {
	s     *objectStore
	ref   StackRef
	lease time.Duration

	mu   sync.Mutex
	info LockInfo
	tag  string // the version tag of lock.json as this run last wrote it
}

// Token implements Lock.
func (l *objectLock) Token() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.info.Token
}

// Renew implements Lock: lock.json is replaced only if it is still the version this run wrote, so a run whose
// lock was taken over or removed learns it here.
func (l *objectLock) Renew(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	info := l.info
	info.Expires = l.s.now().Add(l.lease).UTC()
	data, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("renew the lock of %s: %w", l.ref, err)
	}
	tag, err := l.s.putIfOrSame(ctx, l.s.key(l.ref, lockObject), data, l.tag)
	if errors.Is(err, errPrecondition) {
		cur, _, rerr := l.s.readLock(ctx, l.ref)
		if rerr != nil {
			return fmt.Errorf("%w: the lock of stack %s was removed (e.g. by `infra stack unlock`); this run must stop", ErrFenced, l.ref)
		}
		return fmt.Errorf("%w: stack %s is now held by %s; this run's lease expired and it must stop", ErrFenced, l.ref, cur)
	}
	if err != nil {
		return l.s.fail(err, "renew the lock of stack %s", l.ref)
	}
	l.info, l.tag = info, tag
	return nil
}

// Release implements Lock. Only this run's own lock is removed: the delete is conditional on the version this
// run wrote, and the token is compared first for stores that ignore the condition.
func (l *objectLock) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	cur, _, err := l.s.readLock(ctx, l.ref)
	if errors.Is(err, errBlobNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("release the lock of %s: %w", l.ref, err)
	}
	if cur.Token != l.info.Token {
		return nil // someone else holds it now: not ours to remove
	}
	if err := l.s.blobs.deleteIf(ctx, l.s.key(l.ref, lockObject), l.tag); err != nil && !errors.Is(err, errPrecondition) {
		return l.s.fail(err, "release the lock of stack %s", l.ref)
	}
	return nil
}
