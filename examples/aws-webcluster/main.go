// Command aws-webcluster is a web cluster on AWS: instanceCount web servers (EC2 instances configured by
// cloud-init) in the default VPC behind an application load balancer, a security group for each tier, and a
// Route 53 zone whose www record is an alias to the load balancer. It exports the site's URL.
//
// It runs unchanged on real AWS and on the simulator `infra sim aws` serves; see README.md.
package main

import (
	"fmt"

	"github.com/infrago/infra/sdk/aws/ec2"
	"github.com/infrago/infra/sdk/aws/lb"
	"github.com/infrago/infra/sdk/aws/route53"
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

// everywhere is the one IPv4 range that matches every address.
var everywhere = []string{"0.0.0.0/0"}

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
		instanceType := cfg.Get("instanceType")

		network, err := ec2.GetDefaultVPC(ctx, nil)
		if err != nil {
			return err
		}
		if len(network.SubnetIDs) < 2 {
			return fmt.Errorf("the default VPC has %d subnets; an application load balancer needs two", len(network.SubnetIDs))
		}
		image, err := ec2.GetAMI(ctx, &ec2.GetAMIArgs{
			Owners:  []string{"099720109477"}, // Canonical
			Filters: []ec2.Filter{{Name: "name", Values: []string{"ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"}}},
		})
		if err != nil {
			return err
		}

		// The load balancer takes HTTP from anywhere; the web servers take it from the load balancer only.
		albGroup, err := ec2.NewSecurityGroup(ctx, "alb", &ec2.SecurityGroupArgs{
			Description: infra.String("web cluster load balancer"),
			Ingress:     infra.Val([]ec2.SecurityGroupRule{{Protocol: "tcp", FromPort: infra.Ptr(80), ToPort: infra.Ptr(80), CIDRBlocks: everywhere}}),
			Egress:      infra.Val([]ec2.SecurityGroupRule{{Protocol: "-1", CIDRBlocks: everywhere}}),
		})
		if err != nil {
			return err
		}
		webGroup, err := ec2.NewSecurityGroup(ctx, "web", &ec2.SecurityGroupArgs{
			Description: infra.String("web cluster servers"),
			Ingress: infra.Apply(albGroup.ID(), func(alb string) []ec2.SecurityGroupRule {
				return []ec2.SecurityGroupRule{{Protocol: "tcp", FromPort: infra.Ptr(80), ToPort: infra.Ptr(80), SecurityGroups: []string{alb}}}
			}),
			Egress: infra.Val([]ec2.SecurityGroupRule{{Protocol: "-1", CIDRBlocks: everywhere}}),
		})
		if err != nil {
			return err
		}

		targets, err := lb.NewTargetGroup(ctx, "web", &lb.TargetGroupArgs{
			Port:        infra.Int(80),
			VPCID:       infra.String(network.VPCID),
			HealthCheck: infra.Val(lb.HealthCheck{Path: infra.Ptr("/"), Interval: infra.Ptr(15)}),
		})
		if err != nil {
			return err
		}
		alb, err := lb.NewLoadBalancer(ctx, "web", &lb.LoadBalancerArgs{
			Subnets:        infra.Val(network.SubnetIDs),
			SecurityGroups: infra.All(albGroup.ID()),
			Tags:           infra.Val(map[string]string{"app": "webcluster"}),
		})
		if err != nil {
			return err
		}
		if _, err := lb.NewListener(ctx, "http", &lb.ListenerArgs{
			LoadBalancerARN: alb.ARN,
			Port:            infra.Int(80),
			DefaultActions: infra.Apply(targets.ARN, func(arn string) []lb.ListenerAction {
				return []lb.ListenerAction{{Type: "forward", TargetGroupARN: &arn}}
			}),
		}); err != nil {
			return err
		}

		for n := range count {
			name := fmt.Sprintf("web-%d", n)
			server, err := ec2.NewInstance(ctx, name, &ec2.InstanceArgs{
				AMI:              infra.String(image.ImageID),
				InstanceType:     infra.String(instanceType),
				SubnetID:         infra.String(network.SubnetIDs[n%len(network.SubnetIDs)]),
				SecurityGroupIDs: infra.All(webGroup.ID()),
				UserData:         infra.String(cloudInit(n)),
				Tags:             infra.Val(map[string]string{"Name": name, "app": "webcluster"}),
			})
			if err != nil {
				return err
			}
			if _, err := lb.NewTargetGroupAttachment(ctx, name, &lb.TargetGroupAttachmentArgs{
				TargetGroupARN: targets.ARN,
				TargetID:       server.ID(),
			}); err != nil {
				return err
			}
		}

		zone, err := route53.NewZone(ctx, "zone", &route53.ZoneArgs{Name: infra.String(domain)})
		if err != nil {
			return err
		}
		www, err := route53.NewRecord(ctx, "www", &route53.RecordArgs{
			ZoneID: zone.ZoneID,
			Name:   infra.String("www." + domain),
			Type:   infra.String("A"),
			Alias: infra.Apply2(alb.DNSName, alb.ZoneID, func(name, zoneID string) route53.Alias {
				return route53.Alias{Name: name, ZoneID: zoneID, EvaluateTargetHealth: infra.Ptr(true)}
			}),
		})
		if err != nil {
			return err
		}

		ctx.Export("url", infra.Sprintf("http://%s/", www.FQDN))
		ctx.Export("loadBalancerDns", alb.DNSName)
		ctx.Export("nameServers", zone.NameServers)
		ctx.Export("instanceCount", infra.Int(count))
		return nil
	})
}
