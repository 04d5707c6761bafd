package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/infrago/infra/internal/pty"
)

// runner runs the cases' commands and measures them.
type runner struct {
	bin     string   // bin/infra
	program string   // tests/programs/many
	work    string   // where projects are made
	reps    int      // runs per case
	env     []string // the environment every command starts from
	peer    string   // the terraform or tofu binary of the peers cases; empty when there is none
	log     io.Writer
}

// Phase is what one operation of a case measured: the median wall time of its runs and the largest peak
// memory any run's processes reached.
type Phase struct {
	Name            string    `json:"name"`
	WallSeconds     float64   `json:"wallSeconds"`
	Runs            []float64 `json:"runs"`
	CLIPeakRSS      int64     `json:"cliPeakRSS"`
	ProgramPeakRSS  int64     `json:"programPeakRSS"`
	ProviderPeakRSS int64     `json:"providerPeakRSS"`
	// BytesWritten is what the run wrote to the backend (journal and snapshot), median over the runs.
	BytesWritten int64 `json:"bytesWritten,omitempty"`
}

// CaseResult is everything a case measured.
type CaseResult struct {
	Case   Case     `json:"case"`
	Phases []*Phase `json:"phases"`
	// StateBytes is the size of the stored snapshot after create; StateBytesPerResource divides it by N, and
	// InputBytesPerResource is the mean size of a resource's inputs as they are stored.
	StateBytes            int64   `json:"stateBytes"`
	StateBytesPerResource float64 `json:"stateBytesPerResource"`
	InputBytesPerResource float64 `json:"inputBytesPerResource"`
	// IdealSeconds is, for the latency case, the ideal schedule: the critical path plus N/parallel calls, each
	// taking the latency.
	IdealSeconds float64 `json:"idealSeconds,omitempty"`
	// APICalls is, for the refresh case, the median number of API calls a refresh made (counted by the simulator).
	APICalls int `json:"apiCalls,omitempty"`
	// Schedule is, for the latency case, where the time of a create goes (from `infra up --json` timestamps).
	Schedule *Schedule `json:"schedule,omitempty"`
	// Peer is, for a peers case, what the other tool was and how the two compare.
	Peer *PeerResult `json:"peer,omitempty"`
}

// Phase returns the named phase, or nil.
func (c *CaseResult) Phase(name string) *Phase {
	for _, p := range c.Phases {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Results is the file the benchmark writes.
type Results struct {
	Date    string        `json:"date"`
	Commit  string        `json:"commit,omitempty"`
	CPUs    int           `json:"cpus"`
	OS      string        `json:"os"`
	Reps    int           `json:"reps"`
	Cases   []*CaseResult `json:"cases"`
	Targets []Target      `json:"targets"`
}

// project is one case's project directory and environment.
type project struct {
	r    *runner
	dir  string
	env  []string
	args []string // added to every up, preview and destroy
}

func (r *runner) runCase(ctx context.Context, c Case) (*CaseResult, error) {
	if c.Shape == "refresh" {
		return r.runRefreshCase(ctx, c)
	}
	if c.Peer {
		return r.runPeerCase(ctx, c)
	}
	name := fmt.Sprintf("%s-%d", c.Shape, c.N)
	if c.LatencyMs > 0 {
		name += fmt.Sprintf("-%dms", c.LatencyMs)
	}
	p, err := r.newProject(ctx, name, c)
	if err != nil {
		return nil, err
	}
	res := &CaseResult{Case: c}
	phase := func(name string) *Phase {
		if ph := res.Phase(name); ph != nil {
			return ph
		}
		ph := &Phase{Name: name}
		res.Phases = append(res.Phases, ph)
		return ph
	}
	// The first preview builds the program, which every later run finds in the build cache.
	if _, err := p.run(ctx, "preview"); err != nil {
		return nil, err
	}
	written := map[string][]int64{}
	measureWith := func(o runOptions, name string, args ...string) error {
		m, err := p.runWith(ctx, o, args...)
		if err != nil {
			return err
		}
		ph := phase(name)
		ph.Runs = append(ph.Runs, m.wall.Seconds())
		ph.CLIPeakRSS = max(ph.CLIPeakRSS, m.cliRSS)
		ph.ProgramPeakRSS = max(ph.ProgramPeakRSS, m.programRSS)
		ph.ProviderPeakRSS = max(ph.ProviderPeakRSS, m.providerRSS)
		if args[0] == "up" {
			b, err := p.lastBytesWritten(ctx)
			if err != nil {
				return err
			}
			written[name] = append(written[name], b)
		}
		fmt.Fprintf(r.log, "   %-16s %8.3fs  cli %s\n", name, m.wall.Seconds(), mib(m.cliRSS))
		return nil
	}
	measure := func(name string, args ...string) error { return measureWith(runOptions{}, name, args...) }
	if c.Display {
		// Alternated, so that a machine getting busier or quieter weighs on both alike.
		for rep := 0; rep < r.reps; rep++ {
			for _, o := range []runOptions{{discard: true}, {terminal: true}} {
				name := phaseJSON
				if o.terminal {
					name = phaseLive
				}
				args := p.cmd("up", "--yes")
				if o.discard {
					args = append(args, "--json")
				}
				if err := measureWith(o, name, args...); err != nil {
					return nil, err
				}
				if _, err := p.run(ctx, "destroy", "--yes"); err != nil {
					return nil, err
				}
			}
		}
		r.finish(res, written)
		return res, nil
	}
	for rep := 0; rep < r.reps; rep++ {
		if err := measure("create", p.cmd("up", "--yes")...); err != nil {
			return nil, err
		}
		if rep == 0 {
			if err := p.measureState(res); err != nil {
				return nil, err
			}
		}
		if c.LatencyMs == 0 {
			if err := measure("preview", p.cmd("preview", "--expect-no-changes")...); err != nil {
				return nil, err
			}
			if err := measure("up (no change)", p.cmd("up", "--yes")...); err != nil {
				return nil, err
			}
			if _, err := p.run(ctx, "config", "set", "gen", fmt.Sprintf("g%d", rep)); err != nil {
				return nil, err
			}
			if err := measure("update all", p.cmd("up", "--yes")...); err != nil {
				return nil, err
			}
		}
		if err := measure("destroy", p.cmd("destroy", "--yes")...); err != nil {
			return nil, err
		}
	}
	if c.LatencyMs > 0 {
		if res.Schedule, err = p.measureSchedule(ctx, r.reps); err != nil {
			return nil, err
		}
		fmt.Fprintf(r.log, "   %-16s start %.3fs, creates %.3fs, finish %.3fs\n", "schedule", res.Schedule.StartSeconds, res.Schedule.CreatesSeconds, res.Schedule.FinishSeconds)
		// The same creates without the delay: what the run costs apart from waiting on the provider.
		if _, err := p.run(ctx, "config", "set", "data:latencyMs", "0"); err != nil {
			return nil, err
		}
		for rep := 0; rep < r.reps; rep++ {
			if err := measure("create (no latency)", p.cmd("up", "--yes")...); err != nil {
				return nil, err
			}
			if _, err := p.run(ctx, "destroy", "--yes"); err != nil {
				return nil, err
			}
		}
		calls := (c.N + c.Parallel - 1) / c.Parallel
		res.IdealSeconds = (time.Duration(criticalPath(c)+calls) * time.Duration(c.LatencyMs) * time.Millisecond).Seconds()
	}
	r.finish(res, written)
	return res, nil
}

// Phases of the display case.
const (
	phaseJSON = "create (--json)"
	phaseLive = "create (live)"
)

// finish turns the runs of every phase into medians.
func (r *runner) finish(res *CaseResult, written map[string][]int64) {
	for _, ph := range res.Phases {
		ph.WallSeconds = median(ph.Runs)
		if w := written[ph.Name]; len(w) > 0 {
			ph.BytesWritten = int64(median(int64sToFloats(w)))
		}
	}
}

func (r *runner) newProject(ctx context.Context, name string, c Case) (*project, error) {
	dir := filepath.Join(r.work, name)
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	home := filepath.Join(dir, "home")
	pdir := filepath.Join(dir, "project")
	for _, d := range []string{home, pdir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	rel, err := filepath.Rel(pdir, r.program)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(pdir, "Infra.yaml"), fmt.Appendf(nil, "name: bench\nmain: %s\n", filepath.ToSlash(rel)), 0o644); err != nil {
		return nil, err
	}
	p := &project{r: r, dir: pdir, env: append(slices.Clone(r.env),
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		// One build cache for every case: the program is built once per benchmark run.
		"INFRA_CACHE_DIR="+filepath.Join(r.work, "cache"),
		"CI=1", "NO_COLOR=1",
	)}
	if c.Parallel > 0 {
		p.args = []string{"--parallel", strconv.Itoa(c.Parallel)}
	}
	steps := [][]string{
		{"stack", "init", "dev"},
		{"config", "set", "count", strconv.Itoa(c.N)},
		{"config", "set", "shape", c.Shape},
	}
	if c.LatencyMs > 0 {
		steps = append(steps, []string{"config", "set", "data:latencyMs", strconv.Itoa(c.LatencyMs)})
	}
	for _, s := range steps {
		if _, err := p.run(ctx, s...); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// cmd appends the case's flags to a command.
func (p *project) cmd(args ...string) []string { return append(args, p.args...) }

// measurement is what one command cost.
type measurement struct {
	wall                            time.Duration
	started                         time.Time
	cliRSS, programRSS, providerRSS int64
	stdout                          []byte
}

// runOptions says where a command's output goes: kept (the default), thrown away as `> /dev/null` would, or to
// a terminal, as in an interactive session.
type runOptions struct {
	discard, terminal bool
}

// run runs bin/infra in the project and measures it; a failure returns its output.
func (p *project) run(ctx context.Context, args ...string) (measurement, error) {
	return p.runWith(ctx, runOptions{}, args...)
}

// runWith is run with the output sent where o says.
func (p *project) runWith(ctx context.Context, o runOptions, args ...string) (measurement, error) {
	report := filepath.Join(p.dir, "..", "usage.json")
	_ = os.Remove(report)
	cmd := exec.CommandContext(ctx, p.r.bin, args...)
	cmd.Dir = p.dir
	cmd.Env = append(slices.Clone(p.env), "INFRA_BENCH_REPORT="+report)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if o.discard {
		cmd.Stdout = io.Discard
	}
	var (
		shown  countingWriter
		copied chan struct{}
		tty    *os.File
	)
	if o.terminal {
		master, t, err := pty.Open(160, 50)
		if err != nil {
			return measurement{}, err
		}
		defer master.Close()
		tty = t
		cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
		// A person's terminal: no CI, colours on.
		cmd.Env = slices.DeleteFunc(cmd.Env, func(kv string) bool {
			return strings.HasPrefix(kv, "CI=") || strings.HasPrefix(kv, "NO_COLOR=") || strings.HasPrefix(kv, "TERM=")
		})
		cmd.Env = append(cmd.Env, "TERM=xterm-256color")
		copied = make(chan struct{})
		go func() {
			// Read like a terminal emulator that keeps up; the read fails once every process has closed the tty.
			_, _ = io.Copy(&shown, master)
			close(copied)
		}()
	}
	start := time.Now()
	err := cmd.Start()
	if tty != nil {
		// The child has its own copy: the reader sees the end when the child's is closed (or at once, when the
		// child did not start).
		tty.Close()
	}
	if err == nil {
		err = cmd.Wait()
	}
	m := measurement{wall: time.Since(start), started: start, stdout: stdout.Bytes()}
	if copied != nil {
		<-copied
		if shown.n == 0 && err == nil {
			err = fmt.Errorf("nothing was shown on the terminal")
		}
		stdout.Write(shown.tail)
	}
	if err != nil {
		return m, fmt.Errorf("infra %s: %w\n%s%s", strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	if b, err := os.ReadFile(report); err == nil {
		var u struct {
			CLI      int64 `json:"cliPeakRSS"`
			Program  int64 `json:"programPeakRSS"`
			Provider int64 `json:"providerPeakRSS"`
		}
		if err := json.Unmarshal(b, &u); err != nil {
			return m, fmt.Errorf("infra %s: read its usage report: %w", strings.Join(args, " "), err)
		}
		m.cliRSS, m.programRSS, m.providerRSS = u.CLI, u.Program, u.Provider
	}
	return m, nil
}

// lastBytesWritten is what the latest update wrote to the backend, from the stack's history.
func (p *project) lastBytesWritten(ctx context.Context) (int64, error) {
	m, err := p.run(ctx, "stack", "history", "--json")
	if err != nil {
		return 0, err
	}
	var history []struct {
		Version int64 `json:"version"`
		Bytes   int64 `json:"bytes"`
	}
	if err := json.Unmarshal(m.stdout, &history); err != nil || len(history) == 0 {
		return 0, fmt.Errorf("infra stack history --json: no history (%v)", err)
	}
	latest := history[0]
	for _, h := range history {
		if h.Version > latest.Version {
			latest = h
		}
	}
	return latest.Bytes, nil
}

// measureState records the stored snapshot's size and the mean size of a resource's inputs in it. The file
// backend keeps the current snapshot at history/<version>.json under .infra/stacks/<project>/<stack>.
func (p *project) measureState(res *CaseResult) error {
	dir := filepath.Join(p.dir, ".infra", "stacks", "bench", "dev")
	cur, err := os.ReadFile(filepath.Join(dir, "current"))
	if err != nil {
		return fmt.Errorf("read the current state version: %w", err)
	}
	path := filepath.Join(dir, "history", strings.TrimSpace(string(cur))+".json")
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var total, inputs, count int64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		total += int64(len(line)) + 1
		if !bytes.HasPrefix(line, []byte(`{"urn":`)) || !bytes.Contains(line, []byte(`"type":"data:index:Data"`)) {
			continue
		}
		var r struct {
			Inputs json.RawMessage `json:"inputs"`
		}
		if err := json.Unmarshal(bytes.TrimSuffix(line, []byte(",")), &r); err != nil {
			return fmt.Errorf("%s: a resource line does not decode: %w", path, err)
		}
		inputs += int64(len(r.Inputs))
		count++
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if count != int64(res.Case.N) {
		return fmt.Errorf("%s holds %d data:index:Data resources, want %d", path, count, res.Case.N)
	}
	res.StateBytes = total
	res.StateBytesPerResource = float64(total) / float64(count)
	res.InputBytesPerResource = float64(inputs) / float64(count)
	return nil
}

// baseEnv is the benchmark's environment: the caller's, without infra's own settings, and with Go's caches
// named explicitly so that the per-case HOME does not move them.
func baseEnv() ([]string, error) {
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
		case strings.HasPrefix(k, "INFRA_"), strings.HasPrefix(k, "SOPS_"), k == "HOME", k == "CI", k == "NO_COLOR",
			strings.HasPrefix(k, "XDG_"), goenv[k] != "":
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

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func int64sToFloats(xs []int64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

// countingWriter counts what is written to it and keeps only the end, for error messages.
type countingWriter struct {
	n    int64
	tail []byte
}

func (w *countingWriter) Write(b []byte) (int, error) {
	w.n += int64(len(b))
	w.tail = append(w.tail, b...)
	if len(w.tail) > 4096 {
		w.tail = append(w.tail[:0], w.tail[len(w.tail)-4096:]...)
	}
	return len(b), nil
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
