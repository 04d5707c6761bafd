package integration

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// summaryLine is the "Resources: ..." line of a preview, up or destroy.
func summaryLine(t *testing.T, r result) string {
	t.Helper()
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "Resources: ") {
			return l
		}
	}
	t.Fatalf("no summary line in the output\n%s", r)
	return ""
}

func TestUpTwiceAndExpectNoChanges(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	s := spec{Resources: []res{{Name: "a", Value: "1"}, {Name: "b", ValueFrom: "a"}}}
	p.setSpec(s)
	wantOutput(t, p.up(), "testkit:index:Thing  a  created", "testkit:index:Thing  b  created")
	p.runCode(0, "preview", "--expect-no-changes")

	p.clearCalls()
	second := p.up()
	if line := summaryLine(t, second); !regexp.MustCompile(`^Resources: \d+ unchanged$`).MatchString(line) {
		t.Errorf("the second up should report no changes, got %q\n%s", line, second)
	}
	wantNoOutput(t, second, "creat", "updat", "replac", "delet")
	// An identical registration takes the fast path: no provider call at all (DESIGN §3.5).
	if cs := p.calls(); len(cs) > 0 {
		t.Errorf("the second up called the provider:%s", formatCalls(cs))
	}

	s.Resources[0].Value = "2"
	p.setSpec(s)
	p.clearCalls()
	changed := p.runCode(2, "preview", "--expect-no-changes")
	wantOutput(t, changed, "testkit:index:Thing  a  update", `~ value: "1" => "2"`, "--expect-no-changes")
	p.runCode(0, "preview")
	if m := mutations(p.calls()); len(m) > 0 {
		t.Errorf("preview mutated:%s", formatCalls(m))
	}
}

func TestUpdateInPlace(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	a := p.thing("a")
	p.setSpec(spec{Resources: []res{{Name: "a", Value: "1"}}})
	p.up()
	id := p.mustResource(p.state(), a).ID

	p.clearCalls()
	p.setSpec(spec{Resources: []res{{Name: "a", Value: "2"}}})
	r := p.up()
	wantOutput(t, r, "testkit:index:Thing  a  updated", `~ value: "1" => "2"`)
	if got, want := mutations(p.calls()), []call{{"update", a}}; !slices.Equal(got, want) {
		t.Errorf("expected exactly one update call, got:%s", formatCalls(got))
	}
	st := p.mustResource(p.state(), a)
	if st.ID != id {
		t.Errorf("an in-place update changed the ID from %s to %s", id, st.ID)
	}
	if st.Outputs["generation"] != float64(2) || st.Outputs["echo"] != "2" || st.Inputs["value"] != "2" {
		t.Errorf("want generation 2, echo and value 2; state has inputs %v outputs %v", st.Inputs, st.Outputs)
	}
	if got := objectsOf(p.worldObjects(), a); !slices.Equal(got, []string{id}) {
		t.Errorf("want exactly object %s for a, the world has %v", id, got)
	}
}

func TestReplaceCreatesBeforeDeleting(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	a, b := p.thing("a"), p.thing("b")
	s := spec{Resources: []res{{Name: "a", Value: "1", ReplaceKey: "k1"}, {Name: "b", ValueFrom: "a"}}}
	p.setSpec(s)
	p.up()
	oldID := p.mustResource(p.state(), a).ID

	p.clearCalls()
	s.Resources[0].Value, s.Resources[0].ReplaceKey = "2", "k2"
	p.setSpec(s)
	r := p.up()
	wantOutput(t, r, "testkit:index:Thing  a  replaced", "because of replaceKey")
	cs := p.calls()
	// The replacement exists before the old object goes, and b moves to it before then too.
	p.assertBefore(cs, "create-done", a, "delete", a)
	p.assertBefore(cs, "update-done", b, "delete", a)
	if n, m := countCalls(cs, "create", a), countCalls(cs, "delete", a); n != 1 || m != 1 {
		t.Errorf("want one create and one delete of a, got %d and %d:%s", n, m, formatCalls(cs))
	}

	st := p.state()
	newID := p.mustResource(st, a).ID
	if newID == oldID {
		t.Errorf("the replacement kept ID %s", oldID)
	}
	if got := objectsOf(p.worldObjects(), a); !slices.Equal(got, []string{newID}) {
		t.Errorf("want exactly the new object %s for a, the world has %v", newID, got)
	}
	if got := p.mustResource(st, b).Outputs["echo"]; got != "2" {
		t.Errorf("b should have been updated to the replacement's echo 2, has %v", got)
	}
	if n := len(st.things()); n != 2 {
		t.Errorf("want 2 Things in the state (no pending delete left), got %d: %v", n, st.urns())
	}
}

func TestDeleteBeforeReplace(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	a := p.thing("a")
	s := spec{Resources: []res{{Name: "a", ReplaceKey: "k1", DeleteBeforeReplace: true}}}
	p.setSpec(s)
	p.up()
	oldID := p.mustResource(p.state(), a).ID

	p.clearCalls()
	s.Resources[0].ReplaceKey = "k2"
	p.setSpec(s)
	p.up()
	cs := p.calls()
	p.assertBefore(cs, "delete-done", a, "create", a)
	newID := p.mustResource(p.state(), a).ID
	if newID == oldID {
		t.Errorf("the replacement kept ID %s", oldID)
	}
	if got := objectsOf(p.worldObjects(), a); !slices.Equal(got, []string{newID}) {
		t.Errorf("want exactly the new object %s for a, the world has %v", newID, got)
	}
}

// chain declares <prefix>a ← <prefix>b ← <prefix>c, each depending on the previous one both through DependsOn and
// through its value.
func chain(prefix string) []res {
	return []res{
		{Name: prefix + "a", Value: prefix},
		{Name: prefix + "b", ValueFrom: prefix + "a", DependsOn: []string{prefix + "a"}},
		{Name: prefix + "c", ValueFrom: prefix + "b", DependsOn: []string{prefix + "b"}},
	}
}

func TestDeletesInReverseDependencyOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		chains []string
	}{
		{"one chain", []string{"x"}},
		{"two independent chains", []string{"x", "y"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newProject(t)
			var s spec
			for _, c := range tc.chains {
				s.Resources = append(s.Resources, chain(c)...)
			}
			p.setSpec(s)
			p.up()

			p.clearCalls()
			p.setSpec(spec{})
			p.up()
			cs := p.calls()
			for _, c := range tc.chains {
				a, b, cc := p.thing(c+"a"), p.thing(c+"b"), p.thing(c+"c")
				p.assertBefore(cs, "delete-done", cc, "delete", b)
				p.assertBefore(cs, "delete-done", b, "delete", a)
			}
			if n := countCalls(cs, "delete", ""); n != 3*len(tc.chains) {
				t.Errorf("want %d deletes, got %d:%s", 3*len(tc.chains), n, formatCalls(cs))
			}
			if th := p.state().things(); len(th) != 0 {
				t.Errorf("the state still holds %d Things", len(th))
			}
			if w := p.worldObjects(); len(w) != 0 {
				t.Errorf("objects left in the world: %v", w)
			}
		})
	}
}

func TestIgnoreChanges(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	a, b := p.thing("a"), p.thing("b")
	s := spec{Resources: []res{{Name: "a", Value: "1", IgnoreChanges: []string{"value"}}, {Name: "b", Value: "1"}}}
	p.setSpec(s)
	p.up()

	// The ignored property changes: nothing happens to a; b, which ignores nothing, is updated.
	p.clearCalls()
	s.Resources[0].Value, s.Resources[1].Value = "2", "2"
	p.setSpec(s)
	p.up()
	if got, want := mutations(p.calls()), []call{{"update", b}}; !slices.Equal(got, want) {
		t.Errorf("want only b updated, got:%s", formatCalls(got))
	}
	st := p.mustResource(p.state(), a)
	if st.Inputs["value"] != "1" || st.Outputs["echo"] != "1" {
		t.Errorf("a's ignored value should stay 1 in the state; inputs %v outputs %v", st.Inputs, st.Outputs)
	}
	p.runCode(0, "preview", "--expect-no-changes")

	// A change to a property a does not ignore still updates it, and the ignored one keeps its old value.
	p.clearCalls()
	s.Resources[0].Value, s.Resources[0].SleepMs = "3", 1
	p.setSpec(s)
	p.up()
	if got, want := mutations(p.calls()), []call{{"update", a}}; !slices.Equal(got, want) {
		t.Errorf("want a updated once, got:%s", formatCalls(got))
	}
	st = p.mustResource(p.state(), a)
	if st.Inputs["value"] != "1" || st.Inputs["sleepMs"] != float64(1) || st.Outputs["generation"] != float64(2) {
		t.Errorf("want value 1 (ignored), sleepMs 1, generation 2; inputs %v outputs %v", st.Inputs, st.Outputs)
	}
}

func TestDependsOnOrdersCreates(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	a, b := p.thing("a"), p.thing("b")
	p.setSpec(spec{Resources: []res{
		{Name: "a", Value: "a", SleepMs: 600},
		{Name: "b", Value: "b", SleepMs: 100, DependsOn: []string{"a"}},
	}})
	p.up()
	p.assertBefore(p.calls(), "create-done", a, "create", b)
	st := p.state()
	if deps := p.mustResource(st, b).Dependencies; !slices.Contains(deps, a) {
		t.Errorf("b's dependencies in the state should include %s, are %v", a, deps)
	}
	if deps := p.mustResource(st, a).Dependencies; len(deps) != 0 {
		t.Errorf("a depends on nothing, the state says %v", deps)
	}
}

func TestDependsOnComponentWaitsForChildren(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	child := p.urn("spec:index:Group$testkit:index:Thing", "child")
	after := p.thing("after")
	p.setSpec(spec{Resources: []res{
		{Name: "g", Kind: "component"},
		{Name: "child", Parent: "g", Value: "1", SleepMs: 600},
		{Name: "after", Value: "2", DependsOn: []string{"g"}},
	}})
	p.up()
	p.assertBefore(p.calls(), "create-done", child, "create", after)
	if deps := p.mustResource(p.state(), after).Dependencies; !slices.Contains(deps, child) {
		t.Errorf("after depends on the component and so on its child %s; the state says %v", child, deps)
	}
}

// lineWith returns the index of the first line of out containing all of subs, and the column of the first.
func lineWith(out string, subs ...string) (line, col int) {
	for i, l := range strings.Split(out, "\n") {
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(l, s)
		}
		if ok {
			return i, strings.Index(l, subs[0])
		}
	}
	return -1, -1
}

func TestComponentChildren(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	g := p.urn("spec:index:Group", "g")
	c1, c2 := p.urn("spec:index:Group$testkit:index:Thing", "c1"), p.urn("spec:index:Group$testkit:index:Thing", "c2")
	p.setSpec(spec{Resources: []res{
		{Name: "g", Kind: "component"},
		{Name: "c1", Parent: "g", Value: "1"},
		{Name: "c2", Parent: "g", ValueFrom: "c1"},
		{Name: "x", Value: "x"},
	}})
	r := p.up()
	st := p.state()
	if gr := p.mustResource(st, g); gr.Type != "spec:index:Group" || gr.Parent != "" {
		t.Errorf("component entry: type %s parent %q", gr.Type, gr.Parent)
	}
	for _, c := range []string{c1, c2} {
		if cr := p.mustResource(st, c); cr.Parent != g {
			t.Errorf("%s: parent is %q, want %s", c, cr.Parent, g)
		}
	}
	gLine, gCol := lineWith(r.stdout, "spec:index:Group  g", "created")
	for _, name := range []string{"c1", "c2"} {
		line, col := lineWith(r.stdout, "testkit:index:Thing  "+name, "created")
		if gLine < 0 || line < 0 {
			t.Fatalf("no created lines for g and %s\n%s", name, r)
		}
		if line < gLine || col != gCol+2 {
			t.Errorf("%s should be listed after its component and indented under it (column %d, component at %d)\n%s", name, col, gCol, r)
		}
	}

	// Removing the component removes its children first.
	p.clearCalls()
	p.setSpec(spec{Resources: []res{{Name: "x", Value: "x"}}})
	r = p.up()
	cs := p.calls()
	p.assertBefore(cs, "delete-done", c2, "delete", c1)
	gDel, _ := lineWith(r.stdout, "spec:index:Group  g", "delet")
	for _, name := range []string{"c1", "c2"} {
		line, _ := lineWith(r.stdout, "testkit:index:Thing  "+name, "deleted")
		if line < 0 || gDel < 0 || line > gDel {
			t.Errorf("%s should be deleted before its component g starts deleting\n%s", name, r)
		}
	}
	st = p.state()
	for _, u := range []string{g, c1, c2} {
		if st.resource(u) != nil {
			t.Errorf("%s is still in the state", u)
		}
	}
	p.assertWorldMatchesState()
}

func TestDestroy(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	p.setSpec(spec{Resources: append(chain("x"), res{Name: "d", Value: "d"})})
	p.up()
	n := len(p.state().Resources)

	r := p.runCode(1, "stack", "rm", "dev", "--yes")
	wantOutput(t, r, fmt.Sprintf("stack dev still has %d resources", n), "infra destroy")

	p.clearCalls()
	p.mustRun("destroy", "--yes")
	cs := p.calls()
	p.assertBefore(cs, "delete-done", p.thing("xc"), "delete", p.thing("xb"))
	p.assertBefore(cs, "delete-done", p.thing("xb"), "delete", p.thing("xa"))
	p.mustCallIndex(cs, "delete-done", p.thing("d"))
	if st := p.state(); len(st.Resources) != 0 {
		t.Errorf("destroy left resources in the state: %v", st.urns())
	}
	if w := p.worldObjects(); len(w) != 0 {
		t.Errorf("destroy left objects in the world: %v", w)
	}
	p.mustRun("stack", "rm", "dev", "--yes")
}
