package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/infrago/infra/sdk/resource"
)

func thing(name, id string, deps ...resource.URN) *Resource {
	return &Resource{URN: urn("test:index:Thing", name), Type: "test:index:Thing", Custom: true, ID: id, Provider: provRef,
		Inputs: resource.PropertyMap{"v": resource.NewString(id)}, Dependencies: deps}
}

func provider() *Resource {
	return &Resource{URN: provURN, Type: "infra:providers:random", Custom: true, ID: "prov-1"}
}

func TestReplay(t *testing.T) {
	t.Parallel()
	a, b := thing("a", "a1"), thing("b", "b1")
	base := &Snapshot{Project: proj, Stack: stack, Resources: []*Resource{provider(), a, b}}
	// The run: c is created depending on b; b is updated to depend on a new d (created after it in the log, so
	// b's new state must move after d); a is replaced; b's old dependency... and a delete of something gone.
	c := thing("c", "c1", b.URN)
	d := thing("d", "d1")
	b2 := thing("b", "b1", d.URN)
	a2 := thing("a", "a2")
	records := []JournalRecord{
		{Seq: 1, Op: "o1", Kind: KindBegin, Step: StepCreate, URN: c.URN, Type: c.Type, Provider: provRef, Token: "t1"},
		{Seq: 2, Op: "o1", Kind: KindSuccess, Step: StepCreate, Resource: c},
		{Seq: 3, Op: "o2", Kind: KindBegin, Step: StepCreate, URN: d.URN, Token: "t2"},
		{Seq: 4, Op: "o2", Kind: KindSuccess, Step: StepCreate, Resource: d},
		{Seq: 5, Op: "o3", Kind: KindBegin, Step: StepUpdate, URN: b.URN, ID: "b1"},
		{Seq: 6, Op: "o3", Kind: KindSuccess, Step: StepUpdate, Resource: b2},
		{Seq: 7, Op: "o4", Kind: KindBegin, Step: StepReplace, URN: a.URN, Token: "t4"},
		{Seq: 8, Op: "o4", Kind: KindSuccess, Step: StepReplace, Resource: a2},
		{Seq: 9, Op: "o5", Kind: KindBegin, Step: StepDeleteReplaced, URN: a.URN, ID: "a1"},
		// o5 never ends: the run died while deleting the replaced a1.
		{Seq: 10, Op: "o6", Kind: KindBegin, Step: StepCreate, URN: urn("test:index:Thing", "e"), Token: "t6"},
		{Seq: 11, Op: "o6", Kind: KindFailure, Step: StepCreate, URN: urn("test:index:Thing", "e"), Error: "quota"},
		{Seq: 12, Op: "o7", Kind: KindBegin, Step: StepCreate, URN: urn("test:index:Thing", "f"), Provider: provRef, Token: "t7"},
	}
	got, pending := Replay(base, records)
	if err := got.Verify(); err != nil {
		t.Fatalf("the replayed snapshot does not verify: %v", err)
	}
	var live, doomed []string
	for _, r := range got.Resources {
		if r.Delete {
			doomed = append(doomed, r.ID)
		} else if r.Type == "test:index:Thing" {
			live = append(live, r.ID)
		}
	}
	if fmt.Sprint(live) != "[c1 d1 b1 a2]" && fmt.Sprint(live) != "[d1 b1 c1 a2]" {
		t.Errorf("live things in order %v", live)
	}
	if fmt.Sprint(doomed) != "[a1]" {
		t.Errorf("the replaced a1 must stay, marked for deletion, until its delete succeeds: %v", doomed)
	}
	if len(pending) != 2 || pending[0].Op != "o5" || pending[1].Op != "o7" || pending[1].Token != "t7" {
		t.Fatalf("pending %+v", pending)
	}
	if !strings.Contains(pending[1].Describe(), "create of") {
		t.Errorf("describe: %s", pending[1].Describe())
	}
	// The delete then succeeds in a later run, and the pending create is resolved as never made.
	got2, pending2 := Replay(got, []JournalRecord{
		{Seq: 13, Op: "o5", Kind: KindResolved, Step: StepDeleteReplaced, URN: a.URN, ID: "a1"},
		{Seq: 14, Op: "o8", Kind: KindSuccess, Step: StepDeleteReplaced, URN: a.URN, ID: "a1"},
		{Seq: 15, Op: "o7", Kind: KindResolved, Step: StepCreate, URN: urn("test:index:Thing", "f")},
	})
	if len(pending2) != 0 {
		t.Errorf("still pending: %+v", pending2)
	}
	for _, r := range got2.Resources {
		if r.ID == "a1" {
			t.Errorf("a1 was deleted but is still in the state")
		}
	}
}

func TestSortResourcesKeepsOrderAndDropsDangling(t *testing.T) {
	t.Parallel()
	gone := urn("test:index:Thing", "gone")
	a := thing("a", "a1")
	b := thing("b", "b1", a.URN, gone)
	rs := SortResources([]*Resource{provider(), b, a})
	if rs[1] != a || rs[2].URN != b.URN {
		t.Fatalf("order %v %v %v", rs[0].URN, rs[1].URN, rs[2].URN)
	}
	if fmt.Sprint(rs[2].Dependencies) != fmt.Sprint([]resource.URN{a.URN}) {
		t.Errorf("the reference to a resource that is gone must be dropped: %v", rs[2].Dependencies)
	}
	if len(b.Dependencies) != 2 {
		t.Errorf("the input must not be modified")
	}
}

func TestJournalRoundTrip(t *testing.T) {
	t.Parallel()
	codec := Codec{Crypter: &fakeCrypter{}}
	r := thing("a", "a1")
	r.Inputs["pw"] = resource.MakeSecret(resource.NewString("canary-journal"))
	var buf bytes.Buffer
	recs := []JournalRecord{
		{Seq: 1, Op: "o1", Kind: KindBegin, Step: StepCreate, URN: r.URN, Type: r.Type, Provider: provRef, Token: "tok"},
		{Seq: 2, Op: "o1", Kind: KindSuccess, Step: StepCreate, Resource: r},
		{Seq: 3, Op: "o2", Kind: KindFailure, Step: StepDelete, URN: r.URN, ID: "a1", Error: "boom"},
	}
	for _, rec := range recs {
		line, err := codec.MarshalRecord(rec)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(line)
	}
	if strings.Contains(buf.String(), "canary-journal") {
		t.Fatalf("a secret reached the journal in plaintext:\n%s", buf.String())
	}
	got, err := codec.UnmarshalJournal(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1].Resource == nil || !got[1].Resource.Inputs["pw"].SecretElement().Equal(resource.NewString("canary-journal")) {
		t.Fatalf("round trip: %+v", got)
	}
	if got[0].Token != "tok" || got[0].Provider != provRef || got[2].Error != "boom" {
		t.Errorf("fields lost: %+v", got)
	}
	// A last line cut short by a crash is ignored; damage elsewhere is an error.
	cut := buf.Bytes()[:buf.Len()-10]
	if got, err := codec.UnmarshalJournal(cut); err != nil || len(got) != 2 {
		t.Errorf("a cut last line: %d records, %v", len(got), err)
	}
	damaged := bytes.Replace(buf.Bytes(), []byte(`"kind":"begin"`), []byte(`"kind":"bogus"`), 1)
	if _, err := codec.UnmarshalJournal(damaged); err == nil {
		t.Errorf("an unknown record kind must be refused")
	}
	moved := bytes.Replace(buf.Bytes(), []byte(string(r.URN)), []byte(string(urn("test:index:Thing", "zz"))), -1)
	if _, err := codec.UnmarshalJournal(moved); err == nil {
		t.Errorf("a secret bound to one resource must not decrypt under another")
	}
}

func TestJournalWriterGroupCommit(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var batches [][]byte
	release := make(chan struct{})
	holding := make(chan struct{})
	first := true
	w := NewJournalWriter(Codec{}, 100, func(ctx context.Context, b []byte) error {
		mu.Lock()
		wasFirst := first
		first = false
		mu.Unlock()
		if wasFirst {
			close(holding)
			<-release // hold the first batch so the others queue up behind it
		}
		mu.Lock()
		batches = append(batches, append([]byte(nil), b...))
		mu.Unlock()
		return nil
	})
	var wg sync.WaitGroup
	errs := make(chan error, 21)
	wg.Add(1)
	go func() {
		defer wg.Done()
		errs <- w.Write(context.Background(), JournalRecord{Kind: KindBegin, Op: "first", URN: urn("t:i:T", "x")}, true)
	}()
	<-holding
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- w.Write(context.Background(), JournalRecord{Kind: KindSuccess, Op: fmt.Sprint(i), URN: urn("t:i:T", "x")}, i%2 == 0)
		}(i)
	}
	for {
		w.mu.Lock()
		n := len(w.queue)
		w.mu.Unlock()
		if n == 20 {
			break // every record is queued behind the held batch
		}
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(batches) > 3 {
		t.Errorf("21 records queued behind one write should share a batch; got %d writes", len(batches))
	}
	recs, err := Codec{}.UnmarshalJournal(bytes.Join(batches, nil))
	if err != nil || len(recs) != 21 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	for i, r := range recs {
		if r.Seq != int64(101+i) {
			t.Fatalf("record %d has seq %d: numbering must continue after the journal's last record and follow append order", i, r.Seq)
		}
	}
}

func TestJournalWriterFailureIsSticky(t *testing.T) {
	t.Parallel()
	w := NewJournalWriter(Codec{}, 0, func(context.Context, []byte) error { return errors.New("disk full") })
	err := w.Write(context.Background(), JournalRecord{Kind: KindBegin, Op: "x"}, true)
	if !errors.Is(err, ErrJournalFailed) {
		t.Fatalf("first write: %v", err)
	}
	if err := w.Write(context.Background(), JournalRecord{Kind: KindBegin, Op: "y"}, false); !errors.Is(err, ErrJournalFailed) {
		t.Errorf("once the journal failed, every later write must fail: %v", err)
	}
}

func FuzzUnmarshalJournal(f *testing.F) {
	codec := Codec{Crypter: &fakeCrypter{}}
	line, _ := codec.MarshalRecord(JournalRecord{Seq: 1, Op: "o", Kind: KindSuccess, Step: StepCreate, Resource: thing("a", "a1")})
	f.Add(line)
	f.Add([]byte(`{"seq":1,"op":"o","kind":"begin","step":"create","urn":"urn:infra:d::p::t:i:T::x"}` + "\n"))
	f.Add([]byte("{\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := codec.UnmarshalJournal(data)
		if err != nil {
			return
		}
		snap, _ := Replay(&Snapshot{Project: proj, Stack: stack}, recs)
		_ = snap.Verify()
	})
}

// A create's intent keeps the checked inputs it was made with: they survive the journal's encoding (secrets
// encrypted), come back on the pending operation, and put nothing into the replayed snapshot, since the object
// may not exist.
func TestCreateIntentKeepsInputs(t *testing.T) {
	t.Parallel()
	codec := Codec{Crypter: &fakeCrypter{}}
	r := thing("a", "")
	r.Inputs["pw"] = resource.MakeSecret(resource.NewString("canary-intent"))
	line, err := codec.MarshalRecord(JournalRecord{Seq: 1, Op: "o1", Kind: KindBegin, Step: StepCreate, URN: r.URN,
		Type: r.Type, Provider: provRef, Token: "tok", Resource: r})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(line, []byte("canary-intent")) {
		t.Fatalf("the intent holds a secret in plaintext: %s", line)
	}
	recs, err := codec.UnmarshalJournal(line)
	if err != nil {
		t.Fatal(err)
	}
	base := &Snapshot{Project: proj, Stack: stack, Resources: []*Resource{provider()}}
	got, pending := Replay(base, recs)
	if len(got.Resources) != 1 {
		t.Errorf("an unfinished create put %d resources into the snapshot", len(got.Resources)-1)
	}
	if len(pending) != 1 || pending[0].Token != "tok" {
		t.Fatalf("pending %+v", pending)
	}
	if !pending[0].Inputs.Equal(r.Inputs) {
		t.Errorf("pending inputs %v, want %v", pending[0].Inputs, r.Inputs)
	}
}
