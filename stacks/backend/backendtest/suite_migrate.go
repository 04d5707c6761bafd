package backendtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/infrago/infra/stacks/backend"
)

// testMigrate fills a stack in from (a pruned history, a current version and the journal of an interrupted
// update on top of it), copies it to to and checks the copy.
func testMigrate(t *testing.T, from, to backend.Store) {
	c := ctx(t)
	l := mustCreate(t, from, dev)
	for v := int64(1); v <= 5; v++ {
		data := fmt.Sprintf(`{"version":%d,"resources":[%s]}`, v, strings.Repeat(`"r",`, int(v))+"\"\x00\xff\"")
		write(t, from, dev, l, v, data)
	}
	if err := from.PruneHistory(c, dev, 3); err != nil {
		t.Fatal(err)
	}
	var journal bytes.Buffer
	for i := 0; i < 5; i++ {
		b := fmt.Sprintf(`{"seq":%d,"kind":"begin"}`+"\n", i)
		journal.WriteString(b)
		if err := from.AppendJournal(c, dev, l.Token(), 5, []byte(b)); err != nil {
			t.Fatal(err)
		}
	}
	// Another stack of the project stays behind.
	if err := from.CreateStack(c, prod); err != nil {
		t.Fatal(err)
	}

	if err := backend.Migrate(c, from, to, dev); err != nil {
		t.Fatalf("migrate from %s to %s: %v", from.URL(), to.URL(), err)
	}
	b, v, err := to.ReadState(c, dev)
	if err != nil || v != 5 {
		t.Fatalf("the copy's current version: %d %v", v, err)
	}
	if want, _, _ := from.ReadState(c, dev); !bytes.Equal(b, want) {
		t.Fatalf("the copy's state: %q, want %q", b, want)
	}
	hf, _ := from.History(c, dev)
	ht, err := to.History(c, dev)
	if err != nil || len(ht) != 3 || len(hf) != 3 {
		t.Fatalf("the copy's history: %+v %v", ht, err)
	}
	for i := range hf {
		a, _ := json.Marshal(hf[i])
		b, _ := json.Marshal(ht[i])
		if !bytes.Equal(a, b) {
			t.Fatalf("version %d's description: got %s, want %s", hf[i].Version, b, a)
		}
		df, _ := from.ReadHistory(c, dev, hf[i].Version)
		dt, err := to.ReadHistory(c, dev, hf[i].Version)
		if err != nil || !bytes.Equal(df, dt) {
			t.Fatalf("version %d's snapshot: %q, want %q (%v)", hf[i].Version, dt, df, err)
		}
	}
	if j, err := to.ReadJournal(c, dev, 5); err != nil || !bytes.Equal(j, journal.Bytes()) {
		t.Fatalf("the copy's journal: %q %v", j, err)
	}
	if ss, err := to.ListStacks(c, "proj"); err != nil || names(ss) != "proj/dev" || ss[0].Resources != 50 {
		t.Fatalf("the target lists %+v %v", ss, err)
	}
	// The copy is not left locked; the source is untouched.
	if lt, err := to.Lock(c, dev, holder("up"), time.Minute); err != nil {
		t.Fatalf("the copy is left locked: %v", err)
	} else if err := lt.Release(c); err != nil {
		t.Fatal(err)
	}
	if b, v, err := from.ReadState(c, dev); err != nil || v != 5 || len(b) == 0 {
		t.Fatalf("the source after the migration: %d %v", v, err)
	}

	// A target that has the stack already is refused and left alone.
	if err := backend.Migrate(c, from, to, dev); err == nil || !strings.Contains(err.Error(), "already has") {
		t.Fatalf("migrating onto an existing stack: %v", err)
	}
	if _, v, err := to.ReadState(c, dev); err != nil || v != 5 {
		t.Fatalf("a refused migration changed the target: %d %v", v, err)
	}
	// A stack that was never updated moves too; one that does not exist does not.
	if err := backend.Migrate(c, from, to, prod); err != nil {
		t.Fatalf("migrating a stack never updated: %v", err)
	}
	if b, v, err := to.ReadState(c, prod); err != nil || v != 0 || b != nil {
		t.Fatalf("the copy of a stack never updated: %q %d %v", b, v, err)
	}
	err = backend.Migrate(c, from, to, backend.StackRef{Project: "proj", Stack: "missing"})
	wantErr(t, "migrating a missing stack", err, backend.ErrNotFound)
	if ss, _ := to.ListStacks(c, "proj"); names(ss) != "proj/dev,proj/prod" {
		t.Fatalf("a failed migration left a stack behind: %q", names(ss))
	}
}
