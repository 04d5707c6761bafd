package command

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/infrago/infra/providers/builtin/internal/kittest"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/sdk/rpc/propertypb"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

func harness(t *testing.T) *kittest.Harness { return kittest.New(t, Provider(), CommandToken) }

func TestSchema(t *testing.T) {
	t.Parallel()
	s, err := Provider().BuildSchema()
	if err != nil {
		t.Fatalf("BuildSchema: %v", err)
	}
	rs := s.Resources[CommandToken]
	if rs.Description == "" {
		t.Error("no description")
	}
	for name, p := range rs.Inputs {
		if p.Description == "" {
			t.Errorf("input %s has no doc", name)
		}
	}
	for _, name := range []string{"stdout", "stderr"} {
		if p, ok := rs.Outputs[name]; !ok || p.Type != "string" || p.Description == "" {
			t.Errorf("output %s = %+v", name, p)
		}
	}
	if !rs.Inputs["create"].Required || rs.Inputs["update"].Required {
		t.Error("create must be required and update optional")
	}
	for _, name := range []string{"triggers", "dir", "interpreter"} {
		if !rs.Inputs[name].ReplaceOnChanges {
			t.Errorf("%s should replace on change", name)
		}
	}
	if tr := rs.Inputs["triggers"]; tr.Type != "array" || tr.Items == nil || tr.Items.Type != "any" {
		t.Errorf("triggers = %+v, want list(any)", tr)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	h := harness(t)
	in := h.MustCheck(kittest.Props(t, map[string]any{"create": "true"}))
	if got := in["interpreter"].String(); got != `["/bin/sh", "-c"]` {
		t.Errorf("default interpreter = %s", got)
	}
	_, failures := h.Check(nil, kittest.Props(t, map[string]any{"update": "true"}))
	if strings.Join(failures, "\n") != "create: missing required property" {
		t.Errorf("failures = %q", failures)
	}
	_, failures = h.Check(nil, kittest.Props(t, map[string]any{"create": "true", "environment": map[string]any{"A": 1}}))
	if len(failures) != 1 || !strings.HasPrefix(failures[0], "environment.A: expected a string") {
		t.Errorf("failures = %q", failures)
	}
}

func TestCreateOutputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name           string
		inputs         map[string]any
		stdout, stderr string
	}{
		{"streams", map[string]any{"create": "echo hello; echo oops >&2"}, "hello", "oops"},
		{"one newline trimmed", map[string]any{"create": `printf 'a\n\n'; printf 'b\r\n' >&2`}, "a\n", "b"},
		{"no output", map[string]any{"create": "true"}, "", ""},
		{"environment", map[string]any{"create": `echo "$GREETING $NAME"`, "environment": map[string]any{"GREETING": "hi", "NAME": "x y"}}, "hi x y", ""},
		{"inherits environment", map[string]any{"create": `test -n "$PATH" && echo has-path`}, "has-path", ""},
		{"stdin", map[string]any{"create": "cat", "stdin": "piped\n"}, "piped", ""},
		{"dir", map[string]any{"create": "pwd -P", "dir": dir}, realPath(t, dir), ""},
		{"interpreter", map[string]any{"create": `echo "$0 $1"`, "interpreter": []any{"sh", "-c"}}, "sh ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := harness(t)
			id, in, out := h.MustCreate(kittest.Props(t, tt.inputs))
			if len(id) != 32 {
				t.Errorf("ID %q is not 32 hex characters", id)
			}
			if got := kittest.Str(out, "stdout"); got != tt.stdout {
				t.Errorf("stdout = %q, want %q", got, tt.stdout)
			}
			if got := kittest.Str(out, "stderr"); got != tt.stderr {
				t.Errorf("stderr = %q, want %q", got, tt.stderr)
			}
			for k, v := range in {
				if !out[k].Equal(v) {
					t.Errorf("output %s = %v, want the input %v", k, out[k], v)
				}
			}
			if out["stdout"].IsSecret() || out["stderr"].IsSecret() {
				t.Error("stdout/stderr secret without secret inputs")
			}
		})
	}
}

func realPath(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCreateFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		inputs  map[string]any
		want    []string
		notWant []string
	}{
		{"exit code and last 20 lines", map[string]any{"create": `for i in $(seq 1 30); do echo line$i >&2; done; exit 3`},
			[]string{"create command exited with code 3", "last 20 lines of standard error:\nline11\n", "line30"}, []string{"line10"}},
		{"short stderr", map[string]any{"create": `echo bad thing >&2; exit 1`}, []string{"exited with code 1", "standard error:\nbad thing"}, nil},
		{"silent", map[string]any{"create": `exit 2`}, []string{"exited with code 2", "printed nothing on standard error"}, nil},
		{"signal", map[string]any{"create": `kill -TERM $$`}, []string{"create command was terminated (signal: terminated)"}, nil},
		{"missing interpreter", map[string]any{"create": "true", "interpreter": []any{"/no/such/shell"}},
			[]string{"create command: start /no/such/shell", "no such file"}, nil},
		{"empty interpreter", map[string]any{"create": "true", "interpreter": []any{}}, []string{"interpreter is empty"}, nil},
		{"missing dir", map[string]any{"create": "true", "dir": "/no/such/dir"}, []string{"in directory /no/such/dir"}, nil},
		{"bad env name", map[string]any{"create": "true", "environment": map[string]any{"A=B": "x"}}, []string{`environment variable name "A=B" is not valid`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := harness(t)
			id, _, err := h.Create(h.MustCheck(kittest.Props(t, tt.inputs)), 0)
			if err == nil || id != "" {
				t.Fatalf("Create = %q, %v; want an error and no object", id, err)
			}
			msg := status.Convert(err).Message()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(msg, w) {
					t.Errorf("error %q holds %q", msg, w)
				}
			}
		})
	}
}

// TestTimeoutKillsProcessGroup runs a shell whose child sleeps for 30 seconds and checks that the operation's
// timeout ends it quickly, child included.
func TestTimeoutKillsProcessGroup(t *testing.T) {
	t.Parallel()
	h := harness(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	in := h.MustCheck(kittest.Props(t, map[string]any{
		"create":      `sleep 30 & echo $! > "$PID_FILE"; echo started >&2; wait`,
		"environment": map[string]any{"PID_FILE": pidFile},
	}))
	start := time.Now()
	_, _, err := h.Create(in, 0.5)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("Create succeeded, want a timeout")
	}
	if elapsed > 3*time.Second {
		t.Fatalf("Create returned after %s, want about 0.5s", elapsed)
	}
	if status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("code = %v, want DeadlineExceeded", status.Code(err))
	}
	msg := status.Convert(err).Message()
	for _, w := range []string{"create command timed out after 5", "killed together with the processes it started", "started"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q lacks %q", msg, w)
		}
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid := strings.TrimSpace(string(b))
	deadline := time.Now().Add(2 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the command's child %s still runs after the timeout", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether process pid exists and is not a zombie waiting to be reaped.
func alive(pid string) bool {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name: "123 (sleep) S ...".
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func TestCancelKillsCommand(t *testing.T) {
	t.Parallel()
	h := harness(t)
	in := h.MustCheck(kittest.Props(t, map[string]any{"create": "sleep 30"}))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err := h.Srv.Create(ctx, &pb.CreateRequest{Urn: string(h.URN), Type: CommandToken, Properties: propertypb.FromMap(in)})
	if err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("Create = %v after %s, want a prompt cancellation", err, time.Since(start))
	}
	if msg := status.Convert(err).Message(); !strings.Contains(msg, "create command was cancelled after") {
		t.Errorf("error %q does not say it was cancelled", msg)
	}
}

func TestSecretInputsMakeOutputsSecret(t *testing.T) {
	t.Parallel()
	const canary = "canary-8d1f"
	tests := []struct {
		name   string
		inputs resource.PropertyMap
	}{
		{"nested environment secret", resource.PropertyMap{
			"create":      resource.NewString(`echo "token=$TOKEN"; echo "$TOKEN" >&2`),
			"environment": resource.NewMap(resource.PropertyMap{"TOKEN": resource.MakeSecret(resource.NewString(canary)), "PLAIN": resource.NewString("p")}),
		}},
		{"secret stdin", resource.PropertyMap{
			"create": resource.NewString(`read t; echo "token=$t"; echo "$t" >&2`),
			"stdin":  resource.MakeSecret(resource.NewString(canary + "\n")),
		}},
		{"secret command", resource.PropertyMap{
			"create": resource.MakeSecret(resource.NewString(`echo token=` + canary + `; echo ` + canary + ` >&2`)),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := harness(t)
			_, in, out := h.MustCreate(tt.inputs)
			for _, k := range []string{"stdout", "stderr"} {
				if !out[k].IsSecret() {
					t.Errorf("%s = %v, want a secret", k, out[k])
				}
			}
			if kittest.Str(out, "stdout") != "token="+canary {
				t.Errorf("stdout = %q", kittest.Str(out, "stdout"))
			}
			for k, v := range in {
				if v.ContainsSecrets() && !out[k].ContainsSecrets() {
					t.Errorf("output %s lost its secret: %v", k, out[k])
				}
			}
			// A failing command with secret inputs keeps its standard error out of the error message.
			fail := in.Copy()
			fail["create"] = resource.NewString(`read t; echo "$TOKEN$t" >&2; exit 4`)
			if in["create"].IsSecret() {
				fail["create"] = resource.MakeSecret(resource.NewString(`echo ` + canary + ` >&2; exit 4`))
			}
			_, _, err := h.Create(fail, 0)
			if err == nil {
				t.Fatal("Create succeeded, want an error")
			}
			if msg := err.Error(); strings.Contains(msg, canary) || !strings.Contains(msg, "not shown because the command's inputs hold secrets") {
				t.Errorf("error %q reveals standard error or does not say why it is withheld", msg)
			}
		})
	}
}

func TestReadKeepsStateAndRefusesImport(t *testing.T) {
	t.Parallel()
	h := harness(t)
	in := resource.PropertyMap{"create": resource.NewString("echo $S"),
		"environment": resource.NewMap(resource.PropertyMap{"S": resource.MakeSecret(resource.NewString("x"))})}
	id, checked, out := h.MustCreate(in)
	rid, rin, rout, err := h.Read(id, checked, out)
	if err != nil || rid != id || !rin.Equal(checked) || !rout.Equal(out) {
		t.Fatalf("Read = %q %v %v, %v; want state as it is", rid, resource.NewMap(rin), resource.NewMap(rout), err)
	}
	_, _, _, err = h.Read("anything", nil, nil)
	if status.Code(err) != codes.Unimplemented || !strings.Contains(err.Error(), "cannot be imported") {
		t.Fatalf("import = %v, want an Unimplemented error saying it cannot be imported", err)
	}
}

func TestTriggersRoundTrip(t *testing.T) {
	t.Parallel()
	h := harness(t)
	triggers := resource.NewList([]resource.PropertyValue{
		resource.NewString("a"), resource.NewNumber(2), resource.NewBool(true),
		resource.NewMap(resource.PropertyMap{"k": resource.MakeSecret(resource.NewString("s"))}),
	})
	_, in, out := h.MustCreate(resource.PropertyMap{"create": resource.NewString("true"), "triggers": triggers})
	if !in["triggers"].Equal(triggers) || !out["triggers"].Equal(triggers) {
		t.Fatalf("triggers: checked %v, output %v; want %v", in["triggers"], out["triggers"], triggers)
	}
	if !out["stdout"].IsSecret() {
		t.Error("a secret inside triggers should make stdout secret")
	}
}
