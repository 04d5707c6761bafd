package webcluster

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/infrago/infra/sdk/gcp/compute"
	"github.com/infrago/infra/sdk/gcp/dns"
	"github.com/infrago/infra/sdk/infra"
)

// httpSources are the ranges HTTP may come from on Google Cloud: anywhere (a network load balancer passes the
// clients' own addresses through), and the ranges Google's health checkers probe from, listed so that the rule
// still admits the probes when the first range is narrowed.
var httpSources = []string{"0.0.0.0/0", "35.191.0.0/16", "209.85.152.0/22", "209.85.204.0/22"}

// notTagChar is what a Compute Engine network tag may not hold.
var notTagChar = regexp.MustCompile(`[^a-z0-9-]+`)

// networkTag is the tag cluster name's firewall rule selects its VMs by: lower case, at most 63 characters.
func networkTag(name string) string {
	t := strings.Trim(notTagChar.ReplaceAllString(strings.ToLower("webcluster-"+name), "-"), "-")
	if len(t) > 63 {
		t = strings.TrimRight(t[:63], "-")
	}
	return t
}

// instanceName is the Compute Engine name of VM vm: its name made fit (lower case, at most 63 characters) and a
// hash of the project, the stack and the cloud-init document. Compute Engine updates user data in place, but
// cloud-init reads it at first boot only, so a new document must make a new VM; a new name does that, and lets
// the replacement exist beside the VM it replaces. The project and stack keep two stacks' VMs apart.
func instanceName(project, stack, vm, cloudInit string) string {
	sum := sha256.Sum256([]byte(project + "\x00" + stack + "\x00" + cloudInit))
	base := strings.Trim(notTagChar.ReplaceAllString(strings.ToLower(vm), "-"), "-")
	if base == "" || base[0] < 'a' || base[0] > 'z' {
		base = "vm-" + base
	}
	if len(base) > 54 {
		base = strings.TrimRight(base[:54], "-")
	}
	return base + "-" + hex.EncodeToString(sum[:4])
}

// buildGCP is the cluster on Google Cloud: Compute Engine instances spread over the region's zones behind a
// regional network load balancer (a target pool with an HTTP health check on HealthPath, one membership per VM, a
// forwarding rule on a static address), a firewall rule for HTTP and the health checkers, and a Cloud DNS zone
// whose www record points at the address.
func buildGCP(ctx *infra.Context, name string, a Args, child []infra.ResourceOption) (built, error) {
	image, err := compute.GetImage(ctx, &compute.GetImageArgs{Project: "debian-cloud", Family: infra.Ptr("debian-12")})
	if err != nil {
		return built{}, err
	}
	zones, err := compute.GetZones(ctx, nil)
	if err != nil {
		return built{}, err
	}
	if len(zones.Names) == 0 {
		return built{}, fmt.Errorf("the provider's region has no zones; set gcp:region to a region that has some")
	}
	tag := networkTag(name)

	if _, err := compute.NewFirewall(ctx, name+"-http", &compute.FirewallArgs{
		Description:  infra.String("web cluster " + name + ": HTTP and health checks to the VMs"),
		Allows:       infra.Val([]compute.FirewallRule{{Protocol: "tcp", Ports: []string{"80"}}}),
		SourceRanges: infra.Val(httpSources),
		TargetTags:   infra.Val([]string{tag}),
	}, child...); err != nil {
		return built{}, err
	}
	check, err := compute.NewHealthCheck(ctx, name, &compute.HealthCheckArgs{
		Description: infra.String("web cluster " + name + ": GET " + HealthPath + " on port 80"),
		Type:        infra.String("HTTP"),
		Port:        infra.Int(80),
		RequestPath: infra.String(HealthPath),
	}, child...)
	if err != nil {
		return built{}, err
	}
	pool, err := compute.NewTargetPool(ctx, name, &compute.TargetPoolArgs{
		Description:  infra.String("web cluster " + name),
		HealthChecks: infra.All(check.ID()),
	}, child...)
	if err != nil {
		return built{}, err
	}
	address, err := compute.NewAddress(ctx, name, &compute.AddressArgs{
		Description: infra.String("web cluster " + name + ": load balancer"),
		Labels:      infra.Val(map[string]string{"webcluster": tag}),
	}, child...)
	if err != nil {
		return built{}, err
	}
	rule, err := compute.NewForwardingRule(ctx, name+"-http", &compute.ForwardingRuleArgs{
		IPAddress:  address.IPAddress,
		IPProtocol: infra.String("TCP"),
		PortRange:  infra.String("80"),
		Target:     pool.ID(),
		Labels:     infra.Val(map[string]string{"webcluster": tag}),
	}, child...)
	if err != nil {
		return built{}, err
	}

	var b built
	var previous infra.Resource = rule
	for n := range a.Count {
		vm := vmName(name, n)
		server, err := compute.NewInstance(ctx, vm, &compute.InstanceArgs{
			Name:        infra.String(instanceName(ctx.Project(), ctx.Stack(), vm, a.CloudInit)),
			Zone:        infra.String(zones.Names[n%len(zones.Names)]),
			MachineType: infra.String(a.Size),
			BootDisk:    infra.Val(compute.BootDisk{Image: image.ImageID}),
			UserData:    infra.String(a.CloudInit),
			Tags:        infra.Val([]string{tag}),
			Labels:      infra.Val(map[string]string{"webcluster": tag}),
		}, after(child, previous)...)
		if err != nil {
			return built{}, err
		}
		member, err := compute.NewTargetPoolMember(ctx, vm, &compute.TargetPoolMemberArgs{
			TargetPool:  pool.ID(),
			Instance:    server.ID(),
			WaitHealthy: infra.Bool(true),
		}, child...)
		if err != nil {
			return built{}, err
		}
		previous = member
		b.addresses = append(b.addresses, server.PublicIP)
	}

	zone, err := dns.NewManagedZone(ctx, name, &dns.ManagedZoneArgs{
		DNSName:     infra.String(a.Domain),
		Description: infra.String("web cluster " + name),
	}, child...)
	if err != nil {
		return built{}, err
	}
	if _, err := dns.NewRecordSet(ctx, name+"-www", &dns.RecordSetArgs{
		ManagedZone: zone.ID(),
		Name:        infra.String("www." + a.Domain),
		Type:        infra.String("A"),
		TTL:         infra.Int(300),
		Rrdatas:     infra.All(address.IPAddress),
	}, child...); err != nil {
		return built{}, err
	}
	b.loadBalancer = address.IPAddress
	b.nameServers = zone.NameServers
	b.backendPool = pool.ID()
	return b, nil
}
