package sim

import (
	"fmt"
	"time"
)

// Instance states and their codes, as EC2 reports them.
const (
	statePending      = "pending"
	stateRunning      = "running"
	stateShuttingDown = "shutting-down"
	stateTerminated   = "terminated"
	stateStopping     = "stopping"
	stateStopped      = "stopped"
)

var stateCodes = map[string]int{statePending: 0, stateRunning: 16, stateShuttingDown: 32, stateTerminated: 48,
	stateStopping: 64, stateStopped: 80}

type vpc struct {
	object
	id, cidr  string
	isDefault bool
	tags      tagMap
}

type subnet struct {
	object
	id, vpcID, cidr, az string
	// base is the first three octets of the subnet's addresses ("172.31.16"), from which instances get theirs.
	base         string
	defaultForAZ bool
	mapPublicIP  bool
	tags         tagMap
}

type image struct {
	object
	id, name, description, owner, ownerAlias, arch, created string
}

// rule is one security group rule with a single source, the unit AWS's rule IDs name; responses group rules
// by protocol and ports into IpPermissions.
type rule struct {
	protocol          string // "tcp", "udp", "icmp" or "-1"
	from, to          int    // -1 when the protocol has no ports
	cidr, ipv6, group string // exactly one is set
	description       string
}

func (r rule) sameSource(o rule) bool {
	return r.protocol == o.protocol && r.from == o.from && r.to == o.to && r.cidr == o.cidr && r.ipv6 == o.ipv6 && r.group == o.group
}

type secGroup struct {
	object
	id, name, description, vpcID string
	isDefault                    bool
	ingress, egress              []rule
	tags                         tagMap
}

type instance struct {
	object
	id, reservationID, imageID, instanceType, keyName string
	subnetID, vpcID, az, privateIP, publicIP          string
	userData, clientToken                             string
	groups                                            []string
	tags                                              tagMap
	state                                             string
	// until is when the current transitional state (pending, stopping, shutting-down) ends.
	until time.Time
	// gone is when a terminated instance stops being listed.
	gone   time.Time
	launch time.Time
}

// advance moves the instance to its next state if its transition is due.
func (i *instance) advance(now time.Time, t Timing) {
	if now.Before(i.until) {
		return
	}
	switch i.state {
	case statePending:
		i.state = stateRunning
	case stateStopping:
		i.state = stateStopped
	case stateShuttingDown:
		i.state = stateTerminated
		i.gone = i.until.Add(t.TerminatedRetention)
	}
}

func (i *instance) publicDNS(region string) string {
	if i.publicIP == "" || i.state == stateStopped || i.state == stateTerminated {
		return ""
	}
	return fmt.Sprintf("ec2-%s.%s", dashed(i.publicIP), computeDomain(region))
}

func (i *instance) privateDNS(region string) string {
	return fmt.Sprintf("ip-%s.%s", dashed(i.privateIP), internalDomain(region))
}

func dashed(ip string) string {
	b := []byte(ip)
	for k := range b {
		if b[k] == '.' {
			b[k] = '-'
		}
	}
	return string(b)
}

// computeDomain is the public DNS domain of instances: compute-1.amazonaws.com in us-east-1,
// <region>.compute.amazonaws.com elsewhere.
func computeDomain(region string) string {
	if region == "us-east-1" {
		return "compute-1.amazonaws.com"
	}
	return region + ".compute.amazonaws.com"
}

func internalDomain(region string) string {
	if region == "us-east-1" {
		return "ec2.internal"
	}
	return region + ".compute.internal"
}

// catalogue is the images every simulator offers: the names follow the real publishers' patterns so that
// name filters written for AWS match.
var catalogue = []struct{ name, description, owner, alias, arch, created string }{
	{"ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240301", "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image", "099720109477", "", "x86_64", "2024-03-01T10:00:00.000Z"},
	{"ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240501", "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image", "099720109477", "", "x86_64", "2024-05-01T10:00:00.000Z"},
	{"ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-20240501", "Canonical, Ubuntu, 22.04 LTS, arm64 jammy image", "099720109477", "", "arm64", "2024-05-01T10:00:00.000Z"},
	{"ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20240801", "Canonical, Ubuntu, 24.04 LTS, amd64 noble image", "099720109477", "", "x86_64", "2024-08-01T10:00:00.000Z"},
	{"al2023-ami-2023.5.20240805.0-kernel-6.1-x86_64", "Amazon Linux 2023 AMI 2023.5.20240805.0 x86_64 HVM kernel-6.1", "137112412989", "amazon", "x86_64", "2024-08-05T20:00:00.000Z"},
	{"al2023-ami-2023.5.20240805.0-kernel-6.1-arm64", "Amazon Linux 2023 AMI 2023.5.20240805.0 arm64 HVM kernel-6.1", "137112412989", "amazon", "arm64", "2024-08-05T20:00:00.000Z"},
	{"debian-12-amd64-20240717-1811", "Debian 12 (20240717-1811)", "136693071363", "", "x86_64", "2024-07-17T18:30:00.000Z"},
}

// newWorld builds the starting state: a default VPC (172.31.0.0/16) with a default subnet in each of three
// availability zones, its default security group, and the image catalogue.
func newWorld(region, account string, now time.Time) *world {
	w := &world{
		region: region, account: account,
		vpcs: map[string]*vpc{}, subnets: map[string]*subnet{}, images: map[string]*image{},
		groups: map[string]*secGroup{}, instances: map[string]*instance{}, clientTokens: map[string]string{},
		nextIP: map[string]int{}, lbs: map[string]*loadBalancer{}, tgs: map[string]*targetGroup{},
		listeners: map[string]*listener{}, zones: map[string]*zone{}, changes: map[string]*change{},
	}
	past := now.Add(-time.Hour)
	v := &vpc{object: w.newObject(past, 0), id: stableID("vpc", region), cidr: "172.31.0.0/16", isDefault: true, tags: tagMap{}}
	w.vpcs[v.id] = v
	for i, az := range []string{"a", "b", "c"} {
		sn := &subnet{object: w.newObject(past, 0), id: stableID("subnet", region+az), vpcID: v.id,
			cidr: fmt.Sprintf("172.31.%d.0/20", i*16), base: fmt.Sprintf("172.31.%d", i*16), az: region + az,
			defaultForAZ: true, mapPublicIP: true, tags: tagMap{}}
		w.subnets[sn.id] = sn
	}
	sg := &secGroup{object: w.newObject(past, 0), id: stableID("sg", region+"/default"), name: "default",
		description: "default VPC security group", vpcID: v.id, isDefault: true, tags: tagMap{},
		egress: []rule{{protocol: "-1", from: -1, to: -1, cidr: "0.0.0.0/0"}}}
	sg.ingress = []rule{{protocol: "-1", from: -1, to: -1, group: sg.id}}
	w.groups[sg.id] = sg
	for _, c := range catalogue {
		im := &image{object: w.newObject(past, 0), id: stableID("ami", region+"/"+c.name), name: c.name,
			description: c.description, owner: c.owner, ownerAlias: c.alias, arch: c.arch, created: c.created}
		w.images[im.id] = im
	}
	return w
}

// defaultVPC returns the default VPC.
func (w *world) defaultVPC() *vpc {
	for _, v := range w.vpcs {
		if v.isDefault {
			return v
		}
	}
	return nil
}

// defaultSubnet returns the default subnet of the first availability zone.
func (w *world) defaultSubnet() *subnet {
	var best *subnet
	for _, sn := range w.subnets {
		if sn.defaultForAZ && (best == nil || sn.az < best.az) {
			best = sn
		}
	}
	return best
}

// defaultGroup returns the default security group of a VPC.
func (w *world) defaultGroup(vpcID string) *secGroup {
	for _, g := range w.groups {
		if g.isDefault && g.vpcID == vpcID {
			return g
		}
	}
	return nil
}
