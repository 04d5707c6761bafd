package resource

import (
	"fmt"
	"strings"
	"testing"
)

// renderDiffs writes diffs one per line as "<symbol> <path>: <old> => <new>" for exact comparison.
func renderDiffs(ds []PropertyDiff) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "%s %s: %v => %v\n", d.Kind.Symbol(), d.Path, d.Old, d.New)
	}
	return b.String()
}

func TestDiffMaps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		old, new PropertyValue
		want     string
	}{
		{
			name: "no change",
			old:  obj("a", num(1), "b", list(str("x")), "c", sec(str("s"))),
			new:  obj("a", num(1), "b", list(str("x")), "c", sec(str("s"))),
			want: "",
		},
		{
			name: "top-level add, delete, update",
			old:  obj("a", num(1), "b", num(2)),
			new:  obj("b", num(3), "c", num(4)),
			want: "- a: 1 => null\n~ b: 2 => 3\n+ c: null => 4\n",
		},
		{
			name: "changes at depth",
			old:  obj("tags", obj("env", str("prod"), "old", str("x"), "same", num(1)), "cfg", obj("net", obj("port", num(80)))),
			new:  obj("tags", obj("env", str("dev"), "new", str("y"), "same", num(1)), "cfg", obj("net", obj("port", num(81)))),
			want: "~ cfg.net.port: 80 => 81\n~ tags.env: \"prod\" => \"dev\"\n+ tags.new: null => \"y\"\n- tags.old: \"x\" => null\n",
		},
		{
			name: "inside list elements",
			old:  obj("rules", list(obj("port", num(80), "proto", str("tcp")), obj("port", num(443)))),
			new:  obj("rules", list(obj("port", num(8080), "proto", str("tcp")), obj("port", num(443), "tls", NewBool(true)))),
			want: "~ rules[0].port: 80 => 8080\n+ rules[1].tls: null => true\n",
		},
		{
			name: "list grows",
			old:  obj("l", list(num(1), num(2))),
			new:  obj("l", list(num(1), num(2), num(3), num(4))),
			want: "+ l[2]: null => 3\n+ l[3]: null => 4\n",
		},
		{
			name: "list shrinks",
			old:  obj("l", list(num(1), num(2), num(3))),
			new:  obj("l", list(num(9))),
			want: "~ l[0]: 1 => 9\n- l[1]: 2 => null\n- l[2]: 3 => null\n",
		},
		{
			name: "list indexes sort numerically",
			old:  obj("l", list(num(0), num(1), num(2), num(3), num(4), num(5), num(6), num(7), num(8), num(9), num(10), num(11))),
			new:  obj("l", list(num(0), num(1), num(-2), num(3), num(4), num(5), num(6), num(7), num(8), num(9), num(-10), num(11), num(12))),
			want: "~ l[2]: 2 => -2\n~ l[10]: 10 => -10\n+ l[12]: null => 12\n",
		},
		{
			name: "a secret is compared whole",
			old:  obj("db", sec(obj("user", str("u"), "password", str("old")))),
			new:  obj("db", sec(obj("user", str("u"), "password", str("new")))),
			want: "~ db: [secret] => [secret]\n",
		},
		{
			name: "a secret list is compared whole",
			old:  obj("keys", sec(list(str("a"), str("b")))),
			new:  obj("keys", sec(list(str("a")))),
			want: "~ keys: [secret] => [secret]\n",
		},
		{
			name: "secretness alone changed",
			old:  obj("pw", str("x")),
			new:  obj("pw", sec(str("x"))),
			want: "~ pw: \"x\" => [secret]\n",
		},
		{
			name: "kind changed",
			old:  obj("v", list(num(1)), "w", obj("a", num(1)), "x", num(1)),
			new:  obj("v", obj("a", num(1)), "w", list(num(1)), "x", str("1")),
			want: "~ v: [1] => {a: 1}\n~ w: {a: 1} => [1]\n~ x: 1 => \"1\"\n",
		},
		{
			name: "unknowns",
			old:  obj("id", str("i-1")),
			new:  obj("id", Unknown()),
			want: "~ id: \"i-1\" => [unknown]\n",
		},
		{
			name: "keys needing quotes",
			old:  obj("labels", obj("a.b", num(1))),
			new:  obj("labels", obj("a.b", num(2))),
			want: "~ labels[\"a.b\"]: 1 => 2\n",
		},
		{
			name: "nested lists",
			old:  obj("m", list(list(num(1)), list(num(2)))),
			new:  obj("m", list(list(num(1)), list(num(2), num(3)))),
			want: "+ m[1][1]: null => 3\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ds := DiffMaps(tt.old.MapValue(), tt.new.MapValue())
			if got := renderDiffs(ds); got != tt.want {
				t.Fatalf("DiffMaps:\n%s\nwant:\n%s", got, tt.want)
			}
			// Kinds carry their values: adds have a null Old, deletes a null New.
			for _, d := range ds {
				switch d.Kind {
				case DiffAdd:
					if !d.Old.IsNull() {
						t.Errorf("add %s has Old %v", d.Path, d.Old)
					}
				case DiffDelete:
					if !d.New.IsNull() {
						t.Errorf("delete %s has New %v", d.Path, d.New)
					}
				}
			}
		})
	}
}

func TestDiffMapsSecretValuesKept(t *testing.T) {
	t.Parallel()
	ds := DiffMaps(PropertyMap{"pw": sec(str("old"))}, PropertyMap{"pw": sec(str("new"))})
	if len(ds) != 1 {
		t.Fatalf("got %d diffs", len(ds))
	}
	d := ds[0]
	if d.Kind != DiffUpdate || !d.Old.Equal(sec(str("old"))) || !d.New.Equal(sec(str("new"))) {
		t.Fatalf("diff = %+v", d)
	}
}

func TestDiffKind(t *testing.T) {
	t.Parallel()
	for k, want := range map[DiffKind][2]string{
		DiffAdd: {"+", "add"}, DiffDelete: {"-", "delete"}, DiffUpdate: {"~", "update"}, DiffKind(0): {"?", "unknown"},
	} {
		if k.Symbol() != want[0] || k.String() != want[1] {
			t.Errorf("DiffKind(%d) = %q/%q, want %q/%q", k, k.Symbol(), k.String(), want[0], want[1])
		}
	}
}

func TestChangedKeys(t *testing.T) {
	t.Parallel()
	old := PropertyMap{"a": num(1), "b": num(2), "c": sec(str("x")), "d": obj("x", num(1))}
	new := PropertyMap{"a": num(1), "b": num(3), "c": str("x"), "d": obj("x", num(1)), "e": Null()}
	got := ChangedKeys(old, new)
	if want := "[b c e]"; fmt.Sprint(got) != want {
		t.Errorf("ChangedKeys = %v, want %s", got, want)
	}
	delete(new, "a")
	if got, want := fmt.Sprint(ChangedKeys(old, new)), "[a b c e]"; got != want {
		t.Errorf("ChangedKeys = %v, want %s", got, want)
	}
	if ChangedKeys(nil, nil) != nil {
		t.Errorf("ChangedKeys of empty maps must be nil")
	}
}
