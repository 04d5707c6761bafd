package aws

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/infrago/infra/sdk/provider"
)

const targetGroupDoc = "An Elastic Load Balancing v2 target group: where a listener sends traffic, and how the load balancer " +
	"checks that its targets are healthy. Changing the health check or tags updates it in place; changing its name, " +
	"port, protocol, VPC or target type replaces it. Register targets with aws:lb:TargetGroupAttachment. Import it " +
	"by its ARN."

// HealthCheck is the health check of aws:lb:TargetGroup. Every field is optional; an unset one takes the
// load balancer's default for the group's protocol.
type HealthCheck struct {
	Enabled            *bool   `infra:"enabled" doc:"Whether targets are checked (default true)."`
	Path               *string `infra:"path" doc:"The HTTP path checked (HTTP and HTTPS groups; default /)."`
	Port               *string `infra:"port" doc:"The port checked: a number, or traffic-port (the default) for the port traffic goes to."`
	Protocol           *string `infra:"protocol" doc:"The protocol of the check: HTTP, HTTPS or TCP (default: the group's protocol, TCP for TCP, TLS and UDP groups)."`
	Interval           *int    `infra:"interval" doc:"The seconds between checks, 5 to 300 (default 30)."`
	Timeout            *int    `infra:"timeout" doc:"The seconds without an answer that fail a check, 2 to 120 and less than interval (default 5 for HTTP, 10 otherwise)."`
	HealthyThreshold   *int    `infra:"healthyThreshold" doc:"The number of consecutive passed checks that make a target healthy, 2 to 10 (default 5)."`
	UnhealthyThreshold *int    `infra:"unhealthyThreshold" doc:"The number of consecutive failed checks that make a target unhealthy, 2 to 10 (default 2)."`
	Matcher            *string `infra:"matcher" doc:"The HTTP codes that pass, such as 200 or 200-299 (HTTP and HTTPS groups; default 200)."`
}

// Doc describes HealthCheck in the schema.
func (HealthCheck) Doc() string {
	return "The health check of a target group: how its load balancer checks that targets can take traffic."
}

// TargetGroupArgs are the inputs of aws:lb:TargetGroup.
type TargetGroupArgs struct {
	Name *string `infra:"name,replace" doc:"The group's name: up to 32 letters, digits and hyphens, unique in the region. Unset: the resource's name cut to fit, with a random suffix. A change replaces the group."`

	Port int `infra:"port,replace" doc:"The port targets receive traffic on (unless a target's attachment names another). A change replaces the group."`

	Protocol string `infra:"protocol,replace" default:"HTTP" doc:"The protocol of the traffic: HTTP or HTTPS (for application load balancers), TCP, TLS, UDP or TCP_UDP (for network load balancers). A change replaces the group."`

	VpcID *string `infra:"vpcId,replace" doc:"The VPC of the targets. Unset: the region's default VPC. A change replaces the group."`

	TargetType string `infra:"targetType,replace" default:"instance" doc:"The kind of targets: instance (targets are instance IDs) or ip (targets are addresses). A change replaces the group."`

	HealthCheck *HealthCheck `infra:"healthCheck" doc:"The health check of the targets. A change updates the group in place."`

	Tags map[string]string `infra:"tags" doc:"The tags of the group. The provider's default tags are added."`
}

// TargetGroupState are the outputs of aws:lb:TargetGroup.
type TargetGroupState struct {
	TargetGroupArgs
	ARN       string            `infra:"arn" doc:"The group's ARN (also its ID)."`
	ARNSuffix string            `infra:"arnSuffix" doc:"The ARN's last part (targetgroup/<name>/<id>), as CloudWatch metrics name it."`
	TagsAll   map[string]string `infra:"tagsAll" doc:"The tags of the group: its own tags and the provider's default tags together."`
}

type targetGroupResource struct{ p *awsProvider }

var tgProtocols = map[string]bool{"HTTP": true, "HTTPS": true, "TCP": true, "TLS": true, "UDP": true, "TCP_UDP": true}

// Check names an unnamed group and validates choices.
func (r *targetGroupResource) Check(_ context.Context, req provider.CheckRequest[TargetGroupArgs]) (TargetGroupArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := nameIfUnset(&in.Name, req.OldInputs.Name, req, maxELBName, func() bool {
		return replacesWith(req.OldInputs, in, "vpcId")
	}); err != nil {
		return in, nil, err
	}
	var fs []provider.CheckFailure
	if f := checkELBName(*in.Name); f != "" {
		fs = append(fs, provider.CheckFailure{Property: "name", Reason: f})
	}
	if in.Port < 1 || in.Port > 65535 {
		fs = append(fs, provider.CheckFailure{Property: "port", Reason: fmt.Sprintf("port %d is not between 1 and 65535", in.Port)})
	}
	if !tgProtocols[in.Protocol] {
		fs = append(fs, provider.CheckFailure{Property: "protocol", Reason: fmt.Sprintf("%q is not HTTP, HTTPS, TCP, TLS, UDP or TCP_UDP", in.Protocol)})
	}
	if in.TargetType != "instance" && in.TargetType != "ip" {
		fs = append(fs, provider.CheckFailure{Property: "targetType", Reason: fmt.Sprintf("%q is not instance or ip", in.TargetType)})
	}
	if hc := in.HealthCheck; hc != nil {
		full := healthCheckFor(in.Protocol, hc)
		if *full.Timeout >= *full.Interval {
			fs = append(fs, provider.CheckFailure{Property: "healthCheck.timeout", Reason: fmt.Sprintf("timeout %d must be less than interval %d", *full.Timeout, *full.Interval)})
		}
	}
	return in, fs, nil
}

// Diff treats an unset name or vpcId as unchanged.
func (r *targetGroupResource) Diff(_ context.Context, req provider.DiffRequest[TargetGroupArgs, TargetGroupState]) (provider.DiffResponse, error) {
	return provider.DiffStructs(req.OldInputs, req.Inputs, "name", "vpcId")
}

// healthCheckFor is the complete health check a group of protocol gets: hc over the defaults.
func healthCheckFor(protocol string, hc *HealthCheck) HealthCheck {
	http := protocol == "HTTP" || protocol == "HTTPS"
	full := HealthCheck{Enabled: aws.Bool(true), Port: aws.String("traffic-port"), Interval: aws.Int(30),
		HealthyThreshold: aws.Int(5), UnhealthyThreshold: aws.Int(2)}
	if http {
		full.Protocol, full.Path, full.Matcher, full.Timeout = aws.String(protocol), aws.String("/"), aws.String("200"), aws.Int(5)
	} else {
		full.Protocol, full.Timeout = aws.String("TCP"), aws.Int(10)
	}
	if hc == nil {
		return full
	}
	for _, f := range []struct{ dst, src **string }{{&full.Path, &hc.Path}, {&full.Port, &hc.Port}, {&full.Protocol, &hc.Protocol}, {&full.Matcher, &hc.Matcher}} {
		if *f.src != nil {
			*f.dst = *f.src
		}
	}
	for _, f := range []struct{ dst, src **int }{{&full.Interval, &hc.Interval}, {&full.Timeout, &hc.Timeout},
		{&full.HealthyThreshold, &hc.HealthyThreshold}, {&full.UnhealthyThreshold, &hc.UnhealthyThreshold}} {
		if *f.src != nil {
			*f.dst = *f.src
		}
	}
	if hc.Enabled != nil {
		full.Enabled = hc.Enabled
	}
	return full
}

// defaultVpcID returns the ID of the region's default VPC.
func (c *clients) defaultVpcID(ctx context.Context) (string, error) {
	out, err := c.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	if err != nil {
		return "", fmt.Errorf("find the default VPC: %w", err)
	}
	if len(out.Vpcs) == 0 {
		return "", fmt.Errorf("the region has no default VPC: set vpcId")
	}
	return aws.ToString(out.Vpcs[0].VpcId), nil
}

// Create creates the group. CreateTargetGroup returns an existing group of the same name and settings, so a
// create repeated after a lost answer makes nothing twice.
func (r *targetGroupResource) Create(ctx context.Context, req provider.CreateRequest[TargetGroupArgs]) (provider.CreateResponse[TargetGroupState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.CreateResponse[TargetGroupState]{}, err
	}
	in := req.Inputs
	if in.Name == nil {
		n, err := autoName(req.URN, maxELBName)
		if err != nil {
			return provider.CreateResponse[TargetGroupState]{}, err
		}
		in.Name = &n
	}
	vpc := str(in.VpcID)
	if vpc == "" {
		if vpc, err = c.defaultVpcID(ctx); err != nil {
			return provider.CreateResponse[TargetGroupState]{}, err
		}
	}
	hc := healthCheckFor(in.Protocol, in.HealthCheck)
	input := &elbv2.CreateTargetGroupInput{Name: in.Name, Port: aws.Int32(int32(in.Port)), Protocol: elbtypes.ProtocolEnum(in.Protocol),
		VpcId: aws.String(vpc), TargetType: elbtypes.TargetTypeEnum(in.TargetType),
		HealthCheckEnabled: hc.Enabled, HealthCheckPath: hc.Path, HealthCheckPort: hc.Port,
		HealthCheckProtocol: elbtypes.ProtocolEnum(str(hc.Protocol)), HealthCheckIntervalSeconds: i32(hc.Interval),
		HealthCheckTimeoutSeconds: i32(hc.Timeout), HealthyThresholdCount: i32(hc.HealthyThreshold),
		UnhealthyThresholdCount: i32(hc.UnhealthyThreshold),
		Tags:                    elbTags(c.createTags(req.URN, req.IdempotencyToken, in.Tags))}
	if hc.Matcher != nil {
		input.Matcher = &elbtypes.Matcher{HttpCode: hc.Matcher}
	}
	out, err := c.elb.CreateTargetGroup(ctx, input)
	if err != nil {
		return provider.CreateResponse[TargetGroupState]{}, fmt.Errorf("create target group %q: %w", *in.Name, err)
	}
	if len(out.TargetGroups) == 0 {
		return provider.CreateResponse[TargetGroupState]{}, fmt.Errorf("create target group %q: AWS answered with no target group", *in.Name)
	}
	tg := out.TargetGroups[0]
	arn := aws.ToString(tg.TargetGroupArn)
	// Wait until the new group is visible to every call, so that what comes next (a listener, a refresh, a
	// delete) does not find it missing.
	var tags map[string]string
	err = retryOn(ctx, c.log, "DescribeTags", propagation, []string{"TargetGroupNotFound"}, func() error {
		var err error
		tags, err = c.elbTagsOne(ctx, arn)
		return err
	})
	if err != nil {
		return provider.CreateResponse[TargetGroupState]{ID: arn, Outputs: c.tgState(in, tg, nil)}, err
	}
	return provider.CreateResponse[TargetGroupState]{ID: arn, Outputs: c.tgState(in, tg, tags)}, nil
}

func i32(p *int) *int32 {
	if p == nil {
		return nil
	}
	v := int32(*p)
	return &v
}

func (c *clients) tgState(in TargetGroupArgs, tg elbtypes.TargetGroup, tags map[string]string) TargetGroupState {
	// The outputs hold the complete health check AWS applied, defaults included.
	live := liveHealthCheck(tg)
	s := TargetGroupState{TargetGroupArgs: in, ARN: aws.ToString(tg.TargetGroupArn), TagsAll: visibleTags(tags)}
	s.HealthCheck = &live
	s.ARNSuffix = arnSuffix(s.ARN, "targetgroup")
	if s.VpcID == nil {
		s.VpcID = tg.VpcId
	}
	if s.Name == nil {
		s.Name = tg.TargetGroupName
	}
	return s
}

// liveHealthCheck is the health check AWS reports.
func liveHealthCheck(tg elbtypes.TargetGroup) HealthCheck {
	hc := HealthCheck{Enabled: tg.HealthCheckEnabled, Path: tg.HealthCheckPath, Port: tg.HealthCheckPort,
		Protocol: optStr(string(tg.HealthCheckProtocol))}
	toInt := func(p *int32) *int {
		if p == nil {
			return nil
		}
		v := int(*p)
		return &v
	}
	hc.Interval, hc.Timeout = toInt(tg.HealthCheckIntervalSeconds), toInt(tg.HealthCheckTimeoutSeconds)
	hc.HealthyThreshold, hc.UnhealthyThreshold = toInt(tg.HealthyThresholdCount), toInt(tg.UnhealthyThresholdCount)
	if tg.Matcher != nil {
		hc.Matcher = tg.Matcher.HttpCode
	}
	return hc
}

// readHealthCheck keeps of the live health check the fields old sets (all of them when old is nil).
func readHealthCheck(live HealthCheck, old *HealthCheck) *HealthCheck {
	if old == nil {
		return &live
	}
	out := *old
	for _, f := range []struct{ dst, src **string }{{&out.Path, &live.Path}, {&out.Port, &live.Port}, {&out.Protocol, &live.Protocol}, {&out.Matcher, &live.Matcher}} {
		if *f.dst != nil {
			*f.dst = *f.src
		}
	}
	for _, f := range []struct{ dst, src **int }{{&out.Interval, &live.Interval}, {&out.Timeout, &live.Timeout},
		{&out.HealthyThreshold, &live.HealthyThreshold}, {&out.UnhealthyThreshold, &live.UnhealthyThreshold}} {
		if *f.dst != nil {
			*f.dst = *f.src
		}
	}
	if out.Enabled != nil {
		out.Enabled = live.Enabled
	}
	return &out
}

// describeTG returns the target group, or ok false when it does not exist.
func (c *clients) describeTG(ctx context.Context, arn string) (elbtypes.TargetGroup, bool, error) {
	out, err := c.elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}})
	if isCode(err, "TargetGroupNotFound", "ValidationError") {
		return elbtypes.TargetGroup{}, false, nil
	}
	if err != nil {
		return elbtypes.TargetGroup{}, false, fmt.Errorf("describe target group %s: %w", arn, err)
	}
	if len(out.TargetGroups) == 0 {
		return elbtypes.TargetGroup{}, false, nil
	}
	return out.TargetGroups[0], true, nil
}

func (r *targetGroupResource) read(ctx context.Context, c *clients, arn string, old *TargetGroupArgs) (provider.ReadResponse[TargetGroupArgs, TargetGroupState], error) {
	tg, ok, err := c.describeTG(ctx, arn)
	if err != nil || !ok {
		return provider.ReadResponse[TargetGroupArgs, TargetGroupState]{}, err
	}
	tags, err := c.elbTagsOne(ctx, arn)
	if err != nil {
		return provider.ReadResponse[TargetGroupArgs, TargetGroupState]{}, err
	}
	var in TargetGroupArgs
	if old != nil {
		in = *old
	}
	in.Name, in.Port, in.Protocol = tg.TargetGroupName, int(aws.ToInt32(tg.Port)), string(tg.Protocol)
	in.TargetType = string(tg.TargetType)
	if old == nil || old.VpcID != nil {
		in.VpcID = tg.VpcId
	}
	live := liveHealthCheck(tg)
	switch {
	case old == nil:
		in.HealthCheck = &live
	case old.HealthCheck != nil:
		in.HealthCheck = readHealthCheck(live, old.HealthCheck)
	}
	var oldTags map[string]string
	if old != nil {
		oldTags = old.Tags
	}
	in.Tags = c.userTags(tags, oldTags)
	st := c.tgState(in, tg, tags)
	return provider.ReadResponse[TargetGroupArgs, TargetGroupState]{ID: arn, Inputs: in, Outputs: st}, nil
}

// Read reads the group for refresh and import.
func (r *targetGroupResource) Read(ctx context.Context, req provider.ReadRequest[TargetGroupArgs, TargetGroupState]) (provider.ReadResponse[TargetGroupArgs, TargetGroupState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[TargetGroupArgs, TargetGroupState]{}, err
	}
	var old *TargetGroupArgs
	if !req.Import {
		old = &req.Inputs
	}
	return r.read(ctx, c, req.ID, old)
}

// Lookup finds the group a create made by the idempotency token it was tagged with.
func (r *targetGroupResource) Lookup(ctx context.Context, req provider.LookupRequest[TargetGroupArgs]) (provider.ReadResponse[TargetGroupArgs, TargetGroupState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.ReadResponse[TargetGroupArgs, TargetGroupState]{}, err
	}
	var arns []string
	pages := elbv2.NewDescribeTargetGroupsPaginator(c.elb, &elbv2.DescribeTargetGroupsInput{})
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			return provider.ReadResponse[TargetGroupArgs, TargetGroupState]{}, fmt.Errorf("list target groups: %w", err)
		}
		for _, tg := range p.TargetGroups {
			arns = append(arns, aws.ToString(tg.TargetGroupArn))
		}
	}
	arn, err := c.findELBByToken(ctx, arns, req.IdempotencyToken)
	if err != nil || arn == "" {
		return provider.ReadResponse[TargetGroupArgs, TargetGroupState]{}, err
	}
	return r.read(ctx, c, arn, nil)
}

// Update changes the health check and tags.
func (r *targetGroupResource) Update(ctx context.Context, req provider.UpdateRequest[TargetGroupArgs, TargetGroupState]) (provider.UpdateResponse[TargetGroupState], error) {
	c, err := r.p.clients()
	if err != nil {
		return provider.UpdateResponse[TargetGroupState]{}, err
	}
	arn, in := req.ID, req.Inputs
	tg, ok, err := c.describeTG(ctx, arn)
	if err != nil {
		return provider.UpdateResponse[TargetGroupState]{}, err
	}
	if !ok {
		return provider.UpdateResponse[TargetGroupState]{}, fmt.Errorf("target group %s no longer exists: run `infra up --refresh`, which notices it is gone and creates it again", arn)
	}
	want := healthCheckFor(in.Protocol, in.HealthCheck)
	if live := liveHealthCheck(tg); !sameHealthCheck(live, want) {
		input := &elbv2.ModifyTargetGroupInput{TargetGroupArn: &arn, HealthCheckEnabled: want.Enabled, HealthCheckPath: want.Path,
			HealthCheckPort: want.Port, HealthCheckProtocol: elbtypes.ProtocolEnum(str(want.Protocol)),
			HealthCheckIntervalSeconds: i32(want.Interval), HealthCheckTimeoutSeconds: i32(want.Timeout),
			HealthyThresholdCount: i32(want.HealthyThreshold), UnhealthyThresholdCount: i32(want.UnhealthyThreshold)}
		if want.Matcher != nil {
			input.Matcher = &elbtypes.Matcher{HttpCode: want.Matcher}
		}
		if _, err := c.elb.ModifyTargetGroup(ctx, input); err != nil {
			return provider.UpdateResponse[TargetGroupState]{}, fmt.Errorf("change the health check of target group %s: %w", arn, err)
		}
	}
	if err := c.syncELBTags(ctx, arn, in.Tags); err != nil {
		return provider.UpdateResponse[TargetGroupState]{}, err
	}
	resp, err := r.read(ctx, c, arn, &in)
	if err != nil {
		return provider.UpdateResponse[TargetGroupState]{}, err
	}
	out := resp.Outputs
	out.TargetGroupArgs = in
	out.HealthCheck = resp.Outputs.HealthCheck
	return provider.UpdateResponse[TargetGroupState]{Outputs: out}, nil
}

func sameHealthCheck(a, b HealthCheck) bool {
	eqS := func(x, y *string) bool { return str(x) == str(y) }
	eqI := func(x, y *int) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return aws.ToBool(a.Enabled) == aws.ToBool(b.Enabled) && eqS(a.Path, b.Path) && eqS(a.Port, b.Port) &&
		eqS(a.Protocol, b.Protocol) && eqS(a.Matcher, b.Matcher) && eqI(a.Interval, b.Interval) && eqI(a.Timeout, b.Timeout) &&
		eqI(a.HealthyThreshold, b.HealthyThreshold) && eqI(a.UnhealthyThreshold, b.UnhealthyThreshold)
}

// Delete deletes the group, waiting while a listener that is going away still uses it. One that is gone
// already is fine.
func (r *targetGroupResource) Delete(ctx context.Context, req provider.DeleteRequest[TargetGroupArgs, TargetGroupState]) error {
	c, err := r.p.clients()
	if err != nil {
		return err
	}
	err = retryOn(ctx, c.log, "DeleteTargetGroup", maxWait(ctx), []string{"ResourceInUse"}, func() error {
		_, err := c.elb.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(req.ID)})
		return err
	})
	if err != nil && !isCode(err, "TargetGroupNotFound") {
		return fmt.Errorf("delete target group %s: %w", req.ID, err)
	}
	return nil
}
