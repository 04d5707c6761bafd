package deploy_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/infrago/infra/engine/deploy"
	"github.com/infrago/infra/sdk/resource"
)

// TestRefreshBatches refreshes a stack of things three ways: with a provider that reads many objects at once
// (one ReadMany for all of them), with one that predates ReadMany (one Read each), and with plain Reads. Each must
// find the same drift, the same object gone, and a failed read named by its resource.
func TestRefreshBatches(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name               string
		batch, unsupported bool
		wantCalls          string
	}{
		{name: "batched", batch: true, wantCalls: "ReadMany 6"},
		{name: "unsupported", batch: true, unsupported: true, wantCalls: "Read t0#t0-1, Read t1#t1-2, Read t2#t2-3, Read t3#t3-4, Read t4#t4-5, Read t5#t5-6, ReadMany 6"},
		{name: "plain", wantCalls: "Read t0#t0-1, Read t1#t1-2, Read t2#t2-3, Read t3#t3-4, Read t4#t4-5, Read t5#t5-6"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.host = &fakeHost{cloud: w.cloud, batch: c.batch, unsupported: c.unsupported}
			var regs []*deploy.Registration
			for i := range 6 {
				regs = append(regs, thing(fmt.Sprintf("t%d", i), props("name", fmt.Sprintf("T%d", i))))
			}
			if r := w.up(false, regs...); r.finish != nil {
				t.Fatal(r.finish)
			}
			// Behind the engine's back: t1 is gone, t2 changed.
			w.cloud.mu.Lock()
			delete(w.cloud.objects, "t1-2")
			w.cloud.objects["t2-3"].outputs["arn"] = resource.NewString("changed")
			w.cloud.mu.Unlock()
			w.cloud.reset()

			res, err := deploy.Refresh(context.Background(), w.snap, deploy.Options{Project: project, Stack: stackName, Parallel: 4,
				Host: w.providerHost(), Events: &eventLog{}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Gone != 1 || res.Drifted != 1 {
				t.Errorf("gone %d, drifted %d; want 1 and 1", res.Gone, res.Drifted)
			}
			got := w.cloud.log("Read", "ReadMany")
			sort.Strings(got)
			if got := join(got); got != c.wantCalls {
				t.Errorf("calls %s, want %s", got, c.wantCalls)
			}

			// A read that fails fails the refresh, naming the resource.
			w.cloud.fail["Read t4"] = errors.New("access denied")
			_, err = deploy.Refresh(context.Background(), w.snap, deploy.Options{Project: project, Stack: stackName, Parallel: 4,
				Host: w.providerHost(), Events: &eventLog{}})
			if err == nil || !strings.Contains(err.Error(), "t4") || !strings.Contains(err.Error(), "access denied") {
				t.Errorf("refresh with a failing read: %v", err)
			}
		})
	}
}
