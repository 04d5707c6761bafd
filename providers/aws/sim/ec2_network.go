package sim

import (
	"fmt"
	"sort"
)

func (s *Server) vpcXML(v *vpc) ec2Vpc {
	return ec2Vpc{VpcID: v.id, OwnerID: s.opts.AccountID, State: "available", CidrBlock: v.cidr, InstanceTenancy: "default",
		IsDefault: v.isDefault, Tags: ec2Tags(v.tags)}
}

// describeVpcs implements DescribeVpcs: VpcId.N, Filter (vpc-id, is-default, isDefault, cidr, state, tags).
func (s *Server) describeVpcs(r *request) (any, *apiError) {
	ids, err := r.p.strings("VpcId")
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	fs, aerr := parseFilters(r.p)
	if aerr != nil {
		return nil, aerr
	}
	max, aerr := maxResults(r.p)
	if aerr != nil {
		return nil, aerr
	}
	for _, id := range ids {
		if _, ok := s.st.vpcs[id]; !ok {
			return nil, badRequest("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
		}
	}
	var match []*vpc
	for _, v := range bySeq(s.st.vpcs, func(v *vpc) int { return v.seq }) {
		if len(ids) > 0 && !contains(ids, v.id) {
			continue
		}
		ok, aerr := matchFilters(fs, withTags(v.tags, func(name string) ([]string, bool) {
			switch name {
			case "vpc-id":
				return one(v.id), true
			case "is-default", "isDefault":
				return boolStr(v.isDefault), true
			case "cidr", "cidr-block-association.cidr-block":
				return one(v.cidr), true
			case "state":
				return one("available"), true
			case "owner-id":
				return one(s.opts.AccountID), true
			}
			return nil, false
		}))
		if aerr != nil {
			return nil, aerr
		}
		if ok {
			match = append(match, v)
		}
	}
	items, next, ok := page(match, func(v *vpc) int { return v.seq }, r.p.get("NextToken"), s.pageSize(max, 1000))
	if !ok {
		return nil, badToken()
	}
	out := ec2DescribeVpcsResult{NextToken: next}
	for _, v := range items {
		out.Vpcs = append(out.Vpcs, s.vpcXML(v))
	}
	return out, nil
}

func (s *Server) subnetXML(sn *subnet) ec2Subnet {
	return ec2Subnet{SubnetID: sn.id, OwnerID: s.opts.AccountID, State: "available", VpcID: sn.vpcID, CidrBlock: sn.cidr,
		SubnetArn:               fmt.Sprintf("arn:aws:ec2:%s:%s:subnet/%s", s.opts.Region, s.opts.AccountID, sn.id),
		AvailableIPAddressCount: 4091, AvailabilityZone: sn.az, DefaultForAz: sn.defaultForAZ, MapPublicIPOnLaunch: sn.mapPublicIP,
		Tags: ec2Tags(sn.tags)}
}

// describeSubnets implements DescribeSubnets: SubnetId.N, Filter (vpc-id, subnet-id, availability-zone,
// default-for-az, defaultForAz, cidr-block, state, tags).
func (s *Server) describeSubnets(r *request) (any, *apiError) {
	ids, err := r.p.strings("SubnetId")
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	fs, aerr := parseFilters(r.p)
	if aerr != nil {
		return nil, aerr
	}
	max, aerr := maxResults(r.p)
	if aerr != nil {
		return nil, aerr
	}
	for _, id := range ids {
		if _, ok := s.st.subnets[id]; !ok {
			return nil, badRequest("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
		}
	}
	var match []*subnet
	for _, sn := range bySeq(s.st.subnets, func(sn *subnet) int { return sn.seq }) {
		if len(ids) > 0 && !contains(ids, sn.id) {
			continue
		}
		ok, aerr := matchFilters(fs, withTags(sn.tags, func(name string) ([]string, bool) {
			switch name {
			case "vpc-id", "vpcId":
				return one(sn.vpcID), true
			case "subnet-id", "subnetId":
				return one(sn.id), true
			case "availability-zone", "availabilityZone":
				return one(sn.az), true
			case "default-for-az", "defaultForAz":
				return boolStr(sn.defaultForAZ), true
			case "cidr-block", "cidrBlock", "cidr":
				return one(sn.cidr), true
			case "map-public-ip-on-launch":
				return boolStr(sn.mapPublicIP), true
			case "state":
				return one("available"), true
			case "owner-id":
				return one(s.opts.AccountID), true
			}
			return nil, false
		}))
		if aerr != nil {
			return nil, aerr
		}
		if ok {
			match = append(match, sn)
		}
	}
	items, next, ok := page(match, func(sn *subnet) int { return sn.seq }, r.p.get("NextToken"), s.pageSize(max, 1000))
	if !ok {
		return nil, badToken()
	}
	out := ec2DescribeSubnetsResult{NextToken: next}
	for _, sn := range items {
		out.Subnets = append(out.Subnets, s.subnetXML(sn))
	}
	return out, nil
}

// describeImages implements DescribeImages: ImageId.N, Owner.N (an account ID, "amazon" or "self"),
// ExecutableBy.N (ignored: every image is public), Filter (name, image-id, architecture, owner-id,
// owner-alias, state, is-public, root-device-type, virtualization-type), MaxResults and NextToken. Images are
// listed newest first.
func (s *Server) describeImages(r *request) (any, *apiError) {
	ids, err := r.p.strings("ImageId")
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	owners, err := r.p.strings("Owner")
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	fs, aerr := parseFilters(r.p)
	if aerr != nil {
		return nil, aerr
	}
	max, aerr := maxResults(r.p)
	if aerr != nil {
		return nil, aerr
	}
	for _, id := range ids {
		if _, ok := s.st.images[id]; !ok {
			return nil, badRequest("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", id)
		}
	}
	var match []*image
	for _, im := range bySeq(s.st.images, func(im *image) int { return im.seq }) {
		if len(ids) > 0 && !contains(ids, im.id) {
			continue
		}
		if len(owners) > 0 && !contains(owners, im.owner) && !(im.ownerAlias != "" && contains(owners, im.ownerAlias)) {
			continue
		}
		ok, aerr := matchFilters(fs, func(name string) ([]string, bool) {
			switch name {
			case "name":
				return one(im.name), true
			case "image-id":
				return one(im.id), true
			case "architecture":
				return one(im.arch), true
			case "owner-id":
				return one(im.owner), true
			case "owner-alias":
				return one(im.ownerAlias), true
			case "state":
				return one("available"), true
			case "is-public":
				return boolStr(true), true
			case "root-device-type":
				return one("ebs"), true
			case "virtualization-type":
				return one("hvm"), true
			case "image-type":
				return one("machine"), true
			case "description":
				return one(im.description), true
			}
			return nil, false
		})
		if aerr != nil {
			return nil, aerr
		}
		if ok {
			match = append(match, im)
		}
	}
	items, next, ok := page(match, func(im *image) int { return im.seq }, r.p.get("NextToken"), s.pageSize(max, 1000))
	if !ok {
		return nil, badToken()
	}
	out := ec2DescribeImagesResult{NextToken: next}
	for _, im := range items {
		out.Images = append(out.Images, ec2Image{ImageID: im.id, ImageLocation: im.owner + "/" + im.name, ImageState: "available",
			ImageOwnerID: im.owner, CreationDate: im.created, IsPublic: true, Architecture: im.arch, ImageType: "machine",
			ImageOwnerAlias: im.ownerAlias, Name: im.name, Description: im.description, RootDeviceType: "ebs",
			RootDeviceName: "/dev/sda1", VirtualizationType: "hvm", Hypervisor: "xen", EnaSupport: true})
	}
	// AWS does not promise an order; newest first is what callers that pick "the most recent" expect to
	// handle, and they must sort themselves anyway.
	sort.SliceStable(out.Images, func(i, j int) bool { return out.Images[i].CreationDate > out.Images[j].CreationDate })
	return out, nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
