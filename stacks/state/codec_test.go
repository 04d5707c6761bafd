package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/infrago/infra/sdk/resource"
)

var macKey = []byte("0123456789abcdef0123456789abcdef")

func TestCodecRoundTrip(t *testing.T) {
	t.Parallel()
	for _, key := range [][]byte{nil, macKey} {
		c := Codec{Crypter: &fakeCrypter{}, MACKey: key}
		snap := sampleSnapshot()
		data := mustMarshal(t, c, snap)
		got, err := c.Unmarshal(data)
		if err != nil {
			t.Fatalf("Unmarshal (mac=%v): %v\n%s", key != nil, err, data)
		}
		if err := sameSnapshot(snap, got); err != nil {
			t.Fatalf("round trip (mac=%v): %v", key != nil, err)
		}
		// Re-marshalling what was read gives the same bytes.
		if again := mustMarshal(t, c, got); !bytes.Equal(again, data) {
			t.Fatalf("re-marshal differs:\n%s\n%s", data, again)
		}
		if !json.Valid(data) {
			t.Fatalf("not valid JSON:\n%s", data)
		}
		for _, canary := range canaries {
			if bytes.Contains(data, []byte(canary)) {
				t.Fatalf("plaintext secret %q written to the state file", canary)
			}
		}
	}
}

func TestCodecEmptySnapshot(t *testing.T) {
	t.Parallel()
	c := Codec{MACKey: macKey}
	data := mustMarshal(t, c, &Snapshot{Project: "p", Stack: "s"})
	want := "{\n\"version\": 1,\n\"project\": \"p\",\n\"stack\": \"s\",\n\"serial\": 0,\n\"outputs\": {},\n\"resources\": [\n],\n\"mac\": \"hmac-sha256:"
	if !strings.HasPrefix(string(data), want) || !strings.HasSuffix(string(data), "\"\n}\n") {
		t.Fatalf("layout:\n%s", data)
	}
	got, err := c.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Project != "p" || got.Stack != "s" || len(got.Resources) != 0 || len(got.Outputs) != 0 {
		t.Fatalf("got %+v", got)
	}
}

// TestCodecLayout pins the file format: one resource per line, fields in a fixed order, no MAC without a key.
func TestCodecLayout(t *testing.T) {
	t.Parallel()
	s := &Snapshot{Project: "p", Stack: "s", Serial: 3,
		Outputs: resource.PropertyMap{"b": resource.NewNumber(2), "a": resource.NewString("<&>")},
		Resources: []*Resource{
			{URN: resource.NewURN("s", "p", "", "infra:providers:random", "default"), Type: "infra:providers:random", Custom: true, ID: "x"},
			{URN: resource.NewURN("s", "p", "", "random:index:String", "r"), Type: "random:index:String", Custom: true, ID: "i",
				Provider: resource.NewProviderRef(resource.NewURN("s", "p", "", "infra:providers:random", "default"), "x"),
				Inputs:   resource.PropertyMap{"z": resource.NewBool(true), "a": resource.NewNumber(1)}, Timeouts: &Timeouts{Update: 2}},
		}}
	got := string(mustMarshal(t, Codec{}, s))
	want := `{
"version": 1,
"project": "p",
"stack": "s",
"serial": 3,
"outputs": {"a":"<&>","b":2},
"resources": [
{"urn":"urn:infra:s::p::infra:providers:random::default","type":"infra:providers:random","custom":true,"id":"x"},
{"urn":"urn:infra:s::p::random:index:String::r","type":"random:index:String","custom":true,"id":"i","provider":"urn:infra:s::p::infra:providers:random::default::x","inputs":{"a":1,"z":true},"timeouts":{"update":2}}
]
}
`
	if got != want {
		t.Fatalf("layout:\n%s\nwant:\n%s", got, want)
	}
}

func TestCodecDeterministic(t *testing.T) {
	t.Parallel()
	c := Codec{Crypter: &fakeCrypter{}, MACKey: macKey}
	first := mustMarshal(t, c, sampleSnapshot())
	for i := 0; i < 20; i++ {
		if b := mustMarshal(t, c, sampleSnapshot()); !bytes.Equal(b, first) {
			t.Fatalf("marshal %d differs:\n%s\n%s", i, first, b)
		}
	}
}

func TestCodecAADBinding(t *testing.T) {
	t.Parallel()
	fc := &fakeCrypter{}
	c := Codec{Crypter: fc}
	snap := &Snapshot{Project: proj, Stack: stack,
		Outputs: resource.PropertyMap{"tok": resource.MakeSecret(resource.NewString("s"))},
		Resources: []*Resource{
			{URN: urn("random:index:String", "a"), Type: "random:index:String",
				Inputs:  resource.PropertyMap{"pw": resource.MakeSecret(resource.NewString("A")), "other": resource.MakeSecret(resource.NewString("O"))},
				Outputs: resource.PropertyMap{"deep": resource.NewMap(resource.PropertyMap{"l": resource.NewList([]resource.PropertyValue{resource.MakeSecret(resource.NewNumber(1))})})}},
			{URN: urn("random:index:String", "b"), Type: "random:index:String",
				Inputs: resource.PropertyMap{"pw": resource.MakeSecret(resource.NewString("B"))}},
		}}
	data := mustMarshal(t, c, snap)
	a, b := string(urn("random:index:String", "a")), string(urn("random:index:String", "b"))
	wantAADs := []string{
		"stack:hello/dev|outputs|tok",
		a + "|inputs|other",
		a + "|inputs|pw",
		a + "|outputs|deep.l[0]",
		b + "|inputs|pw",
	}
	if got := fc.recorded(); strings.Join(got, "\n") != strings.Join(wantAADs, "\n") {
		t.Fatalf("aads:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantAADs, "\n"))
	}
	if _, err := c.Unmarshal(data); err != nil {
		t.Fatalf("untouched file: %v", err)
	}

	cts := regexp.MustCompile(`"ENC\[[^"]*\]"`).FindAllString(string(data), -1)
	if len(cts) != 5 {
		t.Fatalf("found %d ciphertexts, want 5", len(cts))
	}
	ctTok, ctAOther, ctAPw, ctADeep, ctBPw := cts[0], cts[1], cts[2], cts[3], cts[4]
	swap := func(x, y string) []byte {
		s := strings.Replace(string(data), x, "\x00", 1)
		s = strings.Replace(s, y, x, 1)
		return []byte(strings.Replace(s, "\x00", y, 1))
	}
	tests := []struct {
		name string
		data []byte
		msg  string
	}{
		{"to another resource", swap(ctAPw, ctBPw), "decode inputs of " + a + ": decrypt pw:"},
		{"to another property", swap(ctAPw, ctAOther), "decode inputs of " + a + ": decrypt "},
		{"from outputs to inputs", swap(ctAPw, ctADeep), "decrypt"},
		{"from the stack outputs", swap(ctTok, ctBPw), "decode stack outputs: decrypt tok:"},
	}
	for _, tt := range tests {
		_, err := c.Unmarshal(tt.data)
		if err == nil {
			t.Errorf("%s: a moved ciphertext was accepted", tt.name)
			continue
		}
		if !errors.Is(err, errWrongAAD) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: error %q, want it to contain %q and wrap the crypter's error", tt.name, err, tt.msg)
		}
	}
}

func TestCodecSecretTypes(t *testing.T) {
	t.Parallel()
	fc := &fakeCrypter{}
	c := Codec{Crypter: fc}
	s, n := resource.NewString, resource.NewNumber
	values := map[string]resource.PropertyValue{
		"str":     s("x"),
		"empty":   s(""),
		"bool":    resource.NewBool(false),
		"int":     n(-42),
		"float":   n(2.5),
		"huge":    n(1 << 60),
		"nan":     n(math.NaN()),
		"inf":     n(math.Inf(1)),
		"null":    resource.Null(),
		"unknown": resource.Unknown(),
		"list":    resource.NewList([]resource.PropertyValue{s("a"), resource.MakeSecret(s("inner"))}),
		"map":     resource.NewMap(resource.PropertyMap{"$k": n(1)}),
	}
	in := resource.PropertyMap{}
	for k, v := range values {
		in[k] = resource.MakeSecret(v)
	}
	snap := &Snapshot{Project: proj, Stack: stack, Resources: []*Resource{{URN: urn("t:m:T", "r"), Type: "t:m:T", Inputs: in}}}
	data := mustMarshal(t, c, snap)
	got, err := c.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	// A secret's nested secrets are folded into the outer one.
	values["list"] = resource.NewList([]resource.PropertyValue{s("a"), s("inner")})
	for k, v := range values {
		if g := got.Resources[0].Inputs[k]; !g.Equal(resource.MakeSecret(v)) {
			t.Errorf("%s: got %v (%v), want secret %v", k, g, g.SecretElement(), v)
		}
	}
	// The plaintext types are the sops ones.
	types := map[string]string{}
	for _, m := range regexp.MustCompile(`"([a-z]+)":\{"\$secret":"ENC\[[^|]*\|([a-z]+)\|`).FindAllStringSubmatch(string(data), -1) {
		types[m[1]] = m[2]
	}
	wantTypes := map[string]string{"str": "str", "empty": "str", "bool": "bool", "int": "int", "float": "float", "huge": "float",
		"nan": "float", "inf": "float", "null": "bytes", "unknown": "bytes", "list": "bytes", "map": "bytes"}
	for k, w := range wantTypes {
		if types[k] != w {
			t.Errorf("%s stored as type %q, want %q", k, types[k], w)
		}
	}
}

func TestCodecBadSecretPlaintext(t *testing.T) {
	t.Parallel()
	fc := &fakeCrypter{}
	c := Codec{Crypter: fc}
	r := urn("t:m:T", "r")
	for _, tc := range []struct{ plain, typ, msg string }{
		{"canary-not-a-bool", "bool", "secret of type bool holds 17 bytes that are not a bool"},
		{"canary-not-a-number", "int", "secret of type int does not hold a number"},
		{"canary", "weird", `secret has unsupported type "weird"`},
		{"{canary", "bytes", "decode property JSON"},
	} {
		ct, _ := fc.EncryptValue(tc.plain, tc.typ, string(r)+"|inputs|k")
		data := []byte(`{"version":1,"project":"hello","stack":"dev","resources":[{"urn":"` + string(r) + `","type":"t:m:T","inputs":{"k":{"$secret":"` + ct + `"}}}]}`)
		_, err := c.Unmarshal(data)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s/%s: error %v, want %q", tc.plain, tc.typ, err, tc.msg)
			continue
		}
		if tc.typ != "bytes" && strings.Contains(err.Error(), "canary") {
			t.Errorf("error reveals the plaintext: %v", err)
		}
	}
}

func TestCodecNoCrypter(t *testing.T) {
	t.Parallel()
	snap := &Snapshot{Project: proj, Stack: stack, Resources: []*Resource{{URN: urn("t:m:T", "r"), Type: "t:m:T",
		Outputs: resource.PropertyMap{"pw": resource.MakeSecret(resource.NewString("canary"))}}}}
	_, err := Codec{}.Marshal(snap)
	if !errors.Is(err, resource.ErrNoSecretHook) || !strings.Contains(err.Error(), "encode "+string(urn("t:m:T", "r"))) {
		t.Fatalf("Marshal without crypter: %v", err)
	}
	data := mustMarshal(t, Codec{Crypter: &fakeCrypter{}}, snap)
	if _, err := (Codec{}).Unmarshal(data); !errors.Is(err, resource.ErrNoSecretHook) {
		t.Fatalf("Unmarshal without crypter: %v", err)
	}
	// Stack outputs too.
	_, err = Codec{}.Marshal(&Snapshot{Outputs: resource.PropertyMap{"x": resource.MakeSecret(resource.NewBool(true))}})
	if !errors.Is(err, resource.ErrNoSecretHook) || !strings.Contains(err.Error(), "encode stack outputs") {
		t.Fatalf("stack outputs without crypter: %v", err)
	}
	// Unstorable numbers are refused, naming the resource.
	_, err = Codec{}.Marshal(&Snapshot{Resources: []*Resource{{URN: urn("t:m:T", "r"), Type: "t:m:T",
		Inputs: resource.PropertyMap{"n": resource.NewNumber(math.NaN())}}}})
	if err == nil || !strings.Contains(err.Error(), "n: number NaN cannot be stored") {
		t.Fatalf("NaN: %v", err)
	}
}

func TestCodecMACTamper(t *testing.T) {
	t.Parallel()
	c := Codec{Crypter: &fakeCrypter{}, MACKey: macKey}
	data := mustMarshal(t, c, sampleSnapshot())
	check := func(what string, b []byte) {
		t.Helper()
		s, err := c.Unmarshal(b)
		if !errors.Is(err, ErrIntegrity) {
			t.Fatalf("%s: Unmarshal = %v, %v; want ErrIntegrity", what, s != nil, err)
		}
	}
	// Every byte inverted, one at a time.
	for i := range data {
		b := bytes.Clone(data)
		b[i] ^= 0xff
		check("invert byte "+itoa(i), b)
	}
	// Every single-bit flip in the signed part and in the MAC itself.
	macAt := bytes.LastIndex(data, []byte(`"mac": "`))
	end := bytes.LastIndexByte(data, '"')
	for i := 0; i < end; i++ {
		for bit := 0; bit < 8; bit++ {
			b := bytes.Clone(data)
			b[i] ^= 1 << bit
			if i >= macAt && i < macAt+len(`"mac": "hmac-sha256:`) && bytes.Equal(b, data) {
				continue
			}
			check("flip bit "+itoa(bit)+" of byte "+itoa(i), b)
		}
	}
	// Truncated anywhere before the closing brace.
	for n := 0; n < len(data)-1; n++ {
		check("truncate to "+itoa(n), data[:n])
	}
	// Anything but whitespace appended.
	for _, tail := range []string{"x", "}", "{}", "\n{}\n", `"mac": "hmac-sha256:AAAA"`, ",\n\"mac\": \"hmac-sha256:" + strings.Repeat("A", 43) + "\"\n}\n", "\x00"} {
		check("append "+tail, append(bytes.Clone(data), tail...))
	}
	// A resource line removed.
	lines := bytes.Split(data, []byte("\n"))
	var dropped [][]byte
	for _, l := range lines {
		if !bytes.HasPrefix(l, []byte(`{"urn":"`+string(strURN))) {
			dropped = append(dropped, l)
		}
	}
	if len(dropped) != len(lines)-1 {
		t.Fatalf("the resource line was not found")
	}
	check("drop a resource", bytes.Join(dropped, []byte("\n")))
	// Wrong key, no key in the file.
	if _, err := (Codec{Crypter: &fakeCrypter{}, MACKey: []byte("other")}).Unmarshal(data); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("wrong key: %v", err)
	}
	unsigned := mustMarshal(t, Codec{Crypter: &fakeCrypter{}}, sampleSnapshot())
	if _, err := c.Unmarshal(unsigned); !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), "has no MAC") {
		t.Fatalf("unsigned file read with a key: %v", err)
	}
	// Without a key, a signed file is read without verification.
	if _, err := (Codec{Crypter: &fakeCrypter{}}).Unmarshal(data); err != nil {
		t.Fatalf("signed file read without a key: %v", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestCodecVersionAndShape(t *testing.T) {
	t.Parallel()
	r := string(urn("t:m:T", "r"))
	tests := []struct {
		name, data, msg string
	}{
		{"newer version", `{"version": 2, "project": "p", "stack": "s"}`, "snapshot format version 2 is newer than this infra understands (1): upgrade infra"},
		{"much newer version", `{"version": 99}`, "format version 99 is newer"},
		{"version zero", `{"version": 0}`, "snapshot format version 0 is invalid"},
		{"negative version", `{"version": -1}`, "snapshot format version -1 is invalid"},
		{"no version", `{"project": "p"}`, "no format version: this is not an infra state file"},
		{"fractional version", `{"version": 1.5}`, "decode snapshot"},
		{"unknown field", `{"version": 1, "extra": true}`, `unknown field "extra"`},
		{"unknown resource field", `{"version": 1, "resources": [{"urn": "` + r + `", "type": "t:m:T", "color": "red"}]}`, `unknown field "color"`},
		{"not JSON", `garbage`, "decode snapshot"},
		{"empty", ``, "decode snapshot"},
		{"invalid URN", `{"version": 1, "resources": [{"urn": "nope", "type": "t:m:T"}]}`, `decode snapshot: resource #0 has an invalid URN "nope"`},
		{"inputs not a map", `{"version": 1, "resources": [{"urn": "` + r + `", "type": "t:m:T", "inputs": [1]}]}`, "decode inputs of " + r + ": expected a JSON object of properties"},
		{"outputs bad", `{"version": 1, "resources": [{"urn": "` + r + `", "type": "t:m:T", "outputs": {"$x": 1}}]}`, "decode outputs of " + r},
		{"stack outputs bad", `{"version": 1, "outputs": "s"}`, "decode stack outputs"},
		{"inconsistent", `{"version": 1, "resources": [{"urn": "` + r + `", "type": "t:m:T", "dependencies": ["` + string(urn("t:m:T", "later")) + `"]}]}`, "inconsistent snapshot"},
	}
	c := Codec{Crypter: &fakeCrypter{}}
	for _, tt := range tests {
		s, err := c.Unmarshal([]byte(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: Unmarshal = %v, %v; want error containing %q", tt.name, s, err, tt.msg)
		}
	}
	// An older-than-current version does not exist yet; version 1 with the minimum of fields is fine.
	s, err := c.Unmarshal([]byte(`{"version": 1}`))
	if err != nil || s.Project != "" || len(s.Resources) != 0 {
		t.Fatalf("minimal file: %+v, %v", s, err)
	}
}
