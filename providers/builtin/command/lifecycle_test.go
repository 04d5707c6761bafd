package command

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/infrago/infra/providers/builtin/internal/kittest"
	"github.com/infrago/infra/sdk/resource"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	base := map[string]any{"create": "echo a", "environment": map[string]any{"X": "1"}, "triggers": []any{"t1"}}
	with := func(changes map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range changes {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	tests := []struct {
		name              string
		old, new          map[string]any
		changed, replaces string
	}{
		{"nothing", base, base, "", ""},
		{"create without update replaces", base, with(map[string]any{"create": "echo b"}), "create", "create"},
		{"create with new update updates", base, with(map[string]any{"create": "echo b", "update": "echo u"}), "create,update", ""},
		{"create with old update updates", with(map[string]any{"update": "echo u"}), with(map[string]any{"create": "echo b"}), "create,update", ""},
		{"environment without update replaces", base, with(map[string]any{"environment": map[string]any{"X": "2"}}), "environment", "environment"},
		{"environment with update updates", with(map[string]any{"update": "u"}), with(map[string]any{"update": "u", "environment": map[string]any{"X": "2"}}), "environment", ""},
		{"stdin without update replaces", base, with(map[string]any{"stdin": "in"}), "stdin", "stdin"},
		{"stdin with update updates", with(map[string]any{"update": "u"}), with(map[string]any{"update": "u", "stdin": "in"}), "stdin", ""},
		{"triggers replace", with(map[string]any{"update": "u"}), with(map[string]any{"update": "u", "triggers": []any{"t2"}}), "triggers", "triggers"},
		{"dir replaces", with(map[string]any{"update": "u"}), with(map[string]any{"update": "u", "dir": "/tmp"}), "dir", "dir"},
		{"interpreter replaces", base, with(map[string]any{"interpreter": []any{"/bin/bash", "-c"}}), "interpreter", "interpreter"},
		{"only update", base, with(map[string]any{"update": "echo u"}), "update", ""},
		{"only delete", base, with(map[string]any{"delete": "echo d"}), "delete", ""},
		{"delete removed", with(map[string]any{"delete": "echo d"}), base, "delete", ""},
		{"mixed", base, with(map[string]any{"create": "echo b", "dir": "/tmp", "delete": "d"}), "create,delete,dir", "create,dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := harness(t)
			oldIn := h.MustCheck(kittest.Props(t, tt.old))
			d := h.Diff("id", oldIn, oldIn, h.MustCheck(kittest.Props(t, tt.new)))
			if got := strings.Join(d.GetDiffs(), ","); got != tt.changed {
				t.Errorf("changed = %q, want %q", got, tt.changed)
			}
			if got := strings.Join(d.GetReplaces(), ","); got != tt.replaces {
				t.Errorf("replaces = %q, want %q", got, tt.replaces)
			}
			if want := map[bool]string{true: "SOME", false: "NONE"}[tt.changed != ""]; d.GetChanges().String() != want {
				t.Errorf("changes = %v, want %s", d.GetChanges(), want)
			}
		})
	}
	t.Run("secretness alone is no change", func(t *testing.T) {
		t.Parallel()
		h := harness(t)
		plain := h.MustCheck(kittest.Props(t, base))
		secret := plain.Copy()
		secret["triggers"] = resource.NewList([]resource.PropertyValue{resource.MakeSecret(resource.NewString("t1"))})
		if d := h.Diff("id", plain, plain, secret); d.GetChanges().String() != "NONE" {
			t.Errorf("diff = %v, want NONE", d)
		}
	})
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	h := harness(t)
	marker := filepath.Join(t.TempDir(), "ran")
	env := map[string]any{"MARKER": marker, "V": "1"}
	id, in, out := h.MustCreate(kittest.Props(t, map[string]any{"create": `echo "created $V"`,
		"update": `echo ran >> "$MARKER"; echo "updated $V after [$INFRA_COMMAND_STDOUT]"; echo warn >&2`, "environment": env}))
	if kittest.Str(out, "stdout") != "created 1" {
		t.Fatalf("stdout = %q", kittest.Str(out, "stdout"))
	}

	// Only the delete command changes: nothing runs and the last output stays.
	news := h.MustCheck(kittest.Props(t, map[string]any{"create": `echo "created $V"`,
		"update": `echo ran >> "$MARKER"; echo "updated $V after [$INFRA_COMMAND_STDOUT]"; echo warn >&2`, "environment": env, "delete": "true"}))
	out2, err := h.Update(id, in, out, news, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the update command ran although only the delete command changed")
	}
	if kittest.Str(out2, "stdout") != "created 1" || kittest.Str(out2, "delete") != "true" {
		t.Fatalf("outputs = %v", resource.NewMap(out2))
	}

	// The environment changes: the update command runs, sees the last stdout, and its output replaces it.
	env2 := map[string]any{"MARKER": marker, "V": "2"}
	news2 := h.MustCheck(kittest.Props(t, map[string]any{"create": `echo "created $V"`,
		"update": `echo ran >> "$MARKER"; echo "updated $V after [$INFRA_COMMAND_STDOUT]"; echo warn >&2`, "environment": env2, "delete": "true"}))
	out3, err := h.Update(id, news, out2, news2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := kittest.Str(out3, "stdout"); got != "updated 2 after [created 1]" {
		t.Errorf("stdout = %q", got)
	}
	if got := kittest.Str(out3, "stderr"); got != "warn" {
		t.Errorf("stderr = %q", got)
	}

	// The update command has just been removed while create changes: the new create command runs.
	news3 := h.MustCheck(kittest.Props(t, map[string]any{"create": `echo "recreated $V"`, "environment": env2}))
	if d := h.Diff(id, news2, out3, news3); len(d.GetReplaces()) != 0 {
		t.Fatalf("diff replaces %v, want an update", d.GetReplaces())
	}
	out4, err := h.Update(id, news2, out3, news3, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := kittest.Str(out4, "stdout"); got != "recreated 2" {
		t.Errorf("stdout = %q", got)
	}

	// A failing update reports its exit code.
	news4 := h.MustCheck(kittest.Props(t, map[string]any{"create": "true", "update": "echo nope >&2; exit 9", "environment": env2}))
	if _, err := h.Update(id, news3, out4, news4, 0); err == nil || !strings.Contains(err.Error(), "update command exited with code 9") ||
		!strings.Contains(err.Error(), "nope") {
		t.Errorf("err = %v", err)
	}
}

func TestUpdateSecretMarking(t *testing.T) {
	t.Parallel()
	h := harness(t)
	id, in, out := h.MustCreate(kittest.Props(t, map[string]any{"create": "echo a", "update": "echo $T"}))
	news := in.Copy()
	news["environment"] = resource.NewMap(resource.PropertyMap{"T": resource.MakeSecret(resource.NewString("tok"))})
	out2, err := h.Update(id, in, out, news, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !out2["stdout"].IsSecret() || !out2["stderr"].IsSecret() || kittest.Str(out2, "stdout") != "tok" {
		t.Fatalf("outputs = %v, want secret stdout and stderr", resource.NewMap(out2))
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		delete  string
		wantErr string
		wantOut string
	}{
		{name: "sees last outputs", delete: `printf '%s|%s' "$INFRA_COMMAND_STDOUT" "$INFRA_COMMAND_STDERR" > "$OUT"`, wantOut: "line one\nline two|err"},
		{name: "no delete command", delete: ""},
		{name: "failure", delete: "echo cannot >&2; exit 5", wantErr: "delete command exited with code 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := harness(t)
			outFile := filepath.Join(t.TempDir(), "out")
			inputs := map[string]any{"create": `echo line one; echo line two; echo err >&2`, "environment": map[string]any{"OUT": outFile}}
			if tt.delete != "" {
				inputs["delete"] = tt.delete
			}
			id, in, out := h.MustCreate(kittest.Props(t, inputs))
			err := h.Delete(id, in, out, 0)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "cannot") {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantOut != "" {
				b, err := os.ReadFile(outFile)
				if err != nil || string(b) != tt.wantOut {
					t.Fatalf("delete command saw %q (%v), want %q", b, err, tt.wantOut)
				}
			}
		})
	}
}

func TestDeleteTimeout(t *testing.T) {
	t.Parallel()
	h := harness(t)
	id, in, out := h.MustCreate(kittest.Props(t, map[string]any{"create": "true", "delete": "sleep 30"}))
	err := h.Delete(id, in, out, 0.3)
	if err == nil || !strings.Contains(err.Error(), "delete command timed out after") {
		t.Fatalf("err = %v", err)
	}
}
