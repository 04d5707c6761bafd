package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestErrorMessages checks that each kind of user error exits 1 with a message that names the file or the
// resource and says what to do.
func TestErrorMessages(t *testing.T) {
	t.Parallel()
	appendToInfraYAML := func(extra string) func(*project) {
		return func(p *project) {
			b, err := os.ReadFile(filepath.Join(p.dir, "Infra.yaml"))
			if err != nil {
				p.t.Fatal(err)
			}
			if err := p.writeFile("Infra.yaml", string(b)+extra); err != nil {
				p.t.Fatal(err)
			}
		}
	}
	withSpec := func(s spec) func(*project) { return func(p *project) { p.setSpec(s) } }
	for _, tc := range []struct {
		name  string
		setup func(*project)
		wants func(*project) []string
	}{
		{
			name:  "Infra.yaml syntax error",
			setup: appendToInfraYAML("description: a: b\n"), // line 3
			wants: func(p *project) []string {
				return []string{filepath.Join(p.dir, "Infra.yaml") + ":3:", "invalid YAML"}
			},
		},
		{
			// The bracket opens on line 3 and is never closed: line 3 is where to look.
			name:  "Infra.yaml unclosed bracket",
			setup: appendToInfraYAML("description: [never closed\n"),
			wants: func(p *project) []string {
				return []string{filepath.Join(p.dir, "Infra.yaml") + ":3:", "invalid YAML"}
			},
		},
		{
			name:  "Infra.yaml unknown field",
			setup: appendToInfraYAML("descriptoin: typo\n"),
			wants: func(p *project) []string {
				return []string{filepath.Join(p.dir, "Infra.yaml") + ":3:", `unknown field "descriptoin"`, `did you mean "description"`}
			},
		},
		{
			name:  "unknown resource type",
			setup: withSpec(spec{Resources: []res{{Name: "n", Kind: "raw", Type: "testkit:index:Nope"}}}),
			wants: func(*project) []string {
				return []string{`resource "n"`, "testkit:index:Nope", "provider testkit", "does not define", "it defines: testkit:index:Thing"}
			},
		},
		{
			name:  "missing provider",
			setup: withSpec(spec{Resources: []res{{Name: "n", Kind: "raw", Type: "nosuch:index:Thing"}}}),
			wants: func(p *project) []string {
				return []string{`no provider for package "nosuch"`, "no infra-provider-nosuch binary was found in " + binDir,
					filepath.Join(p.dir, ".infra", "plugins"), "install the provider binary", "INFRA_PLUGIN_PATH"}
			},
		},
		{
			name: "bad config value",
			setup: func(p *project) {
				p.mustRun("config", "set", "count", "abc")
				p.setSpec(spec{IntConfig: "count"})
			},
			wants: func(*project) []string {
				return []string{`configuration value "it:count" in Infra.dev.yaml`, `"abc"`, "not an integer", "infra config set count <value>"}
			},
		},
		{
			name:  "dependency cycle",
			setup: withSpec(spec{Resources: []res{{Name: "a", ValueFrom: "b"}, {Name: "b", ValueFrom: "a"}}}),
			wants: func(*project) []string {
				return []string{`dependency cycle: testkit:index:Thing "a" → testkit:index:Thing "b" → testkit:index:Thing "a"`}
			},
		},
		{
			name:  "program returns an error",
			setup: withSpec(spec{FailWith: "the program gave up: no quota left"}),
			wants: func(*project) []string { return []string{"error: the program gave up: no quota left"} },
		},
		{
			name:  "program panics",
			setup: withSpec(spec{Panic: true}),
			wants: func(*project) []string {
				return []string{"panic: the spec asked for a panic", "tests/programs/spec/main.go:", "the program exited with status 2"}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newProject(t)
			tc.setup(p)
			p.clearCalls()
			for _, cmd := range [][]string{{"preview"}, {"up", "--yes"}} {
				r := p.runCode(1, cmd...)
				wantOutput(t, r, tc.wants(p)...)
			}
			if m := mutations(p.calls()); len(m) > 0 {
				t.Errorf("a failed run changed something:%s", formatCalls(m))
			}
		})
	}
}

// TestStackLockedByLiveRun runs a command while an up holds the stack.
func TestStackLockedByLiveRun(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	p.setSpec(spec{Resources: []res{{Name: "slow", Value: "1", SleepMs: 4000}}})
	bg := p.start("up", "--yes")
	pollUntil(t, time.Minute, "the up is creating", func() bool { return callIndex(p.calls(), "create", p.thing("slow")) >= 0 })
	for _, cmd := range [][]string{{"up", "--yes"}, {"destroy", "--yes"}} {
		r := p.runCode(1, cmd...)
		wantOutput(t, r, "stack dev is being updated by", fmt.Sprintf("(pid %d, `infra up`)", bg.cmd.Process.Pid), "infra stack unlock")
	}
	// A preview writes nothing and takes no lock: it runs alongside the update (CI previews every pull request).
	p.runCode(0, "preview")
	if r := bg.wait(t); r.code != 0 {
		t.Fatalf("the up holding the lock failed:\n%s", r)
	}
	if n := countCalls(p.calls(), "create", p.thing("slow")); n != 1 {
		t.Errorf("slow was created %d times", n)
	}
	p.runCode(0, "preview", "--expect-no-changes")
}
