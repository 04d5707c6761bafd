package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Schedule splits a latency-bound create into the three parts that add up to its wall time: from the CLI's
// start to the first create of a data:index:Data resource, from there to the last create's end (what the ideal
// schedule is about), and from there to the CLI's exit. Medians over the runs.
type Schedule struct {
	StartSeconds   float64 `json:"startSeconds"`
	CreatesSeconds float64 `json:"createsSeconds"`
	FinishSeconds  float64 `json:"finishSeconds"`
}

// measureSchedule runs reps creates with --json and times their parts from the events' timestamps.
func (p *project) measureSchedule(ctx context.Context, reps int) (*Schedule, error) {
	var start, creates, finish []float64
	for range reps {
		m, err := p.run(ctx, p.cmd("up", "--yes", "--json")...)
		if err != nil {
			return nil, err
		}
		first, last, err := createSpan(m.stdout)
		if err != nil {
			return nil, err
		}
		start = append(start, first.Sub(m.started).Seconds())
		creates = append(creates, last.Sub(first).Seconds())
		finish = append(finish, m.started.Add(m.wall).Sub(last).Seconds())
		if _, err := p.run(ctx, "destroy", "--yes"); err != nil {
			return nil, err
		}
	}
	return &Schedule{StartSeconds: median(start), CreatesSeconds: median(creates), FinishSeconds: median(finish)}, nil
}

// createSpan finds, in a run's --json events, the first data:index:Data create's start and the last one's end.
func createSpan(events []byte) (first, last time.Time, err error) {
	sc := bufio.NewScanner(bytes.NewReader(events))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var e struct {
			Type string    `json:"type"`
			Time time.Time `json:"time"`
			Step *struct {
				Type string `json:"type"`
				Op   string `json:"op"`
			} `json:"step"`
		}
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Step == nil || e.Step.Type != "data:index:Data" || e.Step.Op != "create" {
			continue
		}
		switch e.Type {
		case "step-start":
			if first.IsZero() || e.Time.Before(first) {
				first = e.Time
			}
		case "step-done":
			if e.Time.After(last) {
				last = e.Time
			}
		}
	}
	if err := sc.Err(); err != nil {
		return first, last, fmt.Errorf("read the --json events: %w", err)
	}
	if first.IsZero() || last.IsZero() {
		return first, last, fmt.Errorf("the --json events hold no create of a data:index:Data resource")
	}
	return first, last, nil
}
