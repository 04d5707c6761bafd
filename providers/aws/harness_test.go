package aws

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/hashicorp/go-hclog"

	"github.com/infrago/infra/providers/aws/sim"
	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/sdk/rpc/propertypb"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

// env is a configured aws provider served in-process, the AWS it talks to (the simulator, or real AWS for
// acceptance tests), and SDK clients for changing objects behind the provider's back.
type env struct {
	t   *testing.T
	srv *provider.Server
	// sim is nil against real AWS.
	sim  *sim.Server
	real bool
	log  *syncBuffer

	ec2 *ec2.Client
	elb *elbv2.Client
	r53 *route53.Client
}

// syncBuffer collects the provider's log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// simTiming keeps the simulator's transitions short.
var simTiming = sim.Timing{InstanceStart: 50 * time.Millisecond, InstanceStop: 50 * time.Millisecond,
	LoadBalancerActive: 50 * time.Millisecond, ChangeSync: 50 * time.Millisecond}

// newSimEnv starts a simulator (pages of two items, so paginators must follow tokens) and a provider
// configured against it.
func newSimEnv(t *testing.T, opts sim.Options) *env {
	t.Helper()
	if opts.PageSize == 0 {
		opts.PageSize = 2
	}
	if opts.Timing == (sim.Timing{}) {
		opts.Timing = simTiming
	}
	s := sim.New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	l, err := s.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = l.Close()
	})
	e := newEnv(t, map[string]any{"region": "us-east-1", "endpoint": l.URL, "accessKey": "AKIDSIM", "secretKey": "sim-secret",
		"pollInterval": "10ms", "retryMaxBackoff": "50ms", "maxRetries": 20})
	e.sim = s
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDSIM", "sim-secret", ""), BaseEndpoint: aws.String(l.URL)}
	e.ec2, e.elb, e.r53 = ec2.NewFromConfig(cfg), elbv2.NewFromConfig(cfg), route53.NewFromConfig(cfg)
	return e
}

// accEnabled reports whether acceptance tests against real AWS may run, and why not.
func accEnabled() (bool, string) {
	if os.Getenv("INFRA_ACC") != "1" {
		return false, "acceptance tests against real AWS run only with INFRA_ACC=1 (and AWS credentials); they create billable objects"
	}
	if os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" && os.Getenv("AWS_WEB_IDENTITY_TOKEN_FILE") == "" {
		return false, "INFRA_ACC=1 but no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or AWS_WEB_IDENTITY_TOKEN_FILE"
	}
	return true, ""
}

// newAccEnv is a provider against real AWS, in AWS_REGION (us-east-1 by default), with the default credential
// chain. It skips the test unless acceptance tests are enabled.
func newAccEnv(t *testing.T) *env {
	t.Helper()
	if ok, why := accEnabled(); !ok {
		t.Skip(why)
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}
	e := newEnv(t, map[string]any{"region": region, "pollInterval": "5s", "defaultTags": map[string]any{"infra-acceptance": "true"}})
	e.real = true
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(region))
	if err != nil {
		t.Fatal(err)
	}
	e.ec2, e.elb, e.r53 = ec2.NewFromConfig(cfg), elbv2.NewFromConfig(cfg), route53.NewFromConfig(cfg)
	return e
}

// newEnv serves the provider and configures it with cfg, checked as the engine would.
func newEnv(t *testing.T, cfg map[string]any) *env {
	t.Helper()
	buf := &syncBuffer{}
	log := hclog.New(&hclog.LoggerOptions{Name: "aws", Level: hclog.Debug, Output: buf})
	srv, err := provider.NewServer(New(Options{Logger: log}))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, log: buf}
	checked, err := srv.CheckConfig(context.Background(), &pb.CheckRequest{News: propertypb.FromMap(props(t, cfg))})
	if err != nil || len(checked.GetFailures()) > 0 {
		t.Fatalf("CheckConfig: %v %v", err, checked.GetFailures())
	}
	if _, err := srv.Configure(context.Background(), &pb.ConfigureRequest{Config: checked.GetInputs()}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return e
}

func props(t testing.TB, m map[string]any) resource.PropertyMap {
	t.Helper()
	out := resource.PropertyMap{}
	for k, v := range m {
		pv, err := resource.FromGo(v)
		if err != nil {
			t.Fatalf("property %s: %v", k, err)
		}
		out[k] = pv
	}
	return out
}

func (e *env) toMap(m *propertypb.Map) resource.PropertyMap {
	e.t.Helper()
	pm, err := propertypb.ToMap(m)
	if err != nil {
		e.t.Fatal(err)
	}
	return pm
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	e.t.Cleanup(cancel)
	return ctx
}

func urnOf(typ, name string) resource.URN { return resource.NewURN("test", "aws", "", typ, name) }

func newToken(t testing.TB) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// check runs Check and fails the test on failures.
func (e *env) check(typ string, urn resource.URN, olds, news resource.PropertyMap) resource.PropertyMap {
	e.t.Helper()
	resp, err := e.srv.Check(e.ctx(), &pb.CheckRequest{Urn: string(urn), Type: typ, Olds: propertypb.FromMap(olds), News: propertypb.FromMap(news)})
	if err != nil {
		e.t.Fatalf("Check %s: %v", typ, err)
	}
	if fs := resp.GetFailures(); len(fs) > 0 {
		var lines []string
		for _, f := range fs {
			lines = append(lines, f.GetProperty()+": "+f.GetReason())
		}
		e.t.Fatalf("Check %s failed:\n%s", typ, strings.Join(lines, "\n"))
	}
	return e.toMap(resp.GetInputs())
}

// checkFailures runs Check and returns its failures as "property: reason".
func (e *env) checkFailures(typ string, news resource.PropertyMap) []string {
	e.t.Helper()
	resp, err := e.srv.Check(e.ctx(), &pb.CheckRequest{Urn: string(urnOf(typ, "x")), Type: typ, News: propertypb.FromMap(news)})
	if err != nil {
		e.t.Fatalf("Check %s: %v", typ, err)
	}
	var out []string
	for _, f := range resp.GetFailures() {
		out = append(out, f.GetProperty()+": "+f.GetReason())
	}
	return out
}

func (e *env) create(typ string, urn resource.URN, in resource.PropertyMap, token string) (string, resource.PropertyMap) {
	e.t.Helper()
	resp, err := e.srv.Create(e.ctx(), &pb.CreateRequest{Urn: string(urn), Type: typ, Properties: propertypb.FromMap(in),
		Timeout: 240, IdempotencyToken: token})
	if err != nil {
		e.t.Fatalf("Create %s: %v", typ, err)
	}
	if len(resp.GetInitErrors()) > 0 {
		e.t.Fatalf("Create %s: %v", typ, resp.GetInitErrors())
	}
	return resp.GetId(), e.toMap(resp.GetProperties())
}

func (e *env) read(typ string, urn resource.URN, id string, in, out resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap) {
	e.t.Helper()
	resp, err := e.srv.Read(e.ctx(), &pb.ReadRequest{Urn: string(urn), Type: typ, Id: id, Inputs: propertypb.FromMap(in), Properties: propertypb.FromMap(out)})
	if err != nil {
		e.t.Fatalf("Read %s %s: %v", typ, id, err)
	}
	return resp.GetId(), e.toMap(resp.GetInputs()), e.toMap(resp.GetProperties())
}

func (e *env) lookup(typ string, urn resource.URN, token string) (string, resource.PropertyMap, resource.PropertyMap) {
	e.t.Helper()
	resp, err := e.srv.Lookup(e.ctx(), &pb.LookupRequest{Urn: string(urn), Type: typ, IdempotencyToken: token})
	if err != nil {
		e.t.Fatalf("Lookup %s: %v", typ, err)
	}
	return resp.GetId(), e.toMap(resp.GetInputs()), e.toMap(resp.GetProperties())
}

func (e *env) diff(typ string, urn resource.URN, id string, oldIn, oldOut, news resource.PropertyMap) *pb.DiffResponse {
	e.t.Helper()
	resp, err := e.srv.Diff(e.ctx(), &pb.DiffRequest{Urn: string(urn), Type: typ, Id: id, OldInputs: propertypb.FromMap(oldIn),
		OldOutputs: propertypb.FromMap(oldOut), News: propertypb.FromMap(news)})
	if err != nil {
		e.t.Fatalf("Diff %s: %v", typ, err)
	}
	return resp
}

func (e *env) update(typ string, urn resource.URN, id string, oldIn, oldOut, news resource.PropertyMap) resource.PropertyMap {
	e.t.Helper()
	resp, err := e.srv.Update(e.ctx(), &pb.UpdateRequest{Urn: string(urn), Type: typ, Id: id, OldInputs: propertypb.FromMap(oldIn),
		Olds: propertypb.FromMap(oldOut), News: propertypb.FromMap(news), Timeout: 240})
	if err != nil {
		e.t.Fatalf("Update %s %s: %v", typ, id, err)
	}
	return e.toMap(resp.GetProperties())
}

func (e *env) delete(typ string, urn resource.URN, id string, in, out resource.PropertyMap) error {
	e.t.Helper()
	_, err := e.srv.Delete(e.ctx(), &pb.DeleteRequest{Urn: string(urn), Type: typ, Id: id, Inputs: propertypb.FromMap(in),
		Properties: propertypb.FromMap(out), Timeout: 240})
	return err
}

func (e *env) invoke(token string, args map[string]any) resource.PropertyMap {
	e.t.Helper()
	resp, err := e.srv.Invoke(e.ctx(), &pb.InvokeRequest{Token: token, Args: propertypb.FromMap(props(e.t, args))})
	if err != nil {
		e.t.Fatalf("Invoke %s: %v", token, err)
	}
	if len(resp.GetFailures()) > 0 {
		e.t.Fatalf("Invoke %s: %v", token, resp.GetFailures())
	}
	return e.toMap(resp.GetResult())
}

// object is a resource created through the provider, for tests that build on it.
type object struct {
	typ     string
	urn     resource.URN
	id      string
	in, out resource.PropertyMap
	token   string
}

// make checks and creates a resource, and deletes it when the test ends.
func (e *env) make(typ, name string, inputs map[string]any) *object {
	e.t.Helper()
	o := &object{typ: typ, urn: urnOf(typ, name), token: newToken(e.t)}
	o.in = e.check(typ, o.urn, nil, props(e.t, inputs))
	o.id, o.out = e.create(typ, o.urn, o.in, o.token)
	e.t.Cleanup(func() { _ = e.delete(typ, o.urn, o.id, o.in, o.out) })
	return o
}

func pstr(m resource.PropertyMap, k string) string {
	v := m[k]
	for v.IsSecret() {
		v = v.SecretElement()
	}
	if v.Kind() != resource.KindString {
		return ""
	}
	return v.StringValue()
}

func pstrs(m resource.PropertyMap, k string) []string {
	var out []string
	v := m[k].Unsecret()
	if v.Kind() != resource.KindList {
		return nil
	}
	for _, x := range v.ListValue() {
		out = append(out, x.Unsecret().StringValue())
	}
	return out
}

// defaultNetwork returns the default VPC's ID and its default subnets, through the provider's function.
func (e *env) defaultNetwork() (string, []string) {
	e.t.Helper()
	r := e.invoke(GetDefaultVpcToken, nil)
	return pstr(r, "vpcId"), pstrs(r, "subnetIds")
}

// amis returns two image IDs to launch instances from.
func (e *env) amis() (string, string) {
	e.t.Helper()
	a := e.invoke(GetAMIToken, map[string]any{"owners": []any{"amazon"}, "filters": []any{
		map[string]any{"name": "name", "values": []any{"al2023-ami-2023.*-x86_64"}}}})
	b := e.invoke(GetAMIToken, map[string]any{"owners": []any{"099720109477"}, "filters": []any{
		map[string]any{"name": "name", "values": []any{"ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"}}}})
	return pstr(a, "imageId"), pstr(b, "imageId")
}
