package aws

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/infrago/infra/sdk/provider"
)

const securityGroupDoc = "An EC2 security group in a VPC, with its ingress and egress rules. The rules listed are exactly the " +
	"group's rules: others added behind the tool's back show as drift and are removed by the next update. Changing " +
	"rules or tags updates the group in place; changing its name, description or VPC replaces it (a new group is " +
	"created first, so the name is generated unless set). Import it by its group ID (sg-...)."

// SecurityGroupArgs are the inputs of aws:ec2:SecurityGroup.
type SecurityGroupArgs struct {
	Name *string `infra:"name,replace" doc:"The group's name, unique in its VPC. Unset: the resource's name with a random suffix. A change replaces the group."`

	Description string `infra:"description,replace" default:"Managed by infra" doc:"The group's description. A change replaces the group (EC2 cannot change it)."`

	VpcID *string `infra:"vpcId,replace" doc:"The VPC of the group. Unset: the region's default VPC. A change replaces the group."`

	Ingress []SecurityGroupRule `infra:"ingress" doc:"The rules for traffic coming in. Unset or empty: none."`

	Egress []SecurityGroupRule `infra:"egress" doc:"The rules for traffic going out. Unset: the allow-all rule EC2 gives every new group is kept and egress is not managed; set (even to an empty list), exactly these rules."`

	Tags map[string]string `infra:"tags" doc:"The tags of the group. The provider's default tags are added."`
}

// SecurityGroupState are the outputs of aws:ec2:SecurityGroup.
type SecurityGroupState struct {
	SecurityGroupArgs
	ARN     string            `infra:"arn" doc:"The group's ARN."`
	OwnerID string            `infra:"ownerId" doc:"The account that owns the group."`
	TagsAll map[string]string `infra:"tagsAll" doc:"The tags of the group: its own tags and the provider's default tags together."`
}

type securityGroupResource struct{ p *awsProvider }

// maxGroupName is EC2's limit on security group names.
const maxGroupName = 255

// Check names an unnamed group (keeping the name it had) and validates the rules.
func (r *securityGroupResource) Check(_ context.Context, req provider.CheckRequest[SecurityGroupArgs]) (SecurityGroupArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := nameIfUnset(&in.Name, req.OldInputs.Name, req, maxGroupName, func() bool {
		return replacesWith(req.OldInputs, in, "vpcId")
	}); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	if len(*in.Name) > maxGroupName || len(*in.Name) == 0 || len(*in.Name) > 2 && (*in.Name)[:3] == "sg-" {
		fs = append(fs, provider.CheckFailure{Property: "name", Reason: fmt.Sprintf("name %q must have 1 to 255 characters and not start with sg-", *in.Name)})
	}
	fs = append(fs, checkRules("ingress", in.Ingress)...)
	fs = append(fs, checkRules("egress", in.Egress)...)
	return in, fs, nil
}

// Diff treats an unset name or vpcId as unchanged.
func (r *securityGroupResource) Diff(_ context.Context, req provider.DiffRequest[SecurityGroupArgs, SecurityGroupState]) (provider.DiffResponse, error) {
	old, news := req.OldInputs, req.Inputs
	// Rules are sets: the same rules in another order are no change.
	if sameAtoms(atomsOf(old.Ingress, "self"), atomsOf(news.Ingress, "self")) {
		news.Ingress = old.Ingress
	}
	if (old.Egress == nil) == (news.Egress == nil) && sameAtoms(atomsOf(old.Egress, "self"), atomsOf(news.Egress, "self")) {
		news.Egress = old.Egress
	}
	d, err := provider.DiffStructs(old, news, "name", "vpcId")
	if err != nil {
		return d, err
	}
	// An egress list set to empty differs from an unset one (it removes the default rule), which DiffStructs
	// cannot see.
	if (old.Egress == nil) != (news.Egress == nil) && !contains(d.Changed, "egress") {
		d.Changed, d.HasChanges = append(d.Changed, "egress"), true
	}
	return d, nil
}

// describeGroup returns the group, or ok false when it does not exist.
func (c *clients) describeGroup(ctx context.Context, id string) (ec2types.SecurityGroup, bool, error) {
	out, err := c.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if isCode(err, "InvalidGroup.NotFound", "InvalidGroupId.Malformed") {
		return ec2types.SecurityGroup{}, false, nil
	}
	if err != nil {
		return ec2types.SecurityGroup{}, false, fmt.Errorf("describe security group %s: %w", id, err)
	}
	if len(out.SecurityGroups) == 0 {
		return ec2types.SecurityGroup{}, false, nil
	}
	return out.SecurityGroups[0], true, nil
}

// Create creates the group and its rules. A name already taken by a group this create made (its answer was
// lost and the call repeated) is adopted.
func (r *securityGroupResource) Create(ctx context.Context, req provider.CreateRequest[SecurityGroupArgs]) (provider.CreateResponse[SecurityGroupState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[SecurityGroupState]{}, err
	}
	in := req.Inputs
	if in.Name == nil {
		n, err := autoName(req.URN, maxGroupName)
		if err != nil {
			return provider.CreateResponse[SecurityGroupState]{}, err
		}
		in.Name = &n
	}
	out, err := c.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: in.Name, Description: aws.String(in.Description), VpcId: in.VpcID,
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup,
			Tags: ec2Tags(c.createTags(req.URN, req.IdempotencyToken, in.Tags))}},
	})
	var id string
	switch {
	case isCode(err, "InvalidGroup.Duplicate"):
		found, ferr := r.findByToken(ctx, c, req.IdempotencyToken)
		if ferr != nil || found == "" {
			return provider.CreateResponse[SecurityGroupState]{}, fmt.Errorf("create security group %q: a group of that name exists already in the VPC; "+
				"choose another name, or adopt the group with the resource option infra.Import(\"<sg-id>\"): %w", *in.Name, err)
		}
		id = found
	case err != nil:
		return provider.CreateResponse[SecurityGroupState]{}, fmt.Errorf("create security group %q: %w", *in.Name, err)
	default:
		id = aws.ToString(out.GroupId)
	}
	var g ec2types.SecurityGroup
	err = retryOn(ctx, c.log, "DescribeSecurityGroups", propagation, []string{"InvalidGroup.NotFound"}, func() error {
		var err error
		out, err := c.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
		if err == nil && len(out.SecurityGroups) > 0 {
			g = out.SecurityGroups[0]
		}
		return err
	})
	if err != nil {
		return provider.CreateResponse[SecurityGroupState]{ID: id, Outputs: SecurityGroupState{SecurityGroupArgs: in}}, fmt.Errorf("read the new security group %s: %w", id, err)
	}
	if err := c.syncRules(ctx, g, in); err != nil {
		return provider.CreateResponse[SecurityGroupState]{ID: id, Outputs: c.groupState(in, g)}, err
	}
	return provider.CreateResponse[SecurityGroupState]{ID: id, Outputs: c.groupState(in, g)}, nil
}

// findByToken returns the ID of the group tagged with an idempotency token ("" when none is).
func (r *securityGroupResource) findByToken(ctx context.Context, c *clients, token string) (string, error) {
	out, err := c.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:" + tagToken), Values: []string{token}}}})
	if err != nil {
		return "", fmt.Errorf("look for the security group tagged %s: %w", token, err)
	}
	for _, g := range out.SecurityGroups {
		return aws.ToString(g.GroupId), nil
	}
	return "", nil
}

// syncRules makes the group's rules the desired ones: it revokes what should not be there first (so that a
// rule whose description changed can be added again), then authorizes what is missing.
func (c *clients) syncRules(ctx context.Context, g ec2types.SecurityGroup, in SecurityGroupArgs) error {
	id := aws.ToString(g.GroupId)
	type direction struct {
		name       string
		live, want []atom
		managed    bool
		revoke     func([]ec2types.IpPermission) error
		authorize  func([]ec2types.IpPermission) error
	}
	dirs := []direction{
		{name: "ingress", live: liveAtoms(g.IpPermissions), want: atomsOf(in.Ingress, id), managed: true,
			revoke: func(ps []ec2types.IpPermission) error {
				_, err := c.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &id, IpPermissions: ps})
				return err
			},
			authorize: func(ps []ec2types.IpPermission) error {
				_, err := c.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &id, IpPermissions: ps})
				return err
			}},
		{name: "egress", live: liveAtoms(g.IpPermissionsEgress), want: atomsOf(in.Egress, id), managed: in.Egress != nil,
			revoke: func(ps []ec2types.IpPermission) error {
				_, err := c.ec2.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: &id, IpPermissions: ps})
				return err
			},
			authorize: func(ps []ec2types.IpPermission) error {
				_, err := c.ec2.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: &id, IpPermissions: ps})
				return err
			}},
	}
	for _, d := range dirs {
		if !d.managed {
			continue
		}
		if gone := minus(d.live, d.want); len(gone) > 0 {
			err := d.revoke(permissions(gone))
			if err != nil && !isCode(err, "InvalidPermission.NotFound") {
				return fmt.Errorf("remove %d %s rules of security group %s: %w", len(gone), d.name, id, err)
			}
		}
		if missing := minus(d.want, d.live); len(missing) > 0 {
			err := retryOn(ctx, c.log, "authorize "+d.name, propagation, []string{"InvalidGroup.NotFound"}, func() error {
				return d.authorize(permissions(missing))
			})
			if err != nil && !isCode(err, "InvalidPermission.Duplicate") {
				return fmt.Errorf("add %d %s rules to security group %s: %w", len(missing), d.name, id, err)
			}
		}
	}
	return nil
}

func (c *clients) groupState(in SecurityGroupArgs, g ec2types.SecurityGroup) SecurityGroupState {
	s := SecurityGroupState{SecurityGroupArgs: in, OwnerID: aws.ToString(g.OwnerId), TagsAll: visibleTags(fromEC2Tags(g.Tags))}
	if s.Name == nil {
		s.Name = g.GroupName
	}
	if s.VpcID == nil {
		s.VpcID = g.VpcId
	}
	s.ARN = aws.ToString(g.SecurityGroupArn)
	if s.ARN == "" {
		s.ARN = fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/%s", c.region, s.OwnerID, aws.ToString(g.GroupId))
	}
	return s
}

// read reads a group; with old nil every input is recovered, otherwise those old sets, and rules equal to old's
// keep old's form.
func (r *securityGroupResource) read(ctx context.Context, c *clients, id string, old *SecurityGroupArgs) (provider.ReadResponse[SecurityGroupArgs, SecurityGroupState], error) {
	g, ok, err := c.describeGroup(ctx, id)
	if err != nil || !ok {
		return provider.ReadResponse[SecurityGroupArgs, SecurityGroupState]{}, err
	}
	return r.fromLive(c, id, g, old), nil
}

// fromLive is the read of a described group.
func (r *securityGroupResource) fromLive(c *clients, id string, g ec2types.SecurityGroup, old *SecurityGroupArgs) provider.ReadResponse[SecurityGroupArgs, SecurityGroupState] {
	var in SecurityGroupArgs
	if old != nil {
		in = *old
	}
	in.Name, in.Description = g.GroupName, aws.ToString(g.Description)
	if old == nil || old.VpcID != nil {
		in.VpcID = g.VpcId
	}
	ingress := liveAtoms(g.IpPermissions)
	if old == nil || !sameAtoms(ingress, atomsOf(old.Ingress, id)) {
		in.Ingress = rulesOf(ingress, id)
		if old != nil && old.Ingress == nil && len(in.Ingress) == 0 {
			in.Ingress = nil
		}
	}
	egress := liveAtoms(g.IpPermissionsEgress)
	if old == nil || (old.Egress != nil && !sameAtoms(egress, atomsOf(old.Egress, id))) {
		in.Egress = rulesOf(egress, id)
	}
	var oldTags map[string]string
	if old != nil {
		oldTags = old.Tags
	}
	in.Tags = c.userTags(fromEC2Tags(g.Tags), oldTags)
	return provider.ReadResponse[SecurityGroupArgs, SecurityGroupState]{ID: id, Inputs: in, Outputs: c.groupState(in, g)}
}

// Read reads the group for refresh and import.
func (r *securityGroupResource) Read(ctx context.Context, req provider.ReadRequest[SecurityGroupArgs, SecurityGroupState]) (provider.ReadResponse[SecurityGroupArgs, SecurityGroupState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[SecurityGroupArgs, SecurityGroupState]{}, err
	}
	var old *SecurityGroupArgs
	if !req.Import {
		old = &req.Inputs
	}
	return r.read(ctx, c, req.ID, old)
}

// Lookup finds the group a create made by the idempotency token it was tagged with.
func (r *securityGroupResource) Lookup(ctx context.Context, req provider.LookupRequest[SecurityGroupArgs]) (provider.ReadResponse[SecurityGroupArgs, SecurityGroupState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[SecurityGroupArgs, SecurityGroupState]{}, err
	}
	id, err := r.findByToken(ctx, c, req.IdempotencyToken)
	if err != nil || id == "" {
		return provider.ReadResponse[SecurityGroupArgs, SecurityGroupState]{}, err
	}
	return r.read(ctx, c, id, nil)
}

// Update changes rules and tags.
func (r *securityGroupResource) Update(ctx context.Context, req provider.UpdateRequest[SecurityGroupArgs, SecurityGroupState]) (provider.UpdateResponse[SecurityGroupState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[SecurityGroupState]{}, err
	}
	g, ok, err := c.describeGroup(ctx, req.ID)
	if err != nil {
		return provider.UpdateResponse[SecurityGroupState]{}, err
	}
	if !ok {
		return provider.UpdateResponse[SecurityGroupState]{}, fmt.Errorf("security group %s no longer exists: run `infra up --refresh`, which notices it is gone and creates it again", req.ID)
	}
	if err := c.syncRules(ctx, g, req.Inputs); err != nil {
		return provider.UpdateResponse[SecurityGroupState]{}, err
	}
	if err := c.syncEC2Tags(ctx, req.ID, fromEC2Tags(g.Tags), req.Inputs.Tags); err != nil {
		return provider.UpdateResponse[SecurityGroupState]{}, err
	}
	g, _, err = c.describeGroup(ctx, req.ID)
	if err != nil {
		return provider.UpdateResponse[SecurityGroupState]{}, err
	}
	return provider.UpdateResponse[SecurityGroupState]{Outputs: c.groupState(req.Inputs, g)}, nil
}

// Delete deletes the group, waiting while instances or load balancers that are going away still use it. A
// group that is gone already is fine.
func (r *securityGroupResource) Delete(ctx context.Context, req provider.DeleteRequest[SecurityGroupArgs, SecurityGroupState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	err = retryOn(ctx, c.log, "DeleteSecurityGroup", maxWait(ctx), []string{"DependencyViolation"}, func() error {
		_, err := c.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(req.ID)})
		return err
	})
	if err != nil && !isCode(err, "InvalidGroup.NotFound", "InvalidGroupId.Malformed") {
		return fmt.Errorf("delete security group %s: %w", req.ID, err)
	}
	return nil
}
