package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestSmallRun runs the benchmark end to end on small cases, so that `make test` keeps it working: every phase
// is measured, the state is read, targets are checked and the results file decodes.
func TestSmallRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds bin/infra and runs it about forty times")
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "infra")
	build := exec.Command("go", "build", "-o", bin, "./cmd/infra")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/infra: %v\n%s", err, out)
	}
	cases := "wide:20,chain:20,fan:20,latency,refresh:20,peers:wide:20"
	if runtime.GOOS == "linux" {
		cases += ",display:20"
	}
	out := filepath.Join(t.TempDir(), "results.json")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var log bytes.Buffer
	if err := run(ctx, []string{"-cases", cases, "-reps", "1", "-infra", bin, "-out", out, "-work", t.TempDir()}, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res Results
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("results.json: %v", err)
	}
	if len(res.Cases) != len(strings.Split(cases, ",")) {
		t.Fatalf("%d cases in the results, want %s", len(res.Cases), cases)
	}
	for _, c := range res.Cases {
		want := []string{"create", "preview", "up (no change)", "update all", "destroy"}
		switch {
		case c.Case.Peer:
			want = nil
			if c.Peer == nil {
				t.Errorf("%s: no peer result", c.Case)
				break
			}
			if c.Peer.Skipped != "" {
				t.Logf("%s: %s", c.Case, c.Peer.Skipped)
				break
			}
			for _, phase := range peerPhases {
				for _, tool := range []string{"infra", c.Peer.Tool} {
					if p := c.Phase(tool + " " + phase); p == nil || p.WallSeconds <= 0 || p.CLIPeakRSS == 0 {
						t.Errorf("%s: %s %s was not measured: %+v", c.Case, tool, phase, p)
					}
				}
			}
			if len(c.Peer.Ratios) != len(peerPhases) {
				t.Errorf("%s: ratios %+v, want one per phase %v", c.Case, c.Peer.Ratios, peerPhases)
			}
		case c.Case.Shape == "refresh":
			want = []string{phaseRefresh}
			if c.APICalls <= 0 || c.APICalls > 12 {
				t.Errorf("%s: %d API calls", c.Case, c.APICalls)
			}
			if c.Phase(phaseRefreshDrift) == nil {
				t.Errorf("%s: the drift was not checked", c.Case)
			}
		case c.Case.Display:
			want = []string{phaseJSON, phaseLive}
		case c.Case.LatencyMs > 0:
			// The provider's latency comes from `infra config set data:latencyMs 50`: text the engine must
			// read as the whole number the provider's schema declares.
			want = []string{"create", "destroy", "create (no latency)"}
			if c.IdealSeconds <= 0 || c.Phase("create").WallSeconds < c.IdealSeconds {
				t.Errorf("%s: create took %v, under the ideal schedule %.2fs: was the latency applied?", c.Case, c.Phase("create"), c.IdealSeconds)
			}
			if s := c.Schedule; s == nil || s.StartSeconds <= 0 || s.CreatesSeconds < c.IdealSeconds*0.9 || s.FinishSeconds <= 0 {
				t.Errorf("%s: the schedule was not measured: %+v", c.Case, s)
			}
		case c.StateBytes == 0 || c.InputBytesPerResource == 0:
			t.Errorf("%s: the state was not measured: %+v", c.Case, c)
		}
		for _, name := range want {
			p := c.Phase(name)
			if p == nil || p.WallSeconds <= 0 || len(p.Runs) != 1 {
				t.Errorf("%s: phase %q was not measured: %+v", c.Case, name, p)
				continue
			}
			if p.CLIPeakRSS == 0 {
				t.Errorf("%s: %s: no peak RSS of the CLI", c.Case, name)
			}
			if strings.HasPrefix(name, "create") || name == "update all" {
				if p.ProgramPeakRSS == 0 || p.ProviderPeakRSS == 0 {
					t.Errorf("%s: %s: no peak RSS of the program or the provider: %+v", c.Case, name, p)
				}
			}
			if (name == "create" || name == "update all") && p.BytesWritten == 0 {
				t.Errorf("%s: %s: no bytes written", c.Case, name)
			}
		}
	}
	// Small cases have targets of their own kind: bytes per resource and bytes written.
	if len(res.Targets) == 0 {
		t.Errorf("no targets were checked")
	}
	if !strings.Contains(log.String(), "written to "+out) {
		t.Errorf("the table does not say where the results went:\n%s", log.String())
	}
}

func TestParseCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []Case
		wantErr string
	}{
		{in: "wide:10", want: []Case{{Shape: "wide", N: 10}}},
		{in: "chain:5, fan:20", want: []Case{{Shape: "chain", N: 5}, {Shape: "fan", N: 20}}},
		{in: "latency", want: []Case{latencyCase}},
		{in: "display", want: []Case{displayCase}},
		{in: "refresh", want: []Case{refreshCase}},
		{in: "refresh:20", want: []Case{{Shape: "refresh", N: 20, LatencyMs: 50}}},
		{in: "display:50", want: []Case{{Shape: "wide", N: 50, Display: true}}},
		{in: "peers", want: peerCases},
		{in: "peers:chain:50", want: []Case{{Shape: "chain", N: 50, Peer: true}}},
		{in: "peers:fan:50", wantErr: "is not peers:wide:N or peers:chain:N"},
		{in: "peers:latency", wantErr: "is not peers:wide:N or peers:chain:N"},
		{in: "ring:10", wantErr: "the shape is wide, chain or fan"},
		{in: "wide", wantErr: "is not shape:N"},
		{in: "wide:0", wantErr: "is not shape:N"},
		{in: "fan:5", wantErr: "needs N of at least 20"},
		{in: " , ", wantErr: "no case given"},
	}
	for _, tt := range tests {
		got, err := parseCases(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseCases(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("parseCases(%q) = %v, %v", tt.in, got, err)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("parseCases(%q)[%d] = %+v, want %+v", tt.in, i, got[i], tt.want[i])
			}
		}
	}
}

func TestPeerSkippedWithoutBinary(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	r := &runner{work: t.TempDir(), reps: 1, log: &log}
	res, err := r.runCase(context.Background(), Case{Shape: "wide", N: 10, Peer: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Peer == nil || res.Peer.Skipped == "" || len(res.Phases) != 0 || !strings.Contains(log.String(), "skipped") {
		t.Errorf("a peers case with no terraform ran or did not say it was skipped: %+v\n%s", res.Peer, log.String())
	}
	if _, err := findPeer("/nonexistent/terraform"); err == nil || !strings.Contains(err.Error(), "-peer") {
		t.Errorf("findPeer of a missing binary: %v, want an error naming -peer", err)
	}
	if p, err := findPeer("none"); p != "" || err != nil {
		t.Errorf("findPeer(none) = %q, %v", p, err)
	}
}

func TestTerraformConfig(t *testing.T) {
	t.Parallel()
	wide := string(terraformConfig(Case{Shape: "wide", N: 2}))
	chain := string(terraformConfig(Case{Shape: "chain", N: 3}))
	for _, want := range []string{`resource "terraform_data" "r00001"`, `input = "value-1-${var.gen}"`, `variable "gen"`} {
		if !strings.Contains(wide, want) {
			t.Errorf("wide config lacks %s:\n%s", want, wide)
		}
	}
	for _, want := range []string{`input = "value-0-${var.gen}"`, `input = "${length(terraform_data.r00001.output)}-2${var.gen}"`} {
		if !strings.Contains(chain, want) {
			t.Errorf("chain config lacks %s:\n%s", want, chain)
		}
	}
}
