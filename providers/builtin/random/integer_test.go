package random

import (
	"strconv"
	"strings"
	"testing"

	"github.com/infrago/infra/providers/builtin/internal/kittest"
	"github.com/infrago/infra/sdk/resource"
)

func TestIntegerRange(t *testing.T) {
	t.Parallel()
	tests := []struct{ min, max int }{{-3, 3}, {7, 7}, {0, 1}, {-maxSafeInteger, maxSafeInteger}}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.min)+".."+strconv.Itoa(tt.max), func(t *testing.T) {
			t.Parallel()
			h := kittest.New(t, Provider(), IntegerToken)
			in := h.MustCheck(kittest.Props(t, map[string]any{"min": tt.min, "max": tt.max}))
			seen := map[int]bool{}
			for range 500 {
				id, out, err := h.Create(in, 0)
				if err != nil {
					t.Fatal(err)
				}
				n := int(out["result"].NumberValue())
				if n < tt.min || n > tt.max {
					t.Fatalf("result %d outside [%d, %d]", n, tt.min, tt.max)
				}
				if id != strconv.Itoa(n) {
					t.Fatalf("ID %q is not the result %d", id, n)
				}
				seen[n] = true
			}
			if span := tt.max - tt.min + 1; span <= 7 && len(seen) != span {
				t.Errorf("saw %d distinct values in 500 draws, want all %d", len(seen), span)
			}
		})
	}
}

func TestIntegerCheckFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		inputs map[string]any
		want   string
	}{
		{"missing max", map[string]any{"min": 1}, "max: missing required property"},
		{"min above max", map[string]any{"min": 5, "max": 1}, "max: max (1) is less than min (5); set max to at least 5"},
		{"too large", map[string]any{"min": 0, "max": float64(1 << 60)}, "max: max is 1152921504606846976, beyond"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := kittest.New(t, Provider(), IntegerToken)
			_, failures := h.Check(nil, kittest.Props(t, tt.inputs))
			if joined := strings.Join(failures, "\n"); !strings.Contains(joined, tt.want) {
				t.Fatalf("failures %q lack %q", joined, tt.want)
			}
		})
	}
}

func TestIntegerDiffReplaces(t *testing.T) {
	t.Parallel()
	h := kittest.New(t, Provider(), IntegerToken)
	id, in, out := h.MustCreate(kittest.Props(t, map[string]any{"min": 1, "max": 10}))
	d := h.Diff(id, in, out, h.MustCheck(kittest.Props(t, map[string]any{"min": 1, "max": 20})))
	if strings.Join(d.GetReplaces(), ",") != "max" {
		t.Fatalf("replaces = %v, want [max]", d.GetReplaces())
	}
	d = h.Diff(id, in, out, h.MustCheck(kittest.Props(t, map[string]any{"min": 1, "max": 10})))
	if d.GetChanges().String() != "NONE" {
		t.Fatalf("changes = %v, want NONE", d.GetChanges())
	}
}

func TestIntegerImport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id               string
		value, min, max  int
		wantErrSubstring string
	}{
		{id: "15390,1,50000", value: 15390, min: 1, max: 50000},
		{id: "-4", value: -4, min: -4, max: -4},
		{id: "60,1,50", wantErrSubstring: "value 60 is outside min 1 and max 50"},
		{id: "1,2", wantErrSubstring: `has 2 parts; want "value" or "value,min,max"`},
		{id: "x", wantErrSubstring: `"x" is not a whole number`},
		{id: "5,9,1", wantErrSubstring: "max (1) is less than min (9)"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			h := kittest.New(t, Provider(), IntegerToken)
			id, in, out, err := h.Read(tt.id, nil, nil)
			if tt.wantErrSubstring != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrSubstring) {
					t.Fatalf("err = %v, want %q", err, tt.wantErrSubstring)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if id != strconv.Itoa(tt.value) || int(out["result"].NumberValue()) != tt.value ||
				int(in["min"].NumberValue()) != tt.min || int(in["max"].NumberValue()) != tt.max {
				t.Fatalf("import = %q, inputs %v, outputs %v", id, resource.NewMap(in), resource.NewMap(out))
			}
		})
	}
}
