package integration

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/infrago/infra/providers/aws/sim"
)

// TestRefreshBatchedCalls refreshes a stack of 100 AWS instances and their 100 security groups through bin/infra
// and counts the simulator's API calls: batched reads must keep it to a few calls per resource type, not one
// per resource. The same stack with one instance changed outside infra must then report exactly that drift.
func TestRefreshBatchedCalls(t *testing.T) {
	t.Parallel()
	const n = 100
	s, url := awsSim(t, sim.Options{})
	p := newProjectWithMain(t, filepath.Join(repoRoot, "tests", "programs", "fleet"))
	rel, err := filepath.Rel(p.dir, filepath.Join(repoRoot, "tests", "programs", "fleet"))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.writeFile("Infra.yaml", fmt.Sprintf("name: %s\nmain: %s\n", p.name, filepath.ToSlash(rel))); err != nil {
		t.Fatal(err)
	}
	p.env = append(p.env, "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE="+p.path("no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+p.path("no-aws-credentials"), "AWS_PROFILE=", "AWS_REGION=", "AWS_ACCESS_KEY_ID=",
		"AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_ENDPOINT_URL=")
	for _, kv := range [][]string{{"aws:region", "us-east-1"}, {"aws:endpoint", url}, {"aws:accessKey", "AKIDSIMULATOR"},
		{"aws:pollInterval", "20ms"}, {"count", fmt.Sprint(n)}} {
		p.mustRun("config", "set", kv[0], kv[1])
	}
	p.mustRun("config", "set", "--secret", "aws:secretKey", "simulator-secret")
	wantOutput(t, p.mustRun("up", "--yes"), fmt.Sprintf("Resources: %d created", 2*n+1))

	before := s.Stats().Requests
	p.runCode(0, "preview", "--refresh", "--expect-no-changes")
	calls := s.Stats().Requests - before
	// The preview's own calls (the provider's configuration, the AMI lookup) and, per type, a describe per
	// 200 IDs: a handful in all, where reading one at a time would take 200 and more.
	if calls > 12 {
		t.Errorf("preview --refresh of %d instances and %d security groups made %d API calls; want at most 12", n, n, calls)
	}
	t.Logf("preview --refresh of %d instances and %d security groups: %d API calls", n, n, calls)

	// One instance changed outside infra: its Name tag.
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDSIMULATOR", "x", ""), BaseEndpoint: aws.String(url)}
	var id string
	for _, r := range p.state().Resources {
		if r.Type == "aws:ec2:Instance" && strings.HasSuffix(r.URN, "f00042") {
			id = r.ID
		}
	}
	if id == "" {
		t.Fatal("the state has no instance f00042")
	}
	if _, err := ec2.NewFromConfig(cfg).CreateTags(context.Background(), &ec2.CreateTagsInput{Resources: []string{id},
		Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("changed-by-hand")}}}); err != nil {
		t.Fatal(err)
	}
	r := p.runCode(2, "preview", "--refresh", "--expect-no-changes")
	wantOutput(t, r, "f00042", "changed-by-hand")
	if strings.Count(r.stdout, "drifted: changed outside infra") != 1 {
		t.Errorf("want exactly one drifted object:\n%s", r.stdout)
	}
}
