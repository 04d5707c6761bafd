package state

import (
	"strings"
	"testing"

	"github.com/infrago/infra/sdk/resource"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	a, b, c := urn("t:m:T", "a"), urn("t:m:T", "b"), urn("t:m:T", "c")
	res := func(u resource.URN, deps ...resource.URN) *Resource {
		return &Resource{URN: u, Type: u.Type(), Custom: true, ID: "id-" + u.Name(), Dependencies: deps}
	}
	// Constructors, not shared values: pending() marks its argument.
	prov := func() *Resource { return &Resource{URN: provURN, Type: provURN.Type(), Custom: true, ID: "prov-1"} }
	provNew := func() *Resource { return &Resource{URN: provURN, Type: provURN.Type(), Custom: true, ID: "prov-2"} }
	withProv := func(u resource.URN, ref resource.ProviderRef) *Resource {
		r := res(u)
		r.Provider = ref
		return r
	}
	pending := func(r *Resource) *Resource { r.Delete = true; return r }
	withParent := func(r *Resource, p resource.URN) *Resource { r.Parent = p; return r }

	tests := []struct {
		name string
		rs   []*Resource
		// want lists the exact problem lines; nil means the snapshot is consistent.
		want []string
	}{
		{name: "empty"},
		{name: "consistent", rs: []*Resource{prov(), res(a), withProv(b, provRef), withParent(res(c, a, b), a)}},
		{
			name: "pending deletes may share a URN with the live entry and each other",
			rs:   []*Resource{prov(), pending(withProv(a, provRef)), pending(withProv(a, provRef)), withProv(a, provRef), res(b, a)},
		},
		{
			name: "old provider instance kept for its pending deletes",
			rs:   []*Resource{pending(prov()), provNew(), pending(withProv(a, provRef)), withProv(a, resource.NewProviderRef(provURN, "prov-2"))},
		},
		{
			name: "duplicate live URN",
			rs:   []*Resource{res(a), res(b), res(a)},
			want: []string{string(a) + " appears twice"},
		},
		{
			name: "reference to a later resource",
			rs:   []*Resource{res(a, b), res(b)},
			want: []string{string(a) + " refers to " + string(b) + ", which is not listed before it"},
		},
		{
			name: "parent listed later",
			rs:   []*Resource{withParent(res(a), b), res(b)},
			want: []string{string(a) + " refers to " + string(b) + ", which is not listed before it"},
		},
		{
			name: "reference to a missing resource",
			rs:   []*Resource{res(a, c)},
			want: []string{string(a) + " refers to " + string(c) + ", which is not listed before it"},
		},
		{
			name: "provider listed later",
			rs:   []*Resource{withProv(a, provRef), prov()},
			want: []string{string(a) + " refers to " + string(provURN) + ", which is not listed before it"},
		},
		{
			name: "provider ID mismatch",
			rs:   []*Resource{prov(), withProv(a, resource.NewProviderRef(provURN, "prov-9"))},
			want: []string{string(a) + " refers to provider " + string(provURN) + ` with ID "prov-9", which no earlier entry has`},
		},
		{
			name: "invalid URN and wrong type",
			rs:   []*Resource{{URN: "bogus", Type: "t:m:T"}, {URN: a, Type: "t:m:Other"}},
			want: []string{`resource #0 has an invalid URN "bogus"`, string(a) + ` has type "t:m:Other" but its URN says "t:m:T"`},
		},
		{
			name: "two-resource cycle reported with its path",
			rs:   []*Resource{res(a, b), res(b, a)},
			want: []string{
				string(a) + " refers to " + string(b) + ", which is not listed before it",
				"dependency cycle: " + string(a) + " → " + string(b) + " → " + string(a),
			},
		},
		{
			name: "three-resource cycle through parent and provider edges",
			rs:   []*Resource{res(c), withParent(res(b), a), withProv(a, resource.NewProviderRef(c, "id-c")), func() *Resource { r := res(c, b); r.Delete = true; return r }()},
			want: []string{
				string(b) + " refers to " + string(a) + ", which is not listed before it",
				"dependency cycle: " + string(a) + " → " + string(c) + " → " + string(b) + " → " + string(a),
			},
		},
		{
			name: "self reference",
			rs:   []*Resource{res(a, a)},
			want: []string{
				string(a) + " refers to " + string(a) + ", which is not listed before it",
				"dependency cycle: " + string(a) + " → " + string(a),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := (&Snapshot{Project: proj, Stack: stack, Resources: tt.rs}).Verify()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Verify accepted an inconsistent snapshot")
			}
			want := "inconsistent snapshot:\n  " + strings.Join(tt.want, "\n  ")
			if err.Error() != want {
				t.Fatalf("Verify:\n%s\nwant:\n%s", err, want)
			}
		})
	}
}

func TestSnapshotHelpers(t *testing.T) {
	t.Parallel()
	s := sampleSnapshot()
	if err := s.Verify(); err != nil {
		t.Fatalf("sample snapshot: %v", err)
	}
	if s.Live() != 4 {
		t.Errorf("Live = %d, want 4 (one pending delete)", s.Live())
	}
	idx := s.Index()
	if len(idx) != 4 || idx[pwURN].ID != "pw-1" {
		t.Errorf("Index must hold the live entry of a URN, got %+v", idx[pwURN])
	}
	r := s.Resources[3]
	edges := r.Edges()
	want := []resource.URN{compURN, provURN, provURN}
	if len(edges) != len(want) {
		t.Fatalf("Edges = %v", edges)
	}
	for i := range want {
		if edges[i] != want[i] {
			t.Fatalf("Edges = %v, want %v (parent, provider, dependencies)", edges, want)
		}
	}
	if e := (&Resource{URN: provURN}).Edges(); len(e) != 0 {
		t.Errorf("a resource with nothing has edges %v", e)
	}

	c := r.Copy()
	c.Dependencies[0] = "changed"
	c.InitErrors[0] = "changed"
	c.Timeouts.Create = 999
	c.ID = "other"
	if r.Dependencies[0] != provURN || r.InitErrors[0] != "not ready" || r.Timeouts.Create != 60 || r.ID != "pw-1" {
		t.Fatalf("Copy shares state with the original: %+v", r)
	}
	if (&Resource{}).Copy().Timeouts != nil {
		t.Fatalf("Copy invented timeouts")
	}
}
