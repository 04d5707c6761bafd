// Command do-webcluster is a web cluster on DigitalOcean: dropletCount droplets (configured by cloud-init to
// serve a page and /health) carrying a tag, each with a reserved IP as its stable origin, behind a load balancer
// that checks /health, a cloud firewall that lets HTTP in only from the load balancer, and a domain whose www and
// apex records point at the load balancer. It exports the site's URL and the droplets' addresses.
//
// Setting canaryMessage serves that message from web-0 alone: changing it replaces exactly one droplet while the
// others keep serving. It runs unchanged on real DigitalOcean and on the simulator `infra sim digitalocean`
// serves; see README.md.
package main

import (
	"fmt"

	do "github.com/infrago/infra/sdk/digitalocean"
	"github.com/infrago/infra/sdk/infra"
)

// cloudInit is the user data of a web server: nginx serving a page with message and an empty /health.
func cloudInit(name, message string) string {
	return fmt.Sprintf(`#cloud-config
package_update: true
packages: [nginx]
write_files:
  - path: /var/www/html/index.html
    content: |
      <h1>%s</h1><p>served by %s</p>
  - path: /var/www/html/health
    content: ok
runcmd:
  - systemctl enable --now nginx
`, message, name)
}

// anywhere is every IPv4 and IPv6 address.
var anywhere = []string{"0.0.0.0/0", "::/0"}

func main() {
	infra.Run(func(ctx *infra.Context) error {
		cfg := infra.NewConfig(ctx, "")
		count, err := cfg.GetInt("dropletCount")
		if err != nil {
			return err
		}
		if count < 1 {
			return fmt.Errorf("dropletCount is %d; run at least one web server", count)
		}
		region, size, domain := cfg.Get("region"), cfg.Get("size"), cfg.Get("domain")
		message, canary := cfg.Get("message"), cfg.Get("canaryMessage")

		image, err := do.GetImage(ctx, &do.GetImageArgs{Slug: infra.Ptr(cfg.Get("image"))})
		if err != nil {
			return err
		}

		// The tag is declared so that destroy removes it; the firewall selects the droplets by it.
		web, err := do.NewTag(ctx, "web", &do.TagArgs{Name: infra.String("webcluster-web")})
		if err != nil {
			return err
		}

		ids := make([]infra.Output[int], 0, count)
		publicIPs := make([]infra.Output[string], 0, count)
		reserved := make([]infra.Output[string], 0, count)
		for n := range count {
			name := fmt.Sprintf("web-%d", n)
			msg := message
			if n == 0 && canary != "" {
				msg = canary
			}
			droplet, err := do.NewDroplet(ctx, name, &do.DropletArgs{
				Region:   infra.String(region),
				Size:     infra.String(size),
				Image:    infra.String(image.Slug),
				UserData: infra.String(cloudInit(name, msg)),
				Tags:     infra.All(web.Name),
			})
			if err != nil {
				return err
			}
			ip, err := do.NewReservedIP(ctx, name, &do.ReservedIPArgs{Region: infra.String(region)})
			if err != nil {
				return err
			}
			if _, err := do.NewReservedIPAssignment(ctx, name, &do.ReservedIPAssignmentArgs{
				IPAddress: ip.IPAddress,
				DropletID: droplet.DropletID,
			}); err != nil {
				return err
			}
			ids = append(ids, droplet.DropletID)
			publicIPs = append(publicIPs, droplet.IPv4Address)
			reserved = append(reserved, ip.IPAddress)
		}

		lb, err := do.NewLoadBalancer(ctx, "web", &do.LoadBalancerArgs{
			Region:     infra.String(region),
			DropletIDs: infra.All(ids...),
			ForwardingRules: infra.Val([]do.LBForwardingRule{
				{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80},
			}),
			HealthCheck: infra.Val(do.LBHealthCheck{Protocol: "http", Port: 80, Path: infra.Ptr("/health"),
				CheckIntervalSeconds: infra.Ptr(5), HealthyThreshold: infra.Ptr(2), UnhealthyThreshold: infra.Ptr(2)}),
		})
		if err != nil {
			return err
		}

		if _, err := do.NewFirewall(ctx, "web", &do.FirewallArgs{
			Tags: infra.All(web.Name),
			InboundRules: infra.Apply(lb.ID(), func(lbID string) []do.FirewallRule {
				return []do.FirewallRule{
					{Protocol: "tcp", Ports: infra.Ptr("80"), LoadBalancerUIDs: []string{lbID}},
					{Protocol: "tcp", Ports: infra.Ptr("22"), Addresses: anywhere},
				}
			}),
			OutboundRules: infra.Val([]do.FirewallRule{
				{Protocol: "tcp", Ports: infra.Ptr("all"), Addresses: anywhere},
				{Protocol: "udp", Ports: infra.Ptr("all"), Addresses: anywhere},
				{Protocol: "icmp", Addresses: anywhere},
			}),
		}); err != nil {
			return err
		}

		zone, err := do.NewDomain(ctx, "site", &do.DomainArgs{Name: infra.String(domain)})
		if err != nil {
			return err
		}
		for _, name := range []string{"@", "www"} {
			if _, err := do.NewDomainRecord(ctx, "a-"+map[string]string{"@": "apex", "www": "www"}[name], &do.DomainRecordArgs{
				Domain: zone.Name,
				Type:   infra.String("A"),
				Name:   infra.String(name),
				Data:   lb.IP,
				TTL:    infra.Int(300),
			}); err != nil {
				return err
			}
		}

		ctx.Export("url", infra.Sprintf("http://www.%s/", domain))
		ctx.Export("loadBalancerIp", lb.IP)
		ctx.Export("loadBalancerId", lb.ID())
		ctx.Export("dropletIds", infra.All(ids...))
		ctx.Export("dropletAddresses", infra.All(publicIPs...))
		ctx.Export("reservedIps", infra.All(reserved...))
		return nil
	})
}
