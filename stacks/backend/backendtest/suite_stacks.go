package backendtest

import (
	"strings"
	"testing"
	"time"

	"github.com/infrago/infra/stacks/backend"
)

func names(ss []backend.StackSummary) string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Project+"/"+s.Name)
	}
	return strings.Join(out, ",")
}

func testCreateListRemove(t *testing.T, s backend.Store) {
	c := ctx(t)
	if ss, err := s.ListStacks(c, "proj"); err != nil || len(ss) != 0 {
		t.Fatalf("an empty store lists %+v, %v", ss, err)
	}
	if err := s.CreateStack(c, dev); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateStack(c, dev); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("creating a stack twice: want an error saying it already exists, got %v", err)
	}
	if err := s.CreateStack(c, prod); err != nil {
		t.Fatal(err)
	}
	ss, err := s.ListStacks(c, "proj")
	if err != nil || names(ss) != "proj/dev,proj/prod" {
		t.Fatalf("list: %+v %v", ss, err)
	}
	for _, sum := range ss {
		if !sum.LastUpdate.IsZero() || sum.Resources != 0 {
			t.Fatalf("a stack never updated lists an update: %+v", sum)
		}
	}
	if b, v, err := s.ReadState(c, dev); err != nil || b != nil || v != 0 {
		t.Fatalf("a new stack has no state: %q %d %v", b, v, err)
	}

	// Listing shows the last update's time and resource count.
	before := time.Now().Add(-time.Minute)
	l, err := s.Lock(c, dev, holder("up"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	write(t, s, dev, l, 1, "one")
	write(t, s, dev, l, 2, "two")
	if err := s.AppendJournal(c, dev, l.Token(), 2, []byte("j\n")); err != nil {
		t.Fatal(err)
	}
	ss, err = s.ListStacks(c, "proj")
	if err != nil || len(ss) != 2 {
		t.Fatalf("list: %+v %v", ss, err)
	}
	if got := ss[0]; got.Name != "dev" || got.Resources != 20 || got.LastUpdate.Before(before) || got.LastUpdate.After(time.Now().Add(time.Minute)) {
		t.Fatalf("the listing of an updated stack: %+v", got)
	}
	if ss, err := s.ListStacks(c, "other"); err != nil || len(ss) != 0 {
		t.Fatalf("another project's stacks: %+v %v", ss, err)
	}

	// Removing a stack removes its state, history, journal and lock: a stack created again under the same
	// name starts empty and unlocked.
	if err := s.RemoveStack(c, dev); err != nil {
		t.Fatal(err)
	}
	if ss, err := s.ListStacks(c, "proj"); err != nil || names(ss) != "proj/prod" {
		t.Fatalf("after removing dev: %+v %v", ss, err)
	}
	_, _, err = s.ReadState(c, dev)
	wantErr(t, "reading a removed stack", err, backend.ErrNotFound)
	wantErr(t, "removing it again", s.RemoveStack(c, dev), backend.ErrNotFound)
	if err := s.CreateStack(c, dev); err != nil {
		t.Fatalf("creating a removed stack again: %v", err)
	}
	if b, v, err := s.ReadState(c, dev); err != nil || b != nil || v != 0 {
		t.Fatalf("a re-created stack has no state: %q %d %v", b, v, err)
	}
	if h, err := s.History(c, dev); err != nil || len(h) != 0 {
		t.Fatalf("a re-created stack has no history: %+v %v", h, err)
	}
	if j, err := s.ReadJournal(c, dev, 2); err != nil || len(j) != 0 {
		t.Fatalf("a re-created stack has no journal: %q %v", j, err)
	}
	l2, err := s.Lock(c, dev, holder("up"), time.Minute)
	if err != nil {
		t.Fatalf("a re-created stack is not locked: %v", err)
	}
	if err := l2.Release(c); err != nil {
		t.Fatal(err)
	}
}

func testListAllProjects(t *testing.T, s backend.Store) {
	c := ctx(t)
	for _, ref := range []backend.StackRef{{Project: "b", Stack: "x"}, {Project: "a", Stack: "z"}, {Project: "a", Stack: "y"}, {Project: "c.d", Stack: "e_f-1"}} {
		if err := s.CreateStack(c, ref); err != nil {
			t.Fatal(err)
		}
	}
	ss, err := s.ListStacks(c, "")
	if err != nil || names(ss) != "a/y,a/z,b/x,c.d/e_f-1" {
		t.Fatalf("every project's stacks, sorted: %q %v", names(ss), err)
	}
	ss, err = s.ListStacks(c, "a")
	if err != nil || names(ss) != "a/y,a/z" {
		t.Fatalf("project a's stacks: %q %v", names(ss), err)
	}
	// A project whose name is a prefix of another's does not see its stacks.
	if err := s.CreateStack(c, backend.StackRef{Project: "ab", Stack: "q"}); err != nil {
		t.Fatal(err)
	}
	if ss, err := s.ListStacks(c, "a"); err != nil || names(ss) != "a/y,a/z" {
		t.Fatalf("project a's stacks beside project ab: %q %v", names(ss), err)
	}
}

func testNotFound(t *testing.T, s backend.Store) {
	c := ctx(t)
	missing := backend.StackRef{Project: "proj", Stack: "missing"}
	_, _, err := s.ReadState(c, missing)
	wantErr(t, "ReadState of a missing stack", err, backend.ErrNotFound)
	_, err = s.History(c, missing)
	wantErr(t, "History of a missing stack", err, backend.ErrNotFound)
	_, err = s.ReadHistory(c, missing, 1)
	wantErr(t, "ReadHistory of a missing stack", err, backend.ErrNotFound)
	wantErr(t, "RemoveStack of a missing stack", s.RemoveStack(c, missing), backend.ErrNotFound)
	_, err = s.Lock(c, missing, holder("up"), time.Minute)
	wantErr(t, "Lock of a missing stack", err, backend.ErrNotFound)
	if err := s.WriteState(c, missing, 1, []byte("x"), info(1)); err == nil {
		t.Fatal("WriteState of a missing stack succeeded")
	}
	if err := s.AppendJournal(c, missing, 1, 0, []byte("x")); err == nil {
		t.Fatal("AppendJournal to a missing stack succeeded")
	}
	if h, err := s.Unlock(c, missing); err != nil || h != nil {
		t.Fatalf("Unlock of a missing stack: %+v %v", h, err)
	}
}
