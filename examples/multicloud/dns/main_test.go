package main

import (
	"strings"
	"testing"

	"github.com/infrago/infra/examples/multicloud"
	"github.com/infrago/infra/sdk/infratest"
	"github.com/infrago/infra/sdk/resource"
)

// webStack is what the web stack exports, as the dns project reads it.
func webStack(t *testing.T) func(string) (resource.PropertyMap, error) {
	outs, err := resource.MapFromGo(map[string]any{
		multicloud.DomainOutput: "multicloud.example.com",
		multicloud.ClustersOutput: map[string]multicloud.Cluster{
			"aws": {URL: "http://www.aws.multicloud.example.com/", Zone: "aws.multicloud.example.com", LoadBalancer: "lb.elb.amazonaws.com",
				Addresses: []string{"203.0.113.1"}, NameServers: []string{"ns-1.awsdns-00.com", "ns-2.awsdns-00.net"}},
			"gcp": {URL: "http://www.gcp.multicloud.example.com/", Zone: "gcp.multicloud.example.com", LoadBalancer: "198.51.100.7",
				Addresses: []string{"203.0.113.2"}, NameServers: []string{"ns-cloud-d1.googledomains.com.", "ns-cloud-d2.googledomains.com.", "ns-cloud-d3.googledomains.com."}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return func(stack string) (resource.PropertyMap, error) {
		if stack != "multicloud-web/dev" {
			t.Errorf("read stack %s, want multicloud-web/dev", stack)
		}
		return outs, nil
	}
}

func echo(r infratest.ResourceArgs) (string, resource.PropertyMap, error) {
	return r.Name + "-id", r.Inputs, nil
}

// TestDelegations: one NS record per name server of each cluster, under the cloud's label, each a fully
// qualified name; www points at the primary cloud's site.
func TestDelegations(t *testing.T) {
	t.Parallel()
	res := infratest.Run(t, program, infratest.Mocks{NewResource: echo, StackOutputs: webStack(t)},
		infratest.Project("multicloud-dns"), infratest.Stack("dev"), infratest.Config("primary", "gcp"))
	ns := map[string][]string{}
	for _, r := range res.OfType("digitalocean:index:DomainRecord") {
		var rec struct {
			Domain, Name, Type, Data string
		}
		if err := resource.ToGo(resource.NewMap(r.Inputs), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Domain != "multicloud.example.com" {
			t.Errorf("record %s is in %s", r.Name, rec.Domain)
		}
		switch rec.Type {
		case "NS":
			if !strings.HasSuffix(rec.Data, ".") {
				t.Errorf("NS record %s: %q is not fully qualified", r.Name, rec.Data)
			}
			ns[rec.Name] = append(ns[rec.Name], rec.Data)
		case "CNAME":
			if rec.Name != "www" || rec.Data != "www.gcp.multicloud.example.com." {
				t.Errorf("CNAME %s = %+v, want www to the primary (gcp) site", r.Name, rec)
			}
		}
	}
	if len(ns["aws"]) != 2 || len(ns["gcp"]) != 3 {
		t.Errorf("NS records = %v, want 2 for aws and 3 for gcp", ns)
	}
	if p, _ := res.Output("primary"); p.StringValue() != "gcp" {
		t.Errorf("primary = %v", p)
	}
}

func TestPrimaryNotInWebStack(t *testing.T) {
	t.Parallel()
	_, err := infratest.RunErr(program, infratest.Mocks{NewResource: echo, StackOutputs: webStack(t)},
		infratest.Stack("dev"), infratest.Config("primary", "digitalocean"))
	if err == nil || !strings.Contains(err.Error(), `has no cluster on "digitalocean"; it has aws, gcp`) {
		t.Errorf("got %v, want the clouds the web stack has", err)
	}
}
