package backendtest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infrago/infra/stacks/backend"
)

// shortLease is the lease of the locks that the suite lets expire: long enough for a slow store to answer a
// request well within it, short enough to keep the suite quick.
const shortLease = 1500 * time.Millisecond

// waitExpiry waits until a lease of shortLease taken before now has ended, with a margin.
func waitExpiry() { time.Sleep(shortLease + 500*time.Millisecond) }

// wantHolder checks that a refusal names the holder: user, host, pid and command.
func wantHolder(t *testing.T, err error, h backend.LockInfo) {
	t.Helper()
	if !errors.Is(err, backend.ErrLocked) {
		t.Fatalf("want an error wrapping ErrLocked, got %v", err)
	}
	for _, s := range []string{h.User, h.Host, strconv.Itoa(h.PID), h.Command} {
		if !strings.Contains(err.Error(), s) {
			t.Fatalf("the refusal must name the holder (%q missing): %v", s, err)
		}
	}
}

func testLockContention(t *testing.T, s backend.Store) {
	c := ctx(t)
	if err := s.CreateStack(c, dev); err != nil {
		t.Fatal(err)
	}
	up := holder("up")
	l, err := s.Lock(c, dev, up, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Lock(c, dev, holder("destroy"), time.Minute)
	wantHolder(t, err, up)
	// The same holder identity does not get the lock twice either: two runs of one user on one host.
	_, err = s.Lock(c, dev, up, time.Minute)
	wantHolder(t, err, up)
	// Stacks are locked independently.
	if err := s.CreateStack(c, prod); err != nil {
		t.Fatal(err)
	}
	lp, err := s.Lock(c, prod, holder("destroy"), time.Minute)
	if err != nil {
		t.Fatalf("locking another stack: %v", err)
	}
	if lp.Token() == 0 || l.Token() == 0 {
		t.Fatalf("a zero fencing token: %d %d", l.Token(), lp.Token())
	}
}

func testLockRace(t *testing.T, s backend.Store) {
	c := ctx(t)
	if err := s.CreateStack(c, dev); err != nil {
		t.Fatal(err)
	}
	const runs = 20
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		mu      sync.Mutex
		winners []int
		losers  = map[int]error{}
	)
	for i := 0; i < runs; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			_, err := s.Lock(c, dev, holder(fmt.Sprintf("race-%02d", i)), time.Minute)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				winners = append(winners, i)
			} else {
				losers[i] = err
			}
		}(i)
	}
	close(start)
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("%d runs raced for the lock: want exactly one winner, got %v (losers: %v)", runs, winners, losers)
	}
	win := holder(fmt.Sprintf("race-%02d", winners[0]))
	for i, err := range losers {
		if !errors.Is(err, backend.ErrLocked) {
			t.Fatalf("run %d lost the race with an error other than ErrLocked: %v", i, err)
		}
		if !strings.Contains(err.Error(), win.Command) {
			t.Fatalf("run %d's refusal must name the winner %q: %v", i, win.Command, err)
		}
	}
}

func testLeaseExpiry(t *testing.T, s backend.Store) {
	c := ctx(t)
	if err := s.CreateStack(c, dev); err != nil {
		t.Fatal(err)
	}
	old, err := s.Lock(c, dev, holder("up"), shortLease)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Lock(c, dev, holder("destroy"), time.Minute)
	wantHolder(t, err, holder("up"))
	waitExpiry()
	// The holder died: its lease was not renewed, and the stack is taken over.
	l, err := s.Lock(c, dev, holder("destroy"), time.Minute)
	if err != nil {
		t.Fatalf("a lease that was not renewed must be taken over: %v", err)
	}
	if l.Token() == old.Token() {
		t.Fatalf("the takeover kept the fencing token %d", l.Token())
	}
	wantErr(t, "the old holder's Renew", old.Renew(c), backend.ErrFenced)
	wantErr(t, "the old holder's WriteState", s.WriteState(c, dev, old.Token(), []byte("stale"), info(1)), backend.ErrFenced)
	wantErr(t, "the old holder's AppendJournal", s.AppendJournal(c, dev, old.Token(), 0, []byte("stale\n")), backend.ErrFenced)
	// The old holder releasing does not free the new holder's lock.
	if err := old.Release(c); err != nil {
		t.Fatal(err)
	}
	_, err = s.Lock(c, dev, holder("refresh"), time.Minute)
	wantHolder(t, err, holder("destroy"))
	write(t, s, dev, l, 1, "new holder")
}

func testRenew(t *testing.T, s backend.Store) {
	c := ctx(t)
	if err := s.CreateStack(c, dev); err != nil {
		t.Fatal(err)
	}
	l, err := s.Lock(c, dev, holder("up"), shortLease)
	if err != nil {
		t.Fatal(err)
	}
	// Renewed every third of the lease, the lock outlives its first lease by far.
	deadline := time.Now().Add(2 * shortLease)
	for time.Now().Before(deadline) {
		time.Sleep(shortLease / 3)
		if err := l.Renew(c); err != nil {
			t.Fatalf("renew: %v", err)
		}
		_, err := s.Lock(c, dev, holder("destroy"), time.Minute)
		wantHolder(t, err, holder("up"))
	}
	if err := s.AppendJournal(c, dev, l.Token(), 0, []byte("still mine\n")); err != nil {
		t.Fatalf("a renewed lock writes: %v", err)
	}
	waitExpiry()
	if _, err := s.Lock(c, dev, holder("destroy"), time.Minute); err != nil {
		t.Fatalf("once renewals stop, the lease ends: %v", err)
	}
}

func testReleaseUnlock(t *testing.T, s backend.Store) {
	c := ctx(t)
	if err := s.CreateStack(c, dev); err != nil {
		t.Fatal(err)
	}
	a, err := s.Lock(c, dev, holder("up"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Release(c); err != nil {
		t.Fatal(err)
	}
	b, err := s.Lock(c, dev, holder("destroy"), time.Minute)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	if err := a.Release(c); err != nil {
		t.Fatalf("releasing a lock twice: %v", err)
	}
	_, err = s.Lock(c, dev, holder("refresh"), time.Minute)
	wantHolder(t, err, holder("destroy"))

	// Unlock removes whatever lock there is and says whose it was.
	got, err := s.Unlock(c, dev)
	if err != nil || got == nil {
		t.Fatalf("unlock: %+v %v", got, err)
	}
	want := holder("destroy")
	if got.User != want.User || got.Host != want.Host || got.PID != want.PID || got.Command != want.Command || !got.Time.Equal(want.Time) {
		t.Fatalf("unlock returned holder %+v, want %+v", got, want)
	}
	if got.Token != b.Token() || got.Expires.IsZero() {
		t.Fatalf("unlock returned token %d and lease end %v, want token %d and a lease end", got.Token, got.Expires, b.Token())
	}
	wantErr(t, "Renew after unlock", b.Renew(c), backend.ErrFenced)
	wantErr(t, "WriteState after unlock", s.WriteState(c, dev, b.Token(), []byte("x"), info(1)), backend.ErrFenced)
	if err := b.Release(c); err != nil {
		t.Fatalf("releasing a lock that was removed: %v", err)
	}
	if got, err := s.Unlock(c, dev); err != nil || got != nil {
		t.Fatalf("unlocking an unlocked stack: %+v %v", got, err)
	}
	if _, err := s.Lock(c, dev, holder("up"), time.Minute); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
}

func testFencing(t *testing.T, s backend.Store) {
	c := ctx(t)
	if err := s.CreateStack(c, dev); err != nil {
		t.Fatal(err)
	}
	old, err := s.Lock(c, dev, holder("up"), shortLease)
	if err != nil {
		t.Fatal(err)
	}
	write(t, s, dev, old, 1, "one")
	if err := s.AppendJournal(c, dev, old.Token(), 1, []byte("old-1\n")); err != nil {
		t.Fatal(err)
	}
	waitExpiry()
	l, err := s.Lock(c, dev, holder("destroy"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// The run that lost its lock cannot write anything any more, whatever it tries.
	wantErr(t, "a stale WriteState", s.WriteState(c, dev, old.Token(), []byte("stale"), info(2)), backend.ErrFenced)
	wantErr(t, "a stale AppendJournal", s.AppendJournal(c, dev, old.Token(), 1, []byte("stale\n")), backend.ErrFenced)
	wantErr(t, "a stale Renew", old.Renew(c), backend.ErrFenced)
	if b, v, err := s.ReadState(c, dev); err != nil || v != 1 || string(b) != "one" {
		t.Fatalf("stale writes changed the state: %q %d %v", b, v, err)
	}
	if j, err := s.ReadJournal(c, dev, 1); err != nil || string(j) != "old-1\n" {
		t.Fatalf("stale appends changed the journal: %q %v", j, err)
	}
	// The new holder continues from the journal the old one left.
	if err := s.AppendJournal(c, dev, l.Token(), 1, []byte("new-1\n")); err != nil {
		t.Fatal(err)
	}
	if j, _ := s.ReadJournal(c, dev, 1); string(j) != "old-1\nnew-1\n" {
		t.Fatalf("journal after the takeover: %q", j)
	}
	write(t, s, dev, l, 2, "two")
}
