package data

import (
	"strings"
	"testing"

	"github.com/infrago/infra/providers/builtin/internal/kittest"
	"github.com/infrago/infra/sdk/resource"
)

func TestSchema(t *testing.T) {
	t.Parallel()
	s, err := Provider().BuildSchema()
	if err != nil {
		t.Fatalf("BuildSchema: %v", err)
	}
	rs := s.Resources[DataToken]
	for _, name := range []string{"value", "triggersReplace"} {
		in, out := rs.Inputs[name], rs.Outputs[name]
		if in.Type != "any" || in.Required || in.Description == "" || out.Type != "any" {
			t.Errorf("%s: input %+v, output %+v; want optional, documented, any", name, in, out)
		}
	}
	if rs.Inputs["value"].ReplaceOnChanges || !rs.Inputs["triggersReplace"].ReplaceOnChanges {
		t.Error("only triggersReplace should replace on change")
	}
}

// values holds one of every kind of property value, with secrets and references nested at several depths.
func values() map[string]resource.PropertyValue {
	urn := resource.NewURN("dev", "proj", "", "random:index:String", "s")
	secret := resource.MakeSecret(resource.NewString("canary"))
	return map[string]resource.PropertyValue{
		"string":         resource.NewString("hello"),
		"empty string":   resource.NewString(""),
		"number":         resource.NewNumber(-1.5),
		"bool":           resource.NewBool(false),
		"empty list":     resource.NewList(nil),
		"empty map":      resource.NewMap(nil),
		"top secret":     secret,
		"secret map":     resource.MakeSecret(resource.NewMap(resource.PropertyMap{"a": resource.NewNumber(1)})),
		"reference":      resource.NewRef(urn, "id-1"),
		"list with null": resource.NewList([]resource.PropertyValue{resource.Null(), resource.NewNumber(0)}),
		"nested": resource.NewMap(resource.PropertyMap{
			"list": resource.NewList([]resource.PropertyValue{
				resource.NewString("x"),
				resource.NewMap(resource.PropertyMap{"deep": secret, "ref": resource.NewRef(urn, "")}),
				resource.NewList([]resource.PropertyValue{secret, resource.NewBool(true)}),
			}),
			"secret list": resource.MakeSecret(resource.NewList([]resource.PropertyValue{resource.NewNumber(1e300)})),
		}),
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for name, v := range values() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := kittest.New(t, Provider(), DataToken)
			news := resource.PropertyMap{"value": v, "triggersReplace": v}
			id, in, out := h.MustCreate(news)
			if len(id) != 32 {
				t.Errorf("ID %q is not 32 hex characters", id)
			}
			if !in.Equal(news) {
				t.Errorf("checked inputs = %v, want %v", resource.NewMap(in), resource.NewMap(news))
			}
			if !out.Equal(news) {
				t.Errorf("outputs = %v, want %v", resource.NewMap(out), resource.NewMap(news))
			}
			if v.ContainsSecrets() && !out["value"].ContainsSecrets() {
				t.Error("secret lost")
			}
			upd, err := h.Update(id, in, out, news, 0)
			if err != nil || !upd.Equal(news) {
				t.Errorf("Update = %v, %v; want the inputs", resource.NewMap(upd), err)
			}
			rid, rin, rout, err := h.Read(id, in, out)
			if err != nil || rid != id || !rin.Equal(in) || !rout.Equal(out) {
				t.Errorf("Read = %q %v %v, %v; want state as it is", rid, resource.NewMap(rin), resource.NewMap(rout), err)
			}
		})
	}
}

func TestEmptyAndUnknown(t *testing.T) {
	t.Parallel()
	h := kittest.New(t, Provider(), DataToken)
	_, _, out := h.MustCreate(resource.PropertyMap{})
	if len(out) != 0 {
		t.Errorf("outputs = %v, want none", resource.NewMap(out))
	}
	// During preview an input may not be known yet; Check lets it through unchanged.
	news := resource.PropertyMap{"value": resource.NewList([]resource.PropertyValue{resource.Unknown()})}
	if in := h.MustCheck(news); !in.Equal(news) {
		t.Errorf("checked = %v", resource.NewMap(in))
	}
	if _, failures := h.Check(nil, resource.PropertyMap{"valeu": resource.NewNumber(1)}); len(failures) != 1 ||
		!strings.Contains(failures[0], `did you mean "value"`) {
		t.Errorf("failures = %q", failures)
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	secret := func(s string) resource.PropertyValue { return resource.MakeSecret(resource.NewString(s)) }
	old := resource.PropertyMap{"value": resource.NewString("a"), "triggersReplace": resource.NewNumber(1)}
	tests := []struct {
		name              string
		news              resource.PropertyMap
		changed, replaces string
	}{
		{"same", old, "", ""},
		{"value", resource.PropertyMap{"value": resource.NewString("b"), "triggersReplace": resource.NewNumber(1)}, "value", ""},
		{"value removed", resource.PropertyMap{"triggersReplace": resource.NewNumber(1)}, "value", ""},
		{"trigger", resource.PropertyMap{"value": resource.NewString("a"), "triggersReplace": resource.NewNumber(2)}, "triggersReplace", "triggersReplace"},
		{"secretness only", resource.PropertyMap{"value": secret("a"), "triggersReplace": resource.NewNumber(1)}, "", ""},
		{"unknown", resource.PropertyMap{"value": resource.Unknown(), "triggersReplace": resource.NewNumber(1)}, "value", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := kittest.New(t, Provider(), DataToken)
			d := h.Diff("id", old, old, tt.news)
			if got := strings.Join(d.GetDiffs(), ","); got != tt.changed {
				t.Errorf("changed = %q, want %q", got, tt.changed)
			}
			if got := strings.Join(d.GetReplaces(), ","); got != tt.replaces {
				t.Errorf("replaces = %q, want %q", got, tt.replaces)
			}
		})
	}
}

func TestImportUnsupported(t *testing.T) {
	t.Parallel()
	h := kittest.New(t, Provider(), DataToken)
	if _, _, _, err := h.Read("x", nil, nil); err == nil || !strings.Contains(err.Error(), "cannot be imported") {
		t.Fatalf("import = %v, want an error", err)
	}
}

func BenchmarkCreate(b *testing.B) {
	h := kittest.New(b, Provider(), DataToken)
	in := resource.PropertyMap{"value": resource.NewMap(resource.PropertyMap{"a": resource.NewString("b"), "n": resource.NewNumber(1)})}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := h.Create(in, 0); err != nil {
			b.Fatal(err)
		}
	}
}
