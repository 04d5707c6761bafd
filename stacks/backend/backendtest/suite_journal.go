package backendtest

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/infrago/infra/stacks/backend"
)

func testJournal(t *testing.T, s backend.Store) {
	c := ctx(t)
	l := mustCreate(t, s, dev)
	if j, err := s.ReadJournal(c, dev, 0); err != nil || len(j) != 0 {
		t.Fatalf("a new stack's journal: %q %v", j, err)
	}
	// Before the first update, the journal is kept on top of version 0.
	for _, b := range []string{"a\n", "b\n"} {
		if err := s.AppendJournal(c, dev, l.Token(), 0, []byte(b)); err != nil {
			t.Fatal(err)
		}
	}
	if j, err := s.ReadJournal(c, dev, 0); err != nil || string(j) != "a\nb\n" {
		t.Fatalf("journal of version 0: %q %v", j, err)
	}
	write(t, s, dev, l, 1, "one")
	// Journals are kept per base version.
	if err := s.AppendJournal(c, dev, l.Token(), 1, []byte("c\n")); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendJournal(c, dev, l.Token(), 2, []byte("other base\n")); err != nil {
		t.Fatal(err)
	}
	if j, err := s.ReadJournal(c, dev, 1); err != nil || string(j) != "c\n" {
		t.Fatalf("journal of version 1: %q %v", j, err)
	}
	if j, err := s.ReadJournal(c, dev, 2); err != nil || string(j) != "other base\n" {
		t.Fatalf("journal of version 2: %q %v", j, err)
	}
	err := s.AppendJournal(c, dev, l.Token()+1, 1, []byte("fenced\n"))
	wantErr(t, "appending with a wrong fencing token", err, backend.ErrFenced)
	if j, _ := s.ReadJournal(c, dev, 1); string(j) != "c\n" {
		t.Fatalf("a fenced append changed the journal: %q", j)
	}
}

func testJournalManyBatches(t *testing.T, s backend.Store) {
	c := ctx(t)
	l := mustCreate(t, s, dev)
	write(t, s, dev, l, 1, "one")
	var want strings.Builder
	for i := 0; i < 120; i++ {
		// Batches of varying size, some with several records and one without a final newline.
		b := fmt.Sprintf(`{"seq":%d}`+"\n", i)
		if i%7 == 0 {
			b += strings.Repeat(fmt.Sprintf(`{"seq":%d,"pad":"x"}`+"\n", i), i%13+1)
		}
		if i == 119 {
			b = strings.TrimSuffix(b, "\n")
		}
		want.WriteString(b)
		if err := s.AppendJournal(c, dev, l.Token(), 1, []byte(b)); err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
	j, err := s.ReadJournal(c, dev, 1)
	if err != nil || string(j) != want.String() {
		t.Fatalf("120 batches read back in order: %d bytes (want %d), %v", len(j), want.Len(), err)
	}
}

func testJournalRetired(t *testing.T, s backend.Store) {
	c := ctx(t)
	l := mustCreate(t, s, dev)
	write(t, s, dev, l, 1, "one")
	for base := int64(0); base <= 3; base++ {
		if err := s.AppendJournal(c, dev, l.Token(), base, []byte(fmt.Sprintf("base %d\n", base))); err != nil {
			t.Fatal(err)
		}
	}
	// Writing version 3 folds the journals of versions 0, 1 and 2 into it; the journal on top of 3 stays.
	write(t, s, dev, l, 3, "three")
	for base := int64(0); base <= 2; base++ {
		if j, err := s.ReadJournal(c, dev, base); err != nil || len(j) != 0 {
			t.Fatalf("the journal of version %d must be retired by writing version 3: %q %v", base, j, err)
		}
	}
	if j, err := s.ReadJournal(c, dev, 3); err != nil || string(j) != "base 3\n" {
		t.Fatalf("the journal of version 3 is kept: %q %v", j, err)
	}
	// Appending to the kept journal continues it.
	if err := s.AppendJournal(c, dev, l.Token(), 3, []byte("more\n")); err != nil {
		t.Fatal(err)
	}
	if j, _ := s.ReadJournal(c, dev, 3); string(j) != "base 3\nmore\n" {
		t.Fatalf("journal of version 3: %q", j)
	}
}

func testJournalConcurrent(t *testing.T, s backend.Store) {
	c := ctx(t)
	l := mustCreate(t, s, dev)
	const writers, each = 8, 6
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := s.AppendJournal(c, dev, l.Token(), 0, []byte(fmt.Sprintf("w%d-%d\n", w, i))); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	j, err := s.ReadJournal(c, dev, 0)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(j), "\n"), "\n")
	if len(lines) != writers*each {
		t.Fatalf("%d concurrent appends kept %d batches: %q", writers*each, len(lines), j)
	}
	// Every batch is there once, whole, and each writer's batches are in the order it appended them.
	next := make([]int, writers)
	for _, line := range lines {
		var w, i int
		if _, err := fmt.Sscanf(line, "w%d-%d", &w, &i); err != nil || w < 0 || w >= writers {
			t.Fatalf("a batch was damaged: %q", line)
		}
		if i != next[w] {
			t.Fatalf("writer %d's batch %d came where its batch %d was due: %q", w, i, next[w], j)
		}
		next[w]++
	}
	sorted := append([]string(nil), lines...)
	sort.Strings(sorted)
	for k := 1; k < len(sorted); k++ {
		if sorted[k] == sorted[k-1] {
			t.Fatalf("batch %q kept twice", sorted[k])
		}
	}
}
