package main

import (
	"fmt"
	"strconv"
	"strings"
)

// Case is one benchmark: a program shape and size, and for the latency case the per-call delay and parallelism.
type Case struct {
	Shape string `json:"shape"`
	N     int    `json:"n"`
	// LatencyMs is the data provider's delay per create and update; Parallel the --parallel of every run
	// (0: the CLI's default).
	LatencyMs int `json:"latencyMs,omitempty"`
	Parallel  int `json:"parallel,omitempty"`
	// Display marks the display case: creates of a wide stack with the live display on a terminal against the
	// same creates with --json written to /dev/null.
	Display bool `json:"display,omitempty"`
	// Peer marks a peers case: the shape run alternately by infra and by terraform (or tofu), as terraform_data
	// resources.
	Peer bool `json:"peer,omitempty"`
}

func (c Case) String() string {
	s := fmt.Sprintf("%s:%d", c.Shape, c.N)
	switch {
	case c.Shape == "refresh":
		s = fmt.Sprintf("refresh of %d AWS instances and their security groups (%d ms per API call)", c.N, c.LatencyMs)
	case c.LatencyMs > 0:
		s += fmt.Sprintf(" (%d ms per create, --parallel %d)", c.LatencyMs, c.Parallel)
	}
	if c.Display {
		s += " (live display vs --json)"
	}
	if c.Peer {
		s += " (against terraform_data)"
	}
	return s
}

// displayCase is the display case of the targets; "display:N" runs it with another N.
var displayCase = Case{Shape: "wide", N: 10000, Display: true}

// latencyCase is the latency-bound case of the targets.
var latencyCase = Case{Shape: "fan", N: 1000, LatencyMs: 50, Parallel: 100}

// parseCases reads the -cases flag.
func parseCases(s string) ([]Case, error) {
	var out []Case
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if f == "latency" {
			out = append(out, latencyCase)
			continue
		}
		if f == "refresh" {
			out = append(out, refreshCase)
			continue
		}
		if f == "display" {
			out = append(out, displayCase)
			continue
		}
		if f == "peers" {
			out = append(out, peerCases...)
			continue
		}
		if rest, ok := strings.CutPrefix(f, "peers:"); ok {
			cs, err := parseCases(rest)
			if err != nil || len(cs) != 1 || cs[0].Shape == "fan" || cs[0].Shape == "refresh" || cs[0].LatencyMs > 0 || cs[0].Display {
				return nil, fmt.Errorf("-cases: %q is not peers:wide:N or peers:chain:N", f)
			}
			c := cs[0]
			c.Peer = true
			out = append(out, c)
			continue
		}
		shape, n, ok := strings.Cut(f, ":")
		count, err := strconv.Atoi(n)
		switch {
		case !ok || err != nil || count < 1:
			return nil, fmt.Errorf("-cases: %q is not shape:N (for example wide:1000), latency, refresh, display or peers", f)
		case shape == "refresh":
			c := refreshCase
			c.N = count
			out = append(out, c)
			continue
		case shape == "display":
			c := displayCase
			c.N = count
			out = append(out, c)
			continue
		case shape != "wide" && shape != "chain" && shape != "fan":
			return nil, fmt.Errorf("-cases: %q: the shape is wide, chain or fan", f)
		case shape == "fan" && count < 20:
			return nil, fmt.Errorf("-cases: %q: a fan has 10 roots and needs N of at least 20", f)
		}
		out = append(out, Case{Shape: shape, N: count})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-cases: no case given")
	}
	return out, nil
}

// criticalPath is the number of resources on the longest dependency path of a shape.
func criticalPath(c Case) int {
	switch c.Shape {
	case "chain":
		return c.N
	case "fan":
		return 2
	}
	return 1
}
