// Command web is the multicloud example's first project: the webcluster component on several clouds at once
// (AWS and Google Cloud unless configured otherwise), each cluster with its own DNS zone <cloud>.<domain> and its
// site at www.<cloud>.<domain>. It exports every cluster as a multicloud.Cluster, for the dns project to
// delegate the zones from the parent domain.
package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/infrago/infra/components/webcluster"
	"github.com/infrago/infra/examples/multicloud"
	"github.com/infrago/infra/sdk/infra"
)

func main() {
	infra.Run(program)
}

func program(ctx *infra.Context) error {
	cfg := infra.NewConfig(ctx, "")
	clouds, err := cloudsOf(cfg.Get("clouds"))
	if err != nil {
		return err
	}
	count, err := cfg.GetInt("count")
	if err != nil {
		return err
	}
	domain := cfg.Get("domain")
	var all []infra.Output[multicloud.Cluster]
	for _, cloud := range clouds {
		zone := string(cloud) + "." + domain
		// Naming each cluster after its cloud keeps every cloud's resources apart in one stack (aws-web-0, ...).
		web, err := webcluster.New(ctx, string(cloud), &webcluster.Args{
			Cloud:   cloud,
			Count:   count,
			Domain:  zone,
			Message: strings.TrimSpace(cfg.Get("message") + " (" + string(cloud) + ")"),
		})
		if err != nil {
			return err
		}
		c := infra.Apply3(web.LoadBalancer, web.Addresses, web.NameServers, func(lb string, addrs, ns []string) multicloud.Cluster {
			return multicloud.Cluster{Zone: zone, LoadBalancer: lb, Addresses: addrs, NameServers: ns}
		})
		all = append(all, infra.Apply2(web.URL, c, func(url string, c multicloud.Cluster) multicloud.Cluster {
			c.URL = url
			return c
		}))
		ctx.Export(string(cloud)+"Url", web.URL)
	}
	ctx.Export(multicloud.DomainOutput, infra.Val(domain))
	ctx.Export(multicloud.ClustersOutput, infra.Apply(infra.All(all...), func(cs []multicloud.Cluster) map[string]multicloud.Cluster {
		m := make(map[string]multicloud.Cluster, len(cs))
		for i, c := range cs {
			m[string(clouds[i])] = c
		}
		return m
	}))
	return nil
}

// cloudsOf parses the clouds setting: a comma-separated list of aws, gcp and digitalocean, each at most once.
func cloudsOf(s string) ([]webcluster.Cloud, error) {
	var clouds []webcluster.Cloud
	for f := range strings.SplitSeq(s, ",") {
		c := webcluster.Cloud(strings.TrimSpace(f))
		switch c {
		case webcluster.AWS, webcluster.GCP, webcluster.DigitalOcean:
		default:
			return nil, fmt.Errorf("config clouds: %q is not a cloud: list aws, gcp and digitalocean, comma-separated (infra config set clouds aws,gcp)", c)
		}
		if slices.Contains(clouds, c) {
			return nil, fmt.Errorf("config clouds: %s is listed twice", c)
		}
		clouds = append(clouds, c)
	}
	return clouds, nil
}
