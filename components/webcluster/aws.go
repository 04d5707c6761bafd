package webcluster

import (
	"fmt"

	"github.com/infrago/infra/sdk/aws/ec2"
	"github.com/infrago/infra/sdk/aws/lb"
	"github.com/infrago/infra/sdk/aws/route53"
	"github.com/infrago/infra/sdk/infra"
)

// everywhere is the one IPv4 range that matches every address.
var everywhere = []string{"0.0.0.0/0"}

// buildAWS is the cluster on AWS: instances in the default VPC behind an application load balancer whose target
// group checks HealthPath, a security group per tier, and a Route 53 zone whose www record aliases the balancer.
func buildAWS(ctx *infra.Context, name string, a Args, child []infra.ResourceOption) (built, error) {
	network, err := ec2.GetDefaultVPC(ctx, nil)
	if err != nil {
		return built{}, err
	}
	if len(network.SubnetIDs) < 2 {
		return built{}, fmt.Errorf("the default VPC has %d subnets; an application load balancer needs two in different zones", len(network.SubnetIDs))
	}
	image, err := ec2.GetAMI(ctx, &ec2.GetAMIArgs{
		Owners:  []string{"099720109477"}, // Canonical
		Filters: []ec2.Filter{{Name: "name", Values: []string{"ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"}}},
	})
	if err != nil {
		return built{}, err
	}

	// The load balancer takes HTTP from anywhere; the VMs take it from the load balancer only.
	albGroup, err := ec2.NewSecurityGroup(ctx, name+"-lb", &ec2.SecurityGroupArgs{
		Description: infra.String("web cluster " + name + ": load balancer"),
		Ingress:     infra.Val([]ec2.SecurityGroupRule{{Protocol: "tcp", FromPort: infra.Ptr(80), ToPort: infra.Ptr(80), CIDRBlocks: everywhere}}),
		Egress:      infra.Val([]ec2.SecurityGroupRule{{Protocol: "-1", CIDRBlocks: everywhere}}),
	}, child...)
	if err != nil {
		return built{}, err
	}
	webGroup, err := ec2.NewSecurityGroup(ctx, name+"-web", &ec2.SecurityGroupArgs{
		Description: infra.String("web cluster " + name + ": VMs"),
		Ingress: infra.Apply(albGroup.ID(), func(alb string) []ec2.SecurityGroupRule {
			return []ec2.SecurityGroupRule{{Protocol: "tcp", FromPort: infra.Ptr(80), ToPort: infra.Ptr(80), SecurityGroups: []string{alb}}}
		}),
		Egress: infra.Val([]ec2.SecurityGroupRule{{Protocol: "-1", CIDRBlocks: everywhere}}),
	}, child...)
	if err != nil {
		return built{}, err
	}
	targets, err := lb.NewTargetGroup(ctx, name, &lb.TargetGroupArgs{
		Port:        infra.Int(80),
		VPCID:       infra.String(network.VPCID),
		HealthCheck: infra.Val(lb.HealthCheck{Path: infra.Ptr(HealthPath), Interval: infra.Ptr(10), HealthyThreshold: infra.Ptr(2)}),
	}, child...)
	if err != nil {
		return built{}, err
	}
	alb, err := lb.NewLoadBalancer(ctx, name, &lb.LoadBalancerArgs{
		Subnets:        infra.Val(network.SubnetIDs),
		SecurityGroups: infra.All(albGroup.ID()),
		Tags:           infra.Val(map[string]string{"webcluster": name}),
	}, child...)
	if err != nil {
		return built{}, err
	}
	listener, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
		LoadBalancerARN: alb.ARN,
		Port:            infra.Int(80),
		DefaultActions: infra.Apply(targets.ARN, func(arn string) []lb.ListenerAction {
			return []lb.ListenerAction{{Type: "forward", TargetGroupARN: &arn}}
		}),
	}, child...)
	if err != nil {
		return built{}, err
	}

	var b built
	var previous infra.Resource = listener
	for n := range a.Count {
		vm := vmName(name, n)
		server, err := ec2.NewInstance(ctx, vm, &ec2.InstanceArgs{
			AMI:              infra.String(image.ImageID),
			InstanceType:     infra.String(a.Size),
			SubnetID:         infra.String(network.SubnetIDs[n%len(network.SubnetIDs)]),
			SecurityGroupIDs: infra.All(webGroup.ID()),
			UserData:         infra.String(a.CloudInit),
			Tags:             infra.Val(map[string]string{"Name": vm, "webcluster": name}),
		}, after(child, previous)...)
		if err != nil {
			return built{}, err
		}
		member, err := lb.NewTargetGroupAttachment(ctx, vm, &lb.TargetGroupAttachmentArgs{
			TargetGroupARN: targets.ARN,
			TargetID:       server.ID(),
			WaitHealthy:    infra.Bool(true),
		}, child...)
		if err != nil {
			return built{}, err
		}
		previous = member
		b.addresses = append(b.addresses, server.PublicIP)
	}

	zone, err := route53.NewZone(ctx, name, &route53.ZoneArgs{Name: infra.String(a.Domain)}, child...)
	if err != nil {
		return built{}, err
	}
	if _, err := route53.NewRecord(ctx, name+"-www", &route53.RecordArgs{
		ZoneID: zone.ZoneID,
		Name:   infra.String("www." + a.Domain),
		Type:   infra.String("A"),
		Alias: infra.Apply2(alb.DNSName, alb.ZoneID, func(dnsName, zoneID string) route53.Alias {
			return route53.Alias{Name: dnsName, ZoneID: zoneID, EvaluateTargetHealth: infra.Ptr(true)}
		}),
	}, child...); err != nil {
		return built{}, err
	}
	b.loadBalancer = alb.DNSName
	b.nameServers = zone.NameServers
	b.backendPool = targets.ARN
	return b, nil
}

// after is opts with a dependency on previous: VM n is created only once VM n-1 is healthy in the load
// balancer, which is what makes a change of every VM a rolling one.
func after(opts []infra.ResourceOption, previous infra.Resource) []infra.ResourceOption {
	if previous == nil {
		return opts
	}
	return append(append([]infra.ResourceOption{}, opts...), infra.DependsOn(previous))
}
