// Package backendtest is the conformance suite every backend.Store passes, and the helpers that start the real
// servers (MinIO, PostgreSQL, a fake GCS) the backends are tested against.
package backendtest

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/infrago/infra/stacks/backend"
)

// Run runs the conformance suite against the stores newStore returns. Each subtest calls newStore for a store of
// its own, which must be empty and must not share stacks with any other store newStore returns; subtests run in
// parallel. A store that implements io.Closer is closed when its subtest ends.
func Run(t *testing.T, newStore func(t *testing.T) backend.Store) {
	open := func(t *testing.T) backend.Store {
		t.Helper()
		s := newStore(t)
		if c, ok := s.(io.Closer); ok {
			t.Cleanup(func() { _ = c.Close() })
		}
		return s
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s backend.Store)
	}{
		{"CreateListRemove", testCreateListRemove},
		{"ListAllProjects", testListAllProjects},
		{"StateVersions", testStateVersions},
		{"StateBytes", testStateBytes},
		{"History", testHistory},
		{"PruneHistory", testPruneHistory},
		{"Journal", testJournal},
		{"JournalManyBatches", testJournalManyBatches},
		{"JournalRetired", testJournalRetired},
		{"JournalConcurrent", testJournalConcurrent},
		{"LockContention", testLockContention},
		{"LockRace", testLockRace},
		{"LeaseExpiry", testLeaseExpiry},
		{"Renew", testRenew},
		{"ReleaseUnlock", testReleaseUnlock},
		{"Fencing", testFencing},
		{"NotFound", testNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
	t.Run("Migrate", func(t *testing.T) {
		t.Parallel()
		testMigrate(t, open(t), open(t))
	})
	t.Run("MigrateFromFile", func(t *testing.T) {
		t.Parallel()
		testMigrate(t, backend.NewFileStore(t.TempDir()), open(t))
	})
	t.Run("MigrateToFile", func(t *testing.T) {
		t.Parallel()
		testMigrate(t, open(t), backend.NewFileStore(t.TempDir()))
	})
}

// ctx returns a context that ends with the test, with a deadline so that a hung backend fails the test instead
// of the whole run.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

var (
	dev  = backend.StackRef{Project: "proj", Stack: "dev"}
	prod = backend.StackRef{Project: "proj", Stack: "prod"}
)

// holder is a lock holder whose every field can be found in a message. Its process is this one, which is alive:
// a store may take over the lock of a dead process on its own host.
func holder(command string) backend.LockInfo {
	return backend.LockInfo{User: "ann-" + command, Host: "host-" + command, PID: os.Getpid(), Command: "infra " + command,
		Time: time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)}
}

// mustCreate creates ref and takes its lock for a minute.
func mustCreate(t *testing.T, s backend.Store, ref backend.StackRef) backend.Lock {
	t.Helper()
	if err := s.CreateStack(ctx(t), ref); err != nil {
		t.Fatalf("create %s: %v", ref, err)
	}
	l, err := s.Lock(ctx(t), ref, holder("up"), time.Minute)
	if err != nil {
		t.Fatalf("lock %s: %v", ref, err)
	}
	return l
}

// write writes version v of ref with data under lock l.
func write(t *testing.T, s backend.Store, ref backend.StackRef, l backend.Lock, v int64, data string) {
	t.Helper()
	if err := s.WriteState(ctx(t), ref, l.Token(), []byte(data), info(v)); err != nil {
		t.Fatalf("write version %d of %s: %v", v, ref, err)
	}
}

// info is a full description of update v: every field set, so that a store dropping one is caught.
func info(v int64) backend.UpdateInfo {
	start := time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.UTC).Add(time.Duration(v) * time.Hour)
	return backend.UpdateInfo{
		Version: v, Kind: "update", Result: "succeeded", StartTime: start, EndTime: start.Add(1500 * time.Millisecond),
		User: "ann", Host: "laptop", Message: "update " + strings.Repeat("v", int(v%5)) + " with \"quotes\" and ünïcode",
		Changes: map[string]int{"create": int(v), "delete": 1}, Resources: int(v) * 10, Bytes: 100 + v,
		Env: map[string]string{"CI": "true"},
	}
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: want an error wrapping %q, got %v", what, target, err)
	}
}
