// Command gcp-webcluster is a web cluster on Google Cloud: instanceCount web servers (Compute Engine
// instances configured by cloud-init) in the default network behind a regional network load balancer (a target
// pool with an HTTP health check, one membership per server, and a forwarding rule on a static regional
// address), a firewall rule that lets HTTP and the health checks in, and a Cloud DNS zone whose www record
// points at the address. It exports the site's URL and the servers' addresses.
//
// It runs unchanged on real Google Cloud and on the simulator `infra sim gcp` serves; see README.md.
package main

import (
	"fmt"

	"github.com/infrago/infra/sdk/gcp/compute"
	"github.com/infrago/infra/sdk/gcp/dns"
	"github.com/infrago/infra/sdk/infra"
)

// cloudInit is the user data of web server n: nginx serving a page that names the server.
func cloudInit(n int) string {
	return fmt.Sprintf(`#cloud-config
package_update: true
packages: [nginx]
write_files:
  - path: /var/www/html/index.html
    content: |
      <h1>Hello from web-%d</h1>
runcmd:
  - systemctl enable --now nginx
`, n)
}

// webTag is the network tag the firewall rule selects the web servers by.
const webTag = "webcluster-web"

// httpSources are the ranges HTTP may come from: anywhere (a network load balancer passes the clients'
// own addresses through), which includes the ranges Google's health checkers probe from; those are listed
// too so that the rule still admits the probes when the first range is narrowed.
var httpSources = []string{"0.0.0.0/0", "35.191.0.0/16", "209.85.152.0/22", "209.85.204.0/22"}

func main() {
	infra.Run(func(ctx *infra.Context) error {
		cfg := infra.NewConfig(ctx, "")
		count, err := cfg.GetInt("instanceCount")
		if err != nil {
			return err
		}
		if count < 1 {
			return fmt.Errorf("instanceCount is %d; run at least one web server", count)
		}
		domain := cfg.Get("domain")
		machineType := cfg.Get("machineType")

		image, err := compute.GetImage(ctx, &compute.GetImageArgs{Project: "debian-cloud", Family: infra.Ptr("debian-12")})
		if err != nil {
			return err
		}
		zones, err := compute.GetZones(ctx, nil)
		if err != nil {
			return err
		}
		if len(zones.Names) == 0 {
			return fmt.Errorf("the provider's region has no zones; set gcp:region to a region that has some")
		}

		if _, err := compute.NewFirewall(ctx, "http", &compute.FirewallArgs{
			Description:  infra.String("web cluster: HTTP and health checks to the web servers"),
			Allows:       infra.Val([]compute.FirewallRule{{Protocol: "tcp", Ports: []string{"80"}}}),
			SourceRanges: infra.Val(httpSources),
			TargetTags:   infra.Val([]string{webTag}),
		}); err != nil {
			return err
		}

		check, err := compute.NewHealthCheck(ctx, "http", &compute.HealthCheckArgs{
			Description: infra.String("web cluster: GET / on port 80"),
			Type:        infra.String("HTTP"),
			Port:        infra.Int(80),
			RequestPath: infra.String("/"),
		})
		if err != nil {
			return err
		}
		pool, err := compute.NewTargetPool(ctx, "web", &compute.TargetPoolArgs{
			Description:  infra.String("web cluster servers"),
			HealthChecks: infra.All(check.ID()),
		})
		if err != nil {
			return err
		}
		address, err := compute.NewAddress(ctx, "web", &compute.AddressArgs{
			Description: infra.String("web cluster load balancer"),
			Labels:      infra.Val(map[string]string{"app": "webcluster"}),
		})
		if err != nil {
			return err
		}
		if _, err := compute.NewForwardingRule(ctx, "http", &compute.ForwardingRuleArgs{
			IPAddress:  address.IPAddress,
			IPProtocol: infra.String("TCP"),
			PortRange:  infra.String("80"),
			Target:     pool.ID(),
			Labels:     infra.Val(map[string]string{"app": "webcluster"}),
		}); err != nil {
			return err
		}

		addresses := make([]infra.Output[string], 0, count)
		for n := range count {
			name := fmt.Sprintf("web-%d", n)
			server, err := compute.NewInstance(ctx, name, &compute.InstanceArgs{
				Zone:        infra.String(zones.Names[n%len(zones.Names)]),
				MachineType: infra.String(machineType),
				BootDisk:    infra.Val(compute.BootDisk{Image: image.ImageID}),
				UserData:    infra.String(cloudInit(n)),
				Tags:        infra.Val([]string{webTag}),
				Labels:      infra.Val(map[string]string{"app": "webcluster", "server": name}),
			})
			if err != nil {
				return err
			}
			if _, err := compute.NewTargetPoolMember(ctx, name, &compute.TargetPoolMemberArgs{
				TargetPool: pool.ID(),
				Instance:   server.ID(),
			}); err != nil {
				return err
			}
			addresses = append(addresses, server.PublicIP)
		}

		zone, err := dns.NewManagedZone(ctx, "zone", &dns.ManagedZoneArgs{
			DNSName:     infra.String(domain),
			Description: infra.String("web cluster"),
		})
		if err != nil {
			return err
		}
		www, err := dns.NewRecordSet(ctx, "www", &dns.RecordSetArgs{
			ManagedZone: zone.ID(),
			Name:        infra.String("www." + domain),
			Type:        infra.String("A"),
			TTL:         infra.Int(300),
			Rrdatas:     infra.All(address.IPAddress),
		})
		if err != nil {
			return err
		}

		ctx.Export("url", infra.Sprintf("http://www.%s/", domain))
		ctx.Export("address", address.IPAddress)
		ctx.Export("record", www.Name)
		ctx.Export("instanceAddresses", infra.All(addresses...))
		ctx.Export("nameServers", zone.NameServers)
		ctx.Export("instanceCount", infra.Int(count))
		return nil
	})
}
