package webcluster

import (
	"regexp"

	do "github.com/infrago/infra/sdk/digitalocean"
	"github.com/infrago/infra/sdk/infra"
)

// anywhere is every IPv4 and IPv6 address.
var anywhere = []string{"0.0.0.0/0", "::/0"}

// doNameServers are the name servers DigitalOcean serves every domain from.
var doNameServers = []string{"ns1.digitalocean.com", "ns2.digitalocean.com", "ns3.digitalocean.com"}

// notDOTagChar is what a DigitalOcean tag may not hold.
var notDOTagChar = regexp.MustCompile(`[^A-Za-z0-9:_-]+`)

// dropletTag is the tag that puts cluster name's droplets behind its load balancer and firewall. Tags are
// account-wide, so it names the project and stack too: two stacks of one program each get their own.
func dropletTag(project, stack, name string) string {
	t := notDOTagChar.ReplaceAllString("webcluster:"+project+":"+stack+":"+name, "-")
	if len(t) > 255 {
		t = t[:255]
	}
	return t
}

// buildDigitalOcean is the cluster on DigitalOcean: droplets carrying the cluster's tag, behind a load balancer
// that selects them by the tag and checks HealthPath, a firewall that lets HTTP in only from the load balancer,
// and a domain whose www record points at it. A replacement droplet joins the load balancer when it is created,
// by its tag, and its predecessor leaves only when it is deleted at the end of the update.
func buildDigitalOcean(ctx *infra.Context, name string, a Args, child []infra.ResourceOption) (built, error) {
	image, err := do.GetImage(ctx, &do.GetImageArgs{Slug: infra.Ptr("ubuntu-24-04-x64")})
	if err != nil {
		return built{}, err
	}
	tag, err := do.NewTag(ctx, name, &do.TagArgs{Name: infra.String(dropletTag(ctx.Project(), ctx.Stack(), name))}, child...)
	if err != nil {
		return built{}, err
	}
	balancer, err := do.NewLoadBalancer(ctx, name, &do.LoadBalancerArgs{
		Region:     infra.String(a.Region),
		DropletTag: tag.Name,
		ForwardingRules: infra.Val([]do.LBForwardingRule{
			{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80},
		}),
		HealthCheck: infra.Val(do.LBHealthCheck{Protocol: "http", Port: 80, Path: infra.Ptr(HealthPath),
			CheckIntervalSeconds: infra.Ptr(5), HealthyThreshold: infra.Ptr(2), UnhealthyThreshold: infra.Ptr(2)}),
	}, child...)
	if err != nil {
		return built{}, err
	}
	if _, err := do.NewFirewall(ctx, name, &do.FirewallArgs{
		Tags: infra.All(tag.Name),
		InboundRules: infra.Apply(balancer.ID(), func(lbID string) []do.FirewallRule {
			return []do.FirewallRule{{Protocol: "tcp", Ports: infra.Ptr("80"), LoadBalancerUIDs: []string{lbID}}}
		}),
		OutboundRules: infra.Val([]do.FirewallRule{
			{Protocol: "tcp", Ports: infra.Ptr("all"), Addresses: anywhere},
			{Protocol: "udp", Ports: infra.Ptr("all"), Addresses: anywhere},
			{Protocol: "icmp", Addresses: anywhere},
		}),
	}, child...); err != nil {
		return built{}, err
	}

	var b built
	var previous infra.Resource = balancer
	for n := range a.Count {
		droplet, err := do.NewDroplet(ctx, vmName(name, n), &do.DropletArgs{
			Region:        infra.String(a.Region),
			Size:          infra.String(a.Size),
			Image:         infra.String(image.Slug),
			UserData:      infra.String(a.CloudInit),
			Tags:          infra.All(tag.Name),
			WaitHealthyIn: balancer.ID(),
		}, after(child, previous)...)
		if err != nil {
			return built{}, err
		}
		previous = droplet
		b.addresses = append(b.addresses, droplet.IPv4Address)
	}

	domain, err := do.NewDomain(ctx, name, &do.DomainArgs{Name: infra.String(a.Domain)}, child...)
	if err != nil {
		return built{}, err
	}
	if _, err := do.NewDomainRecord(ctx, name+"-www", &do.DomainRecordArgs{
		Domain: domain.Name,
		Type:   infra.String("A"),
		Name:   infra.String("www"),
		Data:   balancer.IP,
		TTL:    infra.Int(300),
	}, child...); err != nil {
		return built{}, err
	}
	b.loadBalancer = balancer.IP
	b.nameServers = infra.Val(doNameServers)
	b.backendPool = balancer.ID()
	return b, nil
}
