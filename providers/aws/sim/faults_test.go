package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/route53"
)

func TestInjectedThrottlingIsRetriedBySDK(t *testing.T) {
	t.Parallel()
	s, cfg := start(t, Options{Faults: Faults{ThrottleRate: 0.3, ErrorRate: 0.1}})
	ec := ec2.NewFromConfig(clientConfig(*cfg.BaseEndpoint, 30))
	r53 := route53.NewFromConfig(clientConfig(*cfg.BaseEndpoint, 30))
	ctx := ctxT(t)
	for range 40 {
		if _, err := ec.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
			t.Fatalf("DescribeVpcs with retries: %v", err)
		}
		if _, err := r53.ListHostedZones(ctx, &route53.ListHostedZonesInput{}); err != nil {
			t.Fatalf("ListHostedZones with retries: %v", err)
		}
	}
	st := s.Stats()
	if st.Throttled == 0 || st.ServerErrors == 0 {
		t.Errorf("stats = %+v; want throttled and failed requests", st)
	}
	if st.Operations["ec2:DescribeVpcs"] < 40 {
		t.Errorf("DescribeVpcs counted %d times", st.Operations["ec2:DescribeVpcs"])
	}
}

func TestFaultCodesPerService(t *testing.T) {
	t.Parallel()
	_, cfg := start(t, Options{Faults: Faults{ThrottleRate: 1}})
	ctx := ctxT(t)
	_, err := ec2.NewFromConfig(cfg).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if code(err) != "RequestLimitExceeded" {
		t.Errorf("EC2 throttle: %v", err)
	}
	_, err = elbv2.NewFromConfig(cfg).DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
	if code(err) != "Throttling" {
		t.Errorf("ELBv2 throttle: %v", err)
	}
	_, err = route53.NewFromConfig(cfg).ListHostedZones(ctx, &route53.ListHostedZonesInput{})
	if code(err) != "Throttling" {
		t.Errorf("Route 53 throttle: %v", err)
	}
}

func TestRuntimeFaultsAndStatus(t *testing.T) {
	t.Parallel()
	s, cfg := start(t, Options{})
	base := *cfg.BaseEndpoint
	req, _ := http.NewRequest(http.MethodPut, base+"/_sim/faults", strings.NewReader(`{"errors": 1, "latency": "5ms"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || s.Faults().ErrorRate != 1 || time.Duration(s.Faults().Latency) != 5*time.Millisecond {
		t.Fatalf("PUT /_sim/faults: %d, faults %+v", resp.StatusCode, s.Faults())
	}
	_, err = ec2.NewFromConfig(cfg).DescribeVpcs(ctxT(t), &ec2.DescribeVpcsInput{})
	if c := code(err); c != "InternalError" && c != "Unavailable" {
		t.Errorf("with every request failing: %v", err)
	}
	req, _ = http.NewRequest(http.MethodPut, base+"/_sim/faults", strings.NewReader(`{"throttle": 2}`))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an out-of-range rate was accepted: %d", resp.StatusCode)
	}
	if err := s.SetFaults(Faults{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ec2.NewFromConfig(cfg).CreateSecurityGroup(ctxT(t), &ec2.CreateSecurityGroupInput{GroupName: aws.String("x"), Description: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get(base + "/_sim/status")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var st Status
	if err := json.Unmarshal(b, &st); err != nil || st.Objects.SecurityGroups != 1 || st.Stats.Requests == 0 || st.Region != DefaultRegion {
		t.Fatalf("status = %s, %v", b, err)
	}
	resp, err = http.Post(base+"/_sim/reset", "application/json", bytes.NewReader(nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s.Objects().Total() != 0 {
		t.Errorf("objects after reset: %+v", s.Objects())
	}
}

func TestConsistencyWindow(t *testing.T) {
	t.Parallel()
	s, cfg := start(t, Options{Faults: Faults{ConsistencyWindow: Duration(200 * time.Millisecond)}})
	c, ctx := ec2.NewFromConfig(cfg), ctxT(t)
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(firstImage(t, s)), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(run.Instances[0].InstanceId)
	_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if code(err) != "InvalidInstanceID.NotFound" {
		t.Fatalf("right after the create: %v; want InvalidInstanceID.NotFound", err)
	}
	// The SDK's waiter treats not-found as a reason to wait, as it must on AWS.
	w := ec2.NewInstanceRunningWaiter(c, func(o *ec2.InstanceRunningWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 50*time.Millisecond
	})
	if err := w.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("g"), Description: aws.String("g")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}}}})
	if code(err) != "InvalidGroup.NotFound" {
		t.Errorf("authorize right after the create: %v", err)
	}
}

func TestUnknownActionAndService(t *testing.T) {
	t.Parallel()
	_, cfg := start(t, Options{})
	base := *cfg.BaseEndpoint
	for _, tc := range []struct{ body, want string }{
		{"Action=RebootInstances&Version=2016-11-15", "<Code>InvalidAction</Code>"},
		{"Action=DescribeThings&Version=2015-12-01", "<Code>InvalidAction</Code>"},
		{"Action=Whatever&Version=1999-01-01", "<Code>InvalidAction</Code>"},
		{"Version=2016-11-15", "<Code>MissingParameter</Code>"},
		{"Action=DescribeVpcs&Version=2016-11-15&Filter.99999999.Name=x", "<Code>InvalidParameterValue</Code>"},
	} {
		resp, err := http.Post(base+"/", "application/x-www-form-urlencoded", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s: %d %s; want 400 with %s", tc.body, resp.StatusCode, b, tc.want)
		}
	}
	resp, err := http.Get(base + "/2013-04-01/nothing")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown Route 53 path: %d", resp.StatusCode)
	}
}
