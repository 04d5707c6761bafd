package sim

import (
	"fmt"
	"net/netip"
	"strings"
)

// maxGroupRules is the per-direction rule quota of a security group.
const maxGroupRules = 60

func (s *Server) groupXML(g *secGroup) ec2SecurityGroup {
	return ec2SecurityGroup{OwnerID: s.opts.AccountID, GroupID: g.id, GroupName: g.name, Description: g.description,
		VpcID: g.vpcID, ARN: s.groupARN(g.id), Ingress: s.permissionsXML(g.ingress), Egress: s.permissionsXML(g.egress),
		Tags: ec2Tags(g.tags)}
}

func (s *Server) groupARN(id string) string {
	return fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/%s", s.opts.Region, s.opts.AccountID, id)
}

// permissionsXML groups rules by protocol and ports into IpPermissions, in first-seen order.
func (s *Server) permissionsXML(rules []rule) []ec2Permission {
	var out []ec2Permission
	index := map[string]int{}
	for _, r := range rules {
		key := fmt.Sprintf("%s/%d/%d", r.protocol, r.from, r.to)
		k, ok := index[key]
		if !ok {
			k = len(out)
			index[key] = k
			p := ec2Permission{Protocol: r.protocol}
			if r.protocol != "-1" {
				from, to := r.from, r.to
				p.FromPort, p.ToPort = &from, &to
			}
			out = append(out, p)
		}
		switch {
		case r.cidr != "":
			out[k].IPRanges = append(out[k].IPRanges, ec2IPRange{CidrIP: r.cidr, Description: r.description})
		case r.ipv6 != "":
			out[k].IPv6Ranges = append(out[k].IPv6Ranges, ec2IPv6Range{CidrIPv6: r.ipv6, Description: r.description})
		default:
			out[k].Groups = append(out[k].Groups, ec2GroupPair{UserID: s.opts.AccountID, GroupID: r.group, Description: r.description})
		}
	}
	return out
}

// findGroup resolves GroupId, or GroupName in the default VPC, to a visible group.
func (s *Server) findGroup(r *request) (*secGroup, *apiError) {
	if id := r.p.get("GroupId"); id != "" {
		g, ok := s.st.groups[id]
		if !ok || !g.visible(r.now) {
			return nil, groupNotFound(id)
		}
		return g, nil
	}
	name := r.p.get("GroupName")
	if name == "" {
		return nil, missingParam("GroupId")
	}
	def := s.st.defaultVPC()
	for _, g := range s.st.groups {
		if g.name == name && def != nil && g.vpcID == def.id && g.visible(r.now) {
			return g, nil
		}
	}
	return nil, badRequest("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC '%s'", name, def.id)
}

// createSecurityGroup implements CreateSecurityGroup: GroupName, GroupDescription, VpcId (the default VPC when
// absent), TagSpecification.N. A new group has the allow-all egress rule AWS gives every group.
func (s *Server) createSecurityGroup(r *request) (any, *apiError) {
	name, desc := r.p.get("GroupName"), r.p.get("GroupDescription")
	if name == "" {
		return nil, missingParam("GroupName")
	}
	if desc == "" {
		return nil, missingParam("GroupDescription")
	}
	if len(name) > 255 || len(desc) > 255 {
		return nil, invalidParam("Group names and descriptions have at most 255 characters")
	}
	if strings.HasPrefix(name, "sg-") {
		return nil, invalidParam("Group names may not be in the format sg-*")
	}
	vpcID := r.p.get("VpcId")
	if vpcID == "" {
		if def := s.st.defaultVPC(); def != nil {
			vpcID = def.id
		}
	}
	if _, ok := s.st.vpcs[vpcID]; !ok {
		return nil, badRequest("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", vpcID)
	}
	for _, g := range s.st.groups {
		if g.vpcID == vpcID && g.name == name {
			return nil, badRequest("InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", name, vpcID)
		}
	}
	tags, aerr := tagSpecs(r.p, "security-group")
	if aerr != nil {
		return nil, aerr
	}
	g := &secGroup{object: s.st.newObject(r.now, r.window), id: newResourceID("sg"), name: name, description: desc,
		vpcID: vpcID, tags: tags, egress: []rule{{protocol: "-1", from: -1, to: -1, cidr: "0.0.0.0/0"}}}
	s.st.groups[g.id] = g
	return ec2CreateSecurityGroupResult{GroupID: g.id, ARN: s.groupARN(g.id), Tags: ec2Tags(tags)}, nil
}

// deleteSecurityGroup implements DeleteSecurityGroup. A group in use by an instance that is not terminated, or
// referenced by another group's rule, cannot be deleted (DependencyViolation); a default group never can.
func (s *Server) deleteSecurityGroup(r *request) (any, *apiError) {
	g, aerr := s.findGroup(r)
	if aerr != nil {
		return nil, aerr
	}
	if g.isDefault {
		return nil, badRequest("CannotDelete", "the specified group: \"%s\" name: \"default\" cannot be deleted by a user", g.id)
	}
	for _, i := range s.st.instances {
		if i.state != stateTerminated && contains(i.groups, g.id) {
			return nil, badRequest("DependencyViolation", "resource %s has a dependent object", g.id)
		}
	}
	for _, lb := range s.st.lbs {
		if contains(lb.groups, g.id) {
			return nil, badRequest("DependencyViolation", "resource %s has a dependent object", g.id)
		}
	}
	for _, o := range s.st.groups {
		if o.id == g.id {
			continue
		}
		for _, rr := range append(append([]rule(nil), o.ingress...), o.egress...) {
			if rr.group == g.id {
				return nil, badRequest("DependencyViolation", "resource %s has a dependent object", g.id)
			}
		}
	}
	delete(s.st.groups, g.id)
	return ec2DeleteSecurityGroupResult{Return: true, GroupID: g.id}, nil
}

// describeSecurityGroups implements DescribeSecurityGroups: GroupId.N, GroupName.N, Filter (group-id,
// group-name, vpc-id, description, owner-id, tags), MaxResults, NextToken.
func (s *Server) describeSecurityGroups(r *request) (any, *apiError) {
	ids, err := r.p.strings("GroupId")
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	names, err := r.p.strings("GroupName")
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
		if g, ok := s.st.groups[id]; !ok || !g.visible(r.now) {
			return nil, groupNotFound(id)
		}
	}
	var match []*secGroup
	for _, g := range bySeq(s.st.groups, func(g *secGroup) int { return g.seq }) {
		if !g.visible(r.now) || (len(ids) > 0 && !contains(ids, g.id)) || (len(names) > 0 && !contains(names, g.name)) {
			continue
		}
		ok, aerr := matchFilters(fs, withTags(g.tags, func(name string) ([]string, bool) {
			switch name {
			case "group-id":
				return one(g.id), true
			case "group-name":
				return one(g.name), true
			case "vpc-id":
				return one(g.vpcID), true
			case "description":
				return one(g.description), true
			case "owner-id":
				return one(s.opts.AccountID), true
			}
			return nil, false
		}))
		if aerr != nil {
			return nil, aerr
		}
		if ok {
			match = append(match, g)
		}
	}
	if len(names) > 0 && len(match) == 0 {
		return nil, badRequest("InvalidGroup.NotFound", "The security group '%s' does not exist", names[0])
	}
	items, next, ok := page(match, func(g *secGroup) int { return g.seq }, r.p.get("NextToken"), s.pageSize(max, 1000))
	if !ok {
		return nil, badToken()
	}
	out := ec2DescribeSecurityGroupsResult{NextToken: next}
	for _, g := range items {
		out.Groups = append(out.Groups, s.groupXML(g))
	}
	return out, nil
}

// parsePermissions reads IpPermissions.N into single-source rules.
func (s *Server) parsePermissions(r *request) ([]rule, *apiError) {
	ps, err := r.p.members("IpPermissions")
	if err != nil {
		return nil, invalidParam("%v", err)
	}
	if len(ps) == 0 {
		return nil, missingParam("IpPermissions")
	}
	var out []rule
	for _, p := range ps {
		proto, aerr := normalizeProtocol(p.get("IpProtocol"))
		if aerr != nil {
			return nil, aerr
		}
		from, to := -1, -1
		if proto != "-1" {
			if !p.has("FromPort") || !p.has("ToPort") {
				return nil, invalidParam("Invalid value for portRange. Must specify both from and to ports with TCP/UDP/ICMP.")
			}
			var err1, err2 error
			from, err1 = p.intOr("FromPort", -1)
			to, err2 = p.intOr("ToPort", -1)
			if err1 != nil || err2 != nil {
				return nil, invalidParam("FromPort and ToPort must be whole numbers")
			}
			if proto != "icmp" && (from < 0 || to > 65535 || from > to) {
				return nil, badRequest("InvalidParameterValue", "Invalid port range %d-%d", from, to)
			}
		}
		base := rule{protocol: proto, from: from, to: to}
		ranges, err := p.members("IpRanges")
		if err != nil {
			return nil, invalidParam("%v", err)
		}
		for _, m := range ranges {
			c := m.get("CidrIp")
			pfx, err := netip.ParsePrefix(c)
			if err != nil || !pfx.Addr().Is4() || pfx.Masked() != pfx {
				return nil, badRequest("InvalidParameterValue", "CIDR block %s is malformed", c)
			}
			x := base
			x.cidr, x.description = c, m.get("Description")
			out = append(out, x)
		}
		ranges6, err := p.members("Ipv6Ranges")
		if err != nil {
			return nil, invalidParam("%v", err)
		}
		for _, m := range ranges6 {
			c := m.get("CidrIpv6")
			pfx, err := netip.ParsePrefix(c)
			if err != nil || !pfx.Addr().Is6() || pfx.Addr().Is4In6() {
				return nil, badRequest("InvalidParameterValue", "CIDR block %s is malformed", c)
			}
			x := base
			x.ipv6, x.description = c, m.get("Description")
			out = append(out, x)
		}
		pairs, err := p.members("Groups")
		if err != nil {
			return nil, invalidParam("%v", err)
		}
		for _, m := range pairs {
			gid := m.get("GroupId")
			if sg, ok := s.st.groups[gid]; !ok || !sg.visible(r.now) {
				return nil, groupNotFound(gid)
			}
			x := base
			x.group, x.description = gid, m.get("Description")
			out = append(out, x)
		}
		if len(ranges)+len(ranges6)+len(pairs) == 0 {
			return nil, missingParam("IpPermissions.N.IpRanges, Ipv6Ranges or Groups")
		}
	}
	return out, nil
}

// normalizeProtocol maps protocol names and numbers to what EC2 reports: tcp, udp, icmp or -1.
func normalizeProtocol(p string) (string, *apiError) {
	switch strings.ToLower(p) {
	case "tcp", "6":
		return "tcp", nil
	case "udp", "17":
		return "udp", nil
	case "icmp", "1":
		return "icmp", nil
	case "-1", "all":
		return "-1", nil
	case "":
		return "", missingParam("IpPermissions.N.IpProtocol")
	}
	return "", badRequest("InvalidParameterValue", "Invalid value '%s' for IP protocol. Unknown protocol.", p)
}

// authorize adds rules to one direction of a group; a rule it already has is InvalidPermission.Duplicate.
func (s *Server) authorize(r *request, egress bool) (any, *apiError) {
	g, aerr := s.findGroup(r)
	if aerr != nil {
		return nil, aerr
	}
	rules, aerr := s.parsePermissions(r)
	if aerr != nil {
		return nil, aerr
	}
	list := &g.ingress
	if egress {
		list = &g.egress
	}
	for _, nr := range rules {
		for _, have := range *list {
			if have.sameSource(nr) {
				return nil, badRequest("InvalidPermission.Duplicate", "the specified rule \"peer: %s, %s, ALLOW\" already exists", nr.source(), nr.portText())
			}
		}
	}
	if len(*list)+len(rules) > maxGroupRules {
		return nil, badRequest("RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.")
	}
	*list = append(*list, rules...)
	return ec2Return{Return: true}, nil
}

// revoke removes rules from one direction of a group; a rule it does not have is InvalidPermission.NotFound.
func (s *Server) revoke(r *request, egress bool) (any, *apiError) {
	g, aerr := s.findGroup(r)
	if aerr != nil {
		return nil, aerr
	}
	rules, aerr := s.parsePermissions(r)
	if aerr != nil {
		return nil, aerr
	}
	list := &g.ingress
	if egress {
		list = &g.egress
	}
	for _, rr := range rules {
		k := -1
		for j, have := range *list {
			if have.sameSource(rr) {
				k = j
				break
			}
		}
		if k < 0 {
			return nil, badRequest("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
		}
		*list = append((*list)[:k], (*list)[k+1:]...)
	}
	return ec2Return{Return: true}, nil
}

func (s *Server) authorizeIngress(r *request) (any, *apiError) { return s.authorize(r, false) }
func (s *Server) authorizeEgress(r *request) (any, *apiError)  { return s.authorize(r, true) }
func (s *Server) revokeIngress(r *request) (any, *apiError)    { return s.revoke(r, false) }
func (s *Server) revokeEgress(r *request) (any, *apiError)     { return s.revoke(r, true) }

func (r rule) source() string {
	switch {
	case r.cidr != "":
		return r.cidr
	case r.ipv6 != "":
		return r.ipv6
	}
	return r.group
}

func (r rule) portText() string {
	if r.protocol == "-1" {
		return "ALL"
	}
	return fmt.Sprintf("%s %d-%d", r.protocol, r.from, r.to)
}
