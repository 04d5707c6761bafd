// Package integration drives real programs through the real infra binary, the real plugin protocol and the real
// state store, exactly as a user would, and checks exit codes, output, the state file and the call log of the
// testkit provider (tests/testprovider).
//
// The harness in this file is meant to be reused by later suites (remote backends, clouds): TestMain builds the
// binaries once, newProject gives each test its own project directory and environment.
package integration

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Set once by TestMain.
var (
	repoRoot string   // the directory holding the module's go.mod
	binDir   string   // holds infra and infra-provider-testkit
	infraBin string   // the infra CLI
	cacheDir string   // INFRA_CACHE_DIR shared by every test: the spec program is built once
	baseEnv  []string // the environment every command starts from
)

// commandTimeout bounds every CLI run, so that a hang fails the test instead of the whole suite.
const commandTimeout = 3 * time.Minute

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("integration: skipped in -short mode")
		os.Exit(0)
	}
	// The tests mostly wait for child processes (and some on purpose): run more of them at once than there are
	// CPUs, unless -parallel says otherwise.
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		_ = flag.Set("test.parallel", strconv.Itoa(max(8, runtime.GOMAXPROCS(0))))
	}
	os.Exit(setupAndRun(m))
}

func setupAndRun(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "infra-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	if err := setup(tmp); err != nil {
		fmt.Fprintln(os.Stderr, "integration setup:", err)
		return 1
	}
	return m.Run()
}

func setup(tmp string) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if repoRoot, err = findModuleRoot(wd); err != nil {
		return err
	}
	binDir = filepath.Join(tmp, "bin")
	infraBin = filepath.Join(binDir, "infra")
	cacheDir = filepath.Join(tmp, "cache")
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return err
	}
	if baseEnv, err = makeBaseEnv(); err != nil {
		return err
	}
	// As `make build` does: the lean binaries of the built-in providers first, then the CLI knowing their build
	// IDs, so that the tests run the providers the way a user's build does.
	goCmd := func(args ...string) ([]byte, error) {
		cmd := exec.Command("go", args...)
		cmd.Dir = repoRoot
		out, err := cmd.CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out, nil
	}
	if _, err := goCmd("build", "-o", binDir+string(filepath.Separator), "./cmd/infra-builtin-core", "./cmd/infra-builtin-aws",
		"./cmd/infra-builtin-gcp", "./cmd/infra-builtin-digitalocean", "./tests/testprovider"); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(binDir, "testprovider"), filepath.Join(binDir, "infra-provider-testkit")); err != nil {
		return err
	}
	var lean []string
	for _, b := range []string{"core", "aws", "gcp", "digitalocean"} {
		id, err := goCmd("tool", "buildid", filepath.Join(binDir, "infra-builtin-"+b))
		if err != nil {
			return err
		}
		lean = append(lean, "infra-builtin-"+b+"="+strings.TrimSpace(string(id)))
	}
	if _, err := goCmd("build", "-ldflags", "-X main.builtinBinaries="+strings.Join(lean, ","), "-o", infraBin, "./cmd/infra"); err != nil {
		return err
	}
	// Build the spec program into the shared cache once, through the CLI, before tests run in parallel (which
	// would otherwise all compile it at the same time).
	warm := filepath.Join(tmp, "warmup")
	p, err := makeProject(warm, "warmup", specDir())
	if err != nil {
		return err
	}
	for _, args := range [][]string{{"stack", "init", "dev"}, {"preview"}} {
		if r := p.run(args...); r.code != 0 {
			return fmt.Errorf("warm-up: infra %s: %s", strings.Join(args, " "), r)
		}
	}
	return nil
}

func findModuleRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}

// makeBaseEnv is the process environment without anything that would steer infra from outside the test, with the
// Go toolchain's locations pinned: tests move HOME and XDG_CONFIG_HOME, and the Go build and module caches must
// stay the shared ones.
func makeBaseEnv() ([]string, error) {
	out, err := exec.Command("go", "env", "-json", "GOCACHE", "GOMODCACHE", "GOPATH", "GOENV").Output()
	if err != nil {
		return nil, fmt.Errorf("go env: %w", err)
	}
	var goenv map[string]string
	if err := json.Unmarshal(out, &goenv); err != nil {
		return nil, fmt.Errorf("go env: %w", err)
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "INFRA_"), strings.HasPrefix(k, "SOPS_"), k == "XDG_CONFIG_HOME", k == "XDG_DATA_HOME",
			k == "HOME", k == "CI", k == "NO_COLOR":
			continue
		case goenv[k] != "":
			continue
		}
		env = append(env, kv)
	}
	for k, v := range goenv {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env, nil
}

func specDir() string { return filepath.Join(repoRoot, "tests", "programs", "spec") }

// project is one infra project in its own temporary directory, with its own user config, plugin log and world.
type project struct {
	t     *testing.T // nil during TestMain
	root  string     // everything of this project lives under root
	dir   string     // the project directory (Infra.yaml)
	name  string
	stack string
	env   []string
}

// newProject creates a project running the spec program, with stack dev initialised and selected.
func newProject(t *testing.T) *project {
	t.Helper()
	return newProjectWithMain(t, specDir())
}

// newProjectWithMain creates a project whose program is the main package in mainDir, with stack dev.
func newProjectWithMain(t *testing.T, mainDir string) *project {
	t.Helper()
	p, err := makeProject(t.TempDir(), "it", mainDir)
	if err != nil {
		t.Fatal(err)
	}
	p.t = t
	p.mustRun("stack", "init", "dev")
	return p
}

func makeProject(root, name, mainDir string) (*project, error) {
	p := &project{root: root, dir: filepath.Join(root, "project"), name: name, stack: "dev"}
	for _, d := range []string{p.dir, p.path("home"), p.path("config"), p.path("world")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	rel, err := filepath.Rel(p.dir, mainDir)
	if err != nil {
		return nil, err
	}
	if err := p.writeFile("Infra.yaml", fmt.Sprintf("name: %s\nmain: %s\n", name, filepath.ToSlash(rel))); err != nil {
		return nil, err
	}
	p.env = append(slices.Clone(baseEnv),
		"HOME="+p.path("home"),
		"XDG_CONFIG_HOME="+p.path("config"),
		"INFRA_CACHE_DIR="+cacheDir,
		"INFRA_PLUGIN_PATH="+binDir,
		"INFRA_TESTKIT_LOG="+p.logPath(),
		"INFRA_TESTKIT_WORLD="+p.path("world"),
		"INFRA_TESTKIT_PIDS="+p.pidsPath(),
		"CI=1",
		"NO_COLOR=1",
	)
	return p, nil
}

func (p *project) path(rel string) string { return filepath.Join(p.root, rel) }
func (p *project) logPath() string        { return p.path("calls.log") }
func (p *project) pidsPath() string       { return p.path("pids") }

// writeFile writes a file relative to the project directory.
func (p *project) writeFile(rel, content string) error {
	return os.WriteFile(filepath.Join(p.dir, rel), []byte(content), 0o644)
}

// result is what one CLI run produced.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

// output is stdout and stderr together, for messages that may go to either.
func (r result) output() string { return r.stdout + r.stderr }

func (r result) String() string {
	return fmt.Sprintf("`infra %s` exited %d\n--- stdout:\n%s--- stderr:\n%s---", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// command prepares `infra args...` in the project directory with the project's environment (plus extra).
func (p *project) command(ctx context.Context, extra []string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, infraBin, args...)
	cmd.Dir = p.dir
	cmd.Env = append(slices.Clone(p.env), extra...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// infra, its program and its providers share a process group, so a run that hangs is stopped as a whole.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	return cmd, &stdout, &stderr
}

func (p *project) run(args ...string) result { return p.runEnv(nil, args...) }

// runEnv runs `infra args...` with extra environment variables.
func (p *project) runEnv(extra []string, args ...string) result {
	if p.t != nil {
		p.t.Helper()
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd, stdout, stderr := p.command(ctx, extra, args...)
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		r.code = -1
		r.stderr += "\n(harness: " + err.Error() + ")"
	}
	if ctx.Err() != nil && p.t != nil {
		p.t.Fatalf("infra %s did not finish within %s\n%s", strings.Join(args, " "), commandTimeout, r)
	}
	return r
}

// mustRun runs `infra args...` and fails the test unless it exits 0.
func (p *project) mustRun(args ...string) result {
	p.t.Helper()
	r := p.run(args...)
	if r.code != 0 {
		p.t.Fatalf("expected success:\n%s", r)
	}
	return r
}

// runCode runs `infra args...` and fails the test unless it exits with code.
func (p *project) runCode(code int, args ...string) result {
	p.t.Helper()
	r := p.run(args...)
	if r.code != code {
		p.t.Fatalf("expected exit status %d:\n%s", code, r)
	}
	return r
}

// background is an infra run in flight.
type background struct {
	cmd            *exec.Cmd
	stdout, stderr *bytes.Buffer
	args           []string
	done           chan struct{}
	err            error
	cancel         context.CancelFunc
}

// start runs `infra args...` in the background.
func (p *project) start(args ...string) *background {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	cmd, stdout, stderr := p.command(ctx, nil, args...)
	if err := cmd.Start(); err != nil {
		cancel()
		p.t.Fatal(err)
	}
	b := &background{cmd: cmd, stdout: stdout, stderr: stderr, args: args, done: make(chan struct{}), cancel: cancel}
	go func() {
		b.err = cmd.Wait()
		close(b.done)
	}()
	p.t.Cleanup(func() {
		cancel()
		<-b.done
	})
	return b
}

// wait waits for a background run and returns its result.
func (b *background) wait(t *testing.T) result {
	t.Helper()
	<-b.done
	b.cancel()
	r := result{args: b.args, stdout: b.stdout.String(), stderr: b.stderr.String()}
	var ee *exec.ExitError
	switch {
	case b.err == nil:
	case errors.As(b.err, &ee):
		r.code = ee.ExitCode()
	default:
		r.code = -1
	}
	return r
}

// spec is the JSON the spec program (tests/programs/spec) reads from its "spec" config value.
type spec struct {
	Resources []res             `json:"resources"`
	Exports   map[string]string `json:"exports,omitempty"`
	Invoke    string            `json:"invoke,omitempty"`
	FailWith  string            `json:"failWith,omitempty"`
	Panic     bool              `json:"panic,omitempty"`
	IntConfig string            `json:"intConfig,omitempty"`
	StackRef  string            `json:"stackRef,omitempty"`
	SopsFile  string            `json:"sopsFile,omitempty"`
	SopsKey   string            `json:"sopsKey,omitempty"`
	// PrintSecretConfig names a secret config key the program prints.
	PrintSecretConfig string `json:"printSecretConfig,omitempty"`
}

// res is one resource of a spec; see Res in tests/programs/spec.
type res struct {
	Name                string   `json:"name"`
	Kind                string   `json:"kind,omitempty"`
	Type                string   `json:"type,omitempty"`
	Value               string   `json:"value,omitempty"`
	ValueFrom           string   `json:"valueFrom,omitempty"`
	ReplaceKey          string   `json:"replaceKey,omitempty"`
	Fail                string   `json:"fail,omitempty"`
	CrashOn             string   `json:"crashOn,omitempty"`
	HangOn              string   `json:"hangOn,omitempty"`
	SleepMs             int      `json:"sleepMs,omitempty"`
	WaitMs              int      `json:"waitMs,omitempty"`
	Secret              string   `json:"secret,omitempty"`
	SecretConfig        string   `json:"secretConfig,omitempty"`
	SecretReversed      string   `json:"secretReversed,omitempty"`
	DependsOn           []string `json:"dependsOn,omitempty"`
	Parent              string   `json:"parent,omitempty"`
	Protect             bool     `json:"protect,omitempty"`
	IgnoreChanges       []string `json:"ignoreChanges,omitempty"`
	ReplaceOnChanges    []string `json:"replaceOnChanges,omitempty"`
	DeleteBeforeReplace bool     `json:"deleteBeforeReplace,omitempty"`
	RetainOnDelete      bool     `json:"retainOnDelete,omitempty"`
	Aliases             []string `json:"aliases,omitempty"`
	TimeoutCreate       string   `json:"timeoutCreate,omitempty"`
	Import              string   `json:"import,omitempty"`
}

// setSpec makes the program declare s (through `infra config set spec`).
func (p *project) setSpec(s spec) {
	p.t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mustRun("config", "set", "spec", string(b))
}

// up runs `infra up --yes` and fails the test unless it succeeds.
func (p *project) up() result {
	p.t.Helper()
	return p.mustRun("up", "--yes")
}

// Thing and component URNs in stack dev of project "it".
const (
	thingType      = "testkit:index:Thing"
	unfindableType = "testkit:index:Unfindable" // a Thing its provider cannot look up after a crash
)

func (p *project) urn(typ, name string) string {
	return fmt.Sprintf("urn:infra:%s::%s::%s::%s", p.stack, p.name, typ, name)
}

// thing is the URN of a top-level testkit Thing.
func (p *project) thing(name string) string { return p.urn(thingType, name) }

// snapshot is the stack's state file as tests see it.
type snapshot struct {
	Serial    int64           `json:"serial"`
	Outputs   map[string]any  `json:"outputs"`
	Resources []stateResource `json:"resources"`
}

type stateResource struct {
	URN          string         `json:"urn"`
	Type         string         `json:"type"`
	ID           string         `json:"id"`
	Parent       string         `json:"parent"`
	Inputs       map[string]any `json:"inputs"`
	Outputs      map[string]any `json:"outputs"`
	Dependencies []string       `json:"dependencies"`
	Protect      bool           `json:"protect"`
	Delete       bool           `json:"delete"`
}

// statePath is the file of the stack's current snapshot: the history version the file backend's "current"
// pointer names ("" before the first update).
func (p *project) statePath() string {
	dir := filepath.Join(p.dir, ".infra", "stacks", p.name, p.stack)
	b, err := os.ReadFile(filepath.Join(dir, "current"))
	if err != nil {
		return filepath.Join(dir, "history", "none.json")
	}
	return filepath.Join(dir, "history", strings.TrimSpace(string(b))+".json")
}

// stateBytes is the raw state file (nil before the first update).
func (p *project) stateBytes() []byte {
	p.t.Helper()
	b, err := os.ReadFile(p.statePath())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		p.t.Fatal(err)
	}
	return b
}

// state decodes the stack's state file.
func (p *project) state() snapshot {
	p.t.Helper()
	var s snapshot
	b := p.stateBytes()
	if b == nil {
		return s
	}
	if err := json.Unmarshal(b, &s); err != nil {
		p.t.Fatalf("decode %s: %v\n%s", p.statePath(), err, b)
	}
	return s
}

// resource returns the live entry for urn, or nil.
func (s snapshot) resource(urn string) *stateResource {
	for i := range s.Resources {
		if s.Resources[i].URN == urn && !s.Resources[i].Delete {
			return &s.Resources[i]
		}
	}
	return nil
}

// things returns every testkit Thing and Unfindable entry (live or pending deletion).
func (s snapshot) things() []stateResource {
	var out []stateResource
	for _, r := range s.Resources {
		if r.Type == thingType || r.Type == unfindableType {
			out = append(out, r)
		}
	}
	return out
}

// thingIDs maps the IDs of the Things in the state to their URNs.
func (s snapshot) thingIDs() map[string]string {
	out := map[string]string{}
	for _, r := range s.things() {
		out[r.ID] = r.URN
	}
	return out
}

func (s snapshot) urns() []string {
	var out []string
	for _, r := range s.Resources {
		out = append(out, r.URN)
	}
	return out
}

// mustResource returns the live entry for urn or fails the test.
func (p *project) mustResource(s snapshot, urn string) *stateResource {
	p.t.Helper()
	r := s.resource(urn)
	if r == nil {
		p.t.Fatalf("state has no %s; it holds:\n  %s", urn, strings.Join(s.urns(), "\n  "))
	}
	return r
}

// call is one line of the testkit provider's call log.
type call struct{ op, urn string }

// calls parses the provider's call log: "<op> <urn>" per line. Ops: check, create, update, delete, read, invoke,
// and create-done, update-done, delete-done when those calls succeeded.
func (p *project) calls() []call {
	p.t.Helper()
	f, err := os.Open(p.logPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		p.t.Fatal(err)
	}
	defer f.Close()
	var out []call
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		op, urn, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			p.t.Fatalf("malformed call log line %q", sc.Text())
		}
		out = append(out, call{op, urn})
	}
	return out
}

// clearCalls empties the call log.
func (p *project) clearCalls() {
	p.t.Helper()
	if err := os.WriteFile(p.logPath(), nil, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func formatCalls(cs []call) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "\n  %s %s", c.op, c.urn)
	}
	if b.Len() == 0 {
		return " (none)"
	}
	return b.String()
}

// callIndex is the position of the first call op on urn, or -1.
func callIndex(cs []call, op, urn string) int {
	return slices.Index(cs, call{op, urn})
}

// mustCallIndex is callIndex that fails the test when there is no such call.
func (p *project) mustCallIndex(cs []call, op, urn string) int {
	p.t.Helper()
	i := callIndex(cs, op, urn)
	if i < 0 {
		p.t.Fatalf("no %q call for %s in the call log:%s", op, urn, formatCalls(cs))
	}
	return i
}

// countCalls counts the calls op (on urn, if urn is not empty).
func countCalls(cs []call, op, urn string) int {
	n := 0
	for _, c := range cs {
		if c.op == op && (urn == "" || c.urn == urn) {
			n++
		}
	}
	return n
}

// mutations are the calls that change the world.
func mutations(cs []call) []call {
	var out []call
	for _, c := range cs {
		switch c.op {
		case "create", "update", "delete":
			out = append(out, c)
		}
	}
	return out
}

// assertBefore checks that call first comes before call second in the log.
func (p *project) assertBefore(cs []call, firstOp, firstURN, secondOp, secondURN string) {
	p.t.Helper()
	i, j := p.mustCallIndex(cs, firstOp, firstURN), p.mustCallIndex(cs, secondOp, secondURN)
	if i >= j {
		p.t.Errorf("expected %s %s before %s %s; call log:%s", firstOp, firstURN, secondOp, secondURN, formatCalls(cs))
	}
}

// worldObjects maps the IDs of the objects that exist (files in the world directory) to their URNs.
func (p *project) worldObjects() map[string]string {
	p.t.Helper()
	entries, err := os.ReadDir(p.path("world"))
	if err != nil {
		p.t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			continue // a create cut off before its object appeared: no object
		}
		b, err := os.ReadFile(filepath.Join(p.path("world"), e.Name()))
		if err != nil {
			p.t.Fatal(err)
		}
		// The provider writes the object's URN and the create's idempotency token, a line each.
		urn, _, _ := strings.Cut(string(b), "\n")
		out[e.Name()] = urn
	}
	return out
}

// assertWorldMatchesState checks that the live objects are exactly the Things in the state: nothing created
// twice, nothing left untracked, nothing tracked that does not exist.
func (p *project) assertWorldMatchesState() {
	p.t.Helper()
	s := p.state()
	world := p.worldObjects()
	tracked := s.thingIDs()
	if len(tracked) != len(s.things()) {
		p.t.Errorf("the state tracks %d Things under %d IDs: %v", len(s.things()), len(tracked), s.urns())
	}
	for id, urn := range world {
		if tracked[id] != urn {
			p.t.Errorf("object %s (%s) exists but the state does not track it", id, urn)
		}
	}
	for id, urn := range tracked {
		if _, ok := world[id]; !ok {
			p.t.Errorf("the state tracks %s as %s, which does not exist", urn, id)
		}
	}
	seen := map[string]bool{}
	for _, r := range s.Resources {
		if !r.Delete && seen[r.URN] {
			p.t.Errorf("the state holds %s twice", r.URN)
		}
		seen[r.URN] = true
	}
}

// objectsOf lists the live objects of urn.
func objectsOf(world map[string]string, urn string) []string {
	var ids []string
	for id, u := range world {
		if u == urn {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// pollUntil polls cond every 50ms until it holds, failing the test after timeout.
func pollUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// randomToken returns a hex string no file or output could contain by chance.
func randomToken(t *testing.T, prefix string) string {
	t.Helper()
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return prefix + hex.EncodeToString(b[:])
}

// wantOutput fails the test unless stdout or stderr contains every one of wants.
func wantOutput(t *testing.T, r result, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(r.output(), w) {
			t.Errorf("expected the output to contain %q\n%s", w, r)
		}
	}
}

// wantNoOutput fails the test if stdout or stderr contains any of unwanted.
func wantNoOutput(t *testing.T, r result, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(r.output(), w) {
			t.Errorf("expected the output not to contain %q\n%s", w, r)
		}
	}
}
