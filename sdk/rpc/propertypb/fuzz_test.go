package propertypb

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/infrago/infra/sdk/resource"
)

// FuzzToValue feeds arbitrary bytes to the wire decoder: proto.Unmarshal into a Value, then ToValue. Nothing may
// panic, and a value that converts must survive FromValue → ToValue unchanged.
func FuzzToValue(f *testing.F) {
	s, n := resource.NewString, resource.NewNumber
	seeds := []resource.PropertyValue{
		resource.Null(), resource.NewBool(true), n(1.5), s("x"), l(), m(),
		m("a", l(n(1), s("b")), "c", resource.MakeSecret(m("d", resource.Unknown()))),
		resource.NewRef(testURN, "id"), resource.MakeSecret(resource.NewRef(testURN, "")),
		l(l(l(l(m("deep", resource.MakeSecret(s("s"))))))),
	}
	for _, v := range seeds {
		b, err := proto.Marshal(FromValue(v))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// Hand-made malformed shapes.
	for _, w := range []*Value{
		{Kind: &Value_RefValue{RefValue: &Reference{Urn: "bad"}}},
		{Kind: &Value_RefValue{}},
		{Kind: &Value_SecretValue{}},
		{Kind: &Value_ListValue{}},
		{Kind: &Value_MapValue{MapValue: &Map{Fields: map[string]*Value{"": nil}}}},
	} {
		b, err := proto.Marshal(w)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0x22, 0x00})             // empty list_value
	f.Add([]byte{0x32, 0x02, 0x32, 0x00}) // secret of secret of nothing
	f.Fuzz(func(t *testing.T, data []byte) {
		var w Value
		if err := proto.Unmarshal(data, &w); err != nil {
			return
		}
		v, err := ToValue(&w)
		if err != nil {
			return
		}
		again, err := ToValue(FromValue(v))
		if err != nil {
			t.Fatalf("FromValue of an accepted value does not convert back: %v (value %v)", err, v)
		}
		if !again.Equal(v) {
			t.Fatalf("FromValue → ToValue changed the value: %v became %v", v, again)
		}
		b, err := proto.Marshal(FromValue(v))
		if err != nil {
			t.Fatalf("re-marshal: %v", err)
		}
		var w2 Value
		if err := proto.Unmarshal(b, &w2); err != nil {
			t.Fatalf("re-unmarshal: %v", err)
		}
		if v2, err := ToValue(&w2); err != nil || !v2.Equal(v) {
			t.Fatalf("through bytes: %v, %v; want %v", v2, err, v)
		}
	})
}
