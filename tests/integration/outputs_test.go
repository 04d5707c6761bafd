package integration

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
)

func (p *project) outputsJSON(args ...string) map[string]any {
	p.t.Helper()
	r := p.mustRun(append([]string{"outputs", "--json"}, args...)...)
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		p.t.Fatalf("outputs --json is not a JSON object: %v\n%s", err, r)
	}
	return m
}

func TestStackOutputs(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	hush := randomToken(t, "hush-")
	p.setSpec(spec{
		Resources: []res{{Name: "a", Value: "one"}, {Name: "s", Value: "s", Secret: hush}},
		Exports:   map[string]string{"aEcho": "a.echo", "lit": "=hello", "sec": "s.secret"},
	})
	up := p.up()
	wantNoOutput(t, up, hush)

	table := p.mustRun("outputs")
	for _, row := range [][2]string{{"aEcho", "one"}, {"lit", "hello"}, {"sec", "[secret]"}} {
		if !hasRow(table.stdout, row[0], row[1]) {
			t.Errorf("outputs should list %s = %s\n%s", row[0], row[1], table)
		}
	}
	wantNoOutput(t, table, hush)
	if got, want := p.outputsJSON(), map[string]any{"aEcho": "one", "lit": "hello", "sec": "[secret]"}; !maps.Equal(got, want) {
		t.Errorf("outputs --json = %v, want %v", got, want)
	}
	if got := p.outputsJSON("--show-secrets")["sec"]; got != hush {
		t.Errorf("outputs --json --show-secrets: sec = %v, want the secret", got)
	}
	if got := strings.TrimSpace(p.mustRun("outputs", "sec").stdout); got != "[secret]" {
		t.Errorf("outputs sec = %q, want [secret]", got)
	}
	if got := strings.TrimSpace(p.mustRun("outputs", "--show-secrets", "sec").stdout); got != hush {
		t.Errorf("outputs --show-secrets sec = %q, want the secret", got)
	}

	// The program changes: a changed value, a removed output.
	p.setSpec(spec{
		Resources: []res{{Name: "a", Value: "two"}, {Name: "s", Value: "s", Secret: hush}},
		Exports:   map[string]string{"aEcho": "a.echo", "sec": "s.secret"},
	})
	up = p.up()
	wantOutput(t, up, `~ aEcho: "one" => "two"`, `- lit: "hello"`)
	if got, want := p.outputsJSON(), map[string]any{"aEcho": "two", "sec": "[secret]"}; !maps.Equal(got, want) {
		t.Errorf("outputs --json = %v, want %v", got, want)
	}
	table = p.mustRun("outputs")
	if hasRow(table.stdout, "lit", "hello") || !hasRow(table.stdout, "aEcho", "two") {
		t.Errorf("outputs should show aEcho two and no lit\n%s", table)
	}
	r := p.runCode(1, "outputs", "lit")
	wantOutput(t, r, `no output "lit"`)
}

// hasRow reports whether a two-column table has a row key → value.
func hasRow(table, key, value string) bool {
	for _, l := range strings.Split(table, "\n") {
		f := strings.Fields(l)
		if len(f) == 2 && f[0] == key && f[1] == value {
			return true
		}
	}
	return false
}
