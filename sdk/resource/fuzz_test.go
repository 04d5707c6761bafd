package resource

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzJSONCodec: whatever UnmarshalValue accepts must marshal, and the bytes must read back as an equal value
// and marshal to the same bytes again.
func FuzzJSONCodec(f *testing.F) {
	urn := string(testURN)
	for _, seed := range []string{
		`null`, `true`, `0`, `-0`, `1e15`, `1.5e-300`, `12345678901234567890`, `"x"`, `"\u2028\ud800\u0000"`,
		`[]`, `{}`, `[1,[2,[3,{}]]]`,
		`{"a":1,"b":[true,null,"s"],"c":{"d":{}}}`,
		`{"$$secret":"plain","$$$x":{"$$":1}}`,
		`{"$unknown":true}`, `{"$unknown":false}`, `{"x":{"$unknown":1}}`,
		`{"$ref":{"urn":"` + urn + `","id":"i-1"}}`,
		`{"r":{"$ref":{"urn":"bad"}}}`,
		`{"k":{"$secret":"enc(k):\"pw\""}}`,
		`{"k":{"$secret":"enc(k):{\"a\":{\"$secret\":\"enc(a):1\"}}"}}`,
		`{"l":[{"$secret":"enc(l[0]):[1,{\"$unknown\":true}]"}]}`,
		`{"$secret":"enc():null"}`,
		`{"a":1}}`, `[1]]`, `1 2`, `{"a":1,"a":2}`, "\"\xff\xfe\"", `{"\ud800":1}`,
	} {
		f.Add([]byte(seed))
	}
	c := testCodec()
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := c.UnmarshalValue(data)
		if err != nil {
			return
		}
		b1, err := c.AppendValue(nil, v)
		if err != nil {
			t.Fatalf("value read from %q does not marshal: %v", data, err)
		}
		v2, err := c.UnmarshalValue(b1)
		if err != nil {
			t.Fatalf("marshalled %q does not read back: %v", b1, err)
		}
		if !v2.Equal(v) {
			t.Fatalf("round trip changed the value:\n in  %q\n was %v\n got %v", data, v, v2)
		}
		b2, err := c.AppendValue(nil, v2)
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("marshal is not stable: %q vs %q (%v)", b1, b2, err)
		}
	})
}

// FuzzParsePropertyPath: parsing never panics, and the text form of a parsed path parses to the same path.
func FuzzParsePropertyPath(f *testing.F) {
	for _, seed := range []string{
		"a", "a.b", "rules[0].port", `labels["a.b"]`, `labels["a]b"].x`, "rules[*]", "[0][1]", `[""]`, "*",
		"a..b", ".a", "a.", "a[", "a[-1]", "a[+1]", `a["x"y]`, `a["\x"]`, `["\u00e9"]`, "a[99999999999999999999]",
		"\xff.\xfe", `a["\xff"]`, "[*][*]", "a.[0]", "[0]a",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePropertyPath(s)
		if err != nil {
			return
		}
		if len(p) == 0 {
			t.Fatalf("ParsePropertyPath(%q) accepted an empty path", s)
		}
		text := p.String()
		q, err := ParsePropertyPath(text)
		if err != nil {
			t.Fatalf("ParsePropertyPath(%q) = %#v, whose String %q does not parse: %v", s, p, text, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("ParsePropertyPath(%q) = %#v; String %q parses to %#v", s, p, text, q)
		}
		if q.String() != text {
			t.Fatalf("String is not canonical: %q then %q", text, q.String())
		}
		// Get and CopyFrom accept any parsed path without panicking.
		m := PropertyMap{"a": list(obj("b", num(1))), "rules": list(num(1), num(2))}
		p.Get(m)
		p.CopyFrom(m, m)
		p.Matches(q)
	})
}
