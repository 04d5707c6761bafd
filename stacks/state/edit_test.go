package state

import (
	"strings"
	"testing"

	"github.com/infrago/infra/sdk/resource"
)

// world is a small state: a provider, a component with a child, and two resources with a dependency between them.
//
//	provider default     (infra:providers:random)
//	comp                 (acme:web:Site)
//	comp$child           (random:index:String, parent comp)
//	a                    (random:index:String)
//	b → a                (random:index:String, depends on a)
func world(stack string) *Snapshot {
	prov := resource.NewURN(stack, "shop", "", "infra:providers:random", "default")
	pref := resource.NewProviderRef(prov, "p-1")
	comp := resource.NewURN(stack, "shop", "", "acme:web:Site", "comp")
	child := resource.NewURN(stack, "shop", "acme:web:Site", "random:index:String", "child")
	a := resource.NewURN(stack, "shop", "", "random:index:String", "a")
	b := resource.NewURN(stack, "shop", "", "random:index:String", "b")
	return &Snapshot{Project: "shop", Stack: stack, Resources: SortResources([]*Resource{
		{URN: prov, Type: "infra:providers:random", ID: "p-1", Custom: true},
		{URN: comp, Type: "acme:web:Site"},
		{URN: child, Type: "random:index:String", ID: "c", Custom: true, Parent: comp, Provider: pref, InputsHash: "h"},
		{URN: a, Type: "random:index:String", ID: "a", Custom: true, Provider: pref},
		{URN: b, Type: "random:index:String", ID: "b", Custom: true, Provider: pref, Dependencies: []resource.URN{a}},
	})}
}

func urnOf(stack, parentType, typ, name string) resource.URN {
	return resource.NewURN(stack, "shop", parentType, typ, name)
}

func names(s *Snapshot) string {
	var out []string
	for _, r := range s.Resources {
		out = append(out, r.URN.Name())
	}
	return strings.Join(out, ",")
}

func TestForget(t *testing.T) {
	t.Parallel()
	a := urnOf("dev", "", "random:index:String", "a")
	comp := urnOf("dev", "", "acme:web:Site", "comp")
	for _, tc := range []struct {
		name    string
		urn     resource.URN
		opts    ForgetOptions
		protect bool
		left    string
		n       int
		wantErr string
	}{
		{name: "refused with dependents", urn: a, wantErr: "resources depend on"},
		{name: "with dependents", urn: a, opts: ForgetOptions{WithDependents: true}, left: "default,comp,child", n: 2},
		{name: "force drops the dependency", urn: a, opts: ForgetOptions{Force: true}, left: "default,comp,child,b", n: 1},
		{name: "a parent cannot be forced away", urn: comp, opts: ForgetOptions{Force: true}, wantErr: "parent or provider"},
		{name: "component and child", urn: comp, opts: ForgetOptions{WithDependents: true}, left: "default,a,b", n: 2},
		{name: "protected", urn: a, opts: ForgetOptions{WithDependents: true}, protect: true, wantErr: "protected"},
		{name: "unknown", urn: urnOf("dev", "", "random:index:String", "zz"), wantErr: "infra state ls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			snap := world("dev")
			if tc.protect {
				snap.Index()[tc.urn].Protect = true
			}
			before := names(snap)
			out, n, err := Forget(snap, tc.urn, tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := names(out); got != tc.left || n != tc.n {
				t.Fatalf("left %s (%d forgotten), want %s (%d)", got, n, tc.left, tc.n)
			}
			if names(snap) != before || len(snap.Index()[urnOf("dev", "", "random:index:String", "b")].Dependencies) != 1 {
				t.Fatal("Forget changed its input")
			}
		})
	}
}

func TestRename(t *testing.T) {
	t.Parallel()
	snap := world("dev")
	a := urnOf("dev", "", "random:index:String", "a")
	out, to, err := Rename(snap, a, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if to != urnOf("dev", "", "random:index:String", "alpha") {
		t.Fatalf("renamed to %s", to)
	}
	b := out.Index()[urnOf("dev", "", "random:index:String", "b")]
	if b.Dependencies[0] != to || snap.Index()[a] == nil {
		t.Fatalf("b depends on %v after the rename (input changed: %v)", b.Dependencies, snap.Index()[a] == nil)
	}
	child := urnOf("dev", "acme:web:Site", "random:index:String", "child")
	out, to, err = Rename(snap, child, "kid")
	if err != nil || to != urnOf("dev", "acme:web:Site", "random:index:String", "kid") || out.Index()[to].Parent == "" {
		t.Fatalf("a child keeps its parent type: %s %v", to, err)
	}
	if _, _, err := Rename(snap, a, "b"); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Fatalf("rename onto an existing name: %v", err)
	}
	comp := urnOf("dev", "", "acme:web:Site", "comp")
	out, to, err = Rename(snap, comp, "site")
	if err != nil {
		t.Fatal(err)
	}
	if out.Index()[child].Parent != to {
		t.Fatalf("the child's parent reference was not renamed: %v", out.Index()[child].Parent)
	}
}

func TestMove(t *testing.T) {
	t.Parallel()
	t.Run("component with child to an empty stack", func(t *testing.T) {
		t.Parallel()
		from := world("dev")
		m, err := Move(from, &Snapshot{Project: "shop", Stack: "prod"}, []resource.URN{urnOf("dev", "", "acme:web:Site", "comp")})
		if err != nil {
			t.Fatal(err)
		}
		if m.Count != 2 || names(m.To) != "default,comp,child" || names(m.From) != "default,a,b" || len(m.Dropped) != 0 {
			t.Fatalf("moved %d: to %s, from %s, dropped %v", m.Count, names(m.To), names(m.From), m.Dropped)
		}
		child := m.To.Index()[urnOf("prod", "acme:web:Site", "random:index:String", "child")]
		if child == nil || child.Parent.Stack() != "prod" || child.Provider.URN().Stack() != "prod" || child.InputsHash != "" {
			t.Fatalf("moved child %+v", child)
		}
	})
	t.Run("dependency left behind is dropped; provider moves when unused", func(t *testing.T) {
		t.Parallel()
		from := world("dev")
		m, err := Move(from, &Snapshot{Project: "shop", Stack: "prod"}, []resource.URN{
			urnOf("dev", "", "random:index:String", "b"), urnOf("dev", "", "random:index:String", "a"),
			urnOf("dev", "", "acme:web:Site", "comp")})
		if err != nil {
			t.Fatal(err)
		}
		if names(m.From) != "" || m.Count != 4 {
			t.Fatalf("the provider stayed although nothing uses it: %s", names(m.From))
		}
		m, err = Move(world("dev"), &Snapshot{Project: "shop", Stack: "prod"}, []resource.URN{urnOf("dev", "", "random:index:String", "b")})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Dropped) != 1 || !strings.Contains(m.Dropped[0], "::a") {
			t.Fatalf("dropped %v", m.Dropped)
		}
		if b := m.To.Index()[urnOf("prod", "", "random:index:String", "b")]; len(b.Dependencies) != 0 {
			t.Fatalf("b keeps a dependency on another stack: %v", b.Dependencies)
		}
	})
	t.Run("destination provider is reused, resource collision refused", func(t *testing.T) {
		t.Parallel()
		to := world("prod")
		a := urnOf("dev", "", "random:index:String", "a")
		if _, err := Move(world("dev"), to, []resource.URN{a}); err == nil || !strings.Contains(err.Error(), "already has") {
			t.Fatalf("moving onto an existing resource: %v", err)
		}
		to.Resources = to.Resources[:1] // only its provider
		m, err := Move(world("dev"), to, []resource.URN{urnOf("dev", "", "random:index:String", "b")})
		if err != nil {
			t.Fatal(err)
		}
		if names(m.To) != "default,b" {
			t.Fatalf("destination: %s", names(m.To))
		}
	})
	t.Run("bad input", func(t *testing.T) {
		t.Parallel()
		if _, err := Move(world("dev"), &Snapshot{Project: "shop", Stack: "dev"}, nil); err == nil {
			t.Fatal("a move to the same stack was accepted")
		}
		if _, err := Move(world("dev"), &Snapshot{Project: "shop", Stack: "prod"}, []resource.URN{"urn:infra:dev::shop::x:y:Z::nope"}); err == nil {
			t.Fatal("a move of an unknown resource was accepted")
		}
	})
}
