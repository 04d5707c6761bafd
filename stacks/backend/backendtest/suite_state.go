package backendtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/infrago/infra/stacks/backend"
)

func testStateVersions(t *testing.T, s backend.Store) {
	c := ctx(t)
	l := mustCreate(t, s, dev)
	for v := int64(1); v <= 3; v++ {
		write(t, s, dev, l, v, fmt.Sprintf("state %d", v))
		if b, got, err := s.ReadState(c, dev); err != nil || got != v || string(b) != fmt.Sprintf("state %d", v) {
			t.Fatalf("after writing version %d: %q %d %v", v, b, got, err)
		}
	}
	err := s.WriteState(c, dev, l.Token(), []byte("old"), info(2))
	wantErr(t, "writing an older version", err, backend.ErrConflict)
	err = s.WriteState(c, dev, l.Token(), []byte("same"), info(3))
	wantErr(t, "writing the current version again", err, backend.ErrConflict)
	err = s.WriteState(c, dev, l.Token()+1, []byte("fenced"), info(4))
	wantErr(t, "writing with a wrong fencing token", err, backend.ErrFenced)
	if b, v, _ := s.ReadState(c, dev); string(b) != "state 3" || v != 3 {
		t.Fatalf("refused writes changed the state: %q %d", b, v)
	}
	// Versions need not be consecutive (a restore, a failed update), only newer.
	write(t, s, dev, l, 7, "state 7")
	if b, v, _ := s.ReadState(c, dev); string(b) != "state 7" || v != 7 {
		t.Fatalf("after writing version 7: %q %d", b, v)
	}
	// Without the lock, nobody writes.
	if err := l.Release(c); err != nil {
		t.Fatal(err)
	}
	err = s.WriteState(c, dev, l.Token(), []byte("unlocked"), info(8))
	wantErr(t, "writing after releasing the lock", err, backend.ErrFenced)
}

func testStateBytes(t *testing.T, s backend.Store) {
	c := ctx(t)
	l := mustCreate(t, s, dev)
	// Every byte value, and a snapshot of several megabytes, come back exactly.
	all := make([]byte, 256*3)
	for i := range all {
		all[i] = byte(i)
	}
	big := bytes.Repeat([]byte(`{"urn":"urn:infra:dev::proj::random:index:String::name","outputs":{"v":"ENC[AES256_GCM,data:x]"}}`+"\n"), 40000)
	for v, data := range [][]byte{all, big, []byte("{}")} {
		if err := s.WriteState(c, dev, l.Token(), data, info(int64(v+1))); err != nil {
			t.Fatalf("write %d bytes: %v", len(data), err)
		}
		got, _, err := s.ReadState(c, dev)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read back %d bytes: got %d bytes, %v", len(data), len(got), err)
		}
		if h, err := s.ReadHistory(c, dev, int64(v+1)); err != nil || !bytes.Equal(h, data) {
			t.Fatalf("read version %d back from the history: %d bytes, %v", v+1, len(h), err)
		}
	}
}

func testHistory(t *testing.T, s backend.Store) {
	c := ctx(t)
	l := mustCreate(t, s, dev)
	if h, err := s.History(c, dev); err != nil || len(h) != 0 {
		t.Fatalf("a new stack's history: %+v %v", h, err)
	}
	for _, v := range []int64{1, 2, 3, 5, 10, 11} {
		write(t, s, dev, l, v, fmt.Sprintf("state %d", v))
	}
	h, err := s.History(c, dev)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, u := range h {
		got = append(got, u.Version)
	}
	if fmt.Sprint(got) != "[11 10 5 3 2 1]" {
		t.Fatalf("history newest first: got versions %v", got)
	}
	for _, u := range h {
		a, _ := json.Marshal(u)
		b, _ := json.Marshal(info(u.Version))
		if !bytes.Equal(a, b) {
			t.Fatalf("version %d's description:\n got %s\nwant %s", u.Version, a, b)
		}
		data, err := s.ReadHistory(c, dev, u.Version)
		if err != nil || string(data) != fmt.Sprintf("state %d", u.Version) {
			t.Fatalf("ReadHistory(%d): %q %v", u.Version, data, err)
		}
	}
	for _, v := range []int64{0, 4, 12, -1} {
		_, err := s.ReadHistory(c, dev, v)
		wantErr(t, fmt.Sprintf("ReadHistory of version %d that does not exist", v), err, backend.ErrNotFound)
	}
}

func testPruneHistory(t *testing.T, s backend.Store) {
	c := ctx(t)
	l := mustCreate(t, s, dev)
	for v := int64(1); v <= 6; v++ {
		write(t, s, dev, l, v, fmt.Sprintf("state %d", v))
	}
	versions := func() string {
		h, err := s.History(c, dev)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, u := range h {
			out = append(out, u.Version)
		}
		return fmt.Sprint(out)
	}
	if err := s.PruneHistory(c, dev, 3); err != nil {
		t.Fatal(err)
	}
	if got := versions(); got != "[6 5 4]" {
		t.Fatalf("after keeping 3: %s", got)
	}
	if _, err := s.ReadHistory(c, dev, 3); err == nil {
		t.Fatal("a pruned version can still be read")
	}
	if err := s.PruneHistory(c, dev, 0); err != nil {
		t.Fatal(err)
	}
	if got := versions(); got != "[6]" {
		t.Fatalf("keeping 0 keeps the current version: %s", got)
	}
	if b, v, err := s.ReadState(c, dev); err != nil || v != 6 || string(b) != "state 6" {
		t.Fatalf("the current state after pruning: %q %d %v", b, v, err)
	}
	write(t, s, dev, l, 7, "state 7")
	if got := versions(); got != "[7 6]" {
		t.Fatalf("after another update: %s", got)
	}
}
