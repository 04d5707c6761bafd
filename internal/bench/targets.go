package main

import (
	"fmt"
	"io"
	"strings"
)

// Target is one performance target checked against the results: Value must not exceed Limit.
type Target struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Limit float64 `json:"limit"`
	Unit  string  `json:"unit"`
	Met   bool    `json:"met"`
}

// Targets on the 2-core build machine; docs/performance.md explains them.
const (
	wideCreateLimit    = 4.0   // seconds, wide 10,000 create
	widePreviewLimit   = 2.0   // seconds, wide 10,000 no-change preview
	cliRSSLimit        = 300e6 // bytes, CLI peak RSS at wide 10,000
	chainCreateLimit   = 1.5   // seconds, chain 1,000 create
	chainPreviewLimit  = 0.5   // seconds, chain 1,000 no-change preview
	chainStateLimit    = 1e6   // bytes, chain 1,000 state
	linearLimit        = 12.0  // time(10,000) / time(1,000)
	perResourceLimit   = 600.0 // state bytes per resource beyond its inputs
	writtenLimit       = 3.0   // bytes written during an up / final state bytes
	latencyLimitFactor = 1.05  // latency case: create / ideal schedule
	displayLimitFactor = 1.1   // display case: create with the live display / with --json to /dev/null
	refreshLimit       = 1.5   // seconds, refresh of 1,000 instances at 50 ms per API call
	refreshCallsLimit  = 30    // API calls of that refresh
)

// checkTargets evaluates every target the results have the cases for.
func checkTargets(cases []*CaseResult) []Target {
	var out []Target
	add := func(name string, value, limit float64, unit string) {
		out = append(out, Target{Name: name, Value: value, Limit: limit, Unit: unit, Met: value <= limit})
	}
	find := func(shape string, n int) *CaseResult {
		for _, c := range cases {
			if c.Case.Shape == shape && c.Case.N == n && c.Case.LatencyMs == 0 && !c.Case.Display && !c.Case.Peer {
				return c
			}
		}
		return nil
	}
	if c := find("wide", 10000); c != nil {
		add("wide 10,000: create", c.Phase("create").WallSeconds, wideCreateLimit, "s")
		add("wide 10,000: no-change preview", c.Phase("preview").WallSeconds, widePreviewLimit, "s")
		var rss int64
		for _, p := range c.Phases {
			rss = max(rss, p.CLIPeakRSS)
		}
		add("wide 10,000: CLI peak RSS", float64(rss), cliRSSLimit, "B")
	}
	if c := find("chain", 1000); c != nil {
		add("chain 1,000: create", c.Phase("create").WallSeconds, chainCreateLimit, "s")
		add("chain 1,000: no-change preview", c.Phase("preview").WallSeconds, chainPreviewLimit, "s")
		add("chain 1,000: state", float64(c.StateBytes), chainStateLimit, "B")
	}
	for _, shape := range []string{"wide", "chain", "fan"} {
		small, large := find(shape, 1000), find(shape, 10000)
		if small == nil || large == nil {
			continue
		}
		for _, p := range large.Phases {
			if q := small.Phase(p.Name); q != nil && q.WallSeconds > 0 {
				add(fmt.Sprintf("%s: %s time(10,000)/time(1,000)", shape, p.Name), p.WallSeconds/q.WallSeconds, linearLimit, "x")
			}
		}
	}
	for _, c := range cases {
		if c.Case.LatencyMs > 0 || c.Case.Display || c.Case.Peer {
			continue
		}
		add(fmt.Sprintf("%s: state bytes per resource beyond its inputs", c.Case), c.StateBytesPerResource-c.InputBytesPerResource, perResourceLimit, "B")
		for _, name := range []string{"create", "update all"} {
			if p := c.Phase(name); p != nil && c.StateBytes > 0 {
				add(fmt.Sprintf("%s: bytes written by %s / state", c.Case, name), float64(p.BytesWritten)/float64(c.StateBytes), writtenLimit, "x")
			}
		}
	}
	for _, c := range cases {
		if c.Case == refreshCase {
			add(fmt.Sprintf("%s: preview --refresh", c.Case), c.Phase(phaseRefresh).WallSeconds, refreshLimit, "s")
			add(fmt.Sprintf("%s: API calls", c.Case), float64(c.APICalls), refreshCallsLimit, "calls")
		}
		if c.Case.LatencyMs > 0 && c.IdealSeconds > 0 {
			add(fmt.Sprintf("%s: create / ideal schedule (%.2fs)", c.Case, c.IdealSeconds), c.Phase("create").WallSeconds/c.IdealSeconds, latencyLimitFactor, "x")
		}
		if c.Case.Display {
			live, js := c.Phase(phaseLive), c.Phase(phaseJSON)
			if live != nil && js != nil && js.WallSeconds > 0 {
				add(fmt.Sprintf("%s: create with the live display / with --json", c.Case), live.WallSeconds/js.WallSeconds, displayLimitFactor, "x")
			}
		}
	}
	return out
}

// writeTable prints the results as two tables: the measurements, then the targets.
func writeTable(w io.Writer, res *Results) {
	fmt.Fprintf(w, "%-34s %-20s %9s %9s %9s %9s %11s %11s\n", "case", "phase", "wall", "CLI RSS", "program", "provider", "written", "state")
	for _, c := range res.Cases {
		for i, p := range c.Phases {
			name, state := "", ""
			if i == 0 {
				name, state = c.Case.String(), humanBytes(c.StateBytes)
			}
			written := ""
			if p.BytesWritten > 0 {
				written = humanBytes(p.BytesWritten)
			}
			fmt.Fprintf(w, "%-34s %-20s %8.3fs %9s %9s %9s %11s %11s\n", name, p.Name, p.WallSeconds,
				humanBytes(p.CLIPeakRSS), humanBytes(p.ProgramPeakRSS), humanBytes(p.ProviderPeakRSS), written, state)
		}
	}
	writePeerRatios(w, res, false)
	if len(res.Targets) == 0 {
		return
	}
	fmt.Fprintln(w)
	width := 0
	for _, t := range res.Targets {
		width = max(width, len(t.Name))
	}
	for _, t := range res.Targets {
		status := "met"
		if !t.Met {
			status = "NOT MET"
		}
		fmt.Fprintf(w, "%-*s  %12s  limit %-10s %s\n", width, t.Name, formatValue(t.Value, t.Unit), formatValue(t.Limit, t.Unit), status)
	}
}

func formatValue(v float64, unit string) string {
	switch unit {
	case "B":
		return humanBytes(int64(v))
	case "s":
		return fmt.Sprintf("%.3fs", v)
	case "x":
		return fmt.Sprintf("%.2fx", v)
	case "calls":
		return fmt.Sprintf("%.0f calls", v)
	}
	return fmt.Sprintf("%g%s", v, unit)
}

func humanBytes(b int64) string {
	switch {
	case b == 0:
		return "-"
	case b >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(b)/1e6)
	case b >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(b)/1e3)
	}
	return fmt.Sprintf("%d B", b)
}

// writeMarkdown prints the results as the Markdown tables of docs/performance.md: one row per case with the
// median wall time of each phase, the CLI's peak memory and the state size, then the targets.
func writeMarkdown(w io.Writer, res *Results) {
	fmt.Fprintf(w, "Measured %s on %d CPUs (%s), commit %.12s, medians of %d runs.\n\n", res.Date, res.CPUs, res.OS, res.Commit, res.Reps)
	phases := []string{"create", "preview", "up (no change)", "update all", "destroy"}
	fmt.Fprintln(w, "| case | create | no-change preview | no-change up | update all | destroy | CLI peak RSS | state | written by create |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	var special []*CaseResult
	for _, c := range res.Cases {
		if c.Case.Peer {
			continue
		}
		if c.Case.LatencyMs > 0 || c.Case.Display {
			special = append(special, c)
			continue
		}
		var rss int64
		cells := []string{fmt.Sprintf("%s %d", c.Case.Shape, c.Case.N)}
		for _, name := range phases {
			p := c.Phase(name)
			if p == nil {
				cells = append(cells, "")
				continue
			}
			cells = append(cells, fmt.Sprintf("%.2f s", p.WallSeconds))
		}
		for _, p := range c.Phases {
			rss = max(rss, p.CLIPeakRSS)
		}
		written := ""
		if p := c.Phase("create"); p != nil && p.BytesWritten > 0 {
			written = humanBytes(p.BytesWritten)
		}
		cells = append(cells, humanBytes(rss), humanBytes(c.StateBytes), written)
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	for _, c := range special {
		parts := make([]string, 0, len(c.Phases)+1)
		for _, p := range c.Phases {
			parts = append(parts, fmt.Sprintf("%s %.2f s", p.Name, p.WallSeconds))
		}
		if c.IdealSeconds > 0 {
			parts = append(parts, fmt.Sprintf("ideal schedule %.2f s", c.IdealSeconds))
		}
		if c.APICalls > 0 {
			parts = append(parts, fmt.Sprintf("%d API calls a refresh", c.APICalls))
		}
		if s := c.Schedule; s != nil {
			parts = append(parts, fmt.Sprintf("of a create, %.2f s to the first create, %.2f s of creates (%.2f × the ideal), %.2f s to exit",
				s.StartSeconds, s.CreatesSeconds, s.CreatesSeconds/c.IdealSeconds, s.FinishSeconds))
		}
		fmt.Fprintf(w, "\n%s: %s.\n", c.Case, strings.Join(parts, "; "))
	}
	writePeerRatios(w, res, true)
	fmt.Fprintln(w, "\n| target | measured | limit | |")
	fmt.Fprintln(w, "|---|---:|---:|---|")
	for _, t := range res.Targets {
		status := "met"
		if !t.Met {
			status = "**not met**"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", t.Name, formatValue(t.Value, t.Unit), formatValue(t.Limit, t.Unit), status)
	}
}

// writePeerRatios prints the peers cases: each phase's median by infra and by the other tool, and their ratio,
// as text or as a Markdown table.
func writePeerRatios(w io.Writer, res *Results, markdown bool) {
	header := false
	for _, c := range res.Cases {
		if c.Peer == nil {
			continue
		}
		if c.Peer.Skipped != "" {
			fmt.Fprintf(w, "\n%s: skipped: %s\n", c.Case, c.Peer.Skipped)
			continue
		}
		if !header {
			header = true
			if markdown {
				fmt.Fprintf(w, "\n| case | phase | infra | %s %s | %s / infra |\n|---|---|---:|---:|---:|\n", c.Peer.Tool, c.Peer.Version, c.Peer.Tool)
			} else {
				fmt.Fprintf(w, "\n%-22s %-12s %9s %9s %8s\n", "peers case", "phase", "infra", c.Peer.Tool, "ratio")
			}
		}
		for _, r := range c.Peer.Ratios {
			name := fmt.Sprintf("%s %d", c.Case.Shape, c.Case.N)
			if markdown {
				fmt.Fprintf(w, "| %s | %s | %.2f s | %.2f s | %.1f x |\n", name, r.Phase, r.Infra, r.Peer, r.Ratio)
			} else {
				fmt.Fprintf(w, "%-22s %-12s %8.3fs %8.3fs %7.1fx\n", name, r.Phase, r.Infra, r.Peer, r.Ratio)
			}
		}
	}
}
