package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// defaultNetwork returns the default VPC and its subnets.
func defaultNetwork(t *testing.T, s *Server) (string, []string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.st.defaultVPC()
	var subnets []string
	for _, sn := range bySeq(s.st.subnets, func(sn *subnet) int { return sn.seq }) {
		subnets = append(subnets, sn.id)
	}
	return v.id, subnets
}

func TestELBv2LoadBalancerTargetGroupListener(t *testing.T) {
	t.Parallel()
	s, cfg := start(t, Options{})
	c, ec, ctx := elbv2.NewFromConfig(cfg), ec2.NewFromConfig(cfg), ctxT(t)
	vpc, subnets := defaultNetwork(t, s)

	lbOut, err := c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: subnets[:2],
		Tags: []elbtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}})
	if err != nil {
		t.Fatal(err)
	}
	lb := lbOut.LoadBalancers[0]
	lbArn := aws.ToString(lb.LoadBalancerArn)
	if !strings.HasPrefix(lbArn, "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/") ||
		!strings.HasSuffix(aws.ToString(lb.DNSName), ".us-east-1.elb.amazonaws.com") || aws.ToString(lb.CanonicalHostedZoneId) != "Z35SXDOTRQ7X7K" ||
		lb.State.Code != elbtypes.LoadBalancerStateEnumProvisioning || lb.Type != elbtypes.LoadBalancerTypeEnumApplication ||
		lb.Scheme != elbtypes.LoadBalancerSchemeEnumInternetFacing || aws.ToString(lb.VpcId) != vpc || len(lb.AvailabilityZones) != 2 ||
		len(lb.SecurityGroups) != 1 || lb.CreatedTime == nil || lb.IpAddressType != elbtypes.IpAddressTypeIpv4 {
		t.Fatalf("load balancer = %+v", lb)
	}
	// The same name and settings return the same load balancer.
	again, err := c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: subnets[:2]})
	if err != nil || aws.ToString(again.LoadBalancers[0].LoadBalancerArn) != lbArn {
		t.Fatalf("repeated create = %+v, %v", again, err)
	}
	_, err = c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: subnets[1:3]})
	if code(err) != "DuplicateLoadBalancerName" {
		t.Errorf("duplicate name: %v", err)
	}
	_, err = c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("one"), Subnets: subnets[:1]})
	if code(err) != "ValidationError" {
		t.Errorf("one subnet: %v", err)
	}
	w := elbv2.NewLoadBalancerAvailableWaiter(c, func(o *elbv2.LoadBalancerAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	if err := w.Wait(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{lbArn}}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	sg, err := ec.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("lb"), Description: aws.String("lb")})
	if err != nil {
		t.Fatal(err)
	}
	sgs, err := c.SetSecurityGroups(ctx, &elbv2.SetSecurityGroupsInput{LoadBalancerArn: &lbArn, SecurityGroups: []string{aws.ToString(sg.GroupId)}})
	if err != nil || len(sgs.SecurityGroupIds) != 1 || sgs.SecurityGroupIds[0] != aws.ToString(sg.GroupId) {
		t.Fatalf("SetSecurityGroups = %+v, %v", sgs, err)
	}
	sub, err := c.SetSubnets(ctx, &elbv2.SetSubnetsInput{LoadBalancerArn: &lbArn, Subnets: subnets})
	if err != nil || len(sub.AvailabilityZones) != 3 {
		t.Fatalf("SetSubnets = %+v, %v", sub, err)
	}
	ipt, err := c.SetIpAddressType(ctx, &elbv2.SetIpAddressTypeInput{LoadBalancerArn: &lbArn, IpAddressType: elbtypes.IpAddressTypeDualstack})
	if err != nil || ipt.IpAddressType != elbtypes.IpAddressTypeDualstack {
		t.Fatalf("SetIpAddressType = %+v, %v", ipt, err)
	}

	tgOut, err := c.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String("web"), Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(8080), VpcId: &vpc, HealthCheckPath: aws.String("/healthz"), Matcher: &elbtypes.Matcher{HttpCode: aws.String("200-299")}})
	if err != nil {
		t.Fatal(err)
	}
	tg := tgOut.TargetGroups[0]
	tgArn := aws.ToString(tg.TargetGroupArn)
	if !strings.Contains(tgArn, ":targetgroup/web/") || aws.ToInt32(tg.Port) != 8080 || aws.ToString(tg.HealthCheckPath) != "/healthz" ||
		aws.ToString(tg.Matcher.HttpCode) != "200-299" || aws.ToInt32(tg.HealthCheckIntervalSeconds) != 30 || tg.TargetType != elbtypes.TargetTypeEnumInstance ||
		aws.ToString(tg.HealthCheckPort) != "traffic-port" || !aws.ToBool(tg.HealthCheckEnabled) {
		t.Fatalf("target group = %+v", tg)
	}
	mod, err := c.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{TargetGroupArn: &tgArn, HealthCheckIntervalSeconds: aws.Int32(10)})
	if err != nil || aws.ToInt32(mod.TargetGroups[0].HealthCheckIntervalSeconds) != 10 {
		t.Fatalf("ModifyTargetGroup = %+v, %v", mod, err)
	}

	lOut, err := c.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: &lbArn, Port: aws.Int32(80), Protocol: elbtypes.ProtocolEnumHttp,
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: &tgArn}},
		Tags:           []elbtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	l := lOut.Listeners[0]
	lArn := aws.ToString(l.ListenerArn)
	if !strings.Contains(lArn, ":listener/app/web/") || aws.ToInt32(l.Port) != 80 || len(l.DefaultActions) != 1 ||
		aws.ToString(l.DefaultActions[0].TargetGroupArn) != tgArn || l.DefaultActions[0].Type != elbtypes.ActionTypeEnumForward {
		t.Fatalf("listener = %+v", l)
	}
	_, err = c.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: &lbArn, Port: aws.Int32(80), Protocol: elbtypes.ProtocolEnumHttp,
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: &tgArn}}})
	if code(err) != "DuplicateListener" {
		t.Errorf("duplicate listener: %v", err)
	}
	ml, err := c.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: &lArn, Port: aws.Int32(8081), DefaultActions: []elbtypes.Action{{
		Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("503"),
			ContentType: aws.String("text/plain"), MessageBody: aws.String("down")}}}})
	if err != nil || aws.ToInt32(ml.Listeners[0].Port) != 8081 || aws.ToString(ml.Listeners[0].DefaultActions[0].FixedResponseConfig.MessageBody) != "down" {
		t.Fatalf("ModifyListener = %+v, %v", ml, err)
	}
	if _, err := c.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: &lArn, DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: &tgArn}}}); err != nil {
		t.Fatal(err)
	}
	dl, err := c.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: &lbArn})
	if err != nil || len(dl.Listeners) != 1 || aws.ToInt32(dl.Listeners[0].Port) != 8081 {
		t.Fatalf("DescribeListeners = %+v, %v", dl, err)
	}
	dtg, err := c.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{tgArn}})
	if err != nil || len(dtg.TargetGroups[0].LoadBalancerArns) != 1 || dtg.TargetGroups[0].LoadBalancerArns[0] != lbArn {
		t.Fatalf("DescribeTargetGroups = %+v, %v", dtg, err)
	}

	// Targets.
	run, err := ec.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(firstImage(t, s)), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	iid := aws.ToString(run.Instances[0].InstanceId)
	if _, err := c.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: &tgArn, Targets: []elbtypes.TargetDescription{{Id: &iid}}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: &tgArn, Targets: []elbtypes.TargetDescription{{Id: aws.String("i-0123456789abcdef0")}}})
	if code(err) != "InvalidTarget" {
		t.Errorf("unknown target: %v", err)
	}
	time.Sleep(3 * fastTiming.InstanceStart)
	th, err := c.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: &tgArn})
	if err != nil || len(th.TargetHealthDescriptions) != 1 || aws.ToString(th.TargetHealthDescriptions[0].Target.Id) != iid ||
		aws.ToInt32(th.TargetHealthDescriptions[0].Target.Port) != 8080 || th.TargetHealthDescriptions[0].TargetHealth.State != elbtypes.TargetHealthStateEnumHealthy {
		t.Fatalf("DescribeTargetHealth = %+v, %v", th, err)
	}
	if _, err := c.DeregisterTargets(ctx, &elbv2.DeregisterTargetsInput{TargetGroupArn: &tgArn, Targets: []elbtypes.TargetDescription{{Id: &iid}}}); err != nil {
		t.Fatal(err)
	}
	th, err = c.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: &tgArn, Targets: []elbtypes.TargetDescription{{Id: &iid}}})
	if err != nil || th.TargetHealthDescriptions[0].TargetHealth.Reason != elbtypes.TargetHealthReasonEnumNotRegistered {
		t.Fatalf("deregistered target = %+v, %v", th, err)
	}
	// The record saw the target become healthy and leave: one healthy from then on, then none.
	rec := s.TargetGroupHealth(tgArn)
	if n := len(rec); n < 2 || len(rec[n-1].Healthy) != 0 || len(rec[n-2].Healthy) != 1 || rec[n-2].Healthy[0] != iid+":8080" {
		t.Errorf("health record = %+v", rec)
	}
	if n := s.MinHealthySince(tgArn, rec[0].At); n != 0 {
		t.Errorf("MinHealthySince = %d, want 0 after the only target left", n)
	}

	// Tags.
	if _, err := c.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: []string{lbArn, tgArn}, Tags: []elbtypes.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RemoveTags(ctx, &elbv2.RemoveTagsInput{ResourceArns: []string{lbArn}, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{lbArn, tgArn, lArn}})
	if err != nil || len(tags.TagDescriptions) != 3 || len(tags.TagDescriptions[0].Tags) != 1 || aws.ToString(tags.TagDescriptions[0].Tags[0].Key) != "env" ||
		len(tags.TagDescriptions[2].Tags) != 1 {
		t.Fatalf("DescribeTags = %+v, %v", tags, err)
	}

	// A target group in use cannot be deleted; deleting the listener frees it.
	_, err = c.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: &tgArn})
	if code(err) != "ResourceInUse" {
		t.Errorf("delete a used target group: %v", err)
	}
	if _, err := c.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: &lArn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: &lArn})
	if code(err) != "ListenerNotFound" {
		t.Errorf("deleted listener: %v", err)
	}
	if _, err := c.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: &tgArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: &lbArn}); err != nil {
		t.Fatal(err)
	}
	dw := elbv2.NewLoadBalancersDeletedWaiter(c, func(o *elbv2.LoadBalancersDeletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	if err := dw.Wait(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{lbArn}}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	// Deleting a load balancer that is gone succeeds, as on AWS.
	if _, err := c.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: &lbArn}); err != nil {
		t.Errorf("deleting a deleted load balancer: %v", err)
	}
	_, err = c.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{lbArn}})
	if code(err) != "LoadBalancerNotFound" {
		t.Errorf("deleted load balancer: %v", err)
	}
	o := s.Objects()
	if o.LoadBalancers+o.TargetGroups+o.Listeners+o.Targets != 0 {
		t.Errorf("objects left: %+v", o)
	}
}

func TestELBv2Pages(t *testing.T) {
	t.Parallel()
	s, cfg := start(t, Options{})
	c, ctx := elbv2.NewFromConfig(cfg), ctxT(t)
	vpc, subnets := defaultNetwork(t, s)
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		if _, err := c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String(n), Subnets: subnets[:2]}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String(n), Protocol: elbtypes.ProtocolEnumTcp,
			Port: aws.Int32(80), VpcId: &vpc}); err != nil {
			t.Fatal(err)
		}
	}
	lbPages := elbv2.NewDescribeLoadBalancersPaginator(c, &elbv2.DescribeLoadBalancersInput{})
	lbs, n := 0, 0
	for lbPages.HasMorePages() {
		p, err := lbPages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		lbs, n = lbs+len(p.LoadBalancers), n+1
	}
	if lbs != 5 || n != 3 {
		t.Errorf("%d load balancers in %d pages; want 5 in 3", lbs, n)
	}
	tgPages := elbv2.NewDescribeTargetGroupsPaginator(c, &elbv2.DescribeTargetGroupsInput{})
	tgs := 0
	for tgPages.HasMorePages() {
		p, err := tgPages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tgs += len(p.TargetGroups)
	}
	if tgs != 5 {
		t.Errorf("%d target groups, want 5", tgs)
	}
}
