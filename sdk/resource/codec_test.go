package resource

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

type codecInner struct {
	Port  int    `infra:"port"`
	Proto string `infra:"proto"`
}

type codecBase struct {
	Region string
	Zone   string `infra:"availabilityZone"`
}

type codecTagged struct {
	Inner codecInner
}

type codecArgs struct {
	codecBase                       // embedded, untagged: flattened
	Tagged     codecTagged          `infra:"tagged"` // tagged: a nested map
	Name       string               `infra:"name"`
	Password   string               `infra:"password,secret"`
	Count      int                  // no tag: "count"
	ID         string               // acronym: "id"
	URLPath    string               // leading acronym: "urlPath"
	HTTPServer *string              // "httpServer"; nil is absent
	Skipped    string               `infra:"-"`
	hidden     string               //nolint:unused // unexported: ignored
	Rules      []codecInner         `infra:"rules"`
	Tags       map[string]string    `infra:"tags"`
	Ptr        *codecInner          `infra:"ptr"`
	Any        any                  `infra:"any"`
	Raw        PropertyValue        `infra:"raw"`
	Props      PropertyMap          `infra:"props"`
	Ratio      float64              `infra:"ratio"`
	Small      int8                 `infra:"small"`
	Big        uint64               `infra:"big"`
	On         bool                 `infra:"on"`
	Nested     map[string][]float64 `infra:"nested"`
	Opt        string               `infra:"opt,optional,replace"`
}

func TestStructFields(t *testing.T) {
	t.Parallel()
	var names []string
	for _, f := range StructFields(reflect.TypeOf(codecArgs{})) {
		names = append(names, f.Name)
	}
	want := "region availabilityZone tagged name password count id urlPath httpServer rules tags ptr any raw props ratio small big on nested opt"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("StructFields names:\n got %s\nwant %s", got, want)
	}
	fields := StructFields(reflect.TypeOf(codecArgs{}))
	byName := map[string]FieldInfo{}
	for _, f := range fields {
		byName[f.Name] = f
	}
	if !byName["password"].HasOption("secret") || byName["name"].HasOption("secret") {
		t.Errorf("secret option not recognised")
	}
	if o := byName["opt"]; !o.HasOption("optional") || !o.HasOption("replace") || o.HasOption("secret") {
		t.Errorf("opt options = %v", o.Options)
	}
	if got := byName["availabilityZone"].Index; !reflect.DeepEqual(got, []int{0, 1}) {
		t.Errorf("embedded field index = %v, want [0 1]", got)
	}
	// Cached: the same slice comes back.
	again := StructFields(reflect.TypeOf(codecArgs{}))
	if &again[0] != &fields[0] {
		t.Errorf("StructFields is not cached")
	}
}

func TestLowerFirst(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Name": "name", "ID": "id", "URL": "url", "URLPath": "urlPath", "HTTPServer": "httpServer",
		"already": "already", "A": "a", "": "", "ÉCOLE": "école", "IPv4": "iPv4",
	} {
		if got := lowerFirst(in); got != want {
			t.Errorf("lowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFromGoStruct(t *testing.T) {
	t.Parallel()
	server := "srv"
	args := codecArgs{
		codecBase: codecBase{Region: "eu", Zone: "eu-1a"},
		Tagged:    codecTagged{Inner: codecInner{Port: 1, Proto: "udp"}},
		Name:      "web", Password: "hunter2", Count: 3, ID: "x", URLPath: "/p", HTTPServer: &server,
		Skipped: "no", hidden: "no",
		Rules: []codecInner{{Port: 80, Proto: "tcp"}, {Port: 443}},
		Tags:  map[string]string{"env": "prod"},
		Any:   map[string]any{"k": []any{1.5, "s", true, nil}},
		Raw:   MakeSecret(NewString("raw")),
		Props: PropertyMap{"u": Unknown()},
		Ratio: 0.25, Small: -8, Big: 1 << 40, On: true,
		Nested: map[string][]float64{"a": {1, 2}},
	}
	got, err := MapFromGo(args)
	if err != nil {
		t.Fatal(err)
	}
	want := PropertyMap{
		"region": str("eu"), "availabilityZone": str("eu-1a"),
		"tagged": obj("inner", obj("port", num(1), "proto", str("udp"))),
		"name":   str("web"), "password": sec(str("hunter2")), "count": num(3), "id": str("x"), "urlPath": str("/p"),
		"httpServer": str("srv"),
		"rules":      list(obj("port", num(80), "proto", str("tcp")), obj("port", num(443), "proto", str(""))),
		"tags":       obj("env", str("prod")),
		"any":        obj("k", list(num(1.5), str("s"), NewBool(true), Null())),
		"raw":        sec(str("raw")),
		"props":      obj("u", Unknown()),
		"ratio":      num(0.25), "small": num(-8), "big": num(1 << 40), "on": NewBool(true),
		"nested": obj("a", list(num(1), num(2))),
		"opt":    str(""),
	}
	if !got.Equal(want) {
		t.Fatalf("MapFromGo:\n got %v\nwant %v", NewMap(got), NewMap(want))
	}
	// Nil pointers, slices, maps and interfaces are absent, not null.
	empty, err := MapFromGo(codecArgs{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"httpServer", "rules", "tags", "ptr", "any", "raw", "props", "nested"} {
		if v, ok := empty[k]; ok {
			t.Errorf("zero %s is present as %v", k, v)
		}
	}
	// A secret field that is absent stays absent (no secret null).
	if _, ok := empty["password"]; !ok || !empty["password"].IsSecret() {
		t.Errorf("an empty string in a secret field is a secret empty string, got %v", empty["password"])
	}
}

func TestFromGoValues(t *testing.T) {
	t.Parallel()
	s := "p"
	ps := &s
	tests := []struct {
		name string
		in   any
		want PropertyValue
	}{
		{"nil", nil, Null()},
		{"bool", true, NewBool(true)},
		{"int", 42, num(42)},
		{"int64 min", int64(math.MinInt64), num(math.MinInt64)},
		{"uint8", uint8(255), num(255)},
		{"uintptr", uintptr(7), num(7)},
		{"float32", float32(0.5), num(0.5)},
		{"string", "s", str("s")},
		{"pointer to pointer", &ps, str("p")},
		{"nil pointer", (*int)(nil), Null()},
		{"array", [2]int{1, 2}, list(num(1), num(2))},
		{"nil slice", []int(nil), Null()},
		{"empty slice", []int{}, list()},
		{"nil map", map[string]int(nil), Null()},
		{"named string key", map[namedKey]int{"a": 1}, obj("a", num(1))},
		{"any slice", []any{nil, 1, "x"}, list(Null(), num(1), str("x"))},
		{"property value", MakeSecret(str("x")), sec(str("x"))},
		{"property map", PropertyMap{"a": num(1)}, obj("a", num(1))},
		{"nil property map", PropertyMap(nil), Null()},
		{"pointer to struct", &codecInner{Port: 1}, obj("port", num(1), "proto", str(""))},
	}
	for _, tt := range tests {
		got, err := FromGo(tt.in)
		if err != nil {
			t.Errorf("%s: FromGo: %v", tt.name, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("%s: FromGo = %v, want %v", tt.name, got, tt.want)
		}
	}
}

type namedKey string

func TestFromGoErrors(t *testing.T) {
	t.Parallel()
	type withChan struct {
		Rules []struct {
			C chan int `infra:"c"`
		} `infra:"rules"`
	}
	tests := []struct {
		name string
		in   any
		msg  string
	}{
		{"chan", make(chan int), "value: cannot convert Go type chan int"},
		{"func", func() {}, "value: cannot convert Go type func()"},
		{"int keys", map[int]string{1: "a"}, "value: map keys must be strings, not int"},
		{"nested chan names its path", withChan{Rules: []struct {
			C chan int `infra:"c"`
		}{{C: make(chan int)}}}, "rules[0].c: cannot convert Go type chan int"},
		{"complex", complex(1, 2), "cannot convert Go type complex128"},
	}
	for _, tt := range tests {
		_, err := FromGo(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: FromGo error = %v, want it to contain %q", tt.name, err, tt.msg)
		}
	}
	if _, err := MapFromGo(42); err == nil || !strings.Contains(err.Error(), "cannot convert int to a property map") {
		t.Errorf("MapFromGo(42) error = %v", err)
	}
	if m, err := MapFromGo(nil); err != nil || m == nil || len(m) != 0 {
		t.Errorf("MapFromGo(nil) = %v, %v; want an empty map", m, err)
	}
	if m, err := MapFromGo(MakeSecret(obj("a", num(1)))); err != nil || !m.Equal(PropertyMap{"a": num(1)}) {
		t.Errorf("MapFromGo of a secret map = %v, %v", m, err)
	}
}

func TestToGoStructRoundTrip(t *testing.T) {
	t.Parallel()
	server := "srv"
	in := codecArgs{
		codecBase: codecBase{Region: "eu", Zone: "eu-1a"},
		Tagged:    codecTagged{Inner: codecInner{Port: 1, Proto: "udp"}},
		Name:      "web", Password: "hunter2", Count: 3, ID: "x", URLPath: "/p", HTTPServer: &server,
		Rules: []codecInner{{Port: 80, Proto: "tcp"}},
		Tags:  map[string]string{"env": "prod"},
		Ptr:   &codecInner{Port: 9},
		Any:   map[string]any{"k": []any{1.5, "s", true, nil}},
		Raw:   MakeSecret(NewString("raw")),
		Props: PropertyMap{"a": num(1)},
		Ratio: 0.25, Small: -8, Big: 1 << 40, On: true,
		Nested: map[string][]float64{"a": {1, 2}},
		Opt:    "o",
	}
	m, err := MapFromGo(in)
	if err != nil {
		t.Fatal(err)
	}
	var out codecArgs
	out.Skipped = "kept" // not a property: untouched
	if err := MapToGo(m, &out); err != nil {
		t.Fatal(err)
	}
	if out.Skipped != "kept" {
		t.Errorf("a skipped field was changed")
	}
	out.Skipped = ""
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", out, in)
	}
}

func TestToGoZeroesMissingFields(t *testing.T) {
	t.Parallel()
	out := codecInner{Port: 5, Proto: "tcp"}
	if err := MapToGo(PropertyMap{"port": num(7)}, &out); err != nil {
		t.Fatal(err)
	}
	if out != (codecInner{Port: 7}) {
		t.Fatalf("got %+v, want missing proto zeroed", out)
	}
	p := &codecInner{Port: 1}
	if err := ToGo(Null(), &p); err != nil || p != nil {
		t.Fatalf("null into a pointer: %v, %v", p, err)
	}
}

func TestToGoSecretsUnwrapped(t *testing.T) {
	t.Parallel()
	var out struct {
		Password string `infra:"password"`
		Keys     []string
	}
	if err := MapToGo(PropertyMap{"password": sec(str("pw")), "keys": sec(list(sec(str("a"))))}, &out); err != nil {
		t.Fatal(err)
	}
	if out.Password != "pw" || len(out.Keys) != 1 || out.Keys[0] != "a" {
		t.Fatalf("got %+v", out)
	}
	var pv PropertyValue
	if err := ToGo(sec(str("x")), &pv); err != nil || !pv.Equal(sec(str("x"))) {
		t.Fatalf("into a PropertyValue the secret must pass through: %v %v", pv, err)
	}
}

func TestToGoUnknown(t *testing.T) {
	t.Parallel()
	var out struct {
		Rules []codecInner `infra:"rules"`
	}
	err := MapToGo(PropertyMap{"rules": list(obj("port", Unknown()))}, &out)
	if !errors.Is(err, ErrUnknownValue) {
		t.Fatalf("error %v does not wrap ErrUnknownValue", err)
	}
	if got, want := err.Error(), "rules[0].port: value is not known yet"; got != want {
		t.Fatalf("error = %q, want %q", got, want)
	}
	var s string
	if err := ToGo(sec(Unknown()), &s); !errors.Is(err, ErrUnknownValue) || err.Error() != "value: value is not known yet" {
		t.Fatalf("secret unknown: %v", err)
	}
	var a any
	if err := ToGo(obj("x", list(Unknown())), &a); !errors.Is(err, ErrUnknownValue) || !strings.HasPrefix(err.Error(), "x[0]:") {
		t.Fatalf("unknown into any: %v", err)
	}
	if _, err := ToPlain(list(num(1), Unknown())); !errors.Is(err, ErrUnknownValue) {
		t.Fatalf("ToPlain: %v", err)
	}
}

func TestToGoIntegers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n      float64
		into   string
		want   any
		errMsg string
	}{
		{127, "int8", int8(127), ""},
		{-128, "int8", int8(-128), ""},
		{128, "int8", nil, "128 is not a whole number that fits int8"},
		{300, "int8", nil, "300 is not a whole number that fits int8"},
		{1.5, "int", nil, "1.5 is not a whole number that fits int"},
		{math.NaN(), "int", nil, "NaN is not a whole number that fits int"},
		{math.Inf(1), "int64", nil, "is not a whole number that fits int64"},
		{1 << 62, "int64", int64(1 << 62), ""},
		{-(1 << 63), "int64", int64(math.MinInt64), ""},
		{1 << 63, "int64", nil, "9.223372036854776e+18 is not a whole number that fits int64"},
		{1e19, "int64", nil, "1e+19 is not a whole number that fits int64"},
		{-1e19, "int", nil, "is not a whole number that fits int"},
		{65535, "uint16", uint16(65535), ""},
		{65536, "uint16", nil, "65536 is not a non-negative whole number that fits uint16"},
		{-1, "uint", nil, "-1 is not a non-negative whole number that fits uint"},
		{0.5, "uint", nil, "0.5 is not a non-negative whole number that fits uint"},
		{1 << 63, "uint64", uint64(1 << 63), ""},
		{1e20, "uint64", nil, "1e+20 is not a non-negative whole number that fits uint64"},
		{1 << 64, "uint64", nil, "is not a non-negative whole number that fits uint64"},
		{3.5, "float32", float32(3.5), ""},
		{1e300, "float32", nil, "does not fit float32"},
		{1e300, "float64", float64(1e300), ""},
	}
	for _, tt := range tests {
		var ptr any
		switch tt.into {
		case "int8":
			ptr = new(int8)
		case "int":
			ptr = new(int)
		case "int64":
			ptr = new(int64)
		case "uint16":
			ptr = new(uint16)
		case "uint":
			ptr = new(uint)
		case "uint64":
			ptr = new(uint64)
		case "float32":
			ptr = new(float32)
		case "float64":
			ptr = new(float64)
		}
		err := ToGo(num(tt.n), ptr)
		got := reflect.ValueOf(ptr).Elem().Interface()
		if tt.errMsg != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errMsg) {
				t.Errorf("ToGo(%v) into %s = %v, %v; want an error containing %q", tt.n, tt.into, got, err, tt.errMsg)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ToGo(%v) into %s = %v, %v; want %v", tt.n, tt.into, got, err, tt.want)
		}
	}
}

func TestToGoMismatches(t *testing.T) {
	t.Parallel()
	type deep struct {
		Rules []struct {
			Port int `infra:"port"`
		} `infra:"rules"`
		Tags map[string]bool `infra:"tags"`
	}
	tests := []struct {
		name   string
		in     PropertyMap
		target any
		msg    string
	}{
		{"string into int at depth", PropertyMap{"rules": list(obj("port", str("80")))}, &deep{}, "rules[0].port: expected integer, got string"},
		{"number into bool in map", PropertyMap{"tags": obj("x", num(1))}, &deep{}, "tags.x: expected bool, got number"},
		{"map into list", PropertyMap{"rules": obj()}, &deep{}, "rules: expected list, got map"},
		{"list into map", PropertyMap{"tags": list()}, &deep{}, "tags: expected map, got list"},
		{"ref into string", PropertyMap{"s": NewRef(testURN, "1")}, &struct{ S string }{}, "s: expected string, got ref"},
		{"bool into float", PropertyMap{"f": NewBool(true)}, &struct{ F float64 }{}, "f: expected number, got bool"},
		{"into an interface with methods", PropertyMap{"e": str("x")}, &struct{ E error }{}, "e: cannot decode into interface error"},
		{"into a chan", PropertyMap{"c": num(1)}, &struct{ C chan int }{}, "c: cannot decode into Go type chan int"},
		{"into int-keyed map", PropertyMap{"m": obj("a", num(1))}, &struct{ M map[int]int }{}, "m: map keys must be strings, not int"},
	}
	for _, tt := range tests {
		err := MapToGo(tt.in, tt.target)
		if err == nil || err.Error() != tt.msg {
			t.Errorf("%s: error = %v, want %q", tt.name, err, tt.msg)
		}
	}
	if err := ToGo(str("x"), "not a pointer"); err == nil || !strings.Contains(err.Error(), "non-nil pointer") {
		t.Errorf("ToGo into a non-pointer: %v", err)
	}
	if err := ToGo(str("x"), (*string)(nil)); err == nil || !strings.Contains(err.Error(), "non-nil pointer") {
		t.Errorf("ToGo into a nil pointer: %v", err)
	}
}

func TestToGoAnyAndPlain(t *testing.T) {
	t.Parallel()
	v := obj("a", list(num(1), str("x"), NewBool(false), Null(), sec(str("s")), NewRef(testURN, "id")), "b", obj())
	var got any
	if err := ToGo(v, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": []any{1.0, "x", false, nil, "s", string(testURN)}, "b": map[string]any{}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ToGo into any = %#v, want %#v", got, want)
	}
	plain, err := ToPlain(v)
	if err != nil || !reflect.DeepEqual(plain, want) {
		t.Fatalf("ToPlain = %#v, %v", plain, err)
	}
	var nilAny any = "preset"
	if err := ToGo(Null(), &nilAny); err != nil || nilAny != nil {
		t.Fatalf("null into any = %#v, %v", nilAny, err)
	}
	var m map[namedKey]int
	if err := ToGo(obj("k", num(2)), &m); err != nil || m["k"] != 2 {
		t.Fatalf("named key map: %v %v", m, err)
	}
}
