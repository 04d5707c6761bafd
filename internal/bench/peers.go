package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// peerCases is what `-cases peers` runs: the sizes at which the other tool finishes in minutes, not hours, on the
// build machine (a chain of 1,000 takes it about 13 s to create and 41 s to plan).
var peerCases = []Case{{Shape: "wide", N: 1000, Peer: true}, {Shape: "chain", N: 100, Peer: true}}

// peerPhases pairs each phase of a peers case with what the other tool runs for it.
var peerPhases = []string{"create", "preview", "update all", "destroy"}

// PeerResult is the other tool of a peers case and the ratios of its medians to infra's.
type PeerResult struct {
	// Tool is "terraform" or "tofu"; Binary its path and Version what it reports. Skipped says why the case
	// did not run (no such binary), and then nothing else is set.
	Tool    string `json:"tool,omitempty"`
	Binary  string `json:"binary,omitempty"`
	Version string `json:"version,omitempty"`
	Skipped string `json:"skipped,omitempty"`
	// Ratios holds, per phase, the other tool's median wall time divided by infra's.
	Ratios []PeerRatio `json:"ratios,omitempty"`
}

// PeerRatio is one phase of a peers case measured by both tools.
type PeerRatio struct {
	Phase string  `json:"phase"`
	Infra float64 `json:"infraSeconds"`
	Peer  float64 `json:"peerSeconds"`
	Ratio float64 `json:"ratio"`
}

// findPeer resolves the -peer flag: a path or a name looked up on PATH, "none" to skip the peers cases, or empty
// for terraform and then tofu on PATH (none found is not an error: the cases are then skipped with a note).
func findPeer(flag string) (string, error) {
	switch flag {
	case "none":
		return "", nil
	case "":
		for _, name := range []string{"terraform", "tofu"} {
			if p, err := exec.LookPath(name); err == nil {
				return p, nil
			}
		}
		return "", nil
	}
	p, err := exec.LookPath(flag)
	if err != nil {
		return "", fmt.Errorf("-peer %s: %w (give the path of a terraform or tofu binary, or -peer none)", flag, err)
	}
	return p, nil
}

// peerName is a PeerResult's Tool for a binary.
func peerName(bin string) string {
	if strings.HasPrefix(filepath.Base(bin), "tofu") {
		return "tofu"
	}
	return "terraform"
}

// terraformConfig is the shape as a configuration of terraform_data resources (terraform's built-in resource
// whose output is its input, like data:index:Data), with the same values tests/programs/many gives: a chain's
// value is the previous output's length, the index and the generation.
func terraformConfig(c Case) []byte {
	var b bytes.Buffer
	b.WriteString("variable \"gen\" {\n  type    = string\n  default = \"\"\n}\n")
	for i := range c.N {
		input := fmt.Sprintf("value-%d-${var.gen}", i)
		if c.Shape == "chain" && i > 0 {
			input = fmt.Sprintf("${length(terraform_data.r%05d.output)}-%d${var.gen}", i-1, i)
		}
		fmt.Fprintf(&b, "\nresource \"terraform_data\" \"r%05d\" {\n  input = \"%s\"\n}\n", i, input)
	}
	return b.Bytes()
}

// peerProject is the other tool's working directory for one case.
type peerProject struct {
	bin, dir string
	env      []string
}

// run runs the other tool in its directory and measures its wall time and peak RSS.
func (p *peerProject) run(ctx context.Context, args ...string) (measurement, error) {
	cmd := exec.CommandContext(ctx, p.bin, args...)
	cmd.Dir = p.dir
	cmd.Env = p.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	m := measurement{wall: time.Since(start), stdout: out.Bytes()}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.cliRSS = ru.Maxrss * 1024 // kilobytes on Linux
		}
	}
	if err != nil {
		return m, fmt.Errorf("%s %s: %w\n%s", filepath.Base(p.bin), strings.Join(args, " "), err, out.Bytes())
	}
	return m, nil
}

// runPeerCase runs a shape with infra and with the other tool, alternately phase by phase, so that a machine
// growing busier or quieter weighs on both alike. Each tool runs with its defaults (infra's --parallel 64,
// terraform's -parallelism 10), as their users would.
func (r *runner) runPeerCase(ctx context.Context, c Case) (*CaseResult, error) {
	res := &CaseResult{Case: c, Peer: &PeerResult{}}
	if r.peer == "" {
		res.Peer.Skipped = "no terraform or tofu binary on PATH (install one, or name it with -peer, to compare)"
		fmt.Fprintf(r.log, "   skipped: %s\n", res.Peer.Skipped)
		return res, nil
	}
	tool := peerName(r.peer)
	res.Peer.Tool, res.Peer.Binary = tool, r.peer
	name := fmt.Sprintf("peers-%s-%d", c.Shape, c.N)
	p, err := r.newProject(ctx, name, Case{Shape: c.Shape, N: c.N})
	if err != nil {
		return nil, err
	}
	pdir := filepath.Join(r.work, name, tool)
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		return nil, err
	}
	cliConfig := filepath.Join(r.work, name, "cli.tfrc")
	if err := os.WriteFile(cliConfig, nil, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(pdir, "main.tf"), terraformConfig(c), 0o644); err != nil {
		return nil, err
	}
	peer := &peerProject{bin: r.peer, dir: pdir, env: append(slices.DeleteFunc(slices.Clone(r.env), func(kv string) bool {
		return strings.HasPrefix(kv, "TF_")
	}),
		"HOME="+filepath.Join(r.work, name, "home"),
		// No version check against the network, no prompts, and no user configuration (plugin caches, mirrors).
		"CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0", "TF_CLI_CONFIG_FILE="+cliConfig,
	)}
	if m, err := peer.run(ctx, "version", "-json"); err == nil {
		var v struct {
			Terraform string `json:"terraform_version"`
		}
		if json.Unmarshal(m.stdout, &v) == nil {
			res.Peer.Version = v.Terraform
		}
	}
	if _, err := peer.run(ctx, "init", "-input=false", "-no-color"); err != nil {
		return nil, err
	}
	if _, err := p.run(ctx, "preview"); err != nil { // builds the program
		return nil, err
	}

	phases := map[string]*Phase{}
	record := func(tool, phase string, m measurement) {
		key := tool + " " + phase
		ph := phases[key]
		if ph == nil {
			ph = &Phase{Name: key}
			phases[key] = ph
			res.Phases = append(res.Phases, ph)
		}
		ph.Runs = append(ph.Runs, m.wall.Seconds())
		ph.CLIPeakRSS = max(ph.CLIPeakRSS, m.cliRSS)
		ph.ProgramPeakRSS = max(ph.ProgramPeakRSS, m.programRSS)
		ph.ProviderPeakRSS = max(ph.ProviderPeakRSS, m.providerRSS)
		fmt.Fprintf(r.log, "   %-24s %8.3fs  rss %s\n", key, m.wall.Seconds(), mib(m.cliRSS))
	}
	gen := ""
	for rep := range r.reps {
		next := fmt.Sprintf("g%d", rep)
		steps := []struct {
			phase string
			infra func() (measurement, error)
			peer  []string
		}{
			{"create", func() (measurement, error) { return p.run(ctx, "up", "--yes") },
				[]string{"apply", "-auto-approve", "-input=false", "-no-color", "-var", "gen=" + gen}},
			{"preview", func() (measurement, error) { return p.run(ctx, "preview", "--expect-no-changes") },
				[]string{"plan", "-detailed-exitcode", "-input=false", "-no-color", "-var", "gen=" + gen}},
			{"update all", func() (measurement, error) {
				if _, err := p.run(ctx, "config", "set", "gen", next); err != nil {
					return measurement{}, err
				}
				return p.run(ctx, "up", "--yes")
			}, []string{"apply", "-auto-approve", "-input=false", "-no-color", "-var", "gen=" + next}},
			{"destroy", func() (measurement, error) { return p.run(ctx, "destroy", "--yes") },
				[]string{"destroy", "-auto-approve", "-input=false", "-no-color", "-var", "gen=" + next}},
		}
		for _, s := range steps {
			m, err := s.infra()
			if err != nil {
				return nil, err
			}
			record("infra", s.phase, m)
			pm, err := peer.run(ctx, s.peer...)
			var exit *exec.ExitError
			if s.phase == "preview" && errors.As(err, &exit) && exit.ExitCode() == 2 {
				return nil, fmt.Errorf("%s plan after apply wants changes; the configuration is not what was applied:\n%s", tool, pm.stdout)
			}
			if err != nil {
				return nil, err
			}
			record(tool, s.phase, pm)
		}
		gen = next
	}
	r.finish(res, nil)
	for _, phase := range peerPhases {
		a, b := res.Phase("infra "+phase), res.Phase(tool+" "+phase)
		if a == nil || b == nil || a.WallSeconds <= 0 {
			continue
		}
		res.Peer.Ratios = append(res.Peer.Ratios, PeerRatio{Phase: phase, Infra: a.WallSeconds, Peer: b.WallSeconds, Ratio: b.WallSeconds / a.WallSeconds})
	}
	return res, nil
}
