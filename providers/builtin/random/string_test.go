package random

import (
	"strings"
	"testing"
	"unicode"

	"github.com/infrago/infra/providers/builtin/internal/kittest"
	"github.com/infrago/infra/sdk/resource"
)

func TestStringCheckFillsDefaults(t *testing.T) {
	t.Parallel()
	for _, tok := range []string{StringToken, PasswordToken} {
		h := kittest.New(t, Provider(), tok)
		in := h.MustCheck(kittest.Props(t, map[string]any{"length": 12}))
		want := kittest.Props(t, map[string]any{"length": 12, "upper": true, "lower": true, "numeric": true, "special": true,
			"minUpper": 0, "minLower": 0, "minNumeric": 0, "minSpecial": 0})
		if !in.Equal(want) {
			t.Errorf("%s: checked inputs = %v, want %v", tok, resource.NewMap(in), resource.NewMap(want))
		}
	}
}

func TestStringCheckFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		inputs map[string]any
		want   []string // substrings of the failures, each "property: reason"
	}{
		{"missing length", map[string]any{}, []string{"length: missing required property"}},
		{"zero length", map[string]any{"length": 0}, []string{"length: length is 0", "at least 1"}},
		{"negative length", map[string]any{"length": -3}, []string{"length: length is -3"}},
		{"huge length", map[string]any{"length": 1 << 21}, []string{"length: length is 2097152, more than"}},
		{"fractional length", map[string]any{"length": 1.5}, []string{"length: expected a whole number"}},
		{"negative min", map[string]any{"length": 8, "minUpper": -1}, []string{"minUpper: minUpper is -1; it must be 0 or more"}},
		{"mins exceed length", map[string]any{"length": 4, "minUpper": 2, "minNumeric": 3},
			[]string{"length: length is 4 but minUpper+minLower+minNumeric+minSpecial add up to 5; raise length to at least 5"}},
		{"no class", map[string]any{"length": 4, "upper": false, "lower": false, "numeric": false, "special": false},
			[]string{"upper: upper, lower, numeric and special are all false"}},
		{"min on disabled class", map[string]any{"length": 8, "numeric": false, "minNumeric": 2},
			[]string{"minNumeric: minNumeric is 2 but numeric is false; set numeric to true or minNumeric to 0"}},
		{"empty override", map[string]any{"length": 8, "overrideSpecial": ""},
			[]string{"overrideSpecial: overrideSpecial is empty while special is true"}},
		{"typo", map[string]any{"length": 8, "minupper": 1}, []string{`minupper: unknown property "minupper"; did you mean "minUpper"?`}},
		{"wrong type", map[string]any{"length": 8, "upper": "yes"}, []string{"upper: expected true or false"}},
	}
	for _, tok := range []string{StringToken, PasswordToken} {
		for _, tt := range tests {
			t.Run(tok+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				h := kittest.New(t, Provider(), tok)
				_, failures := h.Check(nil, kittest.Props(t, tt.inputs))
				joined := strings.Join(failures, "\n")
				if len(failures) == 0 {
					t.Fatal("Check passed, want failures")
				}
				for _, w := range tt.want {
					if !strings.Contains(joined, w) {
						t.Errorf("failures %q lack %q", joined, w)
					}
				}
			})
		}
	}
}

func TestStringDiffReplacesOnEveryChange(t *testing.T) {
	t.Parallel()
	h := kittest.New(t, Provider(), StringToken)
	id, in, out := h.MustCreate(kittest.Props(t, map[string]any{"length": 10, "keepers": map[string]any{"image": "ami-1"}}))
	tests := []struct {
		name    string
		news    map[string]any
		replace []string
	}{
		{"same", map[string]any{"length": 10, "keepers": map[string]any{"image": "ami-1"}}, nil},
		{"length", map[string]any{"length": 11, "keepers": map[string]any{"image": "ami-1"}}, []string{"length"}},
		{"keeper", map[string]any{"length": 10, "keepers": map[string]any{"image": "ami-2"}}, []string{"keepers"}},
		{"keeper removed", map[string]any{"length": 10}, []string{"keepers"}},
		{"class", map[string]any{"length": 10, "special": false, "keepers": map[string]any{"image": "ami-1"}}, []string{"special"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			news := h.MustCheck(kittest.Props(t, tt.news))
			d := h.Diff(id, in, out, news)
			if strings.Join(d.GetReplaces(), ",") != strings.Join(tt.replace, ",") {
				t.Errorf("replaces = %v, want %v", d.GetReplaces(), tt.replace)
			}
			if (len(tt.replace) > 0) != (d.GetChanges().String() == "SOME") {
				t.Errorf("changes = %v with replaces %v", d.GetChanges(), d.GetReplaces())
			}
		})
	}
}

// TestStringResultConstraints creates many strings through the server for each configuration and checks every
// result's length, classes and minimum counts.
func TestStringResultConstraints(t *testing.T) {
	t.Parallel()
	isSpecial := func(set string) func(rune) bool { return func(r rune) bool { return strings.ContainsRune(set, r) } }
	tests := []struct {
		name    string
		inputs  map[string]any
		allowed func(rune) bool
		mins    map[string]int // class -> minimum count
	}{
		{"defaults", map[string]any{"length": 16}, func(r rune) bool {
			return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsDigit(r) || strings.ContainsRune(defaultSpecial, r)
		}, nil},
		{"digits only", map[string]any{"length": 6, "upper": false, "lower": false, "special": false}, unicode.IsDigit, nil},
		{"all minimums fill the length", map[string]any{"length": 8, "minUpper": 2, "minLower": 2, "minNumeric": 2, "minSpecial": 2}, nil,
			map[string]int{"upper": 2, "lower": 2, "numeric": 2, "special": 2}},
		{"override special", map[string]any{"length": 12, "upper": false, "numeric": false, "overrideSpecial": "-_", "minSpecial": 5},
			func(r rune) bool { return unicode.IsLower(r) || r == '-' || r == '_' }, map[string]int{"special": 5}},
		{"lower with minimum", map[string]any{"length": 3, "upper": false, "special": false, "minLower": 3}, unicode.IsLower,
			map[string]int{"lower": 3}},
		{"non-ascii special", map[string]any{"length": 5, "upper": false, "lower": false, "numeric": false, "overrideSpecial": "éü"},
			isSpecial("éü"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := kittest.New(t, Provider(), StringToken)
			in := h.MustCheck(kittest.Props(t, tt.inputs))
			special := defaultSpecial
			if s, ok := tt.inputs["overrideSpecial"].(string); ok {
				special = s
			}
			for range 300 {
				id, out, err := h.Create(in, 0)
				if err != nil {
					t.Fatalf("Create: %v", err)
				}
				res := kittest.Str(out, "result")
				if id != res {
					t.Fatalf("ID %q is not the result %q", id, res)
				}
				if got, want := len([]rune(res)), int(in["length"].NumberValue()); got != want {
					t.Fatalf("result %q has %d characters, want %d", res, got, want)
				}
				counts := map[string]int{}
				for _, r := range res {
					switch {
					case tt.allowed != nil && !tt.allowed(r):
						t.Fatalf("result %q holds %q, which its inputs do not allow", res, r)
					case strings.ContainsRune(special, r):
						counts["special"]++
					case unicode.IsUpper(r):
						counts["upper"]++
					case unicode.IsLower(r):
						counts["lower"]++
					case unicode.IsDigit(r):
						counts["numeric"]++
					}
				}
				for class, n := range tt.mins {
					if counts[class] < n {
						t.Fatalf("result %q has %d %s characters, want at least %d", res, counts[class], class, n)
					}
				}
			}
		})
	}
}

func TestPasswordResultIsSecret(t *testing.T) {
	t.Parallel()
	h := kittest.New(t, Provider(), PasswordToken)
	id, _, out := h.MustCreate(kittest.Props(t, map[string]any{"length": 24, "minSpecial": 3}))
	res := out["result"]
	if !res.IsSecret() {
		t.Fatalf("result = %v, want a secret", res)
	}
	pw := kittest.Str(out, "result")
	if len(pw) != 24 {
		t.Fatalf("password %d characters long, want 24", len(pw))
	}
	if id == pw || strings.Contains(id, pw) {
		t.Fatal("the password's ID reveals the password")
	}
	if out["length"].IsSecret() {
		t.Error("length should not be secret")
	}
	// Refresh keeps the state and its secrecy.
	rid, _, rout, err := h.Read(id, h.MustCheck(kittest.Props(t, map[string]any{"length": 24, "minSpecial": 3})), out)
	if err != nil || rid != id {
		t.Fatalf("Read = %q, %v", rid, err)
	}
	if !rout["result"].IsSecret() || kittest.Str(rout, "result") != pw {
		t.Fatalf("refreshed result = %v, want the same secret", rout["result"])
	}
}

func TestStringSecretInputStaysSecret(t *testing.T) {
	t.Parallel()
	h := kittest.New(t, Provider(), StringToken)
	keepers := resource.MakeSecret(resource.NewMap(resource.PropertyMap{"k": resource.NewString("canary")}))
	in := h.MustCheck(resource.PropertyMap{"length": resource.NewNumber(8), "keepers": keepers})
	if !in["keepers"].IsSecret() {
		t.Fatalf("checked keepers = %v, want secret", in["keepers"])
	}
	_, out, err := h.Create(in, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !out["keepers"].IsSecret() || out["result"].IsSecret() {
		t.Fatalf("outputs = %v, want secret keepers and a plain result", resource.NewMap(out))
	}
}

func TestStringImport(t *testing.T) {
	t.Parallel()
	t.Run("string", func(t *testing.T) {
		t.Parallel()
		h := kittest.New(t, Provider(), StringToken)
		id, in, out, err := h.Read("abc-DEF_1", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if id != "abc-DEF_1" || kittest.Str(out, "result") != "abc-DEF_1" || out["result"].IsSecret() {
			t.Fatalf("import = %q %v", id, resource.NewMap(out))
		}
		if in["length"].NumberValue() != 9 || !in["special"].BoolValue() || in["minUpper"].NumberValue() != 0 {
			t.Fatalf("inferred inputs = %v", resource.NewMap(in))
		}
		// The inferred inputs pass Check and, against a program asking for the same length, need no change.
		checked := h.MustCheck(kittest.Props(t, map[string]any{"length": 9}))
		if d := h.Diff(id, in, out, checked); d.GetChanges().String() != "NONE" {
			t.Fatalf("diff after import = %v", d)
		}
	})
	t.Run("password", func(t *testing.T) {
		t.Parallel()
		h := kittest.New(t, Provider(), PasswordToken)
		id, in, out, err := h.Read("s3cr3t!pw", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if id == "" || strings.Contains(id, "s3cr3t") {
			t.Fatalf("imported password's ID = %q, want a fresh random ID", id)
		}
		if !out["result"].IsSecret() || kittest.Str(out, "result") != "s3cr3t!pw" || in["length"].NumberValue() != 9 {
			t.Fatalf("import outputs = %v, inputs = %v", resource.NewMap(out), resource.NewMap(in))
		}
	})
	t.Run("empty", func(t *testing.T) {
		t.Parallel()
		h := kittest.New(t, Provider(), StringToken)
		if _, _, _, err := h.Read("", nil, nil); err == nil || !strings.Contains(err.Error(), "import ID is empty") {
			t.Fatalf("err = %v", err)
		}
	})
}
