package stacks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/stacks/backend"
	"github.com/infrago/infra/stacks/project"
	"github.com/infrago/infra/stacks/secrets"
	"github.com/infrago/infra/stacks/state"
)

// DefaultLease is how long a stack's lock stays valid without renewal unless Access.Lease says otherwise. A run
// killed on another machine blocks the stack for at most this long.
const DefaultLease = 30 * time.Second

// Stack is one stack opened for work. Its state is read with Load and written with Save; between the two the
// Stack remembers which version it read and what that version's journal left unfinished.
type Stack struct {
	// Workspace is the project and backend the stack belongs to.
	Workspace *Workspace
	// Name is the stack's name, Ref its name in the backend.
	Name string
	Ref  backend.StackRef
	// Config is the stack's config file (Infra.<stack>.yaml), Secrets its opened data key.
	Config  *project.StackConfig
	Secrets *secrets.Manager

	held    backend.Lock
	version int64
	pending []state.PendingOp
	lastSeq int64
}

// Version is the version of the state Load read (0 for a stack never updated), or that Save wrote last.
func (s *Stack) Version() int64 { return s.version }

// Pending are the operations the journal of the loaded version left unfinished: an earlier run was cut off.
func (s *Stack) Pending() []state.PendingOp { return s.pending }

// JournalSeq is the sequence number of the last journal record of the loaded version (0: no journal).
func (s *Stack) JournalSeq() int64 { return s.lastSeq }

// Lease is a held lock of a stack, renewed in the background until Release.
type Lease struct {
	lock    backend.Lock
	lost    chan struct{}
	done    chan struct{}
	stopped chan struct{}
	once    sync.Once
	mu      sync.Mutex
	err     error
	stack   *Stack
}

// Lost is closed when the lease could not be renewed because another run took the stack over: the holder must
// stop writing. Err says why.
func (l *Lease) Lost() <-chan struct{} { return l.lost }

// Err is why the lease was lost, or nil.
func (l *Lease) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Release stops renewing and gives the lock back. It may be called more than once.
func (l *Lease) Release() {
	l.once.Do(func() {
		close(l.done)
		<-l.stopped
		_ = l.lock.Release(context.Background())
		if l.stack.held == l.lock {
			l.stack.held = nil
		}
	})
}

// Lock takes the stack's lock for command and keeps its lease (0: DefaultLease) alive until the Lease is released.
func (s *Stack) Lock(ctx context.Context, command string, lease time.Duration) (*Lease, error) {
	if lease <= 0 {
		lease = DefaultLease
	}
	l, err := s.Workspace.Store.Lock(ctx, s.Ref, backend.CurrentHolder(command), lease)
	if err != nil {
		return nil, err
	}
	s.held = l
	le := &Lease{lock: l, lost: make(chan struct{}), done: make(chan struct{}), stopped: make(chan struct{}), stack: s}
	go func() {
		defer close(le.stopped)
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-le.done:
				return
			case <-t.C:
				rctx, cancel := context.WithTimeout(context.Background(), lease/3)
				err := l.Renew(rctx)
				cancel()
				if errors.Is(err, backend.ErrFenced) {
					le.mu.Lock()
					le.err = fmt.Errorf("stack %s: %w", s.Name, err)
					le.mu.Unlock()
					close(le.lost)
					return
				}
			}
		}
	}()
	return le, nil
}

// Session is a stack opened by Begin: locked when asked, with its state loaded.
type Session struct {
	*Stack
	// State is the loaded state; nil when the stack has never been updated.
	State *state.Snapshot
	lease *Lease
}

// Lost is closed when the session's lock is lost (never, for a session without a lock).
func (s *Session) Lost() <-chan struct{} {
	if s.lease == nil {
		return nil
	}
	return s.lease.Lost()
}

// LockErr is why the session's lock was lost, or nil.
func (s *Session) LockErr() error {
	if s.lease == nil {
		return nil
	}
	return s.lease.Err()
}

// Close releases the session's lock, if it holds one.
func (s *Session) Close() {
	if s.lease != nil {
		s.lease.Release()
	}
}

// Begin locks the stack when a.Lock and loads its state; see Workspace.Begin.
func (s *Stack) Begin(ctx context.Context, a Access) (*Session, error) {
	sess := &Session{Stack: s}
	if a.Lock {
		l, err := s.Lock(ctx, a.Command, a.Lease)
		if err != nil {
			return nil, err
		}
		sess.lease = l
	}
	snap, err := s.Load(ctx)
	if err != nil {
		sess.Close()
		return nil, err
	}
	if a.Settled && len(s.pending) > 0 {
		sess.Close()
		return nil, fmt.Errorf("stack %s has operations an interrupted run left pending (%s): run `infra up` (or `infra state resolve`) first",
			s.Name, describePending(s.pending))
	}
	sess.State = snap
	return sess, nil
}

func describePending(ops []state.PendingOp) string {
	out := make([]string, len(ops))
	for i, p := range ops {
		out[i] = p.Describe()
	}
	return strings.Join(out, "; ")
}

// Codec is how this stack's state is encoded: secrets encrypted and the whole authenticated with its key.
func (s *Stack) Codec() state.Codec {
	return state.Codec{Crypter: s.Secrets, MACKey: s.Secrets.DeriveKey("infra state mac v1")}
}

// Load reads the stack's state; nil when the stack has never been updated. When an earlier run stopped before it
// wrote its snapshot, what it did is replayed from the journal and the result verified; what it left unfinished
// is then in Pending.
func (s *Stack) Load(ctx context.Context) (*state.Snapshot, error) {
	store := s.Workspace.Store
	data, version, err := store.ReadState(ctx, s.Ref)
	if err != nil {
		return nil, err
	}
	s.version = version
	journal, err := store.ReadJournal(ctx, s.Ref, version)
	if err != nil {
		return nil, fmt.Errorf("read the journal of stack %s: %w", s.Name, err)
	}
	var base *state.Snapshot
	if data == nil {
		base = &state.Snapshot{Project: s.Workspace.Project.Name, Stack: s.Name}
	} else if base, err = s.Decode(data); err != nil {
		return nil, err
	}
	if len(journal) == 0 {
		s.pending, s.lastSeq = nil, 0
		if data == nil {
			return nil, nil
		}
		return base, nil
	}
	records, err := s.Codec().UnmarshalJournal(journal)
	if err != nil {
		return nil, fmt.Errorf("the journal of stack %s in %s cannot be read: %w; the last complete state is version %d: "+
			"to continue from it, run `infra stack restore --version %d` (what the interrupted run did will then be untracked)",
			s.Name, store.URL(), err, version, version)
	}
	snap, pending := state.Replay(base, records)
	if err := snap.Verify(); err != nil {
		return nil, fmt.Errorf("replaying the journal of stack %s gives an inconsistent state: %w", s.Name, err)
	}
	s.pending, s.lastSeq = pending, state.LastSeq(records)
	return snap, nil
}

// Decode decodes and verifies a stored snapshot of this stack (current or from its history).
func (s *Stack) Decode(data []byte) (*state.Snapshot, error) {
	snap, err := s.Codec().Unmarshal(data)
	if err != nil {
		how := "find the last good version with `infra stack history` and restore it with `infra stack restore --version N`"
		if errors.Is(err, state.ErrIntegrity) {
			return nil, fmt.Errorf("the state of stack %s in %s cannot be trusted: %w; %s", s.Name, s.Workspace.Store.URL(), err, how)
		}
		return nil, fmt.Errorf("read the state of stack %s in %s: %w; %s", s.Name, s.Workspace.Store.URL(), err, how)
	}
	if snap.Stack != s.Name || snap.Project != s.Workspace.Project.Name {
		return nil, fmt.Errorf("the state stored for stack %s belongs to %s/%s: it was copied from elsewhere: "+
			"restore one of this stack's own versions with `infra stack restore --version N` (see `infra stack history`)", s.Name, snap.Project, snap.Stack)
	}
	return snap, nil
}

// ReadVersion returns the stored bytes of version of the stack's state (0: the current one), checked with
// Decode, and the snapshot they hold; nil bytes and an empty snapshot for a stack never updated.
func (s *Stack) ReadVersion(ctx context.Context, version int64) ([]byte, *state.Snapshot, error) {
	var data []byte
	var err error
	if version > 0 {
		data, err = s.Workspace.Store.ReadHistory(ctx, s.Ref, version)
	} else {
		data, _, err = s.Workspace.Store.ReadState(ctx, s.Ref)
	}
	if err != nil {
		return nil, nil, err
	}
	if data == nil {
		return nil, &state.Snapshot{Project: s.Workspace.Project.Name, Stack: s.Name}, nil
	}
	snap, err := s.Decode(data)
	if err != nil {
		return nil, nil, err
	}
	return data, snap, nil
}

// Journal returns a writer that appends to the journal of the loaded version under the held lock.
func (s *Stack) Journal() *state.JournalWriter {
	ref, base, store := s.Ref, s.version, s.Workspace.Store
	var fence int64
	if s.held != nil {
		fence = s.held.Token()
	}
	return state.NewJournalWriter(s.Codec(), s.lastSeq, func(ctx context.Context, batch []byte) error {
		return store.AppendJournal(ctx, ref, fence, base, batch)
	})
}

// Save writes snap as the stack's next version, with info as its history entry, and prunes the history to the
// project's limit. The stack must be locked and its state loaded. The new version starts with no journal.
func (s *Stack) Save(ctx context.Context, snap *state.Snapshot, info backend.UpdateInfo) error {
	if s.held == nil {
		return fmt.Errorf("save the state of stack %s: the stack is not locked", s.Name)
	}
	ws := s.Workspace
	snap.Project, snap.Stack = ws.Project.Name, s.Name
	snap.Serial = s.version + 1
	md, err := s.Secrets.MarshalMetadata()
	if err != nil {
		return fmt.Errorf("save the state of stack %s: %w", s.Name, err)
	}
	snap.Secrets = md
	data, err := s.Codec().Marshal(snap)
	if err != nil {
		return fmt.Errorf("encode the state of stack %s: %w", s.Name, err)
	}
	info.Version = snap.Serial
	info.Bytes += int64(len(data))
	holder := backend.CurrentHolder("")
	info.User, info.Host = holder.User, holder.Host
	if err := ws.Store.WriteState(ctx, s.Ref, s.held.Token(), data, info); err != nil {
		return fmt.Errorf("save the state of stack %s: %w", s.Name, err)
	}
	s.version, s.lastSeq, s.pending = snap.Serial, 0, nil
	if keep := ws.Project.HistoryKeep; keep > 0 {
		// Retention is housekeeping: the state is saved; a failure here only leaves old versions behind.
		if err := ws.Store.PruneHistory(ctx, s.Ref, keep); err != nil && ws.Warn != nil {
			ws.Warn(fmt.Sprintf("pruning the history of stack %s to %d versions: %v", s.Name, keep, err))
		}
	}
	return nil
}

// Outcome is what a run of the engine left, for Finish.
type Outcome struct {
	// Snapshot is the state after the run (nil when the run failed before it had one).
	Snapshot *state.Snapshot
	// Unsettled are the intents of creates cut off mid-call, which may have made objects.
	Unsettled []state.JournalRecord
	// Info is the run's history entry; Finish adds the journal's size to it.
	Info backend.UpdateInfo
}

// Finish makes a run's outcome the stack's new state: the run's journal is flushed, then the snapshot saved
// (which retires the journal). A failed run is saved as well: its snapshot holds everything that completed. When
// the snapshot cannot be written the journal still holds the run, and the next Load replays it. Creates cut off
// mid-call stay open in the new version's journal, so the next run looks their objects up first; Finish returns
// their URNs, and the stack must be loaded again before another run.
func (s *Stack) Finish(ctx context.Context, journal *state.JournalWriter, o Outcome) (cutOff []string, err error) {
	jerr := journal.Flush()
	if o.Snapshot == nil {
		return nil, jerr
	}
	if len(o.Snapshot.Resources) == 0 && len(o.Snapshot.Outputs) == 0 && s.version == 0 && journal.BytesWritten() == 0 {
		// Nothing ever happened to this stack (a run that failed before its first step): keep it empty.
		return nil, jerr
	}
	o.Info.Bytes = journal.BytesWritten()
	if err := s.Save(ctx, o.Snapshot, o.Info); err != nil {
		return nil, errors.Join(jerr, err)
	}
	if len(o.Unsettled) == 0 {
		return nil, nil
	}
	next := s.Journal()
	for _, rec := range o.Unsettled {
		if err := next.Write(ctx, rec, false); err != nil {
			return nil, errors.Join(jerr, fmt.Errorf("keep the cut-off creates open for the next run: %w", err))
		}
	}
	if err := next.Flush(); err != nil {
		return nil, errors.Join(jerr, fmt.Errorf("keep the %d cut-off creates open for the next run: %w; objects they made may be untracked: "+
			"check for them in the cloud and adopt them with `infra import`", len(o.Unsettled), err))
	}
	names := make([]string, len(o.Unsettled))
	for i, rec := range o.Unsettled {
		names[i] = string(rec.URN)
	}
	return names, nil
}

// Restore makes version of the stack's history its current state again, as a new version after the newest one
// (so the history stays in order and the restore can itself be undone). The stack must be locked; its current
// state need not be readable, since repairing that is what a restore is for. It returns the restored snapshot.
func (s *Stack) Restore(ctx context.Context, version int64, confirm func(*state.Snapshot) error) (*state.Snapshot, error) {
	data, err := s.Workspace.Store.ReadHistory(ctx, s.Ref, version)
	if err != nil {
		return nil, err
	}
	snap, err := s.Codec().Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("version %d of stack %s cannot be restored: %w", version, s.Name, err)
	}
	if confirm != nil {
		if err := confirm(snap); err != nil {
			return nil, err
		}
	}
	cur, err := s.Workspace.Store.History(ctx, s.Ref)
	if err != nil {
		return nil, err
	}
	if len(cur) > 0 && cur[0].Version > s.version {
		s.version = cur[0].Version
	}
	now := time.Now().UTC()
	info := backend.UpdateInfo{Kind: "restore", Result: "succeeded", StartTime: now, EndTime: now,
		Message: fmt.Sprintf("restore version %d", version), Resources: snap.Live()}
	if err := s.Save(ctx, snap, info); err != nil {
		return nil, err
	}
	return snap, nil
}

// Rewrap records the stack's current recipients in its state too, after a rekey: the state carries the wrapped
// data key for stack references, and must list exactly the new recipients. The data key itself does not change,
// so nothing else in the state does. A stack never updated has nothing to rewrite; one with pending operations is
// left for its next update, which writes the new recipients as well. lease is the lock's (0: DefaultLease).
func (s *Stack) Rewrap(ctx context.Context, lease time.Duration) error {
	l, err := s.Lock(ctx, "infra stack rekey", lease)
	if err != nil {
		return fmt.Errorf("the config file is rekeyed, but the state could not be locked to record the new recipients (%w); "+
			"the next `infra up` records them", err)
	}
	defer l.Release()
	snap, err := s.Load(ctx)
	if err != nil || snap == nil || len(s.pending) > 0 {
		return err
	}
	now := time.Now().UTC()
	return s.Save(ctx, snap, backend.UpdateInfo{Kind: "rekey", Result: "succeeded", StartTime: now, EndTime: now,
		Resources: snap.Live(), Message: "recipients changed"})
}

// PendingOn returns the operation an interrupted run left pending on urn; the error lists those there are.
func (s *Stack) PendingOn(urn resource.URN) (state.PendingOp, error) {
	var urns []string
	for _, p := range s.pending {
		if p.URN == urn {
			return p, nil
		}
		urns = append(urns, string(p.URN))
	}
	if len(urns) == 0 {
		return state.PendingOp{}, fmt.Errorf("stack %s has no pending operations", s.Name)
	}
	return state.PendingOp{}, fmt.Errorf("stack %s has no pending operation on %s; pending: %s", s.Name, urn, strings.Join(urns, ", "))
}

// Resolve settles a pending operation the way the user says: adopted is the object a cut-off create made (nil:
// it made none, forget the operation). The resolution goes into the journal next to the operation it settles, and
// the next update folds both into the state; writing a new version here instead would retire the journal with any
// other pending operation in it. The stack must be locked and loaded.
func (s *Stack) Resolve(ctx context.Context, op state.PendingOp, adopted *state.Resource) error {
	rec := state.JournalRecord{Op: op.Op, Kind: state.KindResolved, Step: op.Step, URN: op.URN}
	if adopted != nil {
		if op.Step != state.StepCreate && op.Step != state.StepReplace {
			return fmt.Errorf("the pending operation on %s is a %s: only a pending create can adopt an object", op.URN, op.Step)
		}
		rec.ID, rec.Resource = adopted.ID, adopted
	}
	if s.held == nil {
		return fmt.Errorf("resolve the pending %s of %s: the stack is not locked", op.Step, op.URN)
	}
	if err := s.Journal().Write(ctx, rec, true); err != nil {
		return fmt.Errorf("resolve the pending %s of %s: %w", op.Step, op.URN, err)
	}
	return nil
}
