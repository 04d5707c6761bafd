package resource

import (
	"math"
	"testing"
)

var testURN = NewURN("dev", "p", "", "random:index:String", "a")

func TestKindString(t *testing.T) {
	t.Parallel()
	want := map[Kind]string{KindNull: "null", KindBool: "bool", KindNumber: "number", KindString: "string",
		KindList: "list", KindMap: "map", KindSecret: "secret", KindUnknown: "unknown", KindRef: "ref", Kind(42): "kind(42)"}
	for k, w := range want {
		if k.String() != w {
			t.Errorf("Kind(%d).String() = %q, want %q", k, k.String(), w)
		}
	}
}

func TestConstructorsAndAccessors(t *testing.T) {
	t.Parallel()
	if v := Null(); v.Kind() != KindNull || !v.IsNull() || (PropertyValue{}).Kind() != KindNull {
		t.Errorf("zero value is not null")
	}
	if v := NewBool(true); v.Kind() != KindBool || !v.BoolValue() {
		t.Errorf("NewBool")
	}
	if v := NewNumber(2.5); v.Kind() != KindNumber || v.NumberValue() != 2.5 {
		t.Errorf("NewNumber")
	}
	if v := NewString("x"); v.Kind() != KindString || v.StringValue() != "x" {
		t.Errorf("NewString")
	}
	if v := NewList(nil); v.Kind() != KindList || v.ListValue() == nil || len(v.ListValue()) != 0 {
		t.Errorf("NewList(nil) must be an empty, non-nil list")
	}
	if v := NewMap(nil); v.Kind() != KindMap || v.MapValue() == nil || len(v.MapValue()) != 0 {
		t.Errorf("NewMap(nil) must be an empty, non-nil map")
	}
	s := MakeSecret(NewString("pw"))
	if !s.IsSecret() || s.SecretElement().StringValue() != "pw" || s.StringValue() != "" {
		t.Errorf("MakeSecret: %#v", s)
	}
	if ss := MakeSecret(s); !ss.Equal(s) || ss.SecretElement().Kind() != KindString {
		t.Errorf("MakeSecret of a secret must not nest: %#v", ss)
	}
	if NewString("x").SecretElement().Kind() != KindNull {
		t.Errorf("SecretElement of a non-secret must be null")
	}
	if u := Unknown(); !u.IsUnknown() || u.Kind() != KindUnknown {
		t.Errorf("Unknown")
	}
	r := NewRef(testURN, "id-1")
	if r.Kind() != KindRef || r.RefValue() != (Reference{URN: testURN, ID: "id-1"}) {
		t.Errorf("NewRef: %#v", r.RefValue())
	}
	if NewString("x").RefValue() != (Reference{}) {
		t.Errorf("RefValue of a non-ref must be empty")
	}
	// Accessors of the wrong kind give zero values.
	if NewString("x").BoolValue() || NewString("x").NumberValue() != 0 || NewString("x").ListValue() != nil || NewString("x").MapValue() != nil {
		t.Errorf("wrong-kind accessors must give zero values")
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	tests := []struct {
		name              string
		a, b              PropertyValue
		equal, equalPlain bool
	}{
		{"null null", Null(), Null(), true, true},
		{"null vs unknown", Null(), Unknown(), false, false},
		{"null vs empty string", Null(), NewString(""), false, false},
		{"unknown unknown", Unknown(), Unknown(), true, true},
		{"bool", NewBool(true), NewBool(true), true, true},
		{"bool differs", NewBool(true), NewBool(false), false, false},
		{"number", NewNumber(1), NewNumber(1), true, true},
		{"number differs", NewNumber(1), NewNumber(1.0000001), false, false},
		{"zero and negative zero", NewNumber(0), NewNumber(math.Copysign(0, -1)), true, true},
		{"NaN equals NaN", NewNumber(nan), NewNumber(nan), true, true},
		{"NaN vs number", NewNumber(nan), NewNumber(0), false, false},
		{"inf", NewNumber(math.Inf(1)), NewNumber(math.Inf(1)), true, true},
		{"number vs string", NewNumber(1), NewString("1"), false, false},
		{"string", NewString("a"), NewString("a"), true, true},
		{"string differs", NewString("a"), NewString("b"), false, false},
		{"list", NewList([]PropertyValue{NewNumber(1), NewString("x")}), NewList([]PropertyValue{NewNumber(1), NewString("x")}), true, true},
		{"list order", NewList([]PropertyValue{NewNumber(1), NewNumber(2)}), NewList([]PropertyValue{NewNumber(2), NewNumber(1)}), false, false},
		{"list length", NewList([]PropertyValue{NewNumber(1)}), NewList([]PropertyValue{NewNumber(1), NewNumber(1)}), false, false},
		{"empty list vs empty map", NewList(nil), NewMap(nil), false, false},
		{"map", NewMap(PropertyMap{"a": NewNumber(1)}), NewMap(PropertyMap{"a": NewNumber(1)}), true, true},
		{"map extra key", NewMap(PropertyMap{"a": NewNumber(1)}), NewMap(PropertyMap{"a": NewNumber(1), "b": Null()}), false, false},
		{"map other key", NewMap(PropertyMap{"a": NewNumber(1)}), NewMap(PropertyMap{"b": NewNumber(1)}), false, false},
		{"map nested NaN", NewMap(PropertyMap{"a": NewList([]PropertyValue{NewNumber(nan)})}), NewMap(PropertyMap{"a": NewList([]PropertyValue{NewNumber(nan)})}), true, true},
		{"secret secret", MakeSecret(NewString("x")), MakeSecret(NewString("x")), true, true},
		{"secret differs", MakeSecret(NewString("x")), MakeSecret(NewString("y")), false, false},
		{"secret vs plain", MakeSecret(NewString("x")), NewString("x"), false, true},
		{"plain vs secret", NewString("x"), MakeSecret(NewString("x")), false, true},
		{"secret vs plain differs", MakeSecret(NewString("x")), NewString("y"), false, false},
		{"secret inside map vs plain", NewMap(PropertyMap{"p": MakeSecret(NewNumber(1))}), NewMap(PropertyMap{"p": NewNumber(1)}), false, true},
		{"secret map vs map of secret", MakeSecret(NewMap(PropertyMap{"p": NewNumber(1)})), NewMap(PropertyMap{"p": MakeSecret(NewNumber(1))}), false, true},
		{"secret unknown", MakeSecret(Unknown()), MakeSecret(Unknown()), true, true},
		{"secret unknown vs unknown", MakeSecret(Unknown()), Unknown(), false, true},
		{"ref", NewRef(testURN, "1"), NewRef(testURN, "1"), true, true},
		{"ref other id", NewRef(testURN, "1"), NewRef(testURN, "2"), false, false},
		{"ref other urn", NewRef(testURN, "1"), NewRef(NewURN("dev", "p", "", "random:index:String", "b"), "1"), false, false},
		{"ref vs string", NewRef(testURN, "1"), NewString(string(testURN)), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.a.Equal(tt.b); got != tt.equal {
				t.Errorf("a.Equal(b) = %v, want %v", got, tt.equal)
			}
			if got := tt.b.Equal(tt.a); got != tt.equal {
				t.Errorf("b.Equal(a) = %v, want %v (not symmetric)", got, tt.equal)
			}
			if got := tt.a.EqualIgnoringSecrets(tt.b); got != tt.equalPlain {
				t.Errorf("a.EqualIgnoringSecrets(b) = %v, want %v", got, tt.equalPlain)
			}
			if got := tt.b.EqualIgnoringSecrets(tt.a); got != tt.equalPlain {
				t.Errorf("b.EqualIgnoringSecrets(a) = %v, want %v", got, tt.equalPlain)
			}
		})
	}
}

func TestMapEqual(t *testing.T) {
	t.Parallel()
	a := PropertyMap{"x": NewNumber(1), "s": MakeSecret(NewString("p"))}
	if !a.Equal(PropertyMap{"x": NewNumber(1), "s": MakeSecret(NewString("p"))}) {
		t.Errorf("equal maps differ")
	}
	if a.Equal(PropertyMap{"x": NewNumber(1), "s": NewString("p")}) {
		t.Errorf("a map whose secret became plain must differ")
	}
	if !PropertyMap(nil).Equal(PropertyMap{}) {
		t.Errorf("nil and empty maps are equal")
	}
}

func TestContainsSecretsAndUnknowns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		v                PropertyValue
		secrets, unknown bool
	}{
		{"null", Null(), false, false},
		{"string", NewString("x"), false, false},
		{"secret", MakeSecret(NewString("x")), true, false},
		{"unknown", Unknown(), false, true},
		{"secret unknown", MakeSecret(Unknown()), true, true},
		{"ref", NewRef(testURN, ""), false, false},
		{"list with secret deep", NewList([]PropertyValue{NewNumber(1), NewMap(PropertyMap{"a": NewList([]PropertyValue{MakeSecret(NewBool(true))})})}), true, false},
		{"list with unknown deep", NewList([]PropertyValue{NewMap(PropertyMap{"a": NewList([]PropertyValue{Unknown()})})}), false, true},
		{"map with both", NewMap(PropertyMap{"a": Unknown(), "b": MakeSecret(NewNumber(1))}), true, true},
		{"secret map with unknown inside", MakeSecret(NewMap(PropertyMap{"a": NewList([]PropertyValue{Unknown()})})), true, true},
		{"plain containers", NewMap(PropertyMap{"a": NewList([]PropertyValue{NewString("x")}), "b": NewMap(nil)}), false, false},
	}
	for _, tt := range tests {
		if got := tt.v.ContainsSecrets(); got != tt.secrets {
			t.Errorf("%s: ContainsSecrets = %v, want %v", tt.name, got, tt.secrets)
		}
		if got := tt.v.ContainsUnknowns(); got != tt.unknown {
			t.Errorf("%s: ContainsUnknowns = %v, want %v", tt.name, got, tt.unknown)
		}
		m := PropertyMap{"k": tt.v}
		if m.ContainsSecrets() != tt.secrets || m.ContainsUnknowns() != tt.unknown {
			t.Errorf("%s: PropertyMap.Contains* disagree with the value's", tt.name)
		}
	}
}

func TestUnsecret(t *testing.T) {
	t.Parallel()
	in := NewMap(PropertyMap{
		"plain":  NewString("a"),
		"secret": MakeSecret(NewString("b")),
		"list":   NewList([]PropertyValue{MakeSecret(NewNumber(1)), NewNumber(2)}),
		"nested": MakeSecret(NewMap(PropertyMap{"deep": MakeSecret(NewList([]PropertyValue{MakeSecret(NewBool(true))}))})),
		"unk":    MakeSecret(Unknown()),
	})
	want := NewMap(PropertyMap{
		"plain":  NewString("a"),
		"secret": NewString("b"),
		"list":   NewList([]PropertyValue{NewNumber(1), NewNumber(2)}),
		"nested": NewMap(PropertyMap{"deep": NewList([]PropertyValue{NewBool(true)})}),
		"unk":    Unknown(),
	})
	got := in.Unsecret()
	if !got.Equal(want) {
		t.Fatalf("Unsecret = %v, want %v", got, want)
	}
	if got.ContainsSecrets() {
		t.Fatalf("Unsecret left a secret")
	}
	// The input is not modified.
	if !in.MapValue()["secret"].IsSecret() || !in.MapValue()["list"].ListValue()[0].IsSecret() {
		t.Fatalf("Unsecret modified its input")
	}
	pm := in.MapValue().Unsecret()
	if !NewMap(pm).Equal(want) {
		t.Fatalf("PropertyMap.Unsecret = %v", pm)
	}
}

func TestKeysAndCopy(t *testing.T) {
	t.Parallel()
	m := PropertyMap{"b": NewNumber(2), "a": NewNumber(1), "C": NewNumber(3), "$x": Null()}
	got := m.Keys()
	want := []string{"$x", "C", "a", "b"}
	if len(got) != len(want) {
		t.Fatalf("Keys = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Keys = %v, want %v", got, want)
		}
	}
	c := m.Copy()
	c["z"] = NewBool(true)
	delete(c, "a")
	if _, ok := m["z"]; ok {
		t.Errorf("Copy shares the map")
	}
	if _, ok := m["a"]; !ok {
		t.Errorf("Copy shares the map")
	}
}

func TestValueString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    PropertyValue
		want string
	}{
		{Null(), "null"},
		{NewBool(false), "false"},
		{NewNumber(42), "42"},
		{NewNumber(-3), "-3"},
		{NewNumber(2.5), "2.5"},
		{NewNumber(1e15), "1e+15"},
		{NewNumber(123456789012345), "123456789012345"},
		{NewNumber(math.NaN()), "NaN"},
		{NewString(`a"b`), `"a\"b"`},
		{NewList([]PropertyValue{NewNumber(1), NewString("x")}), `[1, "x"]`},
		{NewMap(PropertyMap{"b": NewNumber(1), "a": NewList(nil)}), `{a: [], b: 1}`},
		{MakeSecret(NewString("hunter2")), "[secret]"},
		{NewMap(PropertyMap{"pw": MakeSecret(NewString("hunter2"))}), "{pw: [secret]}"},
		{Unknown(), "[unknown]"},
		{NewRef(testURN, "id"), "ref(" + string(testURN) + ")"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	t.Parallel()
	for n, want := range map[float64]string{
		0: "0", 7: "7", -7: "-7", 0.5: "0.5", 1e14: "100000000000000", 1e15: "1e+15", 1e21: "1e+21",
		-1e15: "-1e+15", 1.25e-7: "1.25e-07", math.Inf(1): "+Inf",
	} {
		if got := FormatNumber(n); got != want {
			t.Errorf("FormatNumber(%v) = %q, want %q", n, got, want)
		}
	}
}
