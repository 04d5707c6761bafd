package resource

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// testCodec encrypts a secret's element reversibly as "enc(<path>):<element JSON>", so tests can see both the
// path a secret was written at and that its plaintext never appears bare.
func testCodec() JSONCodec {
	var c JSONCodec
	c.Encrypt = func(p PropertyPath, v PropertyValue) (string, error) {
		b, err := c.AppendValue(nil, v)
		if err != nil {
			return "", err
		}
		return "enc(" + p.String() + "):" + string(b), nil
	}
	c.Decrypt = func(p PropertyPath, ct string) (PropertyValue, error) {
		prefix := "enc(" + p.String() + "):"
		if !strings.HasPrefix(ct, prefix) {
			return PropertyValue{}, errors.New("ciphertext bound to another path")
		}
		return c.UnmarshalValue([]byte(ct[len(prefix):]))
	}
	return c
}

func TestJSONMarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    PropertyValue
		want string
	}{
		{"null", Null(), `null`},
		{"bools", list(NewBool(true), NewBool(false)), `[true,false]`},
		{"integers", list(num(0), num(math.Copysign(0, -1)), num(42), num(-7), num(1e14), num(999999999999999)), `[0,0,42,-7,100000000000000,999999999999999]`},
		{"large and fractional", list(num(1e15), num(1.5), num(-0.001), num(1e300), num(5e-324)), `[1e+15,1.5,-0.001,1e+300,5e-324]`},
		{"string escapes", str("a\"b\\c\n\r\t\x01\x1f<>&"), `"a\"b\\c\n\r\t\u0001\u001f<>&"`},
		{"unicode kept", str("héllo 世界 🎉"), `"héllo 世界 🎉"`},
		{"line separators escaped", str("a\u2028b\u2029c"), `"a\u2028b\u2029c"`},
		{"invalid UTF-8 replaced", str("a\xffb\xc0"), `"a\ufffdb\ufffd"`},
		{"sorted keys", obj("b", num(2), "a", num(1), "C", num(3), "aa", num(4)), `{"C":3,"a":1,"aa":4,"b":2}`},
		{"dollar keys escaped", obj("$secret", str("x"), "$$x", num(1), "$", num(2), "a$", num(3)), `{"$$":2,"$$$x":1,"$$secret":"x","a$":3}`},
		{"nested", obj("l", list(obj("k", list()), obj())), `{"l":[{"k":[]},{}]}`},
		{"unknown", obj("id", Unknown()), `{"id":{"$unknown":true}}`},
		{"ref", NewRef(testURN, "i-1"), `{"$ref":{"id":"i-1","urn":"` + string(testURN) + `"}}`},
		{"secret", obj("db", obj("pw", sec(str("hunter2")))), `{"db":{"pw":{"$secret":"enc(db.pw):\"hunter2\""}}}`},
		{"secret in a list", obj("keys", list(num(1), sec(num(2)))), `{"keys":[1,{"$secret":"enc(keys[1]):2"}]}`},
		{"secret under a dollar key", obj("$k", sec(NewBool(true))), `{"$$k":{"$secret":"enc($k):true"}}`},
		{"secret map with inner secret", obj("s", sec(obj("a", sec(num(1))))), `{"s":{"$secret":"enc(s):{\"a\":{\"$secret\":\"enc(a):1\"}}"}}`},
	}
	c := testCodec()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := c.AppendValue(nil, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Fatalf("AppendValue:\n got %s\nwant %s", b, tt.want)
			}
			if !json.Valid(b) {
				t.Fatalf("output is not valid JSON: %s", b)
			}
			back, err := c.UnmarshalValue(b)
			if err != nil {
				t.Fatalf("UnmarshalValue(%s): %v", b, err)
			}
			// Invalid UTF-8 is replaced on the way out; everything else round-trips exactly.
			if tt.name != "invalid UTF-8 replaced" && !back.Equal(tt.v) {
				t.Fatalf("round trip: got %v, want %v", back, tt.v)
			}
			if tt.name == "invalid UTF-8 replaced" && back.StringValue() != "a\uFFFDb\uFFFD" {
				t.Fatalf("round trip of invalid UTF-8 = %q", back.StringValue())
			}
		})
	}
}

func TestJSONDeterministic(t *testing.T) {
	t.Parallel()
	m := PropertyMap{}
	for _, k := range []string{"z", "y", "x", "w", "v", "u", "t", "s", "r", "q", "p", "o", "n", "m"} {
		m[k] = obj("b", num(1), "a", list(str(k), obj("d", num(2), "c", num(3))))
	}
	first, err := JSONCodec{}.MarshalMap(m)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		b, err := JSONCodec{}.MarshalMap(m.Copy())
		if err != nil || string(b) != string(first) {
			t.Fatalf("run %d gave different bytes:\n%s\n%s", i, b, first)
		}
	}
	if !strings.HasPrefix(string(first), `{"m":{"a":["m",{"c":3,"d":2}],"b":1},"n":`) {
		t.Fatalf("keys not sorted: %s", first)
	}
	// AppendMap appends.
	b, err := JSONCodec{}.AppendMap([]byte("x="), PropertyMap{"a": num(1)})
	if err != nil || string(b) != `x={"a":1}` {
		t.Fatalf("AppendMap = %q, %v", b, err)
	}
}

func TestJSONMarshalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    PropertyValue
		msg  string
		is   error
	}{
		{"NaN", obj("a", list(num(math.NaN()))), "a[0]: number NaN cannot be stored", nil},
		{"+Inf", obj("a", num(math.Inf(1))), "a: number +Inf cannot be stored", nil},
		{"-Inf at root", num(math.Inf(-1)), "value: number -Inf cannot be stored", nil},
		{"secret without hook", obj("db", obj("pw", sec(str("hunter2")))), "db.pw: secret value met but no secrets manager is available", ErrNoSecretHook},
	}
	for _, tt := range tests {
		b, err := JSONCodec{}.AppendValue(nil, tt.v)
		if err == nil || err.Error() != tt.msg {
			t.Errorf("%s: AppendValue = %s, %v; want error %q", tt.name, b, err, tt.msg)
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s: error does not wrap %v", tt.name, tt.is)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: error reveals the secret", tt.name)
		}
	}
	failing := JSONCodec{Encrypt: func(PropertyPath, PropertyValue) (string, error) { return "", errors.New("kms down") }}
	if _, err := failing.MarshalMap(PropertyMap{"k": sec(str("x"))}); err == nil || err.Error() != "encrypt k: kms down" {
		t.Errorf("Encrypt failure: %v", err)
	}
}

func TestJSONUnmarshal(t *testing.T) {
	t.Parallel()
	c := testCodec()
	tests := []struct {
		in   string
		want PropertyValue
	}{
		{`null`, Null()},
		{` {"a" : [1, 2.5, -3e2, true, null, "x"]} `, obj("a", list(num(1), num(2.5), num(-300), NewBool(true), Null(), str("x")))},
		{`{"$$secret":"plain"}`, obj("$secret", str("plain"))},
		{`{"$$$x":1,"y":2}`, obj("$$x", num(1), "y", num(2))},
		{`{"$unknown":true}`, Unknown()},
		{`{"$ref":{"urn":"` + string(testURN) + `","id":"x"}}`, NewRef(testURN, "x")},
		{`{"$ref":{"urn":"` + string(testURN) + `"}}`, NewRef(testURN, "")},
		{`{"k":{"$secret":"enc(k):[1,2]"}}`, obj("k", sec(list(num(1), num(2))))},
		{`"\ud83c\udf89"`, str("🎉")},
		{`12345678901234567890`, num(12345678901234567890)},
	}
	for _, tt := range tests {
		got, err := c.UnmarshalValue([]byte(tt.in))
		if err != nil {
			t.Errorf("UnmarshalValue(%s): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("UnmarshalValue(%s) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestJSONUnmarshalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		codec JSONCodec
		in    string
		msg   string
		is    error
	}{
		{"empty", testCodec(), ``, "decode property JSON: EOF", nil},
		{"syntax", testCodec(), `{"a":}`, "decode property JSON:", nil},
		{"trailing value", testCodec(), `1 2`, "trailing data after value", nil},
		{"trailing brace", testCodec(), `{"a":1}}`, "trailing data after value", nil},
		{"trailing bracket", testCodec(), `[1]]`, "trailing data after value", nil},
		{"trailing junk", testCodec(), `"x" junk`, "trailing data after value", nil},
		{"single dollar key among others", testCodec(), `{"$x":1,"y":2}`, `value: unexpected key "$x" (only $secret, $unknown and $ref stand alone)`, nil},
		{"unknown dollar form", testCodec(), `{"a":{"$foo":1}}`, `a: unexpected key "$foo"`, nil},
		{"secret not a string", testCodec(), `{"a":{"$secret":1}}`, "a: $secret must hold a string", nil},
		{"secret without hook", JSONCodec{}, `{"a":[{"$secret":"x"}]}`, "a[0]: secret value met but no secrets manager is available", ErrNoSecretHook},
		{"secret moved to another path", testCodec(), `{"b":{"$secret":"enc(a):1"}}`, "decrypt b: ciphertext bound to another path", nil},
		{"ref not an object", testCodec(), `{"r":{"$ref":"urn"}}`, "r: $ref must hold an object", nil},
		{"ref with bad urn", testCodec(), `{"r":{"$ref":{"urn":"nope","id":"1"}}}`, `r: $ref has an invalid urn "nope"`, nil},
		{"ref without urn", testCodec(), `{"$ref":{}}`, `value: $ref has an invalid urn ""`, nil},
		{"number out of range", testCodec(), `{"n":1e400}`, `n: bad number "1e400"`, nil},
	}
	for _, tt := range tests {
		v, err := tt.codec.UnmarshalValue([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: UnmarshalValue(%s) = %v, %v; want error containing %q", tt.name, tt.in, v, err, tt.msg)
			continue
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s: error %v does not wrap %v", tt.name, err, tt.is)
		}
	}
}

func TestJSONUnmarshalMap(t *testing.T) {
	t.Parallel()
	m, err := JSONCodec{}.UnmarshalMap([]byte(`null`))
	if err != nil || m == nil || len(m) != 0 {
		t.Fatalf("null: %v, %v", m, err)
	}
	m, err = JSONCodec{}.UnmarshalMap([]byte(`{"a":{"$$b":1}}`))
	if err != nil || !m.Equal(PropertyMap{"a": obj("$b", num(1))}) {
		t.Fatalf("map: %v, %v", m, err)
	}
	for _, in := range []string{`[1]`, `"s"`, `1`, `{"$unknown":true}`} {
		if _, err := (JSONCodec{}).UnmarshalMap([]byte(in)); err == nil || !strings.Contains(err.Error(), "expected a JSON object of properties") {
			t.Errorf("UnmarshalMap(%s) error = %v", in, err)
		}
	}
}

func TestJSONFromJSON(t *testing.T) {
	t.Parallel()
	// Values decoded by encoding/json without UseNumber carry float64.
	var raw any
	if err := json.Unmarshal([]byte(`{"a":[1.5,{"$$k":true}],"b":{"$unknown":true}}`), &raw); err != nil {
		t.Fatal(err)
	}
	got, err := JSONCodec{}.FromJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	if want := obj("a", list(num(1.5), obj("$k", NewBool(true))), "b", Unknown()); !got.Equal(want) {
		t.Fatalf("FromJSON = %v, want %v", got, want)
	}
	if _, err := (JSONCodec{}).FromJSON(struct{}{}); err == nil || !strings.Contains(err.Error(), "unexpected JSON value of type struct {}") {
		t.Fatalf("FromJSON(struct{}) error = %v", err)
	}
	if _, err := (JSONCodec{}).FromJSON(json.Number("x")); err == nil || !strings.Contains(err.Error(), `bad number "x"`) {
		t.Fatalf("FromJSON(bad number) error = %v", err)
	}
}
