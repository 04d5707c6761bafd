package aws

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/infrago/infra/sdk/provider"
)

const instanceDoc = "An EC2 instance. It is created with the create's idempotency token as its RunInstances ClientToken " +
	"and tagged with its URN, and the create waits until it runs. Changing instanceType stops the instance, " +
	"changes it and starts it again; changing securityGroupIds or tags updates it in place; any other change " +
	"replaces it. Import it by its instance ID (i-...)."

// InstanceArgs are the inputs of aws:ec2:Instance.
type InstanceArgs struct {
	AMI string `infra:"ami,replace" doc:"The ID of the image to boot (ami-...), for example from aws:ec2:getAmi. A change replaces the instance."`

	InstanceType string `infra:"instanceType" default:"t3.micro" doc:"The instance type, such as t3.micro. A change stops the instance, changes its type and starts it again (its public IP changes)."`

	SubnetID *string `infra:"subnetId,replace" doc:"The subnet to launch in. Unset: the default subnet of the region's first availability zone. A change replaces the instance."`

	SecurityGroupIDs []string `infra:"securityGroupIds" doc:"The security groups of the instance's network interface, in its subnet's VPC. Unset: the VPC's default group. A change updates the instance in place."`

	UserData *string `infra:"userData,replace" doc:"The user data passed to the instance at first boot, typically a cloud-init script or #cloud-config document (at most 16 KiB; the provider base64-encodes it). Cloud-init reads it only at first boot, so a change replaces the instance. Wrap it in a secret if it holds one."`

	KeyName *string `infra:"keyName,replace" doc:"The name of the EC2 key pair whose public key is installed for SSH. A change replaces the instance."`

	AssociatePublicIPAddress *bool `infra:"associatePublicIpAddress,replace" doc:"Whether the instance gets a public IPv4 address. Unset: what the subnet says (default subnets give one). A change replaces the instance."`

	Tags map[string]string `infra:"tags" doc:"The tags of the instance (the console shows Name). The provider's default tags are added. A change updates the instance in place."`
}

// InstanceState are the outputs of aws:ec2:Instance.
type InstanceState struct {
	InstanceArgs
	ARN              string            `infra:"arn" doc:"The instance's ARN."`
	InstanceState    string            `infra:"instanceState" doc:"The instance's state when last read: pending, running, stopping, stopped, shutting-down or terminated."`
	PrivateIP        string            `infra:"privateIp" doc:"The primary private IPv4 address."`
	PublicIP         string            `infra:"publicIp" doc:"The public IPv4 address, if the instance has one (it changes when the instance is stopped and started)."`
	PrivateDNS       string            `infra:"privateDns" doc:"The private DNS name."`
	PublicDNS        string            `infra:"publicDns" doc:"The public DNS name, if the instance has a public address."`
	AvailabilityZone string            `infra:"availabilityZone" doc:"The availability zone the instance runs in."`
	VpcID            string            `infra:"vpcId" doc:"The VPC of the instance's subnet."`
	TagsAll          map[string]string `infra:"tagsAll" doc:"The tags of the instance: its own tags and the provider's default tags together."`
	LaunchTime       string            `infra:"launchTime" doc:"When the instance was last started, in RFC 3339. User data changes only while an instance is stopped, so a batched refresh reads the user data again only when this moved."`
}

type instanceResource struct{ p *awsProvider }

// Diff treats an unset subnetId or securityGroupIds as unchanged (AWS picked them), and security groups as a set.
func (r *instanceResource) Diff(_ context.Context, req provider.DiffRequest[InstanceArgs, InstanceState]) (provider.DiffResponse, error) {
	news := req.Inputs
	if sameSet(news.SecurityGroupIDs, req.OldInputs.SecurityGroupIDs) {
		news.SecurityGroupIDs = req.OldInputs.SecurityGroupIDs
	}
	return provider.DiffStructs(req.OldInputs, news, "subnetId", "securityGroupIds", "associatePublicIpAddress")
}

// Check validates what the schema cannot.
func (r *instanceResource) Check(_ context.Context, req provider.CheckRequest[InstanceArgs]) (InstanceArgs, []provider.CheckFailure, error) {
	var fs []provider.CheckFailure
	if req.Inputs.AMI == "" {
		fs = append(fs, provider.CheckFailure{Property: "ami", Reason: "ami is empty; give an image ID (ami-...), for example from aws:ec2:getAmi"})
	}
	if req.Inputs.UserData != nil && len(*req.Inputs.UserData) > 16*1024 {
		fs = append(fs, provider.CheckFailure{Property: "userData", Reason: fmt.Sprintf("userData has %d bytes; EC2 allows at most 16384", len(*req.Inputs.UserData))})
	}
	return req.Inputs, fs, nil
}

// Create runs the instance and waits until it runs.
func (r *instanceResource) Create(ctx context.Context, req provider.CreateRequest[InstanceArgs]) (provider.CreateResponse[InstanceState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[InstanceState]{}, err
	}
	in := req.Inputs
	input := &ec2.RunInstancesInput{
		ImageId:      aws.String(in.AMI),
		InstanceType: ec2types.InstanceType(in.InstanceType),
		MinCount:     aws.Int32(1),
		MaxCount:     aws.Int32(1),
		// The idempotency token makes a retried RunInstances (after a lost answer) return the same instance.
		ClientToken: aws.String(req.IdempotencyToken),
		KeyName:     in.KeyName,
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance,
			Tags: ec2Tags(c.createTags(req.URN, req.IdempotencyToken, in.Tags))}},
	}
	if in.UserData != nil {
		input.UserData = aws.String(base64.StdEncoding.EncodeToString([]byte(*in.UserData)))
	}
	if in.AssociatePublicIPAddress != nil {
		input.NetworkInterfaces = []ec2types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0),
			SubnetId: in.SubnetID, Groups: in.SecurityGroupIDs, AssociatePublicIpAddress: in.AssociatePublicIPAddress}}
	} else {
		input.SubnetId, input.SecurityGroupIds = in.SubnetID, in.SecurityGroupIDs
	}
	var out *ec2.RunInstancesOutput
	err = retryOn(ctx, c.log, "RunInstances", propagation, []string{"InvalidGroup.NotFound", "InvalidSubnetID.NotFound"}, func() error {
		var err error
		out, err = c.ec2.RunInstances(ctx, input)
		return err
	})
	if err != nil {
		return provider.CreateResponse[InstanceState]{}, fmt.Errorf("run instance: %w", err)
	}
	if len(out.Instances) != 1 || out.Instances[0].InstanceId == nil {
		return provider.CreateResponse[InstanceState]{}, fmt.Errorf("run instance: AWS answered with %d instances", len(out.Instances))
	}
	id := *out.Instances[0].InstanceId
	c.log.Debug("instance launched, waiting until it runs", "id", id, "urn", string(req.URN))
	inst, owner, err := r.waitRunning(ctx, c, id)
	if err != nil {
		return provider.CreateResponse[InstanceState]{ID: id, Outputs: c.instanceState(in, out.Instances[0], aws.ToString(out.OwnerId))}, err
	}
	return provider.CreateResponse[InstanceState]{ID: id, Outputs: c.instanceState(in, inst, owner)}, nil
}

// waitRunning waits until the instance runs and returns it as last described.
func (r *instanceResource) waitRunning(ctx context.Context, c *clients, id string) (ec2types.Instance, string, error) {
	w := ec2.NewInstanceRunningWaiter(c.ec2, func(o *ec2.InstanceRunningWaiterOptions) { c.tuneWaiter(&o.MinDelay, &o.MaxDelay) })
	out, err := w.WaitForOutput(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, maxWait(ctx))
	if err != nil {
		return ec2types.Instance{}, "", waitErr("instance "+id+" to run", err)
	}
	return firstInstance(out)
}

// firstInstance returns the first instance described and the account that owns it.
func firstInstance(out *ec2.DescribeInstancesOutput) (ec2types.Instance, string, error) {
	for _, res := range out.Reservations {
		for _, i := range res.Instances {
			return i, aws.ToString(res.OwnerId), nil
		}
	}
	return ec2types.Instance{}, "", fmt.Errorf("AWS described no instance")
}

// instanceState builds the outputs from the inputs and the described instance; inputs AWS chose (subnet,
// security groups) are filled in.
func (c *clients) instanceState(in InstanceArgs, i ec2types.Instance, owner string) InstanceState {
	s := InstanceState{InstanceArgs: in}
	if s.SubnetID == nil && i.SubnetId != nil {
		s.SubnetID = i.SubnetId
	}
	if s.SecurityGroupIDs == nil {
		for _, g := range i.SecurityGroups {
			s.SecurityGroupIDs = append(s.SecurityGroupIDs, aws.ToString(g.GroupId))
		}
	}
	if i.State != nil {
		s.InstanceState = string(i.State.Name)
	}
	s.PrivateIP, s.PublicIP = aws.ToString(i.PrivateIpAddress), aws.ToString(i.PublicIpAddress)
	s.PrivateDNS, s.PublicDNS = aws.ToString(i.PrivateDnsName), aws.ToString(i.PublicDnsName)
	s.VpcID = aws.ToString(i.VpcId)
	if i.Placement != nil {
		s.AvailabilityZone = aws.ToString(i.Placement.AvailabilityZone)
	}
	s.ARN = fmt.Sprintf("arn:aws:ec2:%s:%s:instance/%s", c.region, owner, aws.ToString(i.InstanceId))
	s.TagsAll = visibleTags(fromEC2Tags(i.Tags))
	if i.LaunchTime != nil {
		s.LaunchTime = i.LaunchTime.UTC().Format(time.RFC3339)
	}
	return s
}

// describeInstance returns the instance and its owner, or ok false when it does not exist or is terminated.
func (c *clients) describeInstance(ctx context.Context, id string) (ec2types.Instance, string, bool, error) {
	out, err := c.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if isCode(err, "InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed") {
		return ec2types.Instance{}, "", false, nil
	}
	if err != nil {
		return ec2types.Instance{}, "", false, fmt.Errorf("describe instance %s: %w", id, err)
	}
	i, owner, err := firstInstance(out)
	if err != nil {
		return ec2types.Instance{}, "", false, nil
	}
	if i.State != nil && (i.State.Name == ec2types.InstanceStateNameTerminated || i.State.Name == ec2types.InstanceStateNameShuttingDown) {
		return ec2types.Instance{}, "", false, nil
	}
	return i, owner, true, nil
}

// read reads an instance. With old nil (an import or a lookup) every input is recovered from AWS; otherwise
// only the inputs old sets are, so that what the program left to AWS does not show as drift.
func (r *instanceResource) read(ctx context.Context, c *clients, id string, old *InstanceArgs) (provider.ReadResponse[InstanceArgs, InstanceState], error) {
	i, owner, ok, err := c.describeInstance(ctx, id)
	if err != nil || !ok {
		return provider.ReadResponse[InstanceArgs, InstanceState]{}, err
	}
	return r.fromLive(ctx, c, id, i, owner, old, true)
}

// fromLive is the read of a described instance. The user data, which takes a call of its own, is read when
// readUserData is set and the inputs have it.
func (r *instanceResource) fromLive(ctx context.Context, c *clients, id string, i ec2types.Instance, owner string, old *InstanceArgs,
	readUserData bool) (provider.ReadResponse[InstanceArgs, InstanceState], error) {
	var in InstanceArgs
	if old != nil {
		in = *old
	}
	in.AMI = aws.ToString(i.ImageId)
	in.InstanceType = string(i.InstanceType)
	var groups []string
	for _, g := range i.SecurityGroups {
		groups = append(groups, aws.ToString(g.GroupId))
	}
	if old == nil || old.SubnetID != nil {
		in.SubnetID = i.SubnetId
	}
	if old == nil || old.SecurityGroupIDs != nil {
		in.SecurityGroupIDs = sameOrder(groups, in.SecurityGroupIDs)
	}
	if old == nil || old.KeyName != nil {
		in.KeyName = i.KeyName
	}
	if readUserData && (old == nil || old.UserData != nil) {
		attr, err := c.ec2.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id),
			Attribute: ec2types.InstanceAttributeNameUserData})
		if err != nil {
			return provider.ReadResponse[InstanceArgs, InstanceState]{}, fmt.Errorf("read the user data of instance %s: %w", id, err)
		}
		in.UserData = nil
		if attr.UserData != nil && attr.UserData.Value != nil {
			raw, err := base64.StdEncoding.DecodeString(*attr.UserData.Value)
			if err != nil {
				return provider.ReadResponse[InstanceArgs, InstanceState]{}, fmt.Errorf("decode the user data of instance %s: %w", id, err)
			}
			in.UserData = aws.String(string(raw))
		}
	}
	var oldTags map[string]string
	if old != nil {
		oldTags = old.Tags
	}
	in.Tags = c.userTags(fromEC2Tags(i.Tags), oldTags)
	st := c.instanceState(in, i, owner)
	st.SubnetID, st.SecurityGroupIDs = i.SubnetId, sameOrder(groups, in.SecurityGroupIDs)
	return provider.ReadResponse[InstanceArgs, InstanceState]{ID: id, Inputs: in, Outputs: st}, nil
}

// sameOrder returns live in the order of want when they hold the same strings, and sorted otherwise, so that a
// reordering by AWS is not a change.
func sameOrder(live, want []string) []string {
	if live == nil {
		return nil
	}
	if sameSet(live, want) {
		return append([]string(nil), want...)
	}
	out := append([]string(nil), live...)
	sort.Strings(out)
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		if seen[x]--; seen[x] < 0 {
			return false
		}
	}
	return true
}

// Read reads the instance for refresh and import; a terminated instance is gone.
func (r *instanceResource) Read(ctx context.Context, req provider.ReadRequest[InstanceArgs, InstanceState]) (provider.ReadResponse[InstanceArgs, InstanceState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[InstanceArgs, InstanceState]{}, err
	}
	var old *InstanceArgs
	if !req.Import {
		old = &req.Inputs
	}
	return r.read(ctx, c, req.ID, old)
}

// Lookup finds the instance a create made by the idempotency token it was tagged with.
func (r *instanceResource) Lookup(ctx context.Context, req provider.LookupRequest[InstanceArgs]) (provider.ReadResponse[InstanceArgs, InstanceState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[InstanceArgs, InstanceState]{}, err
	}
	pages := ec2.NewDescribeInstancesPaginator(c.ec2, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:" + tagToken), Values: []string{req.IdempotencyToken}},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped"}},
	}})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return provider.ReadResponse[InstanceArgs, InstanceState]{}, fmt.Errorf("look for the instance of %s: %w", req.URN, err)
		}
		for _, res := range out.Reservations {
			for _, i := range res.Instances {
				c.log.Debug("found the instance a cut-off create made", "id", aws.ToString(i.InstanceId), "urn", string(req.URN))
				return r.read(ctx, c, aws.ToString(i.InstanceId), nil)
			}
		}
	}
	return provider.ReadResponse[InstanceArgs, InstanceState]{}, nil
}

// Update changes tags, security groups and the instance type in place.
func (r *instanceResource) Update(ctx context.Context, req provider.UpdateRequest[InstanceArgs, InstanceState]) (provider.UpdateResponse[InstanceState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[InstanceState]{}, err
	}
	id, in, old := req.ID, req.Inputs, req.OldInputs
	i, _, ok, err := c.describeInstance(ctx, id)
	if err != nil {
		return provider.UpdateResponse[InstanceState]{}, err
	}
	if !ok {
		return provider.UpdateResponse[InstanceState]{}, fmt.Errorf("instance %s no longer exists: run `infra up --refresh`, which notices it is gone and creates it again", id)
	}
	if err := c.syncEC2Tags(ctx, id, fromEC2Tags(i.Tags), in.Tags); err != nil {
		return provider.UpdateResponse[InstanceState]{}, err
	}
	if in.SecurityGroupIDs != nil && !sameSet(in.SecurityGroupIDs, old.SecurityGroupIDs) {
		err := retryOn(ctx, c.log, "ModifyInstanceAttribute", propagation, []string{"InvalidGroup.NotFound"}, func() error {
			_, err := c.ec2.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), Groups: in.SecurityGroupIDs})
			return err
		})
		if err != nil {
			return provider.UpdateResponse[InstanceState]{}, fmt.Errorf("set the security groups of instance %s: %w", id, err)
		}
	}
	if in.InstanceType != string(i.InstanceType) {
		if err := r.resize(ctx, c, id, in.InstanceType); err != nil {
			return provider.UpdateResponse[InstanceState]{}, err
		}
	}
	resp, err := r.read(ctx, c, id, &in)
	if err != nil {
		return provider.UpdateResponse[InstanceState]{}, err
	}
	if resp.ID == "" {
		return provider.UpdateResponse[InstanceState]{}, fmt.Errorf("instance %s disappeared while it was updated", id)
	}
	out := resp.Outputs
	out.InstanceArgs = in
	out.SubnetID, out.SecurityGroupIDs = resp.Outputs.SubnetID, resp.Outputs.SecurityGroupIDs
	return provider.UpdateResponse[InstanceState]{Outputs: out}, nil
}

// resize stops the instance, changes its type and starts it again: EC2 changes the type of stopped instances
// only.
func (r *instanceResource) resize(ctx context.Context, c *clients, id, typ string) error {
	c.log.Debug("stopping the instance to change its type", "id", id, "type", typ)
	if _, err := c.ec2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		return fmt.Errorf("stop instance %s to change its type: %w", id, err)
	}
	w := ec2.NewInstanceStoppedWaiter(c.ec2, func(o *ec2.InstanceStoppedWaiterOptions) { c.tuneWaiter(&o.MinDelay, &o.MaxDelay) })
	if err := w.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, maxWait(ctx)); err != nil {
		return waitErr("instance "+id+" to stop", err)
	}
	if _, err := c.ec2.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
		InstanceType: &ec2types.AttributeValue{Value: aws.String(typ)}}); err != nil {
		return fmt.Errorf("change the type of instance %s to %s (it is stopped; start it by hand if this fails for good): %w", id, typ, err)
	}
	if _, err := c.ec2.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		return fmt.Errorf("start instance %s again after changing its type: %w", id, err)
	}
	_, _, err := r.waitRunning(ctx, c, id)
	return err
}

// Delete terminates the instance and waits until it is terminated, so that what depends on it (its security
// groups) can go next. An instance that is gone already is fine.
func (r *instanceResource) Delete(ctx context.Context, req provider.DeleteRequest[InstanceArgs, InstanceState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	_, err = c.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{req.ID}})
	if isCode(err, "InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("terminate instance %s: %w", req.ID, err)
	}
	w := ec2.NewInstanceTerminatedWaiter(c.ec2, func(o *ec2.InstanceTerminatedWaiterOptions) { c.tuneWaiter(&o.MinDelay, &o.MaxDelay) })
	if err := w.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{req.ID}}, maxWait(ctx)); err != nil && !isCode(err, "InvalidInstanceID.NotFound") {
		return waitErr("instance "+req.ID+" to terminate", err)
	}
	return nil
}

// syncEC2Tags makes an EC2 object's tags the desired ones (the provider's own tags stay).
func (c *clients) syncEC2Tags(ctx context.Context, id string, live, user map[string]string) error {
	set, remove := tagChanges(live, c.desiredTags(user))
	if len(remove) > 0 {
		var tags []ec2types.Tag
		for _, k := range remove {
			tags = append(tags, ec2types.Tag{Key: aws.String(k)})
		}
		if _, err := c.ec2.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: tags}); err != nil {
			return fmt.Errorf("remove tags %v from %s: %w", remove, id, err)
		}
	}
	if len(set) > 0 {
		if _, err := c.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: ec2Tags(set)}); err != nil {
			return fmt.Errorf("tag %s: %w", id, err)
		}
	}
	return nil
}

func ec2Tags(m map[string]string) []ec2types.Tag {
	out := make([]ec2types.Tag, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, ec2types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func fromEC2Tags(tags []ec2types.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}
