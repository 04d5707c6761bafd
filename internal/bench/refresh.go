package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	awssim "github.com/infrago/infra/providers/aws/sim"
)

// refreshCase is the refresh case of the targets: a stack of 1,000 AWS instances and their security groups in the
// AWS simulator, every API call taking 50 ms, checked with `infra preview --refresh --expect-no-changes`.
var refreshCase = Case{Shape: "refresh", N: 1000, LatencyMs: 50}

// Phases of the refresh case.
const (
	phaseRefresh      = "preview --refresh"
	phaseRefreshDrift = "preview --refresh (one drifted)"
)

// runRefreshCase measures the refresh case: the stack is created with no latency, then every preview --refresh
// runs with the latency on, counting the simulator's API calls; at the end one instance's tags are changed outside
// infra and the preview must report exactly that drift (and exit 2).
func (r *runner) runRefreshCase(ctx context.Context, c Case) (*CaseResult, error) {
	sim := awssim.New(awssim.Options{InstanceLimit: c.N + 10})
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	l, err := sim.Start(sctx)
	if err != nil {
		return nil, err
	}
	defer l.Close()

	p, err := r.newProject(ctx, fmt.Sprintf("refresh-%d-%dms", c.N, c.LatencyMs), Case{Shape: "wide", N: c.N})
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(p.dir, filepath.Join(filepath.Dir(r.program), "fleet"))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(p.dir, "Infra.yaml"), fmt.Appendf(nil, "name: bench\nmain: %s\n", filepath.ToSlash(rel)), 0o644); err != nil {
		return nil, err
	}
	p.env = append(p.env, "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent",
		"AWS_PROFILE=", "AWS_REGION=", "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_ENDPOINT_URL=")
	for _, kv := range [][]string{{"aws:region", "us-east-1"}, {"aws:endpoint", l.URL}, {"aws:accessKey", "AKIDBENCH"},
		{"aws:pollInterval", "20ms"}} {
		if _, err := p.run(ctx, "config", "set", kv[0], kv[1]); err != nil {
			return nil, err
		}
	}
	if _, err := p.run(ctx, "config", "set", "--secret", "aws:secretKey", "bench-secret"); err != nil {
		return nil, err
	}
	if _, err := p.run(ctx, "up", "--yes"); err != nil {
		return nil, err
	}
	if err := sim.SetFaults(awssim.Faults{Latency: awssim.Duration(time.Duration(c.LatencyMs) * time.Millisecond)}); err != nil {
		return nil, err
	}
	res := &CaseResult{Case: c}
	ph := &Phase{Name: phaseRefresh}
	res.Phases = append(res.Phases, ph)
	var calls []float64
	for range r.reps {
		before := sim.Stats().Requests
		m, err := p.run(ctx, "preview", "--refresh", "--expect-no-changes")
		if err != nil {
			return nil, err
		}
		n := sim.Stats().Requests - before
		ph.Runs = append(ph.Runs, m.wall.Seconds())
		ph.CLIPeakRSS, ph.ProviderPeakRSS = max(ph.CLIPeakRSS, m.cliRSS), max(ph.ProviderPeakRSS, m.providerRSS)
		calls = append(calls, float64(n))
		fmt.Fprintf(r.log, "   %-16s %8.3fs  %d API calls  cli %s\n", ph.Name, m.wall.Seconds(), n, mib(m.cliRSS))
	}
	res.APICalls = int(median(calls))

	// One instance changed outside infra.
	id, err := p.instanceID(ctx, "f00007")
	if err != nil {
		return nil, err
	}
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDBENCH", "x", ""), BaseEndpoint: aws.String(l.URL)}
	if _, err := ec2.NewFromConfig(cfg).CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id},
		Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("changed-by-hand")}}}); err != nil {
		return nil, fmt.Errorf("change an instance behind infra's back: %w", err)
	}
	m, err := p.run(ctx, "preview", "--refresh", "--expect-no-changes")
	var exit *exec.ExitError
	if err == nil || !errors.As(err, &exit) || exit.ExitCode() != 2 {
		return nil, fmt.Errorf("preview --refresh after a change outside infra: want exit status 2 (changes), got %v", err)
	}
	out := err.Error()
	if strings.Count(out, "drifted: changed outside infra") != 1 || !strings.Contains(out, "changed-by-hand") {
		return nil, fmt.Errorf("preview --refresh after a change outside infra does not report exactly that drift:\n%s", out)
	}
	res.Phases = append(res.Phases, &Phase{Name: phaseRefreshDrift, Runs: []float64{m.wall.Seconds()}})
	fmt.Fprintf(r.log, "   %-16s %8.3fs  (the drift of f00007 reported)\n", phaseRefreshDrift, m.wall.Seconds())
	if _, err := p.run(ctx, "destroy", "--yes"); err != nil {
		return nil, err
	}
	r.finish(res, nil)
	return res, nil
}

// instanceID is the ID of the fleet instance called name, from `infra stack export`.
func (p *project) instanceID(ctx context.Context, name string) (string, error) {
	m, err := p.run(ctx, "stack", "export")
	if err != nil {
		return "", err
	}
	var snap struct {
		Resources []struct {
			URN  string `json:"urn"`
			Type string `json:"type"`
			ID   string `json:"id"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(m.stdout, &snap); err != nil {
		return "", fmt.Errorf("read the stack's export: %w", err)
	}
	for _, r := range snap.Resources {
		if r.Type == "aws:ec2:Instance" && strings.HasSuffix(r.URN, "::"+name) {
			return r.ID, nil
		}
	}
	return "", fmt.Errorf("the stack has no instance %s", name)
}
