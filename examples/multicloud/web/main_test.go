package main

import (
	"strings"
	"testing"

	"github.com/infrago/infra/components/webcluster/webclustertest"
	"github.com/infrago/infra/examples/multicloud"
	"github.com/infrago/infra/sdk/infratest"
	"github.com/infrago/infra/sdk/resource"
)

func config(clouds, count string) []infratest.Option {
	return []infratest.Option{infratest.Project("multicloud-web"), infratest.Config("clouds", clouds),
		infratest.Config("count", count), infratest.Config("domain", "multicloud.example.com"), infratest.Config("message", "Hello")}
}

// TestClusters: one cluster per configured cloud, each with count VMs and its own zone, exported as the clusters
// the dns project reads.
func TestClusters(t *testing.T) {
	t.Parallel()
	res := infratest.Run(t, program, webclustertest.Mocks(), config("aws,gcp", "3")...)
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
		if c.Zone != zone || c.URL != "http://www."+zone+"/" || len(c.Addresses) != 3 || c.LoadBalancer == "" ||
			strings.Join(c.NameServers, ",") != strings.Join(webclustertest.NameServers, ",") {
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
