// Package webclustertest helps the programs that use the webcluster component test themselves with
// sdk/infratest: Mocks answers, as each cloud would, for every resource the component declares and every
// function it calls, so that a program's unit tests need not know what the component is made of.
//
//	res := infratest.Run(t, program, webclustertest.Mocks(), infratest.Config("cloud", "gcp"))
//	vms := res.OfType("gcp:compute:Instance")
//
// A program that declares resources of its own besides the component can wrap the mock:
//
//	m := webclustertest.Mocks()
//	cluster := m.NewResource
//	m.NewResource = func(r infratest.ResourceArgs) (string, resource.PropertyMap, error) {
//		if r.Type == "acme:index:Thing" {
//			return "thing-1", r.Inputs, nil
//		}
//		return cluster(r)
//	}
package webclustertest

import (
	"fmt"
	"strings"

	"github.com/infrago/infra/sdk/infratest"
	"github.com/infrago/infra/sdk/resource"
)

// Mocks plays the aws, gcp and digitalocean providers for the component. A resource's ID is its name plus "-id";
// its outputs are its inputs plus what only the cloud knows, derived from names so that tests can expect them:
//
//   - VM "<cluster>-web-<n>" has the public address VMAddress(n) (publicIp, ipv4Address);
//   - an AWS load balancer's DNS name is "<name>.us-east-1.elb.amazonaws.com"; the Google Cloud load balancer's
//     address is 198.51.100.7, the DigitalOcean one's 198.51.100.9;
//   - a Route 53 or Cloud DNS zone is served by NameServers (Cloud DNS's written fully qualified, with a
//     trailing dot, as Google writes them).
//
// Functions: the default VPC (two subnets in us-east-1a and us-east-1b), images on each cloud, the zones of a
// Google Cloud region. Any other resource gets its inputs as outputs; any other function fails, naming it.
func Mocks() infratest.Mocks {
	return infratest.Mocks{NewResource: newResource, Call: call}
}

// NameServers are the name servers of every mocked Route 53 and Cloud DNS zone.
var NameServers = []string{"ns-1.example.net", "ns-2.example.net"}

// VMAddress is the public address of VM n of a mocked cluster: 203.0.113.<10+n>.
func VMAddress(n int) string { return fmt.Sprintf("203.0.113.%d", 10+n) }

func newResource(r infratest.ResourceArgs) (string, resource.PropertyMap, error) {
	outs := r.Inputs.Copy()
	switch r.Type {
	case "aws:ec2:Instance", "gcp:compute:Instance":
		outs["publicIp"] = resource.NewString(VMAddress(vmIndex(r.Name)))
	case "aws:lb:LoadBalancer":
		outs["arn"] = resource.NewString("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/" + r.Name)
		outs["dnsName"] = resource.NewString(r.Name + ".us-east-1.elb.amazonaws.com")
		outs["zoneId"] = resource.NewString("Z35SXDOTRQ7X7K")
	case "aws:lb:TargetGroup":
		outs["arn"] = resource.NewString("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/" + r.Name)
	case "aws:route53:Zone":
		outs["zoneId"] = resource.NewString("Z0" + strings.ToUpper(r.Name))
		outs["nameServers"] = names(NameServers, "")
	case "gcp:dns:ManagedZone":
		outs["zoneId"] = resource.NewString("Z0" + strings.ToUpper(r.Name))
		outs["nameServers"] = names(NameServers, ".")
	case "gcp:compute:Address":
		outs["ipAddress"] = resource.NewString("198.51.100.7")
	case "digitalocean:index:Droplet":
		outs["ipv4Address"] = resource.NewString(VMAddress(vmIndex(r.Name)))
	case "digitalocean:index:LoadBalancer":
		outs["ip"] = resource.NewString("198.51.100.9")
	}
	return r.Name + "-id", outs, nil
}

func call(c infratest.CallArgs) (resource.PropertyMap, error) {
	switch c.Token {
	case "aws:ec2:getDefaultVpc":
		return resource.MapFromGo(map[string]any{"vpcId": "vpc-1", "cidrBlock": "172.31.0.0/16",
			"subnetIds": []string{"subnet-a", "subnet-b"}, "availabilityZones": []string{"us-east-1a", "us-east-1b"}})
	case "aws:ec2:getAmi":
		return resource.MapFromGo(map[string]any{"imageId": "ami-0abc", "architecture": "x86_64"})
	case "gcp:compute:getImage":
		return resource.MapFromGo(map[string]any{"imageId": "projects/debian-cloud/global/images/debian-12-v1", "family": "debian-12"})
	case "gcp:compute:getZones":
		return resource.MapFromGo(map[string]any{"names": []string{"us-central1-a", "us-central1-b", "us-central1-c"}})
	case "digitalocean:index:getImage":
		return resource.MapFromGo(map[string]any{"slug": "ubuntu-24-04-x64", "imageId": 1})
	}
	return nil, fmt.Errorf("webclustertest: no mock for the function %s (the component does not call it)", c.Token)
}

// vmIndex is n of a VM named "<cluster>-web-<n>" (GCP names carry a hash after it: "<cluster>-web-<n>-<hash>").
func vmIndex(name string) int {
	_, rest, ok := strings.Cut(name, "-web-")
	if !ok {
		return 0
	}
	var n int
	_, _ = fmt.Sscan(strings.SplitN(rest, "-", 2)[0], &n)
	return n
}

func names(ns []string, suffix string) resource.PropertyValue {
	l := make([]resource.PropertyValue, len(ns))
	for i, n := range ns {
		l[i] = resource.NewString(n + suffix)
	}
	return resource.NewList(l)
}
