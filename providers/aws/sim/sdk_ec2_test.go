package sim

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// These tests call every EC2 operation the aws provider uses through aws-sdk-go-v2's own client, so that the
// simulator's responses are decoded by the SDK's own deserializers, and check that what the SDK decoded is what
// the simulator meant.

func TestEC2DescribeVpcsAndSubnets(t *testing.T) {
	t.Parallel()
	_, cfg := start(t, Options{})
	c, ctx := ec2.NewFromConfig(cfg), ctxT(t)
	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(vpcs.Vpcs) != 1 || !aws.ToBool(vpcs.Vpcs[0].IsDefault) || aws.ToString(vpcs.Vpcs[0].CidrBlock) != "172.31.0.0/16" ||
		!strings.HasPrefix(aws.ToString(vpcs.Vpcs[0].VpcId), "vpc-0") || vpcs.Vpcs[0].State != ec2types.VpcStateAvailable {
		t.Fatalf("default VPC = %+v", vpcs.Vpcs)
	}
	vpcID := aws.ToString(vpcs.Vpcs[0].VpcId)
	var subnets []ec2types.Subnet
	pages := ec2.NewDescribeSubnetsPaginator(c, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpcID}}, {Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	n := 0
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n++
		subnets = append(subnets, p.Subnets...)
	}
	if len(subnets) != 3 || n != 2 {
		t.Fatalf("%d subnets in %d pages, want 3 in 2 pages of 2", len(subnets), n)
	}
	for _, s := range subnets {
		if aws.ToString(s.VpcId) != vpcID || !aws.ToBool(s.DefaultForAz) || !aws.ToBool(s.MapPublicIpOnLaunch) ||
			!strings.HasPrefix(aws.ToString(s.AvailabilityZone), "us-east-1") || !strings.HasPrefix(aws.ToString(s.CidrBlock), "172.31.") {
			t.Errorf("subnet = %+v", s)
		}
	}
	_, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-0000000000000000"}})
	if code(err) != "InvalidVpcID.NotFound" {
		t.Errorf("unknown VPC: %v", err)
	}
	_, err = c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("bogus"), Values: []string{"x"}}}})
	if code(err) != "InvalidParameterValue" {
		t.Errorf("unknown filter: %v", err)
	}
}

func TestEC2DescribeImages(t *testing.T) {
	t.Parallel()
	_, cfg := start(t, Options{})
	c, ctx := ec2.NewFromConfig(cfg), ctxT(t)
	var images []ec2types.Image
	pages := ec2.NewDescribeImagesPaginator(c, &ec2.DescribeImagesInput{Owners: []string{"099720109477"},
		Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{"ubuntu/images/*-amd64-server-*"}}}})
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		images = append(images, p.Images...)
	}
	if len(images) != 3 {
		t.Fatalf("%d amd64 Ubuntu images, want 3", len(images))
	}
	for _, im := range images {
		if !strings.HasPrefix(aws.ToString(im.ImageId), "ami-0") || im.Architecture != ec2types.ArchitectureValuesX8664 ||
			aws.ToString(im.OwnerId) != "099720109477" || im.State != ec2types.ImageStateAvailable || aws.ToString(im.CreationDate) == "" {
			t.Errorf("image = %+v", im)
		}
	}
	out, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil || len(out.Images) != 2 || aws.ToString(out.Images[0].ImageOwnerAlias) != "amazon" {
		t.Errorf("amazon images = %+v, %v", out, err)
	}
	_, err = c.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{"ami-0123456789abcdef0"}})
	if code(err) != "InvalidAMIID.NotFound" {
		t.Errorf("unknown image: %v", err)
	}
}

// firstImage returns an image every test can launch.
func firstImage(t *testing.T, s *Server) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	return stableID("ami", s.opts.Region+"/"+catalogue[0].name)
}

func TestEC2InstanceLifecycle(t *testing.T) {
	t.Parallel()
	s, cfg := start(t, Options{})
	c, ctx := ec2.NewFromConfig(cfg), ctxT(t)
	userData := "#cloud-config\nruncmd: [echo hi]\n"
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(firstImage(t, s)), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), ClientToken: aws.String("tok-1"), KeyName: aws.String("ops"),
		UserData: aws.String(base64.StdEncoding.EncodeToString([]byte(userData))),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance,
			Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("web")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Instances) != 1 || !strings.HasPrefix(aws.ToString(run.ReservationId), "r-0") {
		t.Fatalf("RunInstances = %+v", run)
	}
	inst := run.Instances[0]
	id := aws.ToString(inst.InstanceId)
	if !strings.HasPrefix(id, "i-0") || len(id) != 19 || inst.State.Name != ec2types.InstanceStateNamePending ||
		inst.InstanceType != ec2types.InstanceTypeT3Micro || aws.ToString(inst.KeyName) != "ops" || aws.ToString(inst.PrivateIpAddress) == "" ||
		aws.ToString(inst.PublicIpAddress) == "" || len(inst.SecurityGroups) != 1 || aws.ToString(inst.ClientToken) != "tok-1" ||
		len(inst.Tags) != 1 || aws.ToString(inst.Placement.AvailabilityZone) != "us-east-1a" || inst.LaunchTime == nil {
		t.Fatalf("instance = %+v", inst)
	}
	// The same client token returns the same instance.
	again, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(firstImage(t, s)), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), ClientToken: aws.String("tok-1")})
	if err != nil || aws.ToString(again.Instances[0].InstanceId) != id {
		t.Fatalf("retried RunInstances = %+v, %v; want instance %s", again, err, id)
	}
	w := ec2.NewInstanceRunningWaiter(c, func(o *ec2.InstanceRunningWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	desc, err := w.WaitForOutput(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	got := desc.Reservations[0].Instances[0]
	if got.State.Name != ec2types.InstanceStateNameRunning || got.State.Code == nil || *got.State.Code != 16 ||
		!strings.HasPrefix(aws.ToString(got.PublicDnsName), "ec2-") || !strings.HasSuffix(aws.ToString(got.PrivateDnsName), ".ec2.internal") {
		t.Fatalf("running instance = %+v", got)
	}
	attr, err := c.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: &id, Attribute: ec2types.InstanceAttributeNameUserData})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(aws.ToString(attr.UserData.Value))
	if string(raw) != userData {
		t.Errorf("user data = %q", raw)
	}
	// Tags.
	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String("Name")}}}); err != nil {
		t.Fatal(err)
	}
	byTag, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:env"), Values: []string{"dev"}}}})
	if err != nil || len(byTag.Reservations) != 1 || len(byTag.Reservations[0].Instances[0].Tags) != 1 {
		t.Fatalf("by tag = %+v, %v", byTag, err)
	}
	// Changing the type needs the instance stopped.
	_, err = c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id, InstanceType: &ec2types.AttributeValue{Value: aws.String("t3.small")}})
	if code(err) != "IncorrectInstanceState" {
		t.Fatalf("resize while running: %v", err)
	}
	stop, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	if err != nil || stop.StoppingInstances[0].CurrentState.Name != ec2types.InstanceStateNameStopping ||
		stop.StoppingInstances[0].PreviousState.Name != ec2types.InstanceStateNameRunning {
		t.Fatalf("StopInstances = %+v, %v", stop, err)
	}
	sw := ec2.NewInstanceStoppedWaiter(c, func(o *ec2.InstanceStoppedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	if err := sw.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id, InstanceType: &ec2types.AttributeValue{Value: aws.String("t3.small")}}); err != nil {
		t.Fatal(err)
	}
	typ, err := c.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: &id, Attribute: ec2types.InstanceAttributeNameInstanceType})
	if err != nil || aws.ToString(typ.InstanceType.Value) != "t3.small" {
		t.Fatalf("instance type = %+v, %v", typ, err)
	}
	startOut, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
	if err != nil || startOut.StartingInstances[0].CurrentState.Name != ec2types.InstanceStateNamePending {
		t.Fatalf("StartInstances = %+v, %v", startOut, err)
	}
	term, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if err != nil || term.TerminatingInstances[0].CurrentState.Name != ec2types.InstanceStateNameShuttingDown {
		t.Fatalf("TerminateInstances = %+v, %v", term, err)
	}
	tw := ec2.NewInstanceTerminatedWaiter(c, func(o *ec2.InstanceTerminatedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	if err := tw.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := s.Objects().Instances; n != 0 {
		t.Errorf("%d instances left", n)
	}
	_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}})
	if code(err) != "InvalidInstanceID.NotFound" {
		t.Errorf("unknown instance: %v", err)
	}
	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{"bogus"}})
	if code(err) != "InvalidInstanceID.Malformed" {
		t.Errorf("malformed ID: %v", err)
	}
}

func TestEC2DescribeInstancesPages(t *testing.T) {
	t.Parallel()
	s, cfg := start(t, Options{})
	c, ctx := ec2.NewFromConfig(cfg), ctxT(t)
	if _, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(firstImage(t, s)), MinCount: aws.Int32(5), MaxCount: aws.Int32(5)}); err != nil {
		t.Fatal(err)
	}
	pages := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	seen, n := map[string]bool{}, 0
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n++
		for _, r := range p.Reservations {
			for _, i := range r.Instances {
				seen[aws.ToString(i.InstanceId)] = true
			}
		}
	}
	if len(seen) != 5 || n != 3 {
		t.Errorf("%d instances in %d pages; want 5 in 3", len(seen), n)
	}
	_, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{NextToken: aws.String("garbage")})
	if code(err) != "InvalidPaginationToken" {
		t.Errorf("bad token: %v", err)
	}
}

func TestEC2SecurityGroups(t *testing.T) {
	t.Parallel()
	s, cfg := start(t, Options{})
	c, ctx := ec2.NewFromConfig(cfg), ctxT(t)
	created, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web servers"),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup,
			Tags: []ec2types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.GroupId)
	if !strings.HasPrefix(id, "sg-0") || !strings.Contains(aws.ToString(created.SecurityGroupArn), ":security-group/"+id) || len(created.Tags) != 1 {
		t.Fatalf("CreateSecurityGroup = %+v", created)
	}
	_, err = c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("again")})
	if code(err) != "InvalidGroup.Duplicate" {
		t.Errorf("duplicate name: %v", err)
	}
	perm := ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
		IpRanges:         []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0"), Description: aws.String("http")}},
		Ipv6Ranges:       []ec2types.Ipv6Range{{CidrIpv6: aws.String("::/0")}},
		UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(id)}}}
	if _, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &id, IpPermissions: []ec2types.IpPermission{perm}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &id, IpPermissions: []ec2types.IpPermission{perm}})
	if code(err) != "InvalidPermission.Duplicate" {
		t.Errorf("duplicate rule: %v", err)
	}
	egress := ec2types.IpPermission{IpProtocol: aws.String("-1"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}
	if _, err := c.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: &id, IpPermissions: []ec2types.IpPermission{egress}}); err != nil {
		t.Fatal(err)
	}
	https := ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}}
	if _, err := c.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: &id, IpPermissions: []ec2types.IpPermission{https}}); err != nil {
		t.Fatal(err)
	}
	desc, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	g := desc.SecurityGroups[0]
	if aws.ToString(g.GroupName) != "web" || aws.ToString(g.Description) != "web servers" || aws.ToString(g.VpcId) == "" ||
		aws.ToString(g.OwnerId) != DefaultAccountID || len(g.IpPermissions) != 1 || len(g.IpPermissionsEgress) != 1 {
		t.Fatalf("group = %+v", g)
	}
	in := g.IpPermissions[0]
	if aws.ToString(in.IpProtocol) != "tcp" || aws.ToInt32(in.FromPort) != 80 || aws.ToInt32(in.ToPort) != 80 || len(in.IpRanges) != 1 ||
		aws.ToString(in.IpRanges[0].Description) != "http" || len(in.Ipv6Ranges) != 1 || len(in.UserIdGroupPairs) != 1 ||
		aws.ToString(in.UserIdGroupPairs[0].GroupId) != id {
		t.Errorf("ingress = %+v", in)
	}
	if _, err := c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &id, IpPermissions: []ec2types.IpPermission{perm}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &id, IpPermissions: []ec2types.IpPermission{perm}})
	if code(err) != "InvalidPermission.NotFound" {
		t.Errorf("revoking a missing rule: %v", err)
	}
	// A group in use by an instance cannot be deleted.
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(firstImage(t, s)), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SecurityGroupIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &id})
	if code(err) != "DependencyViolation" {
		t.Errorf("delete in use: %v", err)
	}
	if _, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{aws.ToString(run.Instances[0].InstanceId)}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * fastTiming.InstanceStop)
	del, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &id})
	if err != nil || !aws.ToBool(del.Return) {
		t.Fatalf("DeleteSecurityGroup = %+v, %v", del, err)
	}
	_, err = c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if code(err) != "InvalidGroup.NotFound" {
		t.Errorf("deleted group: %v", err)
	}
	if n := s.Objects().SecurityGroups; n != 0 {
		t.Errorf("%d groups left", n)
	}
}
