package integration

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	awssim "github.com/infrago/infra/providers/aws/sim"
	dosim "github.com/infrago/infra/providers/digitalocean/sim"
	gcpsim "github.com/infrago/infra/providers/gcp/sim"
)

// tutorial is docs/tutorial.md taken apart: the files it has the reader write (after a `<!-- file: NAME -->`
// line) and the command blocks it has them run (after a `<!-- run: NAME -->` line).
type tutorial struct {
	files map[string]string
	runs  map[string]string
	order []string
}

// readTutorial parses the page: each marker line is followed by a fenced block, whose text is the file or the
// commands (in a console block, the lines that start with "$ ").
func readTutorial(t *testing.T, path string) tutorial {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tut := tutorial{files: map[string]string{}, runs: map[string]string{}}
	marker := regexp.MustCompile(`^<!-- (file|run): (.+) -->$`)
	sc := bufio.NewScanner(f)
	var kind, name, fence string
	var body strings.Builder
	for sc.Scan() {
		line := sc.Text()
		switch {
		case name == "":
			if m := marker.FindStringSubmatch(line); m != nil {
				kind, name = m[1], m[2]
			}
		case fence == "":
			if !strings.HasPrefix(line, "```") {
				t.Fatalf("%s: the marker of %s %q is not followed by a fenced block", path, kind, name)
			}
			fence = strings.TrimPrefix(line, "```")
			body.Reset()
		case line == "```":
			if kind == "file" {
				tut.files[name] = body.String()
			} else {
				tut.runs[name] = body.String()
				tut.order = append(tut.order, name)
			}
			kind, name, fence = "", "", ""
		case kind == "run" && fence == "console":
			if cmd, ok := strings.CutPrefix(line, "$ "); ok {
				body.WriteString(cmd + "\n")
			}
		default:
			body.WriteString(line + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return tut
}

// TestTutorial follows docs/tutorial.md: a project from `infra new` with the webcluster component, its mock test,
// one stack per cloud on the simulators, a rolling release, a scale-up and the destroys, with the page's own
// files and commands (the simulators' addresses replaced by this test's, and --yes added where the page has the
// reader confirm).
func TestTutorial(t *testing.T) {
	t.Parallel()
	tut := readTutorial(t, filepath.Join(repoRoot, "docs", "tutorial.md"))
	for _, f := range []string{"main.go", "Infra.yaml (appended)", "main_test.go"} {
		if tut.files[f] == "" {
			t.Fatalf("docs/tutorial.md has no file %q", f)
		}
	}
	wantOrder := []string{"new", "modedit", "tidy", "test", "aws", "gcp", "release", "scale", "destroy"}
	if !slices.Equal(tut.order, wantOrder) {
		t.Fatalf("docs/tutorial.md runs %v, the test follows %v", tut.order, wantOrder)
	}

	awsS, awsURL := awsSim(t, awssim.Options{Timing: simTiming})
	gcpS, gcpURL := gcpSim(t, gcpsim.Options{Timing: gcpTiming})
	doS, doURL := doSim(t, dosim.Options{Timing: doTiming})
	root := t.TempDir()
	p, err := makeProject(root, "shop", repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	p.t = t
	p.dir = filepath.Join(root, "shop")
	env := append(slices.Clone(p.env), "INFRA_SDK_DIR="+repoRoot, "INFRA_CHECKOUT="+repoRoot, "GOFLAGS=-mod=mod", "GOPROXY=off",
		"PATH="+filepath.Dir(infraBin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE="+p.path("no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE="+p.path("no-aws-credentials"),
		"AWS_PROFILE=", "AWS_REGION=", "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_ENDPOINT_URL=")
	env = append(env, gcpEnv(p)...)
	env = append(env, doEnv()...)
	confirm := regexp.MustCompile(`(?m)^(infra (?:up|destroy)\b[^#\n]*)`)
	addresses := strings.NewReplacer("http://127.0.0.1:4566", awsURL, "http://127.0.0.1:8085", gcpURL, "http://127.0.0.1:8086", doURL)
	run := func(name string) string {
		t.Helper()
		script := confirm.ReplaceAllString(addresses.Replace(tut.runs[name]), "$1 --yes ")
		dir := p.dir
		if name == "new" {
			dir = root
		}
		ctx, cancel := context.WithTimeout(context.Background(), demoTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "sh", "-ec", script)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("the tutorial's %q step failed: %v\n%s\n%s", name, err, script, out)
		}
		return string(out)
	}
	want := func(step, out string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("the tutorial's %q step does not show %q:\n%s", step, w, out)
			}
		}
	}

	run("new")
	run("modedit")
	if err := p.writeFile("main.go", tut.files["main.go"]); err != nil {
		t.Fatal(err)
	}
	if err := p.writeFile("main_test.go", tut.files["main_test.go"]); err != nil {
		t.Fatal(err)
	}
	infraYAML, err := os.ReadFile(filepath.Join(p.dir, "Infra.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.writeFile("Infra.yaml", string(infraYAML)+tut.files["Infra.yaml (appended)"]); err != nil {
		t.Fatal(err)
	}
	p.copyRepoSums()
	run("tidy")
	want("test", run("test"), "ok  \tshop")

	want("aws", run("aws"), "Resources: 13 created", `url: "http://www.aws.shop.example.com/"`)
	if n := len(awsS.Instances()); n != 2 {
		t.Errorf("the AWS simulator runs %d instances, want 2", n)
	}
	want("gcp", run("gcp"), `url: "http://www.gcp.shop.example.com/"`, `url: "http://www.do.shop.example.com/"`)
	before := gcpSimInstancePaths(gcpS)
	if len(before) != 2 || len(doS.Droplets()) != 2 {
		t.Errorf("the simulators run %d Google Cloud instances and %d droplets, want 2 each", len(before), len(doS.Droplets()))
	}
	want("release", run("release"), "Resources: 4 to replace, 9 unchanged")
	// The page has the reader preview the release; the test makes it.
	r := p.runEnv(env, "up", "--yes")
	if r.code != 0 {
		t.Fatalf("the release: %s", r)
	}
	after := gcpSimInstancePaths(gcpS)
	if len(after) != 2 || slices.ContainsFunc(after, func(p string) bool { return slices.Contains(before, p) }) {
		t.Errorf("the release left instances %v (before: %v), want two new ones", after, before)
	}
	want("scale", run("scale"), "Resources: 2 created, 13 unchanged")
	if n := len(gcpSimInstancePaths(gcpS)); n != 3 {
		t.Errorf("the Google Cloud simulator runs %d instances after the scale-up, want 3", n)
	}
	run("destroy")
	for name, left := range map[string]int{"AWS": awsS.Objects().Total(), "Google Cloud": gcpS.Objects().Total(), "DigitalOcean": doS.Objects().Total()} {
		if left != 0 {
			t.Errorf("the %s simulator still holds %d objects after the destroys", name, left)
		}
	}
}
