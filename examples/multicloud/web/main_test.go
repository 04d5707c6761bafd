package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/infrago/infra/examples/multicloud"
	"github.com/infrago/infra/sdk/infratest"
	"github.com/infrago/infra/sdk/resource"
)

// clouds play the aws and gcp providers for the component: the functions it calls and the outputs only a cloud
// knows (addresses, ARNs, name servers).
var clouds = infratest.Mocks{
	NewResource: func(r infratest.ResourceArgs) (string, resource.PropertyMap, error) {
		outs := r.Inputs.Copy()
		switch r.Type {
		case "aws:ec2:Instance", "gcp:compute:Instance":
			outs["publicIp"] = resource.NewString("203.0.113." + r.Name[strings.LastIndexByte(r.Name, '-')+1:])
		case "aws:lb:LoadBalancer":
			outs["arn"] = resource.NewString("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/" + r.Name)
			outs["dnsName"] = resource.NewString(r.Name + ".us-east-1.elb.amazonaws.com")
		case "aws:lb:TargetGroup":
			outs["arn"] = resource.NewString("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/" + r.Name)
		case "aws:route53:Zone", "gcp:dns:ManagedZone":
			outs["zoneId"] = resource.NewString("Z-" + r.Name)
			outs["nameServers"] = resource.NewList([]resource.PropertyValue{
				resource.NewString("ns-1." + r.Name + ".example.net"), resource.NewString("ns-2." + r.Name + ".example.net")})
		case "gcp:compute:Address":
			outs["ipAddress"] = resource.NewString("198.51.100.7")
		}
		return r.Name + "-id", outs, nil
	},
	Call: func(c infratest.CallArgs) (resource.PropertyMap, error) {
		switch c.Token {
		case "aws:ec2:getDefaultVpc":
			return resource.MapFromGo(map[string]any{"vpcId": "vpc-1", "cidrBlock": "172.31.0.0/16",
				"subnetIds": []string{"subnet-a", "subnet-b"}, "availabilityZones": []string{"us-east-1a", "us-east-1b"}})
		case "aws:ec2:getAmi":
			return resource.MapFromGo(map[string]any{"imageId": "ami-0abc", "architecture": "x86_64"})
		case "gcp:compute:getImage":
			return resource.MapFromGo(map[string]any{"imageId": "projects/debian-cloud/global/images/debian-12-v1"})
		case "gcp:compute:getZones":
			return resource.MapFromGo(map[string]any{"names": []string{"us-central1-a", "us-central1-b"}})
		}
		return nil, fmt.Errorf("no mock for %s", c.Token)
	},
}

func config(clouds, count string) []infratest.Option {
	return []infratest.Option{infratest.Project("multicloud-web"), infratest.Config("clouds", clouds),
		infratest.Config("count", count), infratest.Config("domain", "multicloud.example.com"), infratest.Config("message", "Hello")}
}

// TestClusters: one cluster per configured cloud, each with count VMs and its own zone, exported as the clusters
// the dns project reads.
func TestClusters(t *testing.T) {
	t.Parallel()
	res := infratest.Run(t, program, clouds, config("aws,gcp", "3")...)
	if n := len(res.OfType("webcluster:index:WebCluster")); n != 2 {
		t.Errorf("%d clusters, want 2", n)
	}
	if n, m := len(res.OfType("aws:ec2:Instance")), len(res.OfType("gcp:compute:Instance")); n != 3 || m != 3 {
		t.Errorf("%d AWS and %d Google Cloud VMs, want 3 each", n, m)
	}
	v, ok := res.Output(multicloud.ClustersOutput)
	if !ok {
		t.Fatalf("no %s output: %v", multicloud.ClustersOutput, res.Outputs)
	}
	var got map[string]multicloud.Cluster
	if err := resource.ToGo(v, &got); err != nil {
		t.Fatal(err)
	}
	for _, cloud := range []string{"aws", "gcp"} {
		c := got[cloud]
		zone := cloud + ".multicloud.example.com"
		if c.Zone != zone || c.URL != "http://www."+zone+"/" || len(c.Addresses) != 3 || len(c.NameServers) != 2 || c.LoadBalancer == "" {
			t.Errorf("cluster %s = %+v", cloud, c)
		}
	}
	if d, _ := res.Output(multicloud.DomainOutput); d.StringValue() != "multicloud.example.com" {
		t.Errorf("domain = %v", d)
	}
}

func TestBadClouds(t *testing.T) {
	t.Parallel()
	for clouds, want := range map[string]string{
		"aws,azure": `config clouds: "azure" is not a cloud`,
		"gcp,gcp":   "gcp is listed twice",
	} {
		if _, err := infratest.RunErr(program, infratest.Mocks{}, config(clouds, "2")...); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("clouds %s: %v, want %q", clouds, err, want)
		}
	}
}
