package aws

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/infrago/infra/sdk/provider"
)

// SecurityGroupRule is one ingress or egress rule of aws:ec2:SecurityGroup.
type SecurityGroupRule struct {
	Protocol string `infra:"protocol" doc:"The protocol: tcp, udp, icmp, or -1 (also all) for every protocol; protocol numbers 6, 17 and 1 are accepted too."`

	FromPort int `infra:"fromPort,optional" doc:"The first port of the range (the ICMP type for icmp). Ignored for -1."`

	ToPort int `infra:"toPort,optional" doc:"The last port of the range (the ICMP code for icmp). Ignored for -1."`

	CidrBlocks []string `infra:"cidrBlocks" doc:"The IPv4 ranges the rule allows traffic from (ingress) or to (egress), such as 0.0.0.0/0."`

	IPv6CidrBlocks []string `infra:"ipv6CidrBlocks" doc:"The IPv6 ranges the rule allows, such as ::/0."`

	SecurityGroups []string `infra:"securityGroups" doc:"The IDs of security groups whose members the rule allows."`

	Self *bool `infra:"self" doc:"Whether the rule allows the group's own members."`

	Description *string `infra:"description" doc:"A description of the rule, shown by the console."`
}

// Doc describes SecurityGroupRule in the schema.
func (SecurityGroupRule) Doc() string {
	return "A security group rule: a protocol and port range, and the sources (ingress) or destinations (egress) it allows."
}

// atom is a rule with one source, the unit AWS adds and removes.
type atom struct {
	proto             string
	from, to          int32
	cidr, ipv6, group string
	desc              string
}

// key identifies an atom including its description.
func (a atom) key() string {
	return fmt.Sprintf("%s|%d|%d|%s|%s|%s|%s", a.proto, a.from, a.to, a.cidr, a.ipv6, a.group, a.desc)
}

// normalizeProtocol maps the spellings of a protocol to the one EC2 reports.
func normalizeProtocol(p string) string {
	switch strings.ToLower(strings.TrimSpace(p)) {
	case "tcp", "6":
		return "tcp"
	case "udp", "17":
		return "udp"
	case "icmp", "1":
		return "icmp"
	case "-1", "all":
		return "-1"
	}
	return strings.ToLower(p)
}

// atomsOf flattens rules; self stands for the group's own ID.
func atomsOf(rules []SecurityGroupRule, self string) []atom {
	var out []atom
	for _, r := range rules {
		base := atom{proto: normalizeProtocol(r.Protocol), from: int32(r.FromPort), to: int32(r.ToPort), desc: str(r.Description)}
		if base.proto == "-1" {
			base.from, base.to = 0, 0
		}
		for _, c := range r.CidrBlocks {
			a := base
			a.cidr = c
			out = append(out, a)
		}
		for _, c := range r.IPv6CidrBlocks {
			a := base
			a.ipv6 = c
			out = append(out, a)
		}
		for _, g := range r.SecurityGroups {
			a := base
			a.group = g
			out = append(out, a)
		}
		if r.Self != nil && *r.Self {
			a := base
			a.group = self
			out = append(out, a)
		}
	}
	return out
}

// liveAtoms flattens the permissions AWS reports.
func liveAtoms(perms []ec2types.IpPermission) []atom {
	var out []atom
	for _, p := range perms {
		base := atom{proto: normalizeProtocol(aws.ToString(p.IpProtocol)), from: aws.ToInt32(p.FromPort), to: aws.ToInt32(p.ToPort)}
		if base.proto == "-1" {
			base.from, base.to = 0, 0
		}
		for _, r := range p.IpRanges {
			a := base
			a.cidr, a.desc = aws.ToString(r.CidrIp), aws.ToString(r.Description)
			out = append(out, a)
		}
		for _, r := range p.Ipv6Ranges {
			a := base
			a.ipv6, a.desc = aws.ToString(r.CidrIpv6), aws.ToString(r.Description)
			out = append(out, a)
		}
		for _, g := range p.UserIdGroupPairs {
			a := base
			a.group, a.desc = aws.ToString(g.GroupId), aws.ToString(g.Description)
			out = append(out, a)
		}
	}
	return out
}

// sameAtoms reports whether two rule sets are equal, in any order.
func sameAtoms(a, b []atom) bool {
	ka, kb := atomKeys(a), atomKeys(b)
	return sameSet(ka, kb)
}

func atomKeys(as []atom) []string {
	out := make([]string, 0, len(as))
	seen := map[string]bool{}
	for _, a := range as {
		if k := a.key(); !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// minus returns the atoms of a not in b.
func minus(a, b []atom) []atom {
	in := map[string]bool{}
	for _, x := range b {
		in[x.key()] = true
	}
	var out []atom
	seen := map[string]bool{}
	for _, x := range a {
		if k := x.key(); !in[k] && !seen[k] {
			seen[k] = true
			out = append(out, x)
		}
	}
	return out
}

// permissions converts atoms to the IpPermissions AWS calls take, one atom each (so a failure names it).
func permissions(as []atom) []ec2types.IpPermission {
	var out []ec2types.IpPermission
	for _, a := range as {
		p := ec2types.IpPermission{IpProtocol: aws.String(a.proto)}
		if a.proto != "-1" {
			p.FromPort, p.ToPort = aws.Int32(a.from), aws.Int32(a.to)
		}
		desc := optStr(a.desc)
		switch {
		case a.cidr != "":
			p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(a.cidr), Description: desc}}
		case a.ipv6 != "":
			p.Ipv6Ranges = []ec2types.Ipv6Range{{CidrIpv6: aws.String(a.ipv6), Description: desc}}
		default:
			p.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupId: aws.String(a.group), Description: desc}}
		}
		out = append(out, p)
	}
	return out
}

// rulesOf rebuilds rules from atoms: one rule per protocol, port range and description, in first-seen order.
func rulesOf(as []atom, self string) []SecurityGroupRule {
	var out []SecurityGroupRule
	index := map[string]int{}
	for _, a := range as {
		k := fmt.Sprintf("%s|%d|%d|%s", a.proto, a.from, a.to, a.desc)
		n, ok := index[k]
		if !ok {
			n = len(out)
			index[k] = n
			out = append(out, SecurityGroupRule{Protocol: a.proto, FromPort: int(a.from), ToPort: int(a.to), Description: optStr(a.desc)})
		}
		r := &out[n]
		switch {
		case a.cidr != "":
			r.CidrBlocks = append(r.CidrBlocks, a.cidr)
		case a.ipv6 != "":
			r.IPv6CidrBlocks = append(r.IPv6CidrBlocks, a.ipv6)
		case a.group == self:
			r.Self = aws.Bool(true)
		default:
			r.SecurityGroups = append(r.SecurityGroups, a.group)
		}
	}
	for i := range out {
		sort.Strings(out[i].CidrBlocks)
		sort.Strings(out[i].IPv6CidrBlocks)
		sort.Strings(out[i].SecurityGroups)
	}
	if out == nil {
		return []SecurityGroupRule{}
	}
	return out
}

// checkRules validates rules, naming the property path of each failure.
func checkRules(prop string, rules []SecurityGroupRule) []provider.CheckFailure {
	var fails []provider.CheckFailure
	for i, r := range rules {
		at := fmt.Sprintf("%s[%d]", prop, i)
		switch normalizeProtocol(r.Protocol) {
		case "tcp", "udp":
			if r.FromPort < 0 || r.ToPort > 65535 || r.FromPort > r.ToPort {
				fails = append(fails, provider.CheckFailure{Property: at, Reason: fmt.Sprintf("ports %d to %d are not a range within 0-65535", r.FromPort, r.ToPort)})
			}
		case "icmp", "-1":
		default:
			fails = append(fails, provider.CheckFailure{Property: at, Reason: fmt.Sprintf("protocol %q is not tcp, udp, icmp or -1", r.Protocol)})
		}
		if len(r.CidrBlocks)+len(r.IPv6CidrBlocks)+len(r.SecurityGroups) == 0 && (r.Self == nil || !*r.Self) {
			fails = append(fails, provider.CheckFailure{Property: at, Reason: "the rule allows nothing; give cidrBlocks, ipv6CidrBlocks, securityGroups or self"})
		}
	}
	return fails
}
