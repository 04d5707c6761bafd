package deploy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/infrago/infra/engine/deploy"
	"github.com/infrago/infra/engine/events"
)

// A registration that fails after claiming its old state must leave that state in the snapshot: the object
// still exists.
func TestFailedRegistrationKeepsOldState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		failOn  string
		newSize int
		zone    string
	}{
		{"check fails", "Check a", 2, "z1"},
		{"diff fails", "Diff a", 2, "z1"},
		{"update fails", "Update a", 2, "z1"},
		{"replacement create fails", "Create a", 1, "z2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.up(false, thing("a", props("size", 1, "zone", "z1")), thing("b", props(), dependsOn(thingURN("a"))))
			w.cloud.fail[tt.failOn] = errors.New("boom")
			r := w.up(false, thing("a", props("size", tt.newSize, "zone", tt.zone)), thing("b", props(), dependsOn(thingURN("a"))))
			if r.errs["a"] == nil || r.finish == nil {
				t.Fatalf("the failure was not reported: %v, %v", r.errs["a"], r.finish)
			}
			if got := names(w.snap); got != "default a b" {
				t.Fatalf("snapshot = %s", got)
			}
			if a := live(w.snap)["a"]; a.ID != "a-1" || !a.Inputs.Equal(props("size", 1, "zone", "z1")) {
				t.Fatalf("state of a = %+v", a)
			}
			// The next run, without the fault, does the change.
			delete(w.cloud.fail, tt.failOn)
			w.cloud.reset()
			r = w.up(false, thing("a", props("size", tt.newSize, "zone", tt.zone)), thing("b", props(), dependsOn(thingURN("a"))))
			if r.errs["a"] != nil || r.finish != nil {
				t.Fatal(r.errs["a"], r.finish)
			}
			if live(w.snap)["a"].Inputs["size"].NumberValue() != float64(tt.newSize) {
				t.Fatalf("state of a = %+v", live(w.snap)["a"])
			}
		})
	}
}

// While a registration is in flight (claimed, not recorded yet), Snapshot must still describe the object and
// keep every reference to it valid.
func TestSnapshotDuringInFlightRegistration(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.up(false, thing("a", props("size", 1)), thing("b", props(), dependsOn(thingURN("a"))))
	hold := make(chan struct{})
	w.cloud.hold["Diff a"] = hold
	d, _ := w.deployment(false)
	done := make(chan error, 1)
	go func() {
		_, err := d.Register(context.Background(), thing("a", props("size", 2)))
		done <- err
	}()
	waitFor(t, func() bool { return len(w.cloud.log("Diff")) == 1 })
	s := d.Snapshot()
	err := s.Verify()
	close(hold)
	if rerr := <-done; rerr != nil {
		t.Fatal(rerr)
	}
	if err != nil {
		t.Fatalf("Snapshot() during a registration in flight does not verify (snapshot %s): %v", names(s), err)
	}
	if got := names(s); got != "default a b" {
		t.Fatalf("snapshot during the registration = %s", got)
	}
}

// A delete-before-replace whose create fails leaves the old object deleted. The snapshot must still verify:
// the engine saves it, and a snapshot that does not verify can never be loaded again.
func TestFailedDeleteBeforeReplaceSnapshot(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dbr := func(r *deploy.Registration) { on := true; r.DeleteBeforeReplace = &on }
	w.up(false, thing("a", props("zone", "z1"), dbr), thing("b", props(), dependsOn(thingURN("a"))))
	w.cloud.fail["Create a"] = errors.New("boom")
	w.cloud.reset()
	d, _ := w.deployment(false)
	if _, err := d.Register(context.Background(), thing("a", props("zone", "z2"), dbr)); err == nil {
		t.Fatal("the failed create was not reported")
	}
	if got := join(w.cloud.log(mutations...)); got != "Delete a#a-1, Create a" {
		t.Fatalf("calls = %s", got)
	}
	s := d.Snapshot()
	if err := s.Verify(); err != nil {
		t.Fatalf("snapshot after a failed delete-before-replace (%s) does not verify: %v", names(s), err)
	}
}

func TestDeleteFailureInFinish(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.up(false, thing("a", props()), thing("b", props(), dependsOn(thingURN("a"))), thing("c", props(), dependsOn(thingURN("b"))),
		thing("keep", props()))
	w.cloud.fail["Delete b"] = errors.New("in use")
	w.cloud.reset()
	r := w.up(false, thing("keep", props()))
	if r.finish == nil || !strings.Contains(r.finish.Error(), "delete "+string(thingURN("b"))+": in use") {
		t.Fatalf("Finish = %v", r.finish)
	}
	// c went first; b failed; a, which b depends on, was not touched.
	if got := join(w.cloud.log("Delete")); got != "Delete c#c-3, Delete b#b-2" {
		t.Fatalf("deletes = %s", got)
	}
	if got := names(w.snap); got != "default keep a b" {
		t.Fatalf("snapshot = %s", got)
	}
	if step := r.log.find(events.KindStepFailed, "b"); step == nil || step.Op != events.OpDelete {
		t.Fatalf("failed step = %+v", step)
	}
}

// The old object of a replacement that could not be deleted stays as a pending delete, and the next run deletes
// it.
func TestPendingDeleteCarriedOver(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.up(false, thing("a", props("zone", "z1")), thing("b", props(), dependsOn(thingURN("a"))))
	w.cloud.fail["Delete a"] = errors.New("busy")
	r := w.up(false, thing("a", props("zone", "z2")), thing("b", props(), dependsOn(thingURN("a"))))
	if r.finish == nil {
		t.Fatal("the failed delete was not reported")
	}
	if got := names(w.snap); got != "default a b a(delete)" {
		t.Fatalf("snapshot = %s", got)
	}
	for _, res := range w.snap.Resources {
		if res.Delete && res.ID != "a-1" {
			t.Fatalf("pending delete = %+v", res)
		}
	}
	delete(w.cloud.fail, "Delete a")
	w.cloud.reset()
	r = w.up(false, thing("a", props("zone", "z2")), thing("b", props(), dependsOn(thingURN("a"))))
	if r.finish != nil {
		t.Fatal(r.finish)
	}
	if got := join(w.cloud.log(mutations...)); got != "Delete a#a-1" {
		t.Fatalf("calls = %s", got)
	}
	if got := names(w.snap); got != "default a b" {
		t.Fatalf("snapshot = %s", got)
	}
	if step := r.log.find(events.KindStepDone, "a"); step == nil {
		t.Fatal("no step for a")
	}
	if got := join(r.log.steps(events.KindStepDone)); !strings.HasSuffix(got, "step-done delete-replaced a") {
		t.Fatalf("steps = %s", got)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(time.Millisecond)
	}
}
