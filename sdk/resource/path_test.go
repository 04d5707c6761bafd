package resource

import (
	"reflect"
	"strings"
	"testing"
)

func TestParsePropertyPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want PropertyPath
		// canon is String() of the parsed path; "" means the same as in.
		canon string
	}{
		{in: "a", want: PropertyPath{"a"}},
		{in: "tags.name", want: PropertyPath{"tags", "name"}},
		{in: "rules[0].port", want: PropertyPath{"rules", 0, "port"}},
		{in: "rules[12]", want: PropertyPath{"rules", 12}},
		{in: `labels["a.b"]`, want: PropertyPath{"labels", "a.b"}},
		{in: `labels["a]b"].x`, want: PropertyPath{"labels", "a]b", "x"}},
		{in: `labels["q\"uote"]`, want: PropertyPath{"labels", `q"uote`}},
		{in: `labels["[x]"]`, want: PropertyPath{"labels", "[x]"}},
		{in: "rules[*]", want: PropertyPath{"rules", "*"}},
		{in: "rules[*].port", want: PropertyPath{"rules", "*", "port"}},
		{in: "[0]", want: PropertyPath{0}},
		{in: "[0][1]", want: PropertyPath{0, 1}},
		{in: `[""]`, want: PropertyPath{""}},
		{in: `["a"]`, want: PropertyPath{"a"}, canon: "a"},
		{in: `a["b"]`, want: PropertyPath{"a", "b"}, canon: "a.b"},
		{in: "a.[0]", want: PropertyPath{"a", 0}, canon: "a[0]"},
		{in: "[0]a", want: PropertyPath{0, "a"}, canon: "[0].a"},
		{in: "a[+1]", want: PropertyPath{"a", 1}, canon: "a[1]"},
		{in: "a[007]", want: PropertyPath{"a", 7}, canon: "a[7]"},
		{in: "*", want: PropertyPath{"*"}, canon: "[*]"},
		{in: "with space.x-y_z", want: PropertyPath{"with space", "x-y_z"}},
		{in: "ünï.cødé", want: PropertyPath{"ünï", "cødé"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParsePropertyPath(tt.in)
			if err != nil {
				t.Fatalf("ParsePropertyPath(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParsePropertyPath(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			canon := tt.canon
			if canon == "" {
				canon = tt.in
			}
			if s := got.String(); s != canon {
				t.Fatalf("String() = %q, want %q", s, canon)
			}
			again, err := ParsePropertyPath(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip of %q gave %#v, %v", got.String(), again, err)
			}
		})
	}
}

func TestParsePropertyPathErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, msg string
		offset  string
	}{
		{"", "empty path", "offset 0"},
		{".a", "unexpected .", "offset 0"},
		{"a.", "unexpected .", "offset 1"},
		{".", "unexpected .", "offset 0"},
		{"a[", "missing ]", "offset 1"},
		{"a[0", "missing ]", "offset 1"},
		{"a[-1]", "non-negative integer", "offset 1"},
		{"a[x]", "non-negative integer", "offset 1"},
		{"a[]", "non-negative integer", "offset 1"},
		{"a[1.5]", "non-negative integer", "offset 1"},
		{"a[99999999999999999999]", "non-negative integer", "offset 1"},
		{`a["x]`, "bad quoted key", "offset 1"},
		{`a["x"y]`, "missing ] after quoted key", "offset 1"},
		{`a["x"`, "missing ]", "offset 1"},
		{`a['x']`, "non-negative integer", "offset 1"},
		{"a[0].", "unexpected .", "offset 4"},
	}
	for _, tt := range tests {
		p, err := ParsePropertyPath(tt.in)
		if err == nil {
			t.Errorf("ParsePropertyPath(%q) = %#v, want an error", tt.in, p)
			continue
		}
		if p != nil {
			t.Errorf("ParsePropertyPath(%q) returned a path with its error", tt.in)
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.msg) || !strings.Contains(msg, tt.offset) || !strings.Contains(msg, "invalid property path") {
			t.Errorf("ParsePropertyPath(%q) error %q, want it to mention %q at %q", tt.in, msg, tt.msg, tt.offset)
		}
	}
}

func TestPropertyPathString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    PropertyPath
		want string
	}{
		{nil, ""},
		{PropertyPath{"a"}, "a"},
		{PropertyPath{"a", "b", 3, "c"}, "a.b[3].c"},
		{PropertyPath{"*"}, "[*]"},
		{PropertyPath{"a", "*", "b"}, "a[*].b"},
		{PropertyPath{""}, `[""]`},
		{PropertyPath{"a", ""}, `a[""]`},
		{PropertyPath{"a.b"}, `["a.b"]`},
		{PropertyPath{"x", "a[0]"}, `x["a[0]"]`},
		{PropertyPath{`say "hi"`}, `["say \"hi\""]`},
		{PropertyPath{"tab\there"}, "tab\there"},
		{PropertyPath{"a", "\xff"}, "a.\xff"},
		{PropertyPath{0, 1}, "[0][1]"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.p, got, tt.want)
		}
		if len(tt.p) == 0 {
			continue
		}
		back, err := ParsePropertyPath(tt.p.String())
		if err != nil || !reflect.DeepEqual(back, tt.p) {
			t.Errorf("ParsePropertyPath(%q) = %#v, %v; want %#v", tt.p.String(), back, err, tt.p)
		}
	}
}

func TestPropertyPathGet(t *testing.T) {
	t.Parallel()
	m := PropertyMap{
		"name": NewString("web"),
		"tags": NewMap(PropertyMap{"env": NewString("prod"), "a.b": NewNumber(1)}),
		"rules": NewList([]PropertyValue{
			NewMap(PropertyMap{"port": NewNumber(80)}),
			MakeSecret(NewMap(PropertyMap{"port": NewNumber(443)})),
		}),
		"db":   MakeSecret(NewMap(PropertyMap{"password": MakeSecret(NewString("pw"))})),
		"null": Null(),
	}
	tests := []struct {
		path string
		want PropertyValue
		ok   bool
	}{
		{"name", NewString("web"), true},
		{"tags.env", NewString("prod"), true},
		{`tags["a.b"]`, NewNumber(1), true},
		{"rules[0].port", NewNumber(80), true},
		{"rules[1].port", NewNumber(443), true}, // through a secret list element
		{"rules[1]", MakeSecret(NewMap(PropertyMap{"port": NewNumber(443)})), true},
		{"db.password", MakeSecret(NewString("pw")), true}, // through a secret map; the leaf stays secret
		{"null", Null(), true},
		{"rules[2]", Null(), false},
		{"rules[*]", Null(), false},
		{"tags[*]", Null(), false},
		{"missing", Null(), false},
		{"tags.missing", Null(), false},
		{"name.x", Null(), false},
		{"name[0]", Null(), false},
		{"tags[0]", Null(), false},
		{"rules.x", Null(), false},
		{"null.x", Null(), false},
	}
	for _, tt := range tests {
		p, err := ParsePropertyPath(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := p.Get(m)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("Get(%s) = %v, %v; want %v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
	if got, ok := PropertyPath(nil).Get(m); !ok || !got.Equal(NewMap(m)) {
		t.Errorf("the empty path must give the whole map")
	}
	// Hand-built paths can hold a negative index: it addresses nothing (and must not panic).
	if got, ok := (PropertyPath{"rules", -1}).Get(m); ok {
		t.Errorf("Get(rules[-1]) = %v, true; want false", got)
	}
}

func TestPropertyPathMatches(t *testing.T) {
	t.Parallel()
	mustParse := func(s string) PropertyPath {
		p, err := ParsePropertyPath(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		p, q     string
		matches  bool
		overlaps bool
	}{
		{"tags", "tags", true, true},
		{"tags", "tags.env", true, true},
		{"tags.env", "tags", false, true},
		{"tags.env", "tags.team", false, false},
		{"tags[*]", "tags.env", true, true},
		{"tags[*]", "tags", false, true},
		{"rules[*].port", "rules[3].port", true, true},
		{"rules[*].port", "rules[3].proto", false, false},
		{"rules[0]", "rules[1]", false, false},
		{"rules[0]", "rules[0].port", true, true},
		{"a", "b", false, false},
		{"a[0]", `a["0"]`, false, false}, // an index is not a key
	}
	for _, tt := range tests {
		p, q := mustParse(tt.p), mustParse(tt.q)
		if got := p.Matches(q); got != tt.matches {
			t.Errorf("%s.Matches(%s) = %v, want %v", tt.p, tt.q, got, tt.matches)
		}
		if got := p.Overlaps(q); got != tt.overlaps {
			t.Errorf("%s.Overlaps(%s) = %v, want %v", tt.p, tt.q, got, tt.overlaps)
		}
		if got := q.Overlaps(p); got != tt.overlaps {
			t.Errorf("%s.Overlaps(%s) = %v, want %v (not symmetric)", tt.q, tt.p, got, tt.overlaps)
		}
	}
}

func list(vs ...PropertyValue) PropertyValue { return NewList(vs) }

func obj(kv ...any) PropertyValue {
	m := PropertyMap{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(PropertyValue)
	}
	return NewMap(m)
}

func str(s string) PropertyValue        { return NewString(s) }
func num(n float64) PropertyValue       { return NewNumber(n) }
func sec(v PropertyValue) PropertyValue { return MakeSecret(v) }

func TestCopyFrom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		path     string
		dst, src PropertyValue
		want     PropertyValue
	}{
		{
			name: "top-level key from src",
			path: "a", dst: obj("a", num(1), "b", num(2)), src: obj("a", num(9), "b", num(8)),
			want: obj("a", num(9), "b", num(2)),
		},
		{
			name: "absent in src deletes",
			path: "a", dst: obj("a", num(1), "b", num(2)), src: obj("b", num(8)),
			want: obj("b", num(2)),
		},
		{
			name: "absent in both is a no-op",
			path: "x.y", dst: obj("a", num(1)), src: obj(),
			want: obj("a", num(1)),
		},
		{
			name: "present in src only adds",
			path: "tags.env", dst: obj("a", num(1)), src: obj("tags", obj("env", str("dev"), "team", str("x"))),
			want: obj("a", num(1), "tags", obj("env", str("dev"))),
		},
		{
			name: "nested key keeps its siblings",
			path: "tags.env", dst: obj("tags", obj("env", str("prod"), "team", str("a"))), src: obj("tags", obj("env", str("dev"), "team", str("b"))),
			want: obj("tags", obj("env", str("dev"), "team", str("a"))),
		},
		{
			name: "nested key absent in src is removed",
			path: "tags.env", dst: obj("tags", obj("env", str("prod"), "team", str("a"))), src: obj("tags", obj("team", str("b"))),
			want: obj("tags", obj("team", str("a"))),
		},
		{
			name: "nested container absent in src removes the key",
			path: "tags.env", dst: obj("tags", obj("env", str("prod"), "team", str("a"))), src: obj(),
			want: obj("tags", obj("team", str("a"))),
		},
		{
			name: "list element field",
			path: "rules[1].port",
			dst:  obj("rules", list(obj("port", num(80), "proto", str("tcp")), obj("port", num(443), "proto", str("tcp")))),
			src:  obj("rules", list(obj("port", num(8080)), obj("port", num(8443), "proto", str("udp")))),
			want: obj("rules", list(obj("port", num(80), "proto", str("tcp")), obj("port", num(8443), "proto", str("tcp")))),
		},
		{
			name: "whole list element",
			path: "rules[0]", dst: obj("rules", list(num(1), num(2))), src: obj("rules", list(num(7))),
			want: obj("rules", list(num(7), num(2))),
		},
		{
			name: "list index beyond src keeps dst",
			path: "rules[1]", dst: obj("rules", list(num(1), num(2))), src: obj("rules", list(num(7))),
			want: obj("rules", list(num(1), num(2))),
		},
		{
			name: "list index beyond dst is ignored",
			path: "rules[5]", dst: obj("rules", list(num(1))), src: obj("rules", list(num(7), num(8), num(9), num(10), num(11), num(12))),
			want: obj("rules", list(num(1))),
		},
		{
			name: "wildcard over a list",
			path: "rules[*].port",
			dst:  obj("rules", list(obj("port", num(80), "proto", str("tcp")), obj("port", num(443), "proto", str("udp")), obj("port", num(22)))),
			src:  obj("rules", list(obj("port", num(8080)), obj("port", num(8443)))),
			// the third rule has no counterpart in src: its port is removed
			want: obj("rules", list(obj("port", num(8080), "proto", str("tcp")), obj("port", num(8443), "proto", str("udp")), obj())),
		},
		{
			name: "wildcard over a list, whole elements",
			path: "rules[*]", dst: obj("rules", list(num(1), num(2), num(3))), src: obj("rules", list(num(7), num(8))),
			want: obj("rules", list(num(7), num(8), num(3))),
		},
		{
			name: "wildcard over a map takes every key from src",
			path: "tags[*]", dst: obj("tags", obj("a", num(1), "b", num(2))), src: obj("tags", obj("a", num(9), "c", num(3))),
			want: obj("tags", obj("a", num(9), "c", num(3))),
		},
		{
			name: "wildcard over a map then a field",
			path: "svc[*].port",
			dst:  obj("svc", obj("web", obj("port", num(80), "host", str("w")), "db", obj("port", num(5432), "host", str("d")))),
			src:  obj("svc", obj("web", obj("port", num(8080)), "db", obj("host", str("x")))),
			want: obj("svc", obj("web", obj("port", num(8080), "host", str("w")), "db", obj("host", str("d")))),
		},
		{
			name: "secret container in dst stays secret",
			path: "db.password",
			dst:  obj("db", sec(obj("password", str("new"), "user", str("u")))),
			src:  obj("db", sec(obj("password", str("old"), "user", str("x")))),
			want: obj("db", sec(obj("password", str("old"), "user", str("u")))),
		},
		{
			name: "secret leaf copied from src stays secret",
			path: "password", dst: obj("password", str("new")), src: obj("password", sec(str("old"))),
			want: obj("password", sec(str("old"))),
		},
		{
			name: "secret list in dst stays secret",
			path: "ports[0]", dst: obj("ports", sec(list(num(1), num(2)))), src: obj("ports", list(num(7))),
			want: obj("ports", sec(list(num(7), num(2)))),
		},
		{
			name: "value under a secret of src keeps its secrecy",
			path: "db.password",
			dst:  obj("db", obj("password", str("new"), "user", str("u"))),
			src:  obj("db", sec(obj("password", str("old"), "user", str("x")))),
			want: obj("db", obj("password", sec(str("old")), "user", str("u"))),
		},
		{
			name: "same secretness on both sides gives no extra wrapping",
			path: "db.password",
			dst:  obj("db", sec(obj("password", str("same"), "user", str("u")))),
			src:  obj("db", sec(obj("password", str("same"), "user", str("u")))),
			want: obj("db", sec(obj("password", str("same"), "user", str("u")))),
		},
		{
			name: "path through a scalar leaves it alone",
			path: "name.x", dst: obj("name", str("a")), src: obj("name", str("b")),
			want: obj("name", str("a")),
		},
		{
			name: "index into a map leaves it alone",
			path: "tags[0]", dst: obj("tags", obj("a", num(1))), src: obj("tags", list(num(1))),
			want: obj("tags", obj("a", num(1))),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePropertyPath(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			dst, src := tt.dst.MapValue(), tt.src.MapValue()
			dstBefore, srcBefore := NewMap(dst.Copy()).String(), NewMap(src.Copy()).String()
			dstDeep := deepCopyMap(dst)
			got := p.CopyFrom(dst, src)
			if !NewMap(got).Equal(tt.want) {
				t.Fatalf("CopyFrom(%s) = %v, want %v", tt.path, NewMap(got), tt.want)
			}
			if NewMap(dst).String() != dstBefore || NewMap(src).String() != srcBefore || !NewMap(dst).Equal(NewMap(dstDeep)) {
				t.Fatalf("CopyFrom modified its arguments")
			}
		})
	}
}

func TestCopyFromNegativeIndex(t *testing.T) {
	t.Parallel()
	dst := obj("l", list(num(1))).MapValue()
	src := obj("l", list(num(2))).MapValue()
	got := PropertyPath{"l", -1}.CopyFrom(dst, src)
	if !NewMap(got).Equal(NewMap(dst)) {
		t.Fatalf("CopyFrom(l[-1]) = %v, want dst unchanged", NewMap(got))
	}
}

// deepCopyMap copies every container so that a mutation of the original through shared slices shows.
func deepCopyMap(m PropertyMap) PropertyMap {
	out := PropertyMap{}
	for k, v := range m {
		out[k] = deepCopy(v)
	}
	return out
}

func deepCopy(v PropertyValue) PropertyValue {
	switch v.Kind() {
	case KindList:
		l := make([]PropertyValue, len(v.ListValue()))
		for i, e := range v.ListValue() {
			l[i] = deepCopy(e)
		}
		return NewList(l)
	case KindMap:
		return NewMap(deepCopyMap(v.MapValue()))
	case KindSecret:
		return MakeSecret(deepCopy(v.SecretElement()))
	}
	return v
}
