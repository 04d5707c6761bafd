package aws

import (
	"context"
	"fmt"
	"regexp"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Filter is an EC2 filter: a name and the values, any of which may match (with * and ? wildcards).
type Filter struct {
	Name   string   `infra:"name" doc:"The filter's name, such as name, architecture or tag:Name (see the EC2 API reference of the call)."`
	Values []string `infra:"values" doc:"The values, any of which may match; * and ? are wildcards."`
}

// Doc describes Filter in the schema.
func (Filter) Doc() string { return "An EC2 API filter." }

func ec2Filters(fs []Filter) []ec2types.Filter {
	var out []ec2types.Filter
	for _, f := range fs {
		out = append(out, ec2types.Filter{Name: aws.String(f.Name), Values: f.Values})
	}
	return out
}

const getAMIDoc = "Finds an Amazon Machine Image: the images of the given owners that pass the filters (and nameRegex), " +
	"the newest first. It fails when none matches, or when several do and mostRecent is false."

// GetAMIArgs are the arguments of aws:ec2:getAmi.
type GetAMIArgs struct {
	Owners     []string `infra:"owners" doc:"The account IDs or aliases (amazon, self, aws-marketplace) that must own the image, such as 099720109477 for Canonical's Ubuntu images."`
	Filters    []Filter `infra:"filters" doc:"The EC2 filters the image must pass, such as {name: name, values: [ubuntu/images/*22.04-amd64-server-*]}."`
	NameRegex  *string  `infra:"nameRegex" doc:"A regular expression (Go syntax) the image's name must match, applied after the filters."`
	MostRecent bool     `infra:"mostRecent" default:"true" doc:"Whether to pick the newest image when several match; false makes several matches an error."`
}

// GetAMIResult is the result of aws:ec2:getAmi.
type GetAMIResult struct {
	ImageID      string `infra:"imageId" doc:"The image's ID (ami-...), what an instance's ami takes."`
	Name         string `infra:"name" doc:"The image's name."`
	Description  string `infra:"description" doc:"The image's description."`
	Architecture string `infra:"architecture" doc:"The architecture: x86_64 or arm64."`
	CreationDate string `infra:"creationDate" doc:"The time the image was created (RFC 3339)."`
	OwnerID      string `infra:"ownerId" doc:"The account that owns the image."`
}

// getAMI implements aws:ec2:getAmi.
func (p *awsProvider) getAMI(ctx context.Context, args GetAMIArgs) (GetAMIResult, error) {
	c, err := p.clients()
	if err != nil {
		return GetAMIResult{}, err
	}
	var re *regexp.Regexp
	if args.NameRegex != nil {
		if re, err = regexp.Compile(*args.NameRegex); err != nil {
			return GetAMIResult{}, fmt.Errorf("nameRegex: %w", err)
		}
	}
	var images []ec2types.Image
	pages := ec2.NewDescribeImagesPaginator(c.ec2, &ec2.DescribeImagesInput{Owners: args.Owners, Filters: ec2Filters(args.Filters)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return GetAMIResult{}, fmt.Errorf("describe images: %w", err)
		}
		for _, im := range out.Images {
			if re == nil || re.MatchString(aws.ToString(im.Name)) {
				images = append(images, im)
			}
		}
	}
	switch {
	case len(images) == 0:
		return GetAMIResult{}, fmt.Errorf("no image matches owners %v and the filters; loosen them", args.Owners)
	case len(images) > 1 && !args.MostRecent:
		return GetAMIResult{}, fmt.Errorf("%d images match; narrow the filters or set mostRecent", len(images))
	}
	sort.SliceStable(images, func(i, j int) bool {
		return aws.ToString(images[i].CreationDate) > aws.ToString(images[j].CreationDate)
	})
	im := images[0]
	return GetAMIResult{ImageID: aws.ToString(im.ImageId), Name: aws.ToString(im.Name), Description: aws.ToString(im.Description),
		Architecture: string(im.Architecture), CreationDate: aws.ToString(im.CreationDate), OwnerID: aws.ToString(im.OwnerId)}, nil
}

const getDefaultVpcDoc = "Returns the region's default VPC and its default subnets (one per availability zone), which an " +
	"application load balancer and instances can use without creating a network."

// GetDefaultVpcArgs are the arguments of aws:ec2:getDefaultVpc (none).
type GetDefaultVpcArgs struct{}

// GetDefaultVpcResult is the result of aws:ec2:getDefaultVpc.
type GetDefaultVpcResult struct {
	VpcID             string   `infra:"vpcId" doc:"The default VPC's ID."`
	CidrBlock         string   `infra:"cidrBlock" doc:"The default VPC's IPv4 range."`
	SubnetIDs         []string `infra:"subnetIds" doc:"The default subnets, in the order of their availability zones."`
	AvailabilityZones []string `infra:"availabilityZones" doc:"The availability zones of subnetIds, in the same order."`
}

// getDefaultVpc implements aws:ec2:getDefaultVpc.
func (p *awsProvider) getDefaultVpc(ctx context.Context, _ GetDefaultVpcArgs) (GetDefaultVpcResult, error) {
	c, err := p.clients()
	if err != nil {
		return GetDefaultVpcResult{}, err
	}
	out, err := c.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	if err != nil {
		return GetDefaultVpcResult{}, fmt.Errorf("find the default VPC: %w", err)
	}
	if len(out.Vpcs) == 0 {
		return GetDefaultVpcResult{}, fmt.Errorf("region %s has no default VPC", c.region)
	}
	v := out.Vpcs[0]
	res := GetDefaultVpcResult{VpcID: aws.ToString(v.VpcId), CidrBlock: aws.ToString(v.CidrBlock)}
	subnets, err := c.subnets(ctx, []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{res.VpcID}},
		{Name: aws.String("default-for-az"), Values: []string{"true"}}})
	if err != nil {
		return GetDefaultVpcResult{}, err
	}
	res.SubnetIDs, res.AvailabilityZones = []string{}, []string{}
	for _, s := range subnets {
		res.SubnetIDs = append(res.SubnetIDs, aws.ToString(s.SubnetId))
		res.AvailabilityZones = append(res.AvailabilityZones, aws.ToString(s.AvailabilityZone))
	}
	return res, nil
}

// subnets lists the subnets that pass filters, ordered by availability zone.
func (c *clients) subnets(ctx context.Context, filters []ec2types.Filter) ([]ec2types.Subnet, error) {
	var out []ec2types.Subnet
	pages := ec2.NewDescribeSubnetsPaginator(c.ec2, &ec2.DescribeSubnetsInput{Filters: filters})
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe subnets: %w", err)
		}
		out = append(out, p.Subnets...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return aws.ToString(out[i].AvailabilityZone) < aws.ToString(out[j].AvailabilityZone)
	})
	return out, nil
}

const getSubnetsDoc = "Lists the subnets of a VPC (or of every VPC) that pass the filters, ordered by availability zone."

// GetSubnetsArgs are the arguments of aws:ec2:getSubnets.
type GetSubnetsArgs struct {
	VpcID   *string  `infra:"vpcId" doc:"The VPC whose subnets to list. Unset: every VPC's."`
	Filters []Filter `infra:"filters" doc:"The EC2 filters the subnets must pass, such as {name: tag:Tier, values: [public]}."`
}

// GetSubnetsResult is the result of aws:ec2:getSubnets.
type GetSubnetsResult struct {
	IDs               []string `infra:"ids" doc:"The subnets' IDs."`
	AvailabilityZones []string `infra:"availabilityZones" doc:"The availability zone of each subnet, in the same order."`
	CidrBlocks        []string `infra:"cidrBlocks" doc:"The IPv4 range of each subnet, in the same order."`
}

// getSubnets implements aws:ec2:getSubnets.
func (p *awsProvider) getSubnets(ctx context.Context, args GetSubnetsArgs) (GetSubnetsResult, error) {
	c, err := p.clients()
	if err != nil {
		return GetSubnetsResult{}, err
	}
	filters := ec2Filters(args.Filters)
	if args.VpcID != nil {
		filters = append(filters, ec2types.Filter{Name: aws.String("vpc-id"), Values: []string{*args.VpcID}})
	}
	subnets, err := c.subnets(ctx, filters)
	if err != nil {
		return GetSubnetsResult{}, err
	}
	res := GetSubnetsResult{IDs: []string{}, AvailabilityZones: []string{}, CidrBlocks: []string{}}
	for _, s := range subnets {
		res.IDs = append(res.IDs, aws.ToString(s.SubnetId))
		res.AvailabilityZones = append(res.AvailabilityZones, aws.ToString(s.AvailabilityZone))
		res.CidrBlocks = append(res.CidrBlocks, aws.ToString(s.CidrBlock))
	}
	return res, nil
}
