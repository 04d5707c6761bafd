package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// migrateLease is the lease on the target stack while Migrate writes it. It is renewed after every version, so
// it only needs to outlast the copy of one snapshot.
const migrateLease = 2 * time.Minute

// stackCopy is everything a stack holds that Migrate moves.
type stackCopy struct {
	version   int64            // the current version, 0 if never updated
	history   []UpdateInfo     // oldest first
	snapshots map[int64][]byte // by version
	journal   []byte           // the journal on top of the current version
}

// Migrate copies stack ref, with every version of its history, its current pointer and the journal of its current
// version, from one store to another, and verifies the copy byte for byte before it returns. The target must
// not have the stack yet; if the copy fails or does not verify, the partial copy is removed again. The caller
// should hold the source stack's lock so that it does not change during the copy.
func Migrate(ctx context.Context, from, to Store, ref StackRef) error {
	src, err := readStackCopy(ctx, from, ref)
	if err != nil {
		return fmt.Errorf("migrate stack %s: read it from %s: %w", ref, from.URL(), err)
	}
	if _, _, err := to.ReadState(ctx, ref); err == nil {
		return fmt.Errorf("migrate stack %s: %s already has a stack %s; remove it there first or pick another backend", ref, to.URL(), ref.Stack)
	} else if !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("migrate stack %s: check %s: %w", ref, to.URL(), err)
	}
	if err := to.CreateStack(ctx, ref); err != nil {
		return fmt.Errorf("migrate stack %s: %w", ref, err)
	}
	err = writeStackCopy(ctx, to, ref, src)
	if err == nil {
		err = verifyStackCopy(ctx, to, ref, src)
	}
	if err != nil {
		if rerr := to.RemoveStack(context.WithoutCancel(ctx), ref); rerr != nil {
			return fmt.Errorf("migrate stack %s to %s: %w; removing the partial copy failed too (%v): remove it by hand", ref, to.URL(), err, rerr)
		}
		return fmt.Errorf("migrate stack %s to %s: %w; the partial copy was removed, the source is unchanged", ref, to.URL(), err)
	}
	return nil
}

// readStackCopy reads everything Migrate moves.
func readStackCopy(ctx context.Context, s Store, ref StackRef) (*stackCopy, error) {
	state, version, err := s.ReadState(ctx, ref)
	if err != nil {
		return nil, err
	}
	hist, err := s.History(ctx, ref)
	if err != nil {
		return nil, err
	}
	c := &stackCopy{version: version, snapshots: map[int64][]byte{}}
	for i := len(hist) - 1; i >= 0; i-- {
		u := hist[i]
		if u.Version > version {
			return nil, fmt.Errorf("version %d in the history is newer than the current version %d: the stack is damaged; "+
				"restore a version with `infra stack restore` first", u.Version, version)
		}
		data, err := s.ReadHistory(ctx, ref, u.Version)
		if err != nil {
			return nil, err
		}
		c.history = append(c.history, u)
		c.snapshots[u.Version] = data
	}
	if version > 0 {
		if len(c.history) == 0 || c.history[len(c.history)-1].Version != version {
			return nil, fmt.Errorf("the current version %d has no entry in the history: the stack is damaged", version)
		}
		if !bytes.Equal(c.snapshots[version], state) {
			return nil, fmt.Errorf("the current state changed while it was being read; hold the stack's lock during a migration")
		}
	}
	if c.journal, err = s.ReadJournal(ctx, ref, version); err != nil {
		return nil, err
	}
	return c, nil
}

// writeStackCopy writes a stack's versions oldest first, so that the newest ends current, then its journal.
func writeStackCopy(ctx context.Context, to Store, ref StackRef, c *stackCopy) error {
	lock, err := to.Lock(ctx, ref, CurrentHolder("infra stack migrate"), migrateLease)
	if err != nil {
		return err
	}
	defer lock.Release(context.WithoutCancel(ctx))
	for _, u := range c.history {
		if err := to.WriteState(ctx, ref, lock.Token(), c.snapshots[u.Version], u); err != nil {
			return fmt.Errorf("write version %d: %w", u.Version, err)
		}
		if err := lock.Renew(ctx); err != nil {
			return err
		}
	}
	if len(c.journal) > 0 {
		if err := to.AppendJournal(ctx, ref, lock.Token(), c.version, c.journal); err != nil {
			return fmt.Errorf("write the journal: %w", err)
		}
	}
	return nil
}

// verifyStackCopy reads the copy back and compares it with the source, byte for byte.
func verifyStackCopy(ctx context.Context, to Store, ref StackRef, want *stackCopy) error {
	got, err := readStackCopy(ctx, to, ref)
	if err != nil {
		return fmt.Errorf("verify the copy: %w", err)
	}
	if got.version != want.version {
		return fmt.Errorf("verify the copy: its current version is %d, not %d", got.version, want.version)
	}
	if len(got.history) != len(want.history) {
		return fmt.Errorf("verify the copy: it has %d versions, not %d", len(got.history), len(want.history))
	}
	for i, u := range want.history {
		a, _ := json.Marshal(u)
		b, _ := json.Marshal(got.history[i])
		if !bytes.Equal(a, b) {
			return fmt.Errorf("verify the copy: the description of version %d differs: %s, not %s", u.Version, b, a)
		}
		if !bytes.Equal(got.snapshots[u.Version], want.snapshots[u.Version]) {
			return fmt.Errorf("verify the copy: the snapshot of version %d differs (%d bytes, not %d)",
				u.Version, len(got.snapshots[u.Version]), len(want.snapshots[u.Version]))
		}
	}
	if !bytes.Equal(got.journal, want.journal) {
		return fmt.Errorf("verify the copy: the journal differs (%d bytes, not %d)", len(got.journal), len(want.journal))
	}
	return nil
}
