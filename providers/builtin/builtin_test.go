package builtin

import (
	"slices"
	"testing"

	"github.com/infrago/infra/sdk/provider"
)

func TestLookupAndSchemas(t *testing.T) {
	t.Parallel()
	names := Names()
	if want := []string{"aws", "command", "data", "digitalocean", "gcp", "random"}; !slices.Equal(names, want) {
		t.Fatalf("Names() = %v, want %v", names, want)
	}
	for _, name := range names {
		p, ok := Lookup(name)
		if !ok {
			t.Fatalf("Lookup(%q) found nothing", name)
		}
		if p.Name != name || p.Version == "" || p.Description == "" {
			t.Errorf("Lookup(%q) = provider %q version %q", name, p.Name, p.Version)
		}
		s, err := p.BuildSchema()
		if err != nil {
			t.Fatalf("%s: BuildSchema: %v", name, err)
		}
		raw, err := provider.MarshalSchema(s)
		if err != nil {
			t.Fatalf("%s: MarshalSchema: %v", name, err)
		}
		if _, err := provider.UnmarshalSchema(raw); err != nil {
			t.Fatalf("%s: schema does not read back: %v", name, err)
		}
		if _, err := provider.NewServer(p); err != nil {
			t.Fatalf("%s: NewServer: %v", name, err)
		}
		for tok, rs := range s.Resources {
			if rs.Description == "" {
				t.Errorf("%s has no description", tok)
			}
			for prop, ps := range rs.Inputs {
				if ps.Description == "" {
					t.Errorf("%s input %s has no doc", tok, prop)
				}
			}
			for prop, ps := range rs.Outputs {
				if ps.Description == "" {
					t.Errorf("%s output %s has no doc", tok, prop)
				}
			}
		}
	}
	if _, ok := Lookup("no-such-provider"); ok {
		t.Error("Lookup(no-such-provider) found a built-in provider")
	}
}

func TestLookupReturnsFreshValues(t *testing.T) {
	t.Parallel()
	a, _ := Lookup("random")
	a.Resources = nil
	a.Name = "changed"
	b, _ := Lookup("random")
	if b.Name != "random" || len(b.Resources) != 3 {
		t.Fatalf("a change to one Lookup result leaked into the next: %+v", b)
	}
}
