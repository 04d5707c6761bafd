package sim

import (
	"fmt"
	"strings"
)

func (s *Server) lbXML(lb *loadBalancer) elbLoadBalancer {
	x := elbLoadBalancer{LoadBalancerArn: lb.arn, DNSName: lb.dns, CanonicalHostedZoneID: lb.zoneID,
		CreatedTime: lb.created.UTC().Format(elbTime), LoadBalancerName: lb.name, Scheme: lb.scheme, VpcID: lb.vpcID,
		State: elbState{Code: lb.state}, Type: lb.typ, SecurityGroups: lb.groups, IPAddressType: lb.ipType}
	x.AvailabilityZones = s.azsOf(lb.subnets)
	return x
}

func (s *Server) azsOf(subnets []string) []elbAZ {
	var out []elbAZ
	for _, id := range subnets {
		az := ""
		if sn, ok := s.st.subnets[id]; ok {
			az = sn.az
		}
		out = append(out, elbAZ{ZoneName: az, SubnetID: id})
	}
	return out
}

// checkSubnets validates a load balancer's subnets: they exist, share a VPC, and (for an application load
// balancer) cover at least two availability zones, one subnet each.
func (s *Server) checkSubnets(typ string, ids []string) (string, *apiError) {
	if len(ids) == 0 {
		return "", validationError("At least one subnet must be specified")
	}
	vpcID := ""
	azs := map[string]bool{}
	for _, id := range ids {
		sn, ok := s.st.subnets[id]
		if !ok {
			return "", badRequest("SubnetNotFound", "The subnet ID '%s' is not valid", id)
		}
		if vpcID != "" && sn.vpcID != vpcID {
			return "", badRequest("InvalidConfigurationRequest", "The subnets must all be in the same VPC")
		}
		if azs[sn.az] {
			return "", badRequest("InvalidConfigurationRequest", "A load balancer cannot be attached to multiple subnets in the same Availability Zone")
		}
		vpcID, azs[sn.az] = sn.vpcID, true
	}
	if typ == "application" && len(azs) < 2 {
		return "", validationError("At least two subnets in two different Availability Zones must be specified")
	}
	return vpcID, nil
}

// checkGroups validates security group IDs for a load balancer in vpcID.
func (s *Server) checkGroups(r *request, vpcID string, ids []string) *apiError {
	for _, id := range ids {
		g, ok := s.st.groups[id]
		if !ok || !g.visible(r.now) {
			return badRequest("InvalidSecurityGroup", "Security group '%s' does not exist", id)
		}
		if g.vpcID != vpcID {
			return badRequest("InvalidSecurityGroup", "Security group '%s' is not in VPC '%s'", id, vpcID)
		}
	}
	return nil
}

// createLoadBalancer implements CreateLoadBalancer: Name, Subnets.member.N, SecurityGroups.member.N, Scheme,
// Type, IpAddressType, Tags.member.N. Creating a load balancer that exists with the same name and settings
// returns it, as AWS does; different settings are DuplicateLoadBalancerName.
func (s *Server) createLoadBalancer(r *request) (any, *apiError) {
	p := r.p
	name := p.get("Name")
	if name == "" {
		return nil, validationError("Name is required")
	}
	if !elbNamePattern.MatchString(name) || strings.HasPrefix(name, "internal-") {
		return nil, validationError("The load balancer name '%s' is not valid: use up to 32 letters, digits and hyphens, not starting or ending with a hyphen or starting with 'internal-'", name)
	}
	typ := p.get("Type")
	if typ == "" {
		typ = "application"
	}
	if typ != "application" && typ != "network" {
		return nil, validationError("Load balancer type '%s' is not valid (the simulator knows application and network)", typ)
	}
	scheme := p.get("Scheme")
	if scheme == "" {
		scheme = "internet-facing"
	}
	if scheme != "internet-facing" && scheme != "internal" {
		return nil, validationError("Scheme '%s' is not valid", scheme)
	}
	ipType := p.get("IpAddressType")
	if ipType == "" {
		ipType = "ipv4"
	}
	if ipType != "ipv4" && ipType != "dualstack" {
		return nil, validationError("IP address type '%s' is not valid", ipType)
	}
	subnets, err := p.strings("Subnets.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	groups, err := p.strings("SecurityGroups.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	vpcID, aerr := s.checkSubnets(typ, subnets)
	if aerr != nil {
		return nil, aerr
	}
	if typ == "application" && len(groups) == 0 {
		if g := s.st.defaultGroup(vpcID); g != nil {
			groups = []string{g.id}
		}
	}
	if aerr := s.checkGroups(r, vpcID, groups); aerr != nil {
		return nil, aerr
	}
	tags, aerr := parseELBTags(p)
	if aerr != nil {
		return nil, aerr
	}
	for _, lb := range s.st.lbs {
		if lb.name != name {
			continue
		}
		if lb.typ == typ && lb.scheme == scheme && sameSet(lb.subnets, subnets) {
			return elbLoadBalancersResult{LoadBalancers: []elbLoadBalancer{s.lbXML(lb)}}, nil
		}
		return nil, badRequest("DuplicateLoadBalancerName", "A load balancer with the name '%s' already exists", name)
	}
	if len(s.st.lbs) >= 50 {
		return nil, badRequest("TooManyLoadBalancers", "The quota for the number of load balancers (50) has been reached")
	}
	kind := "app"
	if typ == "network" {
		kind = "net"
	}
	id := randomHex(16)
	lb := &loadBalancer{object: s.st.newObject(r.now, r.window),
		arn:  fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/%s/%s/%s", s.opts.Region, s.opts.AccountID, kind, name, id),
		name: name, typ: typ, scheme: scheme, ipType: ipType, vpcID: vpcID, state: "provisioning",
		subnets: subnets, groups: groups, tags: tags, created: r.now, until: r.now.Add(s.timing.LoadBalancerActive),
		zoneID: canonicalZone(s.opts.Region, typ)}
	prefix := ""
	if scheme == "internal" {
		prefix = "internal-"
	}
	if typ == "network" {
		lb.dns = fmt.Sprintf("%s%s-%s.elb.%s.amazonaws.com", prefix, name, randomHex(16), s.opts.Region)
	} else {
		lb.dns = fmt.Sprintf("%s%s-%d.%s.elb.amazonaws.com", prefix, name, 1000000000+int(lb.seq)*7919%899999999, s.opts.Region)
	}
	s.st.lbs[lb.arn] = lb
	return elbLoadBalancersResult{LoadBalancers: []elbLoadBalancer{s.lbXML(lb)}}, nil
}

// describeLoadBalancers implements DescribeLoadBalancers: LoadBalancerArns.member.N or Names.member.N, Marker,
// PageSize.
func (s *Server) describeLoadBalancers(r *request) (any, *apiError) {
	arns, err := r.p.strings("LoadBalancerArns.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	names, err := r.p.strings("Names.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	if len(arns) > 0 && len(names) > 0 {
		return nil, validationError("Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	size, aerr := s.elbPageSize(r.p)
	if aerr != nil {
		return nil, aerr
	}
	for _, arn := range arns {
		if lb, ok := s.st.lbs[arn]; !ok || !lb.visible(r.now) {
			return nil, lbNotFound(arn)
		}
	}
	var match []*loadBalancer
	for _, lb := range bySeq(s.st.lbs, func(lb *loadBalancer) int { return lb.seq }) {
		if !lb.visible(r.now) || (len(arns) > 0 && !contains(arns, lb.arn)) || (len(names) > 0 && !contains(names, lb.name)) {
			continue
		}
		match = append(match, lb)
	}
	if len(names) > 0 && len(match) < len(names) {
		return nil, badRequest("LoadBalancerNotFound", "One or more load balancers not found")
	}
	items, next, ok := page(match, func(lb *loadBalancer) int { return lb.seq }, r.p.get("Marker"), size)
	if !ok {
		return nil, badMarker()
	}
	out := elbLoadBalancersResult{NextMarker: next}
	for _, lb := range items {
		out.LoadBalancers = append(out.LoadBalancers, s.lbXML(lb))
	}
	return out, nil
}

// deleteLoadBalancer implements DeleteLoadBalancer with its listeners; a load balancer that does not exist is
// deleted already, and the call succeeds, as on AWS.
func (s *Server) deleteLoadBalancer(r *request) (any, *apiError) {
	arn := r.p.get("LoadBalancerArn")
	if arn == "" {
		return nil, validationError("LoadBalancerArn is required")
	}
	if _, ok := s.st.lbs[arn]; !ok {
		return elbEmpty{}, nil
	}
	for id, l := range s.st.listeners {
		if l.lbArn == arn {
			delete(s.st.listeners, id)
		}
	}
	delete(s.st.lbs, arn)
	return elbEmpty{}, nil
}

func (s *Server) findLB(r *request) (*loadBalancer, *apiError) {
	arn := r.p.get("LoadBalancerArn")
	if arn == "" {
		return nil, validationError("LoadBalancerArn is required")
	}
	lb, ok := s.st.lbs[arn]
	if !ok || !lb.visible(r.now) {
		return nil, lbNotFound(arn)
	}
	return lb, nil
}

// setSecurityGroups implements SetSecurityGroups: LoadBalancerArn, SecurityGroups.member.N.
func (s *Server) setSecurityGroups(r *request) (any, *apiError) {
	lb, aerr := s.findLB(r)
	if aerr != nil {
		return nil, aerr
	}
	groups, err := r.p.strings("SecurityGroups.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	if lb.typ == "network" && len(lb.groups) == 0 {
		return nil, badRequest("InvalidConfigurationRequest", "A network load balancer created without security groups cannot be given any")
	}
	if aerr := s.checkGroups(r, lb.vpcID, groups); aerr != nil {
		return nil, aerr
	}
	lb.groups = groups
	return elbSetSecurityGroupsResult{SecurityGroupIDs: groups}, nil
}

// setSubnets implements SetSubnets: LoadBalancerArn, Subnets.member.N.
func (s *Server) setSubnets(r *request) (any, *apiError) {
	lb, aerr := s.findLB(r)
	if aerr != nil {
		return nil, aerr
	}
	subnets, err := r.p.strings("Subnets.member")
	if err != nil {
		return nil, validationError("%v", err)
	}
	vpcID, aerr := s.checkSubnets(lb.typ, subnets)
	if aerr != nil {
		return nil, aerr
	}
	if vpcID != lb.vpcID {
		return nil, badRequest("InvalidConfigurationRequest", "The subnets must be in the load balancer's VPC %s", lb.vpcID)
	}
	lb.subnets = subnets
	return elbSetSubnetsResult{AvailabilityZones: s.azsOf(subnets), IPAddressType: lb.ipType}, nil
}

// setIPAddressType implements SetIpAddressType.
func (s *Server) setIPAddressType(r *request) (any, *apiError) {
	lb, aerr := s.findLB(r)
	if aerr != nil {
		return nil, aerr
	}
	t := r.p.get("IpAddressType")
	if t != "ipv4" && t != "dualstack" {
		return nil, validationError("IP address type '%s' is not valid", t)
	}
	lb.ipType = t
	return elbSetIPAddressTypeResult{IPAddressType: t}, nil
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
		if seen[x] < 0 {
			return false
		}
	}
	return true
}
