package deploy_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/infrago/infra/engine/deploy"
	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/sdk/resource"
)

func TestCreate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.up(false,
		thing("a", props("name", "A", "size", 1, "password", resource.MakeSecret(resource.NewString("pw")))),
		thing("b", props("name", "B"), dependsOn(thingURN("a"))),
	)
	if r.errs["a"] != nil || r.errs["b"] != nil || r.finish != nil {
		t.Fatalf("errors: %v %v %v", r.errs["a"], r.errs["b"], r.finish)
	}
	if got, want := join(w.cloud.log()), "Start fake, CheckConfig default, Configure fake, Check a, Create a, Check b, Create b"; got != want {
		t.Fatalf("calls:\n got %s\nwant %s", got, want)
	}
	a := r.res["a"]
	if a.URN != thingURN("a") || a.ID != "a-1" {
		t.Fatalf("result a = %+v", a)
	}
	if got := a.Outputs["arn"]; !got.Equal(resource.NewString("arn:a-1")) {
		t.Fatalf("arn = %v", got)
	}
	// Secret inputs stay secret in the outputs even if the provider forgot.
	if !a.Outputs["password"].IsSecret() || !a.Outputs["token"].IsSecret() {
		t.Fatalf("outputs lost secretness: %v", resource.NewMap(a.Outputs))
	}
	rs := live(w.snap)
	if got := names(w.snap); got != "default a b" {
		t.Fatalf("snapshot = %s", got)
	}
	prov := rs["provider:default"]
	if prov.Type != "infra:providers:fake" || prov.ID == "" || !prov.Inputs.Equal(props("region", "eu")) {
		t.Fatalf("provider state = %+v", prov)
	}
	sa, sb := rs["a"], rs["b"]
	if sa.ID != "a-1" || !sa.Custom || sa.Provider != resource.NewProviderRef(prov.URN, prov.ID) || sa.InputsHash == "" {
		t.Fatalf("state of a = %+v", sa)
	}
	if !sa.Inputs.Equal(props("name", "A", "size", 1, "password", resource.MakeSecret(resource.NewString("pw")))) {
		t.Fatalf("inputs of a = %v", resource.NewMap(sa.Inputs))
	}
	if len(sb.Dependencies) != 1 || sb.Dependencies[0] != thingURN("a") {
		t.Fatalf("dependencies of b = %v", sb.Dependencies)
	}
	if got := r.log.steps(events.KindStepDone); join(got) != "step-done create default, step-done create a, step-done create b" {
		t.Fatalf("events: %v", got)
	}
	if c := r.d.Changes(); c[events.OpCreate] != 3 || !r.d.HasChanges() {
		t.Fatalf("changes = %v", c)
	}
	if got := w.cloud.ids(); join(got) != "a-1, b-2" {
		t.Fatalf("cloud = %v", got)
	}
}

func TestFastPath(t *testing.T) {
	t.Parallel()
	regs := func() []*deploy.Registration {
		return []*deploy.Registration{
			thing("a", props("name", "A", "tags", resource.NewMap(props("env", "prod")), "password", resource.MakeSecret(resource.NewString("pw")))),
			thing("b", props("name", "B"), dependsOn(thingURN("a"))),
		}
	}
	w := newWorld(t)
	w.up(false, regs()...)
	first := w.snap
	w.cloud.reset()

	r := w.up(false, regs()...)
	if r.finish != nil {
		t.Fatal(r.finish)
	}
	if got := w.cloud.log(resourceMethods...); len(got) != 0 {
		t.Fatalf("an identical run made resource calls: %v", got)
	}
	if got := r.log.steps(events.KindStepDone); join(got) != "step-done same default, step-done same a, step-done same b" {
		t.Fatalf("events: %v", got)
	}
	if r.d.HasChanges() {
		t.Fatalf("HasChanges with nothing changed: %v", r.d.Changes())
	}
	if r.res["a"].ID != "a-1" || !r.res["a"].Outputs["arn"].Equal(resource.NewString("arn:a-1")) {
		t.Fatalf("the fast path must answer with the old ID and outputs: %+v", r.res["a"])
	}
	if names(w.snap) != names(first) || live(w.snap)["a"].InputsHash != live(first)["a"].InputsHash {
		t.Fatalf("snapshot changed: %s", names(w.snap))
	}

	// Options that steer the diff are part of the hash: the same inputs with IgnoreChanges go to the provider.
	w.cloud.reset()
	rs := regs()
	rs[0].IgnoreChanges = []string{"tags"}
	w.up(false, rs...)
	if got := join(w.cloud.log(resourceMethods...)); got != "Check a, Diff a#a-1" {
		t.Fatalf("calls with a new option: %s", got)
	}

	// A changed secret is a change even though the hash never sees it in plaintext.
	w.cloud.reset()
	rs = regs()
	rs[0].IgnoreChanges = []string{"tags"}
	rs[0].Inputs["password"] = resource.MakeSecret(resource.NewString("other"))
	w.up(false, rs...)
	if got := join(w.cloud.log(mutations...)); got != "Update a#a-1" {
		t.Fatalf("calls after a secret changed: %s", got)
	}

	// Without a hash key every resource is checked and diffed (but not changed).
	w.hashKey = nil
	w.cloud.reset()
	rs = regs()
	rs[0].IgnoreChanges = []string{"tags"}
	rs[0].Inputs["password"] = resource.MakeSecret(resource.NewString("other"))
	w.up(false, rs...)
	if got := join(w.cloud.log(resourceMethods...)); got != "Check a, Diff a#a-1, Check b, Diff b#b-2" {
		t.Fatalf("calls without a hash key: %s", got)
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.up(false, thing("a", props("name", "A", "size", 1, "tags", resource.NewMap(props("env", "prod", "team", "x")))))
	w.cloud.reset()
	r := w.up(false, thing("a", props("name", "A", "size", 2, "tags", resource.NewMap(props("env", "dev", "team", "x")))))
	if r.errs["a"] != nil || r.finish != nil {
		t.Fatal(r.errs["a"], r.finish)
	}
	if got := join(w.cloud.log(resourceMethods...)); got != "Check a, Diff a#a-1, Update a#a-1" {
		t.Fatalf("calls: %s", got)
	}
	s := live(w.snap)["a"]
	if s.ID != "a-1" || !s.Inputs["size"].Equal(resource.NewNumber(2)) || !s.Outputs["size"].Equal(resource.NewNumber(2)) {
		t.Fatalf("state = %+v", s)
	}
	step := r.log.find(events.KindStepDone, "a")
	if step == nil || step.Op != events.OpUpdate {
		t.Fatalf("step = %+v", step)
	}
	var diffs []string
	for _, d := range step.Diffs {
		diffs = append(diffs, d.Kind.Symbol()+d.Path.String())
	}
	if join(diffs) != "~size, ~tags.env" {
		t.Fatalf("diffs = %v", diffs)
	}
	if c := r.d.Changes(); c[events.OpUpdate] != 1 || c[events.OpSame] != 1 {
		t.Fatalf("changes = %v", c)
	}
}

func TestReplaceCreateBeforeDelete(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.up(false,
		thing("a", props("zone", "z1")),
		thing("b", props("name", "B"), dependsOn(thingURN("a"))),
		thing("c", props("name", "C"), dependsOn(thingURN("a"))),
	)
	w.cloud.reset()

	d, log := w.deployment(false)
	ctx := context.Background()
	res, err := d.Register(ctx, thing("a", props("zone", "z2")))
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != "a-4" {
		t.Fatalf("replacement ID = %s", res.ID)
	}
	if got := join(w.cloud.log(mutations...)); got != "Create a" {
		t.Fatalf("the old object must stay until Finish: %s", got)
	}
	// Mid-run the old object is a pending delete next to its replacement.
	mid := d.Snapshot()
	mustVerify(t, mid, "mid-replace")
	if got := names(mid); got != "default a a(delete) b c" {
		t.Fatalf("mid-run snapshot: %s", got)
	}
	// b still uses a; c is gone from the program.
	if _, err := d.Register(ctx, thing("b", props("name", "B"), dependsOn(thingURN("a")))); err != nil {
		t.Fatal(err)
	}
	if err := d.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	// c (a dependent of the old a) is deleted before the old a.
	if got := join(w.cloud.log(mutations...)); got != "Create a, Delete c#c-3, Delete a#a-1" {
		t.Fatalf("calls: %s", got)
	}
	w.snap = d.Snapshot()
	mustVerify(t, w.snap, "after Finish")
	if got := names(w.snap); got != "default a b" {
		t.Fatalf("snapshot: %s", got)
	}
	if got := join(w.cloud.ids()); got != "a-4, b-2" {
		t.Fatalf("cloud: %s", got)
	}
	step := log.find(events.KindStepDone, "a")
	if step.Op != events.OpReplace || join(step.Replaces) != "zone" {
		t.Fatalf("replace step = %+v", step)
	}
	if got := join(log.steps(events.KindStepDone)); !strings.Contains(got, "step-done delete c, step-done delete-replaced a") {
		t.Fatalf("events: %s", got)
	}
}

// TestReplacedDependentOfRemoved replaces a resource whose old object depends on one removed from the program:
// the old object is deleted first, then the removed one; nothing is kept as "still used".
func TestReplacedDependentOfRemoved(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.up(false,
		thing("a", props()),
		thing("b", props("zone", "z1"), dependsOn(thingURN("a"))),
	)
	w.cloud.reset()
	r := w.up(false, thing("b", props("zone", "z2")))
	if r.errs["b"] != nil || r.finish != nil {
		t.Fatal(r.errs["b"], r.finish)
	}
	if got := join(w.cloud.log(mutations...)); got != "Create b, Delete b#b-2, Delete a#a-1" {
		t.Fatalf("calls = %s", got)
	}
	if _, _, kept := r.d.Report(); len(kept) > 0 {
		t.Fatalf("kept: %v", kept)
	}
	if got := names(w.snap); got != "default b" {
		t.Fatalf("snapshot = %s", got)
	}
}

// TestFailedReplacementKeepsOld: when the create of a replacement fails, the old object is still the resource,
// so it must not be deleted at the end, not even when the update continues after errors.
func TestFailedReplacementKeepsOld(t *testing.T) {
	t.Parallel()
	for _, cont := range []bool{false, true} {
		t.Run(fmt.Sprint("continueOnError=", cont), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.up(false, thing("a", props("zone", "z1")), thing("b", props("name", "B")))
			w.cloud.reset()
			w.cloud.fail["Create a"] = errors.New("quota exceeded")
			w.continueOnError = cont
			r := w.up(false, thing("a", props("zone", "z2")), thing("b", props("name", "B2")))
			if r.errs["a"] == nil {
				t.Fatal("the replacement's create did not fail")
			}
			if got := join(w.cloud.log("Delete")); got != "" {
				t.Fatalf("deleted after a failed replacement: %s", got)
			}
			if s := live(w.snap)["a"]; s == nil || s.ID != "a-1" {
				t.Fatalf("state of a = %+v, want the old object a-1", s)
			}
			if got := join(w.cloud.ids()); !strings.Contains(got, "a-1") {
				t.Fatalf("cloud = %s", got)
			}
		})
	}
}

func TestDeleteBeforeReplace(t *testing.T) {
	t.Parallel()
	tru, fls := true, false
	tests := []struct {
		name  string
		typ   string
		dbr   *bool
		calls string
	}{
		{"option", thingType, &tru, "Delete a#a-1, Create a"},
		{"schema", uniqueType, nil, "Delete a#a-1, Create a"},
		{"option overrides schema", uniqueType, &fls, "Create a, Delete a#a-1"},
		{"default", thingType, nil, "Create a, Delete a#a-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			set := func(r *deploy.Registration) { r.Type = tt.typ; r.DeleteBeforeReplace = tt.dbr }
			w.up(false, thing("a", props("zone", "z1"), set))
			w.cloud.reset()
			r := w.up(false, thing("a", props("zone", "z2"), set))
			if r.errs["a"] != nil || r.finish != nil {
				t.Fatal(r.errs["a"], r.finish)
			}
			if got := join(w.cloud.log(mutations...)); got != tt.calls {
				t.Fatalf("calls = %s, want %s", got, tt.calls)
			}
			if got := join(w.cloud.ids()); got != "a-2" {
				t.Fatalf("cloud = %s", got)
			}
			if s := live(w.snap)["a"]; s.ID != "a-2" || s.DeleteBeforeReplace != (tt.dbr != nil && *tt.dbr) {
				t.Fatalf("state = %+v", s)
			}
		})
	}
}

func TestDeletesInReverseDependencyOrder(t *testing.T) {
	t.Parallel()
	for _, parallel := range []int{1, 8} {
		t.Run(fmt.Sprint(parallel), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.parallel = parallel
			siteURN := resource.NewURN(stackName, project, "", compType, "site")
			w.up(false,
				thing("a", props()),
				thing("b", props(), dependsOn(thingURN("a"))),
				thing("c", props(), dependsOn(thingURN("b"))),
				thing("d", props(), dependsOn(thingURN("a"))),
				&deploy.Registration{Type: compType, Name: "site"},
				thing("e", props(), parent(siteURN), dependsOn(thingURN("d"))),
				thing("keep", props()),
			)
			if got := names(w.snap); got != "default a b c d site e keep" {
				t.Fatalf("snapshot = %s", got)
			}
			w.cloud.reset()
			r := w.up(false, thing("keep", props()))
			if r.finish != nil {
				t.Fatal(r.finish)
			}
			deletes := w.cloud.log("Delete")
			if len(deletes) != 5 {
				t.Fatalf("deletes = %v", deletes)
			}
			steps := r.log.steps(events.KindStepDone)
			pos := func(what string) int {
				i := indexOf(steps, "step-done delete "+what)
				if i < 0 {
					t.Fatalf("no delete of %s in %v", what, steps)
				}
				return i
			}
			for _, edge := range [][2]string{{"b", "a"}, {"c", "b"}, {"d", "a"}, {"e", "d"}, {"e", "site"}} {
				if pos(edge[0]) > pos(edge[1]) {
					t.Fatalf("%s was deleted after %s, which it depends on: %v", edge[0], edge[1], steps)
				}
				di, dj := indexOf(deletes, "Delete "+edge[0]+"#"+live(r.d.Old())[edge[0]].ID), -1
				if edge[1] != "site" {
					dj = indexOf(deletes, "Delete "+edge[1]+"#"+live(r.d.Old())[edge[1]].ID)
					if di < 0 || dj < 0 || di > dj {
						t.Fatalf("provider deletes out of order: %v", deletes)
					}
				}
			}
			if got := names(w.snap); got != "default keep" {
				t.Fatalf("snapshot = %s", got)
			}
			if c := r.d.Changes(); c[events.OpDelete] != 6 {
				t.Fatalf("changes = %v", c)
			}
		})
	}
}

func TestProtect(t *testing.T) {
	t.Parallel()
	protect := func(r *deploy.Registration) { r.Protect = true }
	setup := func(t *testing.T) *world {
		w := newWorld(t)
		w.up(false, thing("p", props("zone", "z1"), protect), thing("u", props("zone", "z1")))
		if !live(w.snap)["p"].Protect {
			t.Fatalf("protect not recorded")
		}
		w.cloud.reset()
		return w
	}
	t.Run("refuses delete and deletes nothing", func(t *testing.T) {
		t.Parallel()
		w := setup(t)
		before := names(w.snap)
		r := w.up(false) // the program declares nothing
		if r.finish == nil || !strings.Contains(r.finish.Error(), "refusing to delete protected resources") ||
			!strings.Contains(r.finish.Error(), string(thingURN("p"))) || strings.Contains(r.finish.Error(), string(thingURN("u"))) {
			t.Fatalf("Finish = %v", r.finish)
		}
		if !strings.Contains(r.finish.Error(), "Protect(false)") {
			t.Fatalf("the error must say what to do: %v", r.finish)
		}
		if got := w.cloud.log("Delete"); len(got) != 0 {
			t.Fatalf("deleted %v", got)
		}
		if names(w.snap) != before {
			t.Fatalf("snapshot changed: %s", names(w.snap))
		}
		if d := r.log.diagnostics(); len(d) != 1 || !strings.HasPrefix(d[0], "error: refusing to delete") {
			t.Fatalf("diagnostics = %v", d)
		}
	})
	t.Run("refuses replace", func(t *testing.T) {
		t.Parallel()
		w := setup(t)
		r := w.up(false, thing("p", props("zone", "z2"), protect), thing("u", props("zone", "z1")))
		err := r.errs["p"]
		if err == nil || !strings.Contains(err.Error(), `fake:index:Thing "p" is protected, and this change replaces it (because of zone)`) {
			t.Fatalf("Register = %v", err)
		}
		if !errors.Is(r.errs["u"], deploy.ErrStopped) {
			t.Fatalf("a registration after the failure: %v", r.errs["u"])
		}
		if got := w.cloud.log(mutations...); len(got) != 0 {
			t.Fatalf("mutations: %v", got)
		}
		if r.finish == nil || live(w.snap)["p"].ID != "p-1" || names(w.snap) != "default p u" {
			t.Fatalf("Finish = %v, snapshot %s", r.finish, names(w.snap))
		}
	})
	t.Run("allows updates", func(t *testing.T) {
		t.Parallel()
		w := setup(t)
		r := w.up(false, thing("p", props("zone", "z1", "size", 3), protect), thing("u", props("zone", "z1")))
		if r.errs["p"] != nil || r.finish != nil || join(w.cloud.log(mutations...)) != "Update p#p-1" {
			t.Fatalf("%v %v %v", r.errs["p"], r.finish, w.cloud.log(mutations...))
		}
	})
	t.Run("refuses destroy", func(t *testing.T) {
		t.Parallel()
		w := setup(t)
		d, _ := w.deployment(false)
		err := d.Destroy(context.Background())
		if err == nil || !strings.Contains(err.Error(), "refusing to delete protected resources") {
			t.Fatalf("Destroy = %v", err)
		}
		if got := w.cloud.log("Delete"); len(got) != 0 {
			t.Fatalf("deleted %v", got)
		}
		mustVerify(t, d.Snapshot(), "after a refused destroy")
		if names(d.Snapshot()) != "default p u" {
			t.Fatalf("snapshot = %s", names(d.Snapshot()))
		}
	})
}

func TestIgnoreChanges(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.up(false, thing("a", props("size", 1, "tags", resource.NewMap(props("env", "prod", "team", "x")))))
	w.cloud.reset()
	ignore := func(r *deploy.Registration) { r.IgnoreChanges = []string{"tags.env"} }

	r := w.up(false, thing("a", props("size", 1, "tags", resource.NewMap(props("env", "dev", "team", "x"))), ignore))
	if r.errs["a"] != nil {
		t.Fatal(r.errs["a"])
	}
	if got := w.cloud.log(mutations...); len(got) != 0 {
		t.Fatalf("an ignored change was applied: %v", got)
	}
	if got := live(w.snap)["a"].Inputs["tags"]; !got.Equal(resource.NewMap(props("env", "prod", "team", "x"))) {
		t.Fatalf("state tags = %v", got)
	}

	// Another change goes through, with the ignored property kept at its old value.
	w.cloud.reset()
	r = w.up(false, thing("a", props("size", 2, "tags", resource.NewMap(props("env", "dev", "team", "y"))), ignore))
	if r.errs["a"] != nil {
		t.Fatal(r.errs["a"])
	}
	w.cloud.mu.Lock()
	calls := append([]call(nil), w.cloud.calls...)
	w.cloud.mu.Unlock()
	var upd *call
	for i := range calls {
		if calls[i].Method == "Update" {
			upd = &calls[i]
		}
	}
	if upd == nil {
		t.Fatalf("no update: %v", w.cloud.log())
	}
	if want := props("size", 2, "tags", resource.NewMap(props("env", "prod", "team", "y"))); !upd.Props.Equal(want) {
		t.Fatalf("Update got %v, want %v", resource.NewMap(upd.Props), resource.NewMap(want))
	}

	// A bad path is the program's error.
	r = w.up(false, thing("a", props("size", 2), func(r *deploy.Registration) { r.IgnoreChanges = []string{"tags["} }))
	if err := r.errs["a"]; err == nil || !strings.Contains(err.Error(), `fake:index:Thing "a": IgnoreChanges: invalid property path "tags["`) {
		t.Fatalf("bad path: %v", err)
	}
}

func TestReplaceOnChanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		paths    []string
		newProps resource.PropertyMap
		replaces string // "" means an update
	}{
		{"top-level", []string{"size"}, props("size", 2, "tags", resource.NewMap(props("env", "prod"))), "size"},
		{"nested", []string{"tags.env"}, props("size", 1, "tags", resource.NewMap(props("env", "dev"))), "tags.env"},
		{"wildcard", []string{"tags[*]"}, props("size", 1, "tags", resource.NewMap(props("env", "dev"))), "tags.env"},
		{"parent of the change", []string{"tags"}, props("size", 1, "tags", resource.NewMap(props("env", "dev"))), "tags.env"},
		{"unrelated path", []string{"tags.team"}, props("size", 1, "tags", resource.NewMap(props("env", "dev"))), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.up(false, thing("a", props("size", 1, "tags", resource.NewMap(props("env", "prod")))))
			w.cloud.reset()
			r := w.up(false, thing("a", tt.newProps, func(r *deploy.Registration) { r.ReplaceOnChanges = tt.paths }))
			if r.errs["a"] != nil || r.finish != nil {
				t.Fatal(r.errs["a"], r.finish)
			}
			step := r.log.find(events.KindStepDone, "a")
			if tt.replaces == "" {
				if step.Op != events.OpUpdate || join(w.cloud.log(mutations...)) != "Update a#a-1" {
					t.Fatalf("step %s, calls %v", step.Op, w.cloud.log(mutations...))
				}
				return
			}
			if step.Op != events.OpReplace || join(step.Replaces) != tt.replaces {
				t.Fatalf("step %s because of %v", step.Op, step.Replaces)
			}
			if got := join(w.cloud.log(mutations...)); got != "Create a, Delete a#a-1" {
				t.Fatalf("calls: %s", got)
			}
		})
	}
}

func TestAliases(t *testing.T) {
	t.Parallel()
	siteURN := resource.NewURN(stackName, project, "", compType, "site")
	tests := []struct {
		name    string
		first   []*deploy.Registration
		second  []*deploy.Registration
		newURN  resource.URN
		oldName string
	}{
		{
			name:   "rename by name",
			first:  []*deploy.Registration{thing("old", props("size", 1))},
			second: []*deploy.Registration{thing("new", props("size", 1), func(r *deploy.Registration) { r.Aliases = []deploy.Alias{{Name: "old"}} })},
			newURN: thingURN("new"), oldName: "old",
		},
		{
			name:   "rename by URN",
			first:  []*deploy.Registration{thing("old", props("size", 1))},
			second: []*deploy.Registration{thing("new", props("size", 1), func(r *deploy.Registration) { r.Aliases = []deploy.Alias{{URN: thingURN("old")}} })},
			newURN: thingURN("new"), oldName: "old",
		},
		{
			name:  "moved under a component",
			first: []*deploy.Registration{{Type: compType, Name: "site"}, thing("x", props("size", 1))},
			second: []*deploy.Registration{{Type: compType, Name: "site"}, thing("x", props("size", 1), parent(siteURN),
				func(r *deploy.Registration) { r.Aliases = []deploy.Alias{{NoParent: true}} })},
			newURN: resource.NewURN(stackName, project, compType, thingType, "x"), oldName: "x",
		},
		{
			name:  "moved out of a component",
			first: []*deploy.Registration{{Type: compType, Name: "site"}, thing("x", props("size", 1), parent(siteURN))},
			second: []*deploy.Registration{{Type: compType, Name: "site"}, thing("x", props("size", 1),
				func(r *deploy.Registration) { r.Aliases = []deploy.Alias{{Parent: siteURN}} })},
			newURN: thingURN("x"), oldName: "x",
		},
	}
	for _, tc := range tests {
		for _, fast := range []bool{true, false} {
			tt := tc
			t.Run(fmt.Sprintf("%s/fastpath=%v", tt.name, fast), func(t *testing.T) {
				t.Parallel()
				w := newWorld(t)
				if !fast {
					w.hashKey = nil // every registration goes through Check and Diff
				}
				w.up(false, tt.first...)
				oldID := ""
				for _, r := range w.snap.Resources {
					if r.URN.Name() == tt.oldName && r.Custom {
						oldID = r.ID
					}
				}
				w.cloud.reset()
				// A new resource that depends on the renamed one by its new URN: the snapshot must hold that URN
				// before it (w.up verifies the snapshot after every registration).
				second := append(tt.second, thing("dependent", props(), dependsOn(tt.newURN)))
				r := w.up(false, second...)
				if r.finish != nil {
					t.Fatal(r.finish)
				}
				for n, err := range r.errs {
					if err != nil {
						t.Fatalf("%s: %v", n, err)
					}
				}
				if got := join(w.cloud.log(mutations...)); got != "Create dependent" {
					t.Fatalf("an aliased resource was replaced or deleted: %v", got)
				}
				var found bool
				for _, s := range w.snap.Resources {
					if s.URN == tt.newURN {
						found = true
						if s.ID != oldID {
							t.Fatalf("ID %s, want the old %s", s.ID, oldID)
						}
					}
				}
				if !found {
					t.Fatalf("no %s in %s", tt.newURN, names(w.snap))
				}
				// Next run, the alias can go: the resource is known by its new URN.
				w.cloud.reset()
				third := make([]*deploy.Registration, len(second))
				for i, reg := range second {
					c := *reg
					c.Aliases = nil
					third[i] = &c
				}
				if r := w.up(false, third...); r.finish != nil {
					t.Fatal(r.finish)
				}
				if got := w.cloud.log(mutations...); len(got) != 0 {
					t.Fatalf("dropping the alias after the rename changed the cloud: %v", got)
				}
				if w.snap.Live() != len(second)+1 {
					t.Fatalf("snapshot = %s", names(w.snap))
				}
			})
		}
	}
}

func TestDuplicateURN(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.up(false, thing("a", props("size", 1)), thing("a", props("size", 2)))
	// r.errs holds the last registration's error for the name.
	err := r.errs["a"]
	if err == nil || !strings.Contains(err.Error(), `duplicate resource: fake:index:Thing "a" is registered twice`) {
		t.Fatalf("second registration: %v", err)
	}
	if r.finish == nil {
		t.Fatalf("Finish must report the failure")
	}
	if got := join(w.cloud.log(mutations...)); got != "Create a" {
		t.Fatalf("calls = %s", got)
	}
	if got := names(w.snap); got != "default a" {
		t.Fatalf("snapshot = %s", got)
	}
}

func TestDryRun(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.up(false, thing("upd", props("size", 1)), thing("rep", props("zone", "z1")), thing("del", props()),
		thing("same", props("size", 1)))
	before := w.snap
	w.cloud.reset()

	r := w.up(true,
		thing("upd", props("size", 2)),
		thing("rep", props("zone", "z2")),
		thing("new", props("name", "N", "password", resource.MakeSecret(resource.NewString("pw")))),
		thing("same", props("size", 1)),
	)
	for n, err := range r.errs {
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
	if r.finish != nil {
		t.Fatal(r.finish)
	}
	if got := w.cloud.log(mutations...); len(got) != 0 {
		t.Fatalf("a preview mutated: %v", got)
	}
	if got := join(w.cloud.ids()); got != "del-3, rep-2, same-4, upd-1" {
		t.Fatalf("cloud = %s", got)
	}
	if w.snap != before {
		t.Fatalf("the harness must not keep a preview's snapshot")
	}
	nw := r.res["new"]
	if nw.ID != "" {
		t.Fatalf("a preview create has an ID: %q", nw.ID)
	}
	if !nw.Outputs["arn"].IsUnknown() {
		t.Fatalf("computed arn = %v, want unknown", nw.Outputs["arn"])
	}
	if tok := nw.Outputs["token"]; !tok.IsSecret() || !tok.SecretElement().IsUnknown() {
		t.Fatalf("computed secret token = %v, want secret unknown", tok)
	}
	if !nw.Outputs["name"].Equal(resource.NewString("N")) || !nw.Outputs["password"].IsSecret() {
		t.Fatalf("outputs that are inputs = %v", resource.NewMap(nw.Outputs))
	}
	if _, ok := nw.Outputs["size"]; ok {
		t.Fatalf("an unset input must not appear in the outputs")
	}
	if upd := r.res["upd"]; upd.ID != "upd-1" || !upd.Outputs["arn"].IsUnknown() {
		t.Fatalf("update preview = %+v", upd)
	}
	got := join(r.log.steps(events.KindStepDone))
	want := "step-done same default, step-done update upd, step-done replace rep, step-done create new, step-done same same, step-done delete del"
	if got != want {
		t.Fatalf("events:\n got %s\nwant %s", got, want)
	}
	if !r.d.HasChanges() {
		t.Fatalf("HasChanges = false")
	}
	for _, e := range r.log.es {
		if e.Step != nil && !e.Step.DryRun {
			t.Fatalf("step not marked dry-run: %+v", e.Step)
		}
	}
}

func TestSnapshotVerifiesAfterFailure(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.up(false, thing("a", props("size", 1)), thing("old", props()))
	w.cloud.reset()
	w.cloud.fail["Create b"] = errors.New("quota exceeded")

	r := w.up(false,
		thing("a", props("size", 2)),
		thing("b", props(), dependsOn(thingURN("a"))),
		thing("c", props()),
	)
	if err := r.errs["b"]; err == nil || err.Error() != `fake:index:Thing "b": quota exceeded` {
		t.Fatalf("b: %v", err)
	}
	if !errors.Is(r.errs["c"], deploy.ErrStopped) {
		t.Fatalf("c after the failure: %v", r.errs["c"])
	}
	if r.finish == nil || !strings.Contains(r.finish.Error(), "quota exceeded") {
		t.Fatalf("Finish = %v", r.finish)
	}
	// a was updated; old was not deleted (the run failed); b and c do not exist.
	if got := join(w.cloud.log(mutations...)); got != "Update a#a-1, Create b" {
		t.Fatalf("calls: %s", got)
	}
	if got := names(w.snap); got != "default a old" {
		t.Fatalf("snapshot = %s", got)
	}
	if step := r.log.find(events.KindStepFailed, "b"); step == nil || step.Op != events.OpCreate || step.Error == "" {
		t.Fatalf("failed step = %+v", step)
	}
}

func TestSnapshotVerifiesWhileRunning(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.parallel = 8
	// An old state to replace, update and delete from, with dependencies.
	var first []*deploy.Registration
	for i := 0; i < 20; i++ {
		reg := thing(fmt.Sprintf("r%02d", i), props("zone", "z1", "size", 1))
		if i > 0 {
			reg.Dependencies = []resource.URN{thingURN(fmt.Sprintf("r%02d", i-1))}
		}
		first = append(first, reg)
	}
	w.up(false, first...)

	d, _ := w.deployment(false)
	ctx := context.Background()
	stop := make(chan struct{})
	var snaps sync.WaitGroup
	snaps.Add(1)
	var bad error
	go func() {
		defer snaps.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := d.Snapshot().Verify(); err != nil && bad == nil {
				bad = err
			}
		}
	}()
	// Register in dependency order but concurrently within "waves", like a program would: even ones replace,
	// multiples of 3 update, the last five are dropped.
	var wg sync.WaitGroup
	for i := 0; i < 15; i++ {
		zone, size := "z1", 1
		if i%2 == 0 {
			zone = "z2"
		}
		if i%3 == 0 {
			size = 2
		}
		reg := thing(fmt.Sprintf("r%02d", i), props("zone", zone, "size", size))
		if i > 0 {
			reg.Dependencies = []resource.URN{thingURN(fmt.Sprintf("r%02d", i-1))}
		}
		if _, err := d.Register(ctx, reg); err != nil {
			t.Fatal(err)
		}
		// Unrelated resources in parallel.
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := d.Register(ctx, thing(fmt.Sprintf("x%02d", i), props())); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if err := d.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	close(stop)
	snaps.Wait()
	if bad != nil {
		t.Fatalf("a snapshot taken during the run does not verify: %v", bad)
	}
	final := d.Snapshot()
	mustVerify(t, final, "at the end")
	if final.Live() != 1+15+15 || len(final.Resources) != final.Live() {
		t.Fatalf("snapshot = %s", names(final))
	}
	if got := len(w.cloud.log("Delete")); got != 8+5 {
		t.Fatalf("%d deletes, want 8 replaced + 5 dropped", got)
	}
}

func TestDestroy(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.parallel = 8
	siteURN := resource.NewURN(stackName, project, "", compType, "site")
	w.up(false,
		thing("a", props()),
		thing("b", props(), dependsOn(thingURN("a"))),
		thing("c", props(), dependsOn(thingURN("b"))),
		&deploy.Registration{Type: compType, Name: "site"},
		thing("d", props(), parent(siteURN), dependsOn(thingURN("a"))),
		thing("kept", props(), func(r *deploy.Registration) { r.RetainOnDelete = true }),
	)
	w.snap.Outputs = props("url", "x")
	w.cloud.reset()
	d, log := w.deployment(false)
	if err := d.Destroy(context.Background()); err != nil {
		t.Fatal(err)
	}
	snap := d.Snapshot()
	mustVerify(t, snap, "after Destroy")
	if len(snap.Resources) != 0 || snap.Outputs != nil {
		t.Fatalf("snapshot after destroy = %s, outputs %v", names(snap), snap.Outputs)
	}
	// The provider is started from its old state; the retained object stays in the cloud.
	calls := w.cloud.log()
	if calls[0] != "Start fake" || calls[1] != "Configure fake" {
		t.Fatalf("calls = %v", calls)
	}
	if got := join(w.cloud.ids()); got != "kept-5" {
		t.Fatalf("cloud = %s", got)
	}
	deletes := w.cloud.log("Delete")
	if len(deletes) != 4 {
		t.Fatalf("deletes = %v", deletes)
	}
	steps := log.steps(events.KindStepDone)
	before := func(x, y string) {
		i, j := indexOf(steps, "step-done delete "+x), indexOf(steps, "step-done delete "+y)
		if i < 0 || j < 0 || i > j {
			t.Fatalf("%s must be deleted before %s: %v", x, y, steps)
		}
	}
	before("c", "b")
	before("b", "a")
	before("d", "a")
	before("d", "site")
	before("a", "default")
	before("kept", "default")
	if len(steps) != 7 {
		t.Fatalf("steps = %v", steps)
	}
}

func TestProviderConfigChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.up(false, thing("a", props("size", 1)), thing("b", props("size", 1)))
	oldProv := live(w.snap)["provider:default"]
	w.cloud.reset()

	w.config = resource.PropertyMap{"region": resource.NewString("us")}
	r := w.up(false, thing("a", props("size", 1)), thing("b", props("size", 2)))
	if r.finish != nil {
		t.Fatal(r.finish)
	}
	newProv := live(w.snap)["provider:default"]
	if newProv.ID == oldProv.ID || newProv.URN != oldProv.URN || !newProv.Inputs.Equal(props("region", "us")) {
		t.Fatalf("provider %+v after %+v", newProv, oldProv)
	}
	// Every resource is diffed again under the new configuration; only b changed.
	if got := join(w.cloud.log("Configure", "Check", "Diff", "Create", "Update", "Delete")); got != "Configure fake, Check a, Diff a#a-1, Check b, Diff b#b-2, Update b#b-2" {
		t.Fatalf("calls: %s", got)
	}
	w.cloud.mu.Lock()
	cfg := w.cloud.calls[2].Props
	w.cloud.mu.Unlock()
	if !cfg.Equal(props("region", "us")) {
		t.Fatalf("configured with %v", resource.NewMap(cfg))
	}
	want := resource.NewProviderRef(newProv.URN, newProv.ID)
	for _, n := range []string{"a", "b"} {
		if got := live(w.snap)[n].Provider; got != want {
			t.Fatalf("%s uses %s, want %s", n, got, want)
		}
	}
	if step := r.log.find(events.KindStepDone, "default"); step.Op != events.OpReplace {
		t.Fatalf("provider step = %s", step.Op)
	}
	if got := names(w.snap); got != "default a b" {
		t.Fatalf("snapshot = %s", got)
	}

	// A third run with the same configuration takes the fast path again.
	w.cloud.reset()
	w.up(false, thing("a", props("size", 1)), thing("b", props("size", 2)))
	if got := w.cloud.log(resourceMethods...); len(got) != 0 {
		t.Fatalf("calls: %v", got)
	}
}

func TestExplicitProvider(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	d, _ := w.deployment(false)
	ctx := context.Background()
	pres, err := d.Register(ctx, &deploy.Registration{Type: "infra:providers:fake", Name: "east", Custom: true, Inputs: props("region", "east")})
	if err != nil {
		t.Fatal(err)
	}
	ref := resource.NewProviderRef(pres.URN, pres.ID)
	res, err := d.Register(ctx, thing("a", props(), func(r *deploy.Registration) { r.Provider = ref }))
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != "a-1" {
		t.Fatalf("result = %+v", res)
	}
	if err := d.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	s := d.Snapshot()
	mustVerify(t, s, "with an explicit provider")
	if got := names(s); got != "east a" {
		t.Fatalf("snapshot = %s (no default provider may be started)", got)
	}
	if live(s)["a"].Provider != ref {
		t.Fatalf("provider ref = %s", live(s)["a"].Provider)
	}

	// A provider reference that is not registered, or of another package, is the program's error.
	d2, _ := w.deployment(false)
	_, err = d2.Register(ctx, thing("b", props(), func(r *deploy.Registration) { r.Provider = ref }))
	if err == nil || !strings.Contains(err.Error(), "its provider "+string(pres.URN)+" is not registered in this run") {
		t.Fatalf("unregistered provider: %v", err)
	}
}

func TestProgramErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		reg  *deploy.Registration
		msg  string
	}{
		{"bad type token", thing("a", props(), typ("fake:Thing")), `resource "a": invalid type token "fake:Thing"`},
		{"unknown type with a suggestion", thing("a", props(), typ("fake:index:Thang")),
			`resource "a" has type fake:index:Thang, which provider fake (version 1.2.3) does not define (did you mean fake:index:Thing?); it defines: fake:index:Thing, fake:index:Unique`},
		{"check failures", thing("a", props("size", "huge")), "fake:index:Thing \"a\" has invalid inputs:\n    name: also wrong\n    size: too big\n  fix the resource's arguments in the program"},
		{"parent not registered", thing("a", props(), parent(thingURN("nope"))), "its parent " + string(thingURN("nope")) + " is not registered (yet) in this run"},
		{"no provider plugin", thing("a", props(), typ("other:index:Thing")), `no provider plugin for package "other"`},
		{"invalid provider config", &deploy.Registration{Type: "infra:providers:fake", Name: "p", Custom: true, Inputs: props("invalid", "x")},
			"provider fake (p) has invalid configuration:\n    invalid: must not be set, got \"x\"\n  fix the arguments of the provider resource in the program"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			r := w.up(false, tt.reg)
			err := r.errs[tt.reg.Name]
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Register = %v\nwant it to contain %q", err, tt.msg)
			}
			if r.finish == nil {
				t.Fatalf("Finish succeeded after a failed registration")
			}
			if got := w.cloud.log(mutations...); len(got) != 0 {
				t.Fatalf("mutations: %v", got)
			}
		})
	}
}

func TestImport(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.up(false, thing("orig", props("size", 1)))
	id := live(w.snap)["orig"].ID
	// Forget it from state (as if it had been created outside infra), then import it under another name.
	w.snap.Resources = w.snap.Resources[:1]
	w.cloud.reset()
	imp := func(size int) *deploy.Registration {
		return thing("adopted", props("size", size), func(r *deploy.Registration) { r.ImportID = id })
	}
	r := w.up(false, imp(2))
	if err := r.errs["adopted"]; err == nil || !strings.Contains(err.Error(), "size: the object has 1, the program says 2") {
		t.Fatalf("mismatched import: %v", err)
	}
	w.snap.Resources = w.snap.Resources[:1]
	r = w.up(false, imp(1))
	if err := r.errs["adopted"]; err != nil {
		t.Fatal(err)
	}
	if got := live(w.snap)["adopted"]; got == nil || got.ID != id {
		t.Fatalf("snapshot = %s", names(w.snap))
	}
	if got := w.cloud.log(mutations...); len(got) != 0 {
		t.Fatalf("an import mutated: %v", got)
	}
}

func TestInvoke(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	d, _ := w.deployment(false)
	out, failures, err := d.Invoke(context.Background(), "fake:index:echo", props("x", "y"), "")
	if err != nil || len(failures) != 0 || !out.Equal(props("x", "y")) {
		t.Fatalf("Invoke = %v, %v, %v", out, failures, err)
	}
	_, _, err = d.Invoke(context.Background(), "fake:index:nope", nil, "")
	if err == nil || !strings.Contains(err.Error(), "provider fake has no such function (it has: fake:index:echo)") {
		t.Fatalf("unknown function: %v", err)
	}
}

func TestDestroyPreview(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.up(false, thing("a", props()), thing("b", props(), dependsOn(thingURN("a"))))
	w.cloud.reset()
	d, log := w.deployment(true)
	if err := d.Destroy(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := w.cloud.log(); len(got) != 0 {
		t.Fatalf("a destroy preview called the provider: %v", got)
	}
	if got := join(log.steps(events.KindStepDone)); got != "step-done delete b, step-done delete a, step-done delete default" {
		t.Fatalf("steps = %s", got)
	}
	if got := join(w.cloud.ids()); got != "a-1, b-2" {
		t.Fatalf("cloud = %s", got)
	}
}
