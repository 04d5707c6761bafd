package propertypb

import (
	"math"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/infrago/infra/sdk/resource"
)

var testURN = resource.NewURN("dev", "proj", "acme:web:Cluster", "random:index:String", "pw::1")

func l(vs ...resource.PropertyValue) resource.PropertyValue { return resource.NewList(vs) }

func m(kv ...any) resource.PropertyValue {
	out := resource.PropertyMap{}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1].(resource.PropertyValue)
	}
	return resource.NewMap(out)
}

func TestRoundTripEveryKind(t *testing.T) {
	t.Parallel()
	s, n, b := resource.NewString, resource.NewNumber, resource.NewBool
	sec, unk, ref := resource.MakeSecret, resource.Unknown, resource.NewRef
	tests := []struct {
		name string
		v    resource.PropertyValue
	}{
		{"null", resource.Null()},
		{"bool true", b(true)},
		{"bool false", b(false)},
		{"number", n(42.5)},
		{"number zero", n(0)},
		{"number NaN", n(math.NaN())},
		{"number inf", n(math.Inf(-1))},
		{"string", s("héllo\x00")},
		{"empty string", s("")},
		{"empty list", l()},
		{"list", l(n(1), s("x"), resource.Null(), b(true))},
		{"empty map", m()},
		{"map", m("a", n(1), "b", m("c", l(s("d"))))},
		{"secret", sec(s("hunter2"))},
		{"secret map", sec(m("user", s("u"), "pw", s("p")))},
		{"nested secret", m("db", m("pw", sec(s("p"))), "keys", l(sec(n(1)), n(2)))},
		{"secret containing secret", sec(m("inner", sec(b(true))))},
		{"unknown", unk()},
		{"secret unknown", sec(unk())},
		{"unknowns nested", m("ids", l(unk(), s("i-1")), "obj", m("x", unk()))},
		{"ref", ref(testURN, "id-1")},
		{"ref without id", ref(testURN, "")},
		{"refs nested", l(m("r", ref(testURN, "a")), sec(ref(testURN, "b")))},
		{"everything", m("n", resource.Null(), "b", b(false), "num", n(-1e300), "s", s("s"), "l", l(unk()),
			"sec", sec(l(ref(testURN, "x"), unk())), "$weird key", s("v"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := FromValue(tt.v)
			// Through real bytes, as on the wire.
			data, err := proto.Marshal(w)
			if err != nil {
				t.Fatal(err)
			}
			var back Value
			if err := proto.Unmarshal(data, &back); err != nil {
				t.Fatal(err)
			}
			got, err := ToValue(&back)
			if err != nil {
				t.Fatalf("ToValue: %v", err)
			}
			if !got.Equal(tt.v) {
				t.Fatalf("round trip: got %v, want %v", got, tt.v)
			}
			if got.ContainsSecrets() != tt.v.ContainsSecrets() || got.ContainsUnknowns() != tt.v.ContainsUnknowns() {
				t.Fatalf("secretness or unknownness changed")
			}
			// And through FromMap/ToMap.
			pm := resource.PropertyMap{"v": tt.v, "other": s("x")}
			gm, err := ToMap(FromMap(pm))
			if err != nil {
				t.Fatal(err)
			}
			if !gm.Equal(pm) {
				t.Fatalf("ToMap(FromMap) = %v, want %v", resource.NewMap(gm), resource.NewMap(pm))
			}
		})
	}
}

func TestWireShapes(t *testing.T) {
	t.Parallel()
	if w := FromValue(resource.Null()); w.GetKind() != nil {
		t.Errorf("null must have no kind, got %T", w.GetKind())
	}
	if w := FromValue(resource.MakeSecret(resource.NewString("x"))); w.GetSecretValue().GetStringValue() != "x" {
		t.Errorf("secret shape: %v", w)
	}
	if w := FromValue(resource.Unknown()); !w.GetUnknownValue() {
		t.Errorf("unknown shape: %v", w)
	}
	if w := FromValue(resource.NewRef(testURN, "i")); w.GetRefValue().GetUrn() != string(testURN) || w.GetRefValue().GetId() != "i" {
		t.Errorf("ref shape: %v", w)
	}
	if fm := FromMap(nil); fm == nil || len(fm.GetFields()) != 0 {
		t.Errorf("FromMap(nil) = %v", fm)
	}
}

func TestToMapNilAndEmpty(t *testing.T) {
	t.Parallel()
	for _, in := range []*Map{nil, {}, {Fields: map[string]*Value{}}} {
		got, err := ToMap(in)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("ToMap(%v) = %v, %v; want an empty map", in, got, err)
		}
	}
	// Missing pieces are read leniently: a nil value is null, a nil list or map is empty, an unknown flag of
	// false is still unknown, a secret with nothing inside is a secret null.
	got, err := ToMap(&Map{Fields: map[string]*Value{
		"nilValue":      nil,
		"emptyValue":    {},
		"nilList":       {Kind: &Value_ListValue{}},
		"nilMap":        {Kind: &Value_MapValue{}},
		"unknownFalse":  {Kind: &Value_UnknownValue{UnknownValue: false}},
		"emptySecret":   {Kind: &Value_SecretValue{}},
		"listWithNil":   {Kind: &Value_ListValue{ListValue: &List{Values: []*Value{nil}}}},
		"mapWithNilVal": {Kind: &Value_MapValue{MapValue: &Map{Fields: map[string]*Value{"x": nil}}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := resource.PropertyMap{
		"nilValue": resource.Null(), "emptyValue": resource.Null(), "nilList": l(), "nilMap": m(),
		"unknownFalse": resource.Unknown(), "emptySecret": resource.MakeSecret(resource.Null()),
		"listWithNil": l(resource.Null()), "mapWithNilVal": m("x", resource.Null()),
	}
	if !got.Equal(want) {
		t.Fatalf("got %v, want %v", resource.NewMap(got), resource.NewMap(want))
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	nest := func(depth int, leaf *Value, wrap func(*Value) *Value) *Value {
		v := leaf
		for i := 0; i < depth; i++ {
			v = wrap(v)
		}
		return v
	}
	inList := func(v *Value) *Value { return &Value{Kind: &Value_ListValue{ListValue: &List{Values: []*Value{v}}}} }
	inMap := func(v *Value) *Value {
		return &Value{Kind: &Value_MapValue{MapValue: &Map{Fields: map[string]*Value{"k": v}}}}
	}
	inSecret := func(v *Value) *Value { return &Value{Kind: &Value_SecretValue{SecretValue: v}} }
	leaf := &Value{Kind: &Value_BoolValue{BoolValue: true}}

	tests := []struct {
		name string
		v    *Value
		msg  string // "" means accepted
	}{
		{"invalid ref URN", &Value{Kind: &Value_RefValue{RefValue: &Reference{Urn: "not-a-urn", Id: "x"}}}, `resource reference with invalid URN "not-a-urn"`},
		{"nil ref", &Value{Kind: &Value_RefValue{}}, `resource reference with invalid URN ""`},
		{"invalid ref in a list names the index", inList(inList(&Value{Kind: &Value_RefValue{RefValue: &Reference{Urn: "x"}}})), `[0]: [0]: resource reference with invalid URN "x"`},
		{"invalid ref in a map names the key", inMap(&Value{Kind: &Value_RefValue{RefValue: &Reference{Urn: "x"}}}), `"k": resource reference with invalid URN "x"`},
		{"list depth 256 accepted", nest(256, leaf, inList), ""},
		{"list depth 257 refused", nest(257, leaf, inList), "value nested more than 256 levels deep"},
		{"map depth 257 refused", nest(257, leaf, inMap), "value nested more than 256 levels deep"},
		{"secret depth 257 refused", nest(257, leaf, inSecret), "value nested more than 256 levels deep"},
		{"very deep refused", nest(5000, leaf, inList), "value nested more than 256 levels deep"},
	}
	for _, tt := range tests {
		got, err := ToValue(tt.v)
		if tt.msg == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: ToValue = %v, %v; want error containing %q", tt.name, got, err, tt.msg)
		}
	}
	_, err := ToMap(&Map{Fields: map[string]*Value{"prop": inList(&Value{Kind: &Value_RefValue{RefValue: &Reference{Urn: "bad"}}})}})
	if err == nil || err.Error() != `property "prop": [0]: resource reference with invalid URN "bad"` {
		t.Errorf("ToMap error = %v", err)
	}
}
