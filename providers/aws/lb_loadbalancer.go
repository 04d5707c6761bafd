package aws

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/infrago/infra/sdk/provider"
)

const loadBalancerDoc = "An Elastic Load Balancing v2 load balancer: application (HTTP/HTTPS) or network (TCP/UDP/TLS). The create " +
	"waits until it is active. Changing subnets, security groups, the IP address type or tags updates it in " +
	"place; changing its name, type or scheme replaces it. Its dnsName and zoneId are what a Route 53 alias record " +
	"needs. Import it by its ARN."

// LoadBalancerArgs are the inputs of aws:lb:LoadBalancer.
type LoadBalancerArgs struct {
	Name *string `infra:"name,replace" doc:"The load balancer's name: up to 32 letters, digits and hyphens, unique in the region. Unset: the resource's name cut to fit, with a random suffix. A change replaces it."`

	LoadBalancerType string `infra:"loadBalancerType,replace" default:"application" doc:"The type: application or network. A change replaces the load balancer."`

	Internal bool `infra:"internal,replace" default:"false" doc:"Whether the load balancer is reachable only from inside its VPC (scheme internal) rather than from the internet. A change replaces it."`

	Subnets []string `infra:"subnets" doc:"The subnets to serve from, one per availability zone; an application load balancer needs at least two zones. A change updates it in place."`

	SecurityGroups []string `infra:"securityGroups" doc:"The security groups of an application load balancer (or of a network load balancer created with some). Unset: the VPC's default group. A change updates it in place."`

	IPAddressType string `infra:"ipAddressType" default:"ipv4" doc:"The IP address type: ipv4 or dualstack. A change updates it in place."`

	Tags map[string]string `infra:"tags" doc:"The tags of the load balancer. The provider's default tags are added."`
}

// LoadBalancerState are the outputs of aws:lb:LoadBalancer.
type LoadBalancerState struct {
	LoadBalancerArgs
	ARN       string            `infra:"arn" doc:"The load balancer's ARN (also its ID)."`
	ARNSuffix string            `infra:"arnSuffix" doc:"The ARN's last part (app/<name>/<id>), as CloudWatch metrics name it."`
	DNSName   string            `infra:"dnsName" doc:"The DNS name clients connect to."`
	ZoneID    string            `infra:"zoneId" doc:"The Route 53 hosted zone of the DNS name, for alias records."`
	VpcID     string            `infra:"vpcId" doc:"The VPC of the subnets."`
	State     string            `infra:"state" doc:"The state when last read: provisioning, active, active_impaired or failed."`
	TagsAll   map[string]string `infra:"tagsAll" doc:"The tags of the load balancer: its own tags and the provider's default tags together."`
}

type loadBalancerResource struct{ p *awsProvider }

// maxELBName is the length limit of load balancer and target group names.
const maxELBName = 32

// Check names an unnamed load balancer and validates choices.
func (r *loadBalancerResource) Check(_ context.Context, req provider.CheckRequest[LoadBalancerArgs]) (LoadBalancerArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := nameIfUnset(&in.Name, req.OldInputs.Name, req, maxELBName, func() bool {
		return replacesWith(req.OldInputs, in, "securityGroups")
	}); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	if f := checkELBName(*in.Name); f != "" {
		fs = append(fs, provider.CheckFailure{Property: "name", Reason: f})
	}
	if in.LoadBalancerType != "application" && in.LoadBalancerType != "network" {
		fs = append(fs, provider.CheckFailure{Property: "loadBalancerType", Reason: fmt.Sprintf("%q is not application or network", in.LoadBalancerType)})
	}
	if in.IPAddressType != "ipv4" && in.IPAddressType != "dualstack" {
		fs = append(fs, provider.CheckFailure{Property: "ipAddressType", Reason: fmt.Sprintf("%q is not ipv4 or dualstack", in.IPAddressType)})
	}
	if len(in.Subnets) == 0 {
		fs = append(fs, provider.CheckFailure{Property: "subnets", Reason: "give the subnets to serve from (aws:ec2:getDefaultVpc lists the default ones)"})
	}
	return in, fs, nil
}

// nameIfUnset gives an object the program did not name an automatic name of at most max characters. It keeps
// the name the object had unless the change replaces it: a replacement is created before the old object is
// deleted, and names are unique, so it needs a new one. name points at the new inputs' name field;
// replaces reports whether the new inputs (with the old name) replace the old object.
func nameIfUnset[I any](name **string, old *string, req provider.CheckRequest[I], max int, replaces func() bool) error {
	if *name != nil {
		return nil
	}
	if old != nil {
		*name = old
		if !replaces() {
			return nil
		}
	}
	n, err := autoName(req.URN, max)
	if err != nil {
		return err
	}
	*name = &n
	return nil
}

// replacesWith reports whether news, as they stand, replace olds (properties in computed left unset count as
// unchanged).
func replacesWith[I any](olds, news I, computed ...string) bool {
	d, err := provider.DiffStructs(olds, news, computed...)
	return err == nil && len(d.Replaces) > 0
}

// checkELBName returns why name is not a valid load balancer or target group name ("" when it is).
func checkELBName(name string) string {
	ok := len(name) >= 1 && len(name) <= maxELBName && name[0] != '-' && name[len(name)-1] != '-' && !strings.HasPrefix(name, "internal-")
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			ok = false
		}
	}
	if ok {
		return ""
	}
	return fmt.Sprintf("%q is not a valid name: use 1 to 32 letters, digits and hyphens, not starting or ending with a hyphen or starting with internal-", name)
}

// Diff treats an unset name or securityGroups as unchanged.
func (r *loadBalancerResource) Diff(_ context.Context, req provider.DiffRequest[LoadBalancerArgs, LoadBalancerState]) (provider.DiffResponse, error) {
	old, news := req.OldInputs, req.Inputs
	if sameSet(old.Subnets, news.Subnets) {
		news.Subnets = old.Subnets
	}
	if sameSet(old.SecurityGroups, news.SecurityGroups) {
		news.SecurityGroups = old.SecurityGroups
	}
	return provider.DiffStructs(old, news, "name", "securityGroups")
}

func scheme(internal bool) elbtypes.LoadBalancerSchemeEnum {
	if internal {
		return elbtypes.LoadBalancerSchemeEnumInternal
	}
	return elbtypes.LoadBalancerSchemeEnumInternetFacing
}

// Create creates the load balancer and waits until it is active. CreateLoadBalancer returns an existing load
// balancer of the same name and settings, so a create repeated after a lost answer makes nothing twice.
func (r *loadBalancerResource) Create(ctx context.Context, req provider.CreateRequest[LoadBalancerArgs]) (provider.CreateResponse[LoadBalancerState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[LoadBalancerState]{}, err
	}
	in := req.Inputs
	if in.Name == nil {
		n, err := autoName(req.URN, maxELBName)
		if err != nil {
			return provider.CreateResponse[LoadBalancerState]{}, err
		}
		in.Name = &n
	}
	var out *elbv2.CreateLoadBalancerOutput
	err = retryOn(ctx, c.log, "CreateLoadBalancer", propagation, []string{"InvalidSecurityGroup", "SubnetNotFound"}, func() error {
		var err error
		out, err = c.elb.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{
			Name: in.Name, Type: elbtypes.LoadBalancerTypeEnum(in.LoadBalancerType), Scheme: scheme(in.Internal),
			Subnets: in.Subnets, SecurityGroups: in.SecurityGroups, IpAddressType: elbtypes.IpAddressType(in.IPAddressType),
			Tags: elbTags(c.createTags(req.URN, req.IdempotencyToken, in.Tags)),
		})
		return err
	})
	if err != nil {
		return provider.CreateResponse[LoadBalancerState]{}, fmt.Errorf("create load balancer %q: %w", *in.Name, err)
	}
	if len(out.LoadBalancers) == 0 {
		return provider.CreateResponse[LoadBalancerState]{}, fmt.Errorf("create load balancer %q: AWS answered with no load balancer", *in.Name)
	}
	lb := out.LoadBalancers[0]
	arn := aws.ToString(lb.LoadBalancerArn)
	w := elbv2.NewLoadBalancerAvailableWaiter(c.elb, func(o *elbv2.LoadBalancerAvailableWaiterOptions) { c.tuneWaiter(&o.MinDelay, &o.MaxDelay) })
	desc, err := w.WaitForOutput(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}}, maxWait(ctx))
	if err != nil {
		return provider.CreateResponse[LoadBalancerState]{ID: arn, Outputs: c.lbState(in, lb, nil)}, waitErr("load balancer "+*in.Name+" to be active", err)
	}
	if len(desc.LoadBalancers) > 0 {
		lb = desc.LoadBalancers[0]
	}
	tags, err := c.elbTagsOne(ctx, arn)
	if err != nil {
		return provider.CreateResponse[LoadBalancerState]{ID: arn, Outputs: c.lbState(in, lb, nil)}, err
	}
	return provider.CreateResponse[LoadBalancerState]{ID: arn, Outputs: c.lbState(in, lb, tags)}, nil
}

func (c *clients) lbState(in LoadBalancerArgs, lb elbtypes.LoadBalancer, tags map[string]string) LoadBalancerState {
	s := LoadBalancerState{LoadBalancerArgs: in, ARN: aws.ToString(lb.LoadBalancerArn), DNSName: aws.ToString(lb.DNSName),
		ZoneID: aws.ToString(lb.CanonicalHostedZoneId), VpcID: aws.ToString(lb.VpcId), TagsAll: visibleTags(tags)}
	s.ARNSuffix = arnSuffix(s.ARN, "loadbalancer")
	if lb.State != nil {
		s.State = string(lb.State.Code)
	}
	if s.SecurityGroups == nil {
		s.SecurityGroups = lb.SecurityGroups
	}
	if s.Name == nil {
		s.Name = lb.LoadBalancerName
	}
	return s
}

// describeLB returns the load balancer, or ok false when it does not exist.
func (c *clients) describeLB(ctx context.Context, arn string) (elbtypes.LoadBalancer, bool, error) {
	out, err := c.elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if isCode(err, "LoadBalancerNotFound", "ValidationError") {
		return elbtypes.LoadBalancer{}, false, nil
	}
	if err != nil {
		return elbtypes.LoadBalancer{}, false, fmt.Errorf("describe load balancer %s: %w", arn, err)
	}
	if len(out.LoadBalancers) == 0 {
		return elbtypes.LoadBalancer{}, false, nil
	}
	return out.LoadBalancers[0], true, nil
}

func (r *loadBalancerResource) read(ctx context.Context, c *clients, arn string, old *LoadBalancerArgs) (provider.ReadResponse[LoadBalancerArgs, LoadBalancerState], error) {
	lb, ok, err := c.describeLB(ctx, arn)
	if err != nil || !ok {
		return provider.ReadResponse[LoadBalancerArgs, LoadBalancerState]{}, err
	}
	tags, err := c.elbTagsOne(ctx, arn)
	if err != nil {
		return provider.ReadResponse[LoadBalancerArgs, LoadBalancerState]{}, err
	}
	var in LoadBalancerArgs
	if old != nil {
		in = *old
	}
	in.Name, in.LoadBalancerType = lb.LoadBalancerName, string(lb.Type)
	in.Internal = lb.Scheme == elbtypes.LoadBalancerSchemeEnumInternal
	in.IPAddressType = string(lb.IpAddressType)
	var subnets []string
	for _, az := range lb.AvailabilityZones {
		subnets = append(subnets, aws.ToString(az.SubnetId))
	}
	in.Subnets = sameOrder(subnets, in.Subnets)
	if old == nil || old.SecurityGroups != nil {
		in.SecurityGroups = sameOrder(lb.SecurityGroups, in.SecurityGroups)
	}
	var oldTags map[string]string
	if old != nil {
		oldTags = old.Tags
	}
	in.Tags = c.userTags(tags, oldTags)
	st := c.lbState(in, lb, tags)
	st.SecurityGroups = sameOrder(lb.SecurityGroups, in.SecurityGroups)
	return provider.ReadResponse[LoadBalancerArgs, LoadBalancerState]{ID: arn, Inputs: in, Outputs: st}, nil
}

// Read reads the load balancer for refresh and import.
func (r *loadBalancerResource) Read(ctx context.Context, req provider.ReadRequest[LoadBalancerArgs, LoadBalancerState]) (provider.ReadResponse[LoadBalancerArgs, LoadBalancerState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[LoadBalancerArgs, LoadBalancerState]{}, err
	}
	var old *LoadBalancerArgs
	if !req.Import {
		old = &req.Inputs
	}
	return r.read(ctx, c, req.ID, old)
}

// Lookup finds the load balancer a create made by the idempotency token it was tagged with.
func (r *loadBalancerResource) Lookup(ctx context.Context, req provider.LookupRequest[LoadBalancerArgs]) (provider.ReadResponse[LoadBalancerArgs, LoadBalancerState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[LoadBalancerArgs, LoadBalancerState]{}, err
	}
	lbs, err := c.allLoadBalancers(ctx)
	if err != nil {
		return provider.ReadResponse[LoadBalancerArgs, LoadBalancerState]{}, err
	}
	var arns []string
	for _, lb := range lbs {
		arns = append(arns, aws.ToString(lb.LoadBalancerArn))
	}
	arn, err := c.findELBByToken(ctx, arns, req.IdempotencyToken)
	if err != nil || arn == "" {
		return provider.ReadResponse[LoadBalancerArgs, LoadBalancerState]{}, err
	}
	return r.read(ctx, c, arn, nil)
}

// Update changes subnets, security groups, the IP address type and tags.
func (r *loadBalancerResource) Update(ctx context.Context, req provider.UpdateRequest[LoadBalancerArgs, LoadBalancerState]) (provider.UpdateResponse[LoadBalancerState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[LoadBalancerState]{}, err
	}
	arn, in := req.ID, req.Inputs
	lb, ok, err := c.describeLB(ctx, arn)
	if err != nil {
		return provider.UpdateResponse[LoadBalancerState]{}, err
	}
	if !ok {
		return provider.UpdateResponse[LoadBalancerState]{}, fmt.Errorf("load balancer %s no longer exists: run `infra up --refresh`, which notices it is gone and creates it again", arn)
	}
	var live []string
	for _, az := range lb.AvailabilityZones {
		live = append(live, aws.ToString(az.SubnetId))
	}
	if !sameSet(live, in.Subnets) {
		if _, err := c.elb.SetSubnets(ctx, &elbv2.SetSubnetsInput{LoadBalancerArn: &arn, Subnets: in.Subnets}); err != nil {
			return provider.UpdateResponse[LoadBalancerState]{}, fmt.Errorf("set the subnets of load balancer %s: %w", arn, err)
		}
	}
	if in.SecurityGroups != nil && !sameSet(lb.SecurityGroups, in.SecurityGroups) {
		err := retryOn(ctx, c.log, "SetSecurityGroups", propagation, []string{"InvalidSecurityGroup"}, func() error {
			_, err := c.elb.SetSecurityGroups(ctx, &elbv2.SetSecurityGroupsInput{LoadBalancerArn: &arn, SecurityGroups: in.SecurityGroups})
			return err
		})
		if err != nil {
			return provider.UpdateResponse[LoadBalancerState]{}, fmt.Errorf("set the security groups of load balancer %s: %w", arn, err)
		}
	}
	if string(lb.IpAddressType) != in.IPAddressType {
		if _, err := c.elb.SetIpAddressType(ctx, &elbv2.SetIpAddressTypeInput{LoadBalancerArn: &arn, IpAddressType: elbtypes.IpAddressType(in.IPAddressType)}); err != nil {
			return provider.UpdateResponse[LoadBalancerState]{}, fmt.Errorf("set the IP address type of load balancer %s: %w", arn, err)
		}
	}
	if err := c.syncELBTags(ctx, arn, in.Tags); err != nil {
		return provider.UpdateResponse[LoadBalancerState]{}, err
	}
	resp, err := r.read(ctx, c, arn, &in)
	if err != nil {
		return provider.UpdateResponse[LoadBalancerState]{}, err
	}
	out := resp.Outputs
	out.LoadBalancerArgs = in
	out.SecurityGroups = resp.Outputs.SecurityGroups
	return provider.UpdateResponse[LoadBalancerState]{Outputs: out}, nil
}

// Delete deletes the load balancer (with any listeners left) and waits until it is gone. One that is gone
// already is fine.
func (r *loadBalancerResource) Delete(ctx context.Context, req provider.DeleteRequest[LoadBalancerArgs, LoadBalancerState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	_, err = c.elb.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(req.ID)})
	if isCode(err, "LoadBalancerNotFound") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete load balancer %s: %w", req.ID, err)
	}
	w := elbv2.NewLoadBalancersDeletedWaiter(c.elb, func(o *elbv2.LoadBalancersDeletedWaiterOptions) { c.tuneWaiter(&o.MinDelay, &o.MaxDelay) })
	if err := w.Wait(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{req.ID}}, maxWait(ctx)); err != nil {
		return waitErr("load balancer "+req.ID+" to be deleted", err)
	}
	return nil
}
