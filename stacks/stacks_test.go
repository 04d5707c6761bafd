package stacks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/stacks/backend"
	"github.com/infrago/infra/stacks/project"
	"github.com/infrago/infra/stacks/secrets"
	"github.com/infrago/infra/stacks/state"
)

const canary = "s3cr3t-canary-value"

// newWorkspace makes a project with the given Infra.yaml body after its name, and the named stacks (each with a
// passphrase-protected config file, created in the file backend).
func newWorkspace(t *testing.T, extra string, names ...string) *Workspace {
	t.Helper()
	t.Setenv(secrets.EnvPassphrase, "correct horse battery staple")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Infra.yaml"), []byte("name: shop\n"+extra), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sub := filepath.Join(dir, "deep", "er")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := OpenWorkspace(ctx, sub, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		m, err := secrets.Create(ctx, []secrets.Recipient{secrets.PassphraseRecipient{WorkFactor: 10}})
		if err != nil {
			t.Fatal(err)
		}
		if err := project.NewStackConfig(w.Project.StackConfigPath(n), m).Save(m); err != nil {
			t.Fatal(err)
		}
		if err := w.Store.CreateStack(ctx, w.Ref(n)); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func info(kind string) backend.UpdateInfo {
	now := time.Now().UTC()
	return backend.UpdateInfo{Kind: kind, Result: "succeeded", StartTime: now, EndTime: now}
}

func res(stack, name string, deps ...resource.URN) *state.Resource {
	return &state.Resource{URN: resource.NewURN(stack, "shop", "", "random:index:String", name), Type: "random:index:String",
		ID: name + "-id", Custom: true, Dependencies: deps}
}

func TestResolve(t *testing.T) {
	w := newWorkspace(t, "")
	ctx := context.Background()
	if _, err := w.Resolve(ctx, ""); err == nil || !strings.Contains(err.Error(), "infra stack init dev") {
		t.Fatalf("no stacks: %v", err)
	}
	if _, err := w.Resolve(ctx, "prod"); err == nil || !strings.Contains(err.Error(), "`infra stack init prod`") {
		t.Fatalf("missing stack: %v", err)
	}
	w = newWorkspace(t, "", "dev")
	if n, err := w.Resolve(ctx, ""); err != nil || n != "dev" {
		t.Fatalf("only stack: %q %v", n, err)
	}
	w = newWorkspace(t, "", "dev", "prod")
	if _, err := w.Resolve(ctx, ""); err == nil || !strings.Contains(err.Error(), "stacks: dev, prod") {
		t.Fatalf("two stacks, none selected: %v", err)
	}
	if err := w.Select("prod"); err != nil {
		t.Fatal(err)
	}
	if n, err := w.Resolve(ctx, ""); err != nil || n != "prod" {
		t.Fatalf("selected: %q %v", n, err)
	}
	if n, err := w.Resolve(ctx, "dev"); err != nil || n != "dev" {
		t.Fatalf("named beats selected: %q %v", n, err)
	}
	if _, err := w.Resolve(ctx, "Bad Name"); err == nil {
		t.Fatal("an invalid name was accepted")
	}
}

func TestSaveLoadVersionsAndHistory(t *testing.T) {
	w := newWorkspace(t, "history: {keep: 2}\n", "dev")
	ctx := context.Background()
	sess, err := w.Begin(ctx, "dev", Access{Command: "test", Lock: true})
	if err != nil {
		t.Fatal(err)
	}
	if sess.State != nil || sess.Version() != 0 {
		t.Fatalf("a new stack has state %v at version %d", sess.State, sess.Version())
	}
	for i := 1; i <= 3; i++ {
		snap := &state.Snapshot{Resources: []*state.Resource{res("dev", "a")},
			Outputs: resource.PropertyMap{"pw": resource.MakeSecret(resource.NewString(canary))}}
		if err := sess.Save(ctx, snap, info("update")); err != nil {
			t.Fatal(err)
		}
		if snap.Serial != int64(i) || sess.Version() != int64(i) || snap.Project != "shop" || snap.Stack != "dev" {
			t.Fatalf("save %d: serial %d, version %d, %s/%s", i, snap.Serial, sess.Version(), snap.Project, snap.Stack)
		}
	}
	sess.Close()
	h, err := w.Store.History(ctx, w.Ref("dev"))
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Version != 3 || h[0].User == "" || h[0].Bytes == 0 {
		t.Fatalf("history kept %d entries (want 2, newest 3 with user and size): %+v", len(h), h)
	}
	data, _, err := w.Store.ReadState(ctx, w.Ref("dev"))
	if err != nil || strings.Contains(string(data), canary) {
		t.Fatalf("the stored state holds the secret in plain text (or cannot be read: %v)", err)
	}
	st, err := w.Open(ctx, "dev")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v := snap.Outputs["pw"]; !v.IsSecret() || st.Version() != 3 || len(snap.Secrets) == 0 {
		t.Fatalf("loaded version %d, output %v, key metadata %d bytes", st.Version(), v, len(snap.Secrets))
	}
	if err := st.Save(ctx, snap, info("update")); err == nil || !strings.Contains(err.Error(), "not locked") {
		t.Fatalf("save without the lock: %v", err)
	}
}

func TestLockIsExclusiveAndReleased(t *testing.T) {
	w := newWorkspace(t, "", "dev")
	ctx := context.Background()
	first, err := w.Begin(ctx, "dev", Access{Command: "infra up", Lock: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Begin(ctx, "dev", Access{Command: "infra up", Lock: true}); err == nil {
		t.Fatal("a second run locked a locked stack")
	}
	reader, err := w.Begin(ctx, "dev", Access{Command: "infra preview"})
	if err != nil {
		t.Fatalf("a read without the lock was refused: %v", err)
	}
	if reader.Lost() != nil || reader.LockErr() != nil {
		t.Fatal("a session without a lock reports a lease")
	}
	reader.Close()
	first.Close()
	first.Close() // twice is harmless
	again, err := w.Begin(ctx, "dev", Access{Command: "infra up", Lock: true})
	if err != nil {
		t.Fatalf("the lock was not released: %v", err)
	}
	again.Close()
}

func TestPendingOperationsFromTheJournal(t *testing.T) {
	w := newWorkspace(t, "", "dev")
	ctx := context.Background()
	sess, err := w.Begin(ctx, "dev", Access{Command: "test", Lock: true})
	if err != nil {
		t.Fatal(err)
	}
	a := res("dev", "a")
	if err := sess.Save(ctx, &state.Snapshot{Resources: []*state.Resource{a}}, info("update")); err != nil {
		t.Fatal(err)
	}
	// A run that began a create and was killed before it ended.
	j := sess.Journal()
	b := res("dev", "b")
	if err := j.Write(ctx, state.JournalRecord{Op: "1", Kind: state.KindBegin, Step: state.StepCreate, URN: b.URN, Type: b.Type, Token: "tok"}, true); err != nil {
		t.Fatal(err)
	}
	sess.Close()

	if _, err := w.Begin(ctx, "dev", Access{Command: "infra state delete", Lock: true, Settled: true}); err == nil ||
		!strings.Contains(err.Error(), "interrupted run") || !strings.Contains(err.Error(), string(b.URN)) {
		t.Fatalf("a settled edit of a stack with a pending create: %v", err)
	}
	sess, err = w.Begin(ctx, "dev", Access{Command: "infra up", Lock: true})
	if err != nil {
		t.Fatalf("the lock was not released after the refusal: %v", err)
	}
	defer sess.Close()
	if p := sess.Pending(); len(p) != 1 || p[0].URN != b.URN || sess.JournalSeq() == 0 {
		t.Fatalf("pending %+v, journal seq %d", p, sess.JournalSeq())
	}
	// The run finishes with the create still cut off: it stays open in the next version's journal.
	cut, err := sess.Finish(ctx, sess.Journal(), Outcome{Snapshot: sess.State,
		Unsettled: []state.JournalRecord{{Op: "1", Kind: state.KindBegin, Step: state.StepCreate, URN: b.URN, Type: b.Type, Token: "tok"}},
		Info:      info("update")})
	if err != nil || len(cut) != 1 || cut[0] != string(b.URN) {
		t.Fatalf("finish: %v %v", cut, err)
	}
	if _, err := sess.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if p := sess.Pending(); len(p) != 1 || sess.Version() != 2 {
		t.Fatalf("after finish: pending %+v at version %d", p, sess.Version())
	}
}

func TestFinishKeepsANeverUpdatedStackEmpty(t *testing.T) {
	w := newWorkspace(t, "", "dev")
	ctx := context.Background()
	sess, err := w.Begin(ctx, "dev", Access{Command: "test", Lock: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if _, err := sess.Finish(ctx, sess.Journal(), Outcome{Snapshot: &state.Snapshot{}, Info: info("update")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Finish(ctx, sess.Journal(), Outcome{Info: info("update")}); err != nil {
		t.Fatal(err)
	}
	if h, _ := w.Store.History(ctx, w.Ref("dev")); len(h) != 0 {
		t.Fatalf("a run that did nothing wrote %d versions", len(h))
	}
}

func TestOutputsOfAnotherStack(t *testing.T) {
	w := newWorkspace(t, "", "net", "app", "empty")
	ctx := context.Background()
	net, err := w.Begin(ctx, "net", Access{Command: "test", Lock: true})
	if err != nil {
		t.Fatal(err)
	}
	outs := resource.PropertyMap{"vpc": resource.NewString("vpc-1"), "key": resource.MakeSecret(resource.NewString(canary))}
	if err := net.Save(ctx, &state.Snapshot{Outputs: outs}, info("update")); err != nil {
		t.Fatal(err)
	}
	net.Close()
	app, err := w.Open(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"net", "shop/net"} {
		got, err := app.Outputs(ctx, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got["vpc"].StringValue() != "vpc-1" || !got["key"].IsSecret() {
			t.Fatalf("%s: outputs %v", name, got)
		}
	}
	if got, err := app.Outputs(ctx, "empty"); err != nil || len(got) != 0 {
		t.Fatalf("a stack never updated: %v %v", got, err)
	}
	for name, want := range map[string]string{
		"app":       "its own outputs",
		"nope":      "does not exist",
		"Bad/Stack": "stack reference",
	} {
		if _, err := app.Outputs(ctx, name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("reference %q: %v, want an error saying %q", name, err, want)
		}
	}
}

func TestRestoreAndReadVersion(t *testing.T) {
	w := newWorkspace(t, "", "dev")
	ctx := context.Background()
	sess, err := w.Begin(ctx, "dev", Access{Command: "test", Lock: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	for _, names := range [][]string{{"a"}, {"a", "b"}} {
		snap := &state.Snapshot{}
		for _, n := range names {
			snap.Resources = append(snap.Resources, res("dev", n))
		}
		if err := sess.Save(ctx, snap, info("update")); err != nil {
			t.Fatal(err)
		}
	}
	refused := errors.New("no")
	if _, err := sess.Restore(ctx, 1, func(*state.Snapshot) error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("a refused restore: %v", err)
	}
	snap, err := sess.Restore(ctx, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Serial != 3 || snap.Live() != 1 {
		t.Fatalf("restored as version %d with %d resources", snap.Serial, snap.Live())
	}
	data, v2, err := sess.ReadVersion(ctx, 2)
	if err != nil || data == nil || v2.Live() != 2 {
		t.Fatalf("version 2: %v resources, %v", v2, err)
	}
	if _, _, err := sess.ReadVersion(ctx, 9); err == nil {
		t.Fatal("a version that does not exist was read")
	}
}

func TestOpenNamesAMissingConfigFile(t *testing.T) {
	w := newWorkspace(t, "", "dev")
	if err := os.Remove(w.Project.StackConfigPath("dev")); err != nil {
		t.Fatal(err)
	}
	_, err := w.Open(context.Background(), "dev")
	if err == nil || !strings.Contains(err.Error(), "Infra.dev.yaml") || !strings.Contains(err.Error(), "version control") {
		t.Fatalf("missing config: %v", err)
	}
}
