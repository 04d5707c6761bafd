// Command bench measures bin/infra the way a user runs it: whole processes, on stacks of data:index:Data
// resources in three shapes, through create, no-change preview, no-change up, update-all and destroy. It prints
// a table and writes the same figures, with the performance targets they are checked against, as JSON.
//
//	go run ./internal/bench                      # every case (about 10 minutes on 2 cores)
//	go run ./internal/bench -cases wide:1000     # one case
//	go run ./internal/bench -cases latency       # fan-1,000 with 50 ms per create at --parallel 100
//	go run ./internal/bench -cases display       # wide-10,000 creates, live display on a terminal vs --json
//	go run ./internal/bench -cases refresh       # preview --refresh of 1,000 AWS instances at 50 ms per API call
//	go run ./internal/bench -cases peers         # wide-1,000 and chain-100, alternately by infra and terraform
//	go run ./internal/bench -markdown bench/out/results.json   # the tables of docs/performance.md
//
// `make bench` builds bin/infra first and passes BENCH as -cases.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// defaultCases is every case `make bench` runs without BENCH.
const defaultCases = "wide:100,wide:1000,wide:10000,chain:100,chain:1000,chain:10000,fan:100,fan:1000,fan:10000,latency,refresh,display,peers"

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	infraBin := fs.String("infra", "bin/infra", "the infra binary to measure")
	casesFlag := fs.String("cases", defaultCases, "comma-separated cases: shape:N (shape wide, chain or fan), latency, refresh[:N], display[:N], or peers[:wide:N|:chain:N]")
	peer := fs.String("peer", "", "the terraform or tofu binary the peers cases compare with (default: terraform, else tofu, on PATH; none: skip them)")
	reps := fs.Int("reps", 3, "how many times each case runs; the table shows medians")
	out := fs.String("out", "bench/out/results.json", "where the results are written as JSON")
	work := fs.String("work", "", "directory for the benchmark projects (default: a temporary directory, removed after)")
	markdown := fs.String("markdown", "", "print the results file at this path as the Markdown tables of docs/performance.md, and run nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *markdown != "" {
		b, err := os.ReadFile(*markdown)
		if err != nil {
			return err
		}
		var res Results
		if err := json.Unmarshal(b, &res); err != nil {
			return fmt.Errorf("%s: %w", *markdown, err)
		}
		writeMarkdown(stdout, &res)
		return nil
	}
	if *reps < 1 {
		return fmt.Errorf("-reps %d: run each case at least once", *reps)
	}
	cases, err := parseCases(*casesFlag)
	if err != nil {
		return err
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	bin, err := filepath.Abs(*infraBin)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("-infra %s: %w (run `make build` first, or use `make bench`)", *infraBin, err)
	}
	dir := *work
	if dir == "" {
		if dir, err = os.MkdirTemp("", "infra-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	r := &runner{bin: bin, program: filepath.Join(root, "tests", "programs", "many"), work: dir, reps: *reps, log: stdout}
	if r.env, err = baseEnv(); err != nil {
		return err
	}
	if r.peer, err = findPeer(*peer); err != nil {
		return err
	}
	res := &Results{
		Date: time.Now().UTC().Format(time.RFC3339), Reps: *reps, CPUs: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH,
		Commit: gitCommit(root),
	}
	for _, c := range cases {
		if err := ctx.Err(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "== %s\n", c)
		cr, err := r.runCase(ctx, c)
		if err != nil {
			return fmt.Errorf("case %s: %w", c, err)
		}
		res.Cases = append(res.Cases, cr)
	}
	res.Targets = checkTargets(res.Cases)
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	fmt.Fprintln(stdout)
	writeTable(stdout, res)
	fmt.Fprintf(stdout, "\nwritten to %s\n", *out)
	return nil
}

// repoRoot finds the module root from the working directory, so that the runner works from any subdirectory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "tests", "programs", "many", "main.go")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("run the benchmark from the infra repository: %s is not inside it", dir)
		}
	}
}

func gitCommit(root string) string {
	cmd := exec.Command("git", "rev-parse", "HEAD")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
