package depcheck

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/infrago/infra"

// rule is one dependency rule: no package matched by roots may depend, directly or not, on a forbidden package.
type rule struct {
	name string
	// roots are go list patterns, relative to the module root ("./engine/...").
	roots []string
	// bindings adds the generated SDK binding packages (sdk/<provider>) to the roots.
	bindings bool
	// forbidden reports whether a package must not be a dependency of a root.
	forbidden func(pkg string) bool
	// why is shown when the rule is broken.
	why string
}

// under reports whether pkg is one of the module's packages at or below dir ("engine" matches engine/...).
func under(dir string) func(string) bool {
	p := module + "/" + dir
	return func(pkg string) bool { return pkg == p || strings.HasPrefix(pkg, p+"/") }
}

func anyOf(fs ...func(string) bool) func(string) bool {
	return func(pkg string) bool {
		for _, f := range fs {
			if f(pkg) {
				return true
			}
		}
		return false
	}
}

func prefix(p string) func(string) bool {
	return func(pkg string) bool { return pkg == p || strings.HasPrefix(pkg, p+"/") }
}

var rules = []rule{
	{
		name:      "sdk/infra, sdk/infratest, sdk/auto and the generated SDK bindings",
		roots:     []string{"./sdk/infra/...", "./sdk/infratest/...", "./sdk/auto/..."},
		bindings:  true,
		forbidden: anyOf(under("engine"), under("stacks"), under("providers"), under("internal"), prefix("github.com/getsops/sops/v3")),
		why:       "user programs import these: they must stay small and quick to compile, and take what they share with the engine from sdk/ alone (DESIGN §2)",
	},
	{
		name:      "engine",
		roots:     []string{"./engine/..."},
		forbidden: anyOf(under("providers"), under("cmd"), under("sdk/infra")),
		why:       "the engine is cloud-agnostic and knows providers only through the plugin protocol, and programs only through the monitor protocol (sdk/rpc, sdk/protocol), not the program SDK (DESIGN §2)",
	},
	{
		name:      "providers",
		roots:     []string{"./providers/..."},
		forbidden: anyOf(under("engine"), under("stacks")),
		why:       "a provider is a plugin built on sdk/provider alone (DESIGN §2)",
	},
	{
		name:  "cmd/infra-builtin-core",
		roots: []string{"./cmd/infra-builtin-core"},
		forbidden: anyOf(under("providers/aws"), under("providers/gcp"), under("providers/digitalocean"), under("stacks"),
			prefix("github.com/aws/aws-sdk-go-v2"), prefix("cloud.google.com/go"), prefix("google.golang.org/api"),
			prefix("github.com/digitalocean/godo"), prefix("github.com/getsops/sops/v3"), prefix("github.com/spf13/cobra")),
		why: "the lean binary of the small built-in providers starts in milliseconds because it links none of the clouds' SDKs nor the CLI's (see providers/builtin.Launcher)",
	},
	{
		name:  "cmd/infra-builtin-<cloud>",
		roots: []string{"./cmd/infra-builtin-aws", "./cmd/infra-builtin-gcp", "./cmd/infra-builtin-digitalocean"},
		forbidden: anyOf(under("stacks"), under("engine"), under("cmd"), prefix("github.com/getsops/sops/v3"), prefix("github.com/spf13/cobra"),
			under("providers/builtin/random"), under("providers/builtin/command")),
		why: "a cloud's lean provider binary links its provider and the plugin protocol, not the CLI's state, secrets and command packages",
	},
	{
		name:      "stacks",
		roots:     []string{"./stacks/..."},
		forbidden: under("engine"),
		why:       "state, config and backends know nothing of how a deployment is computed (DESIGN §2)",
	},
	{
		name:  "sdk/resource",
		roots: []string{"./sdk/resource"},
		forbidden: func(pkg string) bool {
			return pkg != module+"/sdk/resource" && prefix(module)(pkg)
		},
		why: "the shared vocabulary imports nothing of ours, so that every package can depend on it (DESIGN §2)",
	},
}

// violation is a forbidden package reached from a root, with the import chain from the root to it.
type violation struct {
	Root, Forbidden string
	Chain           []string
}

func (v violation) String() string {
	return fmt.Sprintf("%s imports %s:\n        %s", v.Root, v.Forbidden, strings.Join(v.Chain, "\n      → "))
}

// findViolations walks the import graph breadth-first from every root (in sorted order) and returns each
// forbidden package that can be reached, once, with a shortest chain from the first root that reaches it. The
// walk does not go through a forbidden package: what it imports is its own business, and the first forbidden
// package on a chain is the one to remove.
func findViolations(roots []string, imports map[string][]string, forbidden func(string) bool) []violation {
	roots = append([]string(nil), roots...)
	sort.Strings(roots)
	found := map[string]violation{}
	for _, root := range roots {
		if forbidden(root) {
			continue // a root cannot break its own rule by being itself
		}
		prev := map[string]string{root: ""}
		queue := []string{root}
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			deps := append([]string(nil), imports[p]...)
			sort.Strings(deps)
			for _, d := range deps {
				if _, seen := prev[d]; seen {
					continue
				}
				prev[d] = p
				if forbidden(d) {
					if _, dup := found[d]; !dup {
						var chain []string
						for x := d; x != ""; x = prev[x] {
							chain = append([]string{x}, chain...)
						}
						found[d] = violation{Root: root, Forbidden: d, Chain: chain}
					}
					continue
				}
				queue = append(queue, d)
			}
		}
	}
	out := make([]violation, 0, len(found))
	for _, v := range found {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Forbidden < out[j].Forbidden })
	return out
}

// report renders a broken rule for people.
func report(r rule, vs []violation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "dependency rule broken: %s must not depend on these packages (%s):\n", r.name, r.why)
	for _, v := range vs {
		fmt.Fprintf(&b, "  - %s\n", v)
	}
	return b.String()
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatalf("not inside a module")
	}
	return filepath.Dir(gomod)
}

// goList runs go list in the module root and returns its standard output.
func goList(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = moduleRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// importGraph lists the packages matched by patterns (the roots) and every package they depend on, with the
// imports of each: one go list -deps per call.
func importGraph(t *testing.T, patterns ...string) (roots []string, imports map[string][]string) {
	t.Helper()
	out := goList(t, append([]string{"-deps", "-f", `{{if not .DepOnly}}ROOT {{end}}{{.ImportPath}} {{join .Imports " "}}`}, patterns...)...)
	imports = map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if fields[0] == "ROOT" {
			fields = fields[1:]
			roots = append(roots, fields[0])
		}
		imports[fields[0]] = fields[1:]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return roots, imports
}

// bindingPackages lists the generated typed SDK packages: packages under sdk/ whose files say they were
// generated by infra gen.
func bindingPackages(t *testing.T) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(goList(t, "-f", `{{.ImportPath}}|{{.Dir}}|{{join .GoFiles " "}}`, "./sdk/...")))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "|", 3)
		if len(parts) != 3 || parts[2] == "" {
			continue
		}
		for _, f := range strings.Fields(parts[2]) {
			b, err := os.ReadFile(filepath.Join(parts[1], f))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.HasPrefix(b, []byte("// Code generated by infra gen")) {
				out = append(out, parts[0])
				break
			}
		}
	}
	return out
}

func check(t *testing.T, r rule) []violation {
	t.Helper()
	patterns := append([]string(nil), r.roots...)
	if r.bindings {
		bs := bindingPackages(t)
		if len(bs) == 0 {
			t.Fatalf("found no generated binding packages under sdk/: the detection is broken")
		}
		patterns = append(patterns, bs...)
	}
	roots, imports := importGraph(t, patterns...)
	if len(roots) == 0 {
		t.Fatalf("rule %q: %v matched no packages", r.name, patterns)
	}
	return findViolations(roots, imports, r.forbidden)
}

func TestDependencyRules(t *testing.T) {
	t.Parallel()
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			if vs := check(t, r); len(vs) > 0 {
				t.Error(report(r, vs))
			}
		})
	}
}

func TestBindingPackagesFound(t *testing.T) {
	t.Parallel()
	bs := bindingPackages(t)
	for _, want := range []string{module + "/sdk/random", module + "/sdk/command", module + "/sdk/data"} {
		found := false
		for _, b := range bs {
			found = found || b == want
		}
		if !found {
			t.Errorf("%s is not recognised as a generated binding package (found %v)", want, bs)
		}
	}
	for _, b := range bs {
		if b == module+"/sdk/infra" || strings.HasPrefix(b, module+"/sdk/rpc") {
			t.Errorf("%s is not a generated binding", b)
		}
	}
}

func TestFindViolations(t *testing.T) {
	t.Parallel()
	g := map[string][]string{
		"app":      {"lib", "util", "fmt"},
		"lib":      {"bad/one", "util"},
		"util":     {"deep"},
		"deep":     {"bad/two", "util"}, // a cycle util → deep → util must not loop
		"bad/one":  {"bad/inner", "fmt"},
		"bad/two":  nil,
		"other":    {"bad/one"},
		"clean":    {"fmt"},
		"bad/root": {"bad/two"},
	}
	bad := prefix("bad")
	vs := findViolations([]string{"other", "app", "clean", "bad/root"}, g, bad)
	got := make([]string, len(vs))
	for i, v := range vs {
		got[i] = v.Root + ": " + strings.Join(v.Chain, " → ")
	}
	want := []string{
		// bad/one is reached from app (the first root in order) through lib; bad/inner only through bad/one, so it
		// is not reported on its own.
		"app: app → lib → bad/one",
		"app: app → util → deep → bad/two",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if vs := findViolations([]string{"clean"}, g, bad); len(vs) != 0 {
		t.Fatalf("clean root: %v", vs)
	}
	// The shortest chain wins.
	g2 := map[string][]string{"r": {"a", "x"}, "a": {"b"}, "b": {"bad/z"}, "x": {"bad/z"}}
	short := findViolations([]string{"r"}, g2, bad)
	if len(short) != 1 || strings.Join(short[0].Chain, " ") != "r x bad/z" {
		t.Fatalf("shortest chain: %v", short)
	}
	msg := report(rule{name: "app", why: "because"}, short)
	wantMsg := "dependency rule broken: app must not depend on these packages (because):\n" +
		"  - r imports bad/z:\n        r\n      → x\n      → bad/z\n"
	if msg != wantMsg {
		t.Fatalf("report:\n%q\nwant\n%q", msg, wantMsg)
	}
}

// TestFakeRuleIsCaught proves the real check can fail: a made-up rule that the code base breaks today (the SDK
// uses the wire protocol package) must be reported with the chain that brings the package in.
func TestFakeRuleIsCaught(t *testing.T) {
	t.Parallel()
	fake := rule{
		name:      "sdk/infra (fake rule)",
		roots:     []string{"./sdk/infra"},
		forbidden: anyOf(under("sdk/rpc/propertypb"), prefix("google.golang.org/grpc/credentials/insecure")),
		why:       "a rule made up for this test",
	}
	vs := check(t, fake)
	if len(vs) != 2 {
		t.Fatalf("violations = %v", vs)
	}
	msg := report(fake, vs)
	wants := []string{
		"dependency rule broken: sdk/infra (fake rule) must not depend on these packages (a rule made up for this test):",
		"  - " + module + "/sdk/infra imports google.golang.org/grpc/credentials/insecure:\n        " + module + "/sdk/infra\n      → google.golang.org/grpc/credentials/insecure\n",
		"  - " + module + "/sdk/infra imports " + module + "/sdk/rpc/propertypb:\n        " + module + "/sdk/infra\n      → " + module + "/sdk/rpc/propertypb\n",
	}
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Fatalf("report:\n%s\nwant it to contain:\n%s", msg, w)
		}
	}
	// An indirect dependency comes with its whole chain.
	deep := rule{name: "deep", roots: []string{"./sdk/infra"}, forbidden: prefix("google.golang.org/protobuf/proto"), why: "test"}
	vs = check(t, deep)
	if len(vs) != 1 || len(vs[0].Chain) < 3 || vs[0].Chain[0] != module+"/sdk/infra" || vs[0].Chain[len(vs[0].Chain)-1] != "google.golang.org/protobuf/proto" {
		t.Fatalf("indirect violation = %v", vs)
	}
	_, imports := importGraph(t, "./sdk/infra")
	for i := 0; i+1 < len(vs[0].Chain); i++ {
		found := false
		for _, d := range imports[vs[0].Chain[i]] {
			found = found || d == vs[0].Chain[i+1]
		}
		if !found {
			t.Fatalf("%s does not import %s: the chain %v is made up", vs[0].Chain[i], vs[0].Chain[i+1], vs[0].Chain)
		}
	}
}
