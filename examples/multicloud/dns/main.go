// Command dns is the multicloud example's second project: it holds the parent domain on DigitalOcean and, from
// the web project's outputs read through a stack reference, delegates each cloud's zone <cloud>.<domain> to that
// cluster's name servers (NS records), and points www.<domain> at the primary cloud's site (a CNAME), so that
// moving the site to another cloud is one config change here.
package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/infrago/infra/examples/multicloud"
	do "github.com/infrago/infra/sdk/digitalocean"
	"github.com/infrago/infra/sdk/infra"
)

func main() {
	infra.Run(program)
}

func program(ctx *infra.Context) error {
	cfg := infra.NewConfig(ctx, "")
	webStack := cfg.Get("webStack")
	if webStack == "" {
		// The stack of the same name in the web project: dev reads multicloud-web/dev.
		webStack = "multicloud-web/" + ctx.Stack()
	}
	web, err := infra.NewStackReference(ctx, webStack)
	if err != nil {
		return err
	}
	// The web stack's outputs are known now, also in a preview: they decide how many records to declare.
	domain, err := infra.StackValue[string](web, multicloud.DomainOutput)
	if err != nil {
		return err
	}
	clusters, err := infra.StackValue[map[string]multicloud.Cluster](web, multicloud.ClustersOutput)
	if err != nil {
		return err
	}
	clouds := slices.Sorted(maps.Keys(clusters))
	if len(clouds) == 0 {
		return fmt.Errorf("stack %s has no clusters: run `infra up` in the web project first", webStack)
	}
	primary := cfg.Get("primary")
	if primary == "" {
		primary = clouds[0]
	}
	if _, ok := clusters[primary]; !ok {
		return fmt.Errorf("config primary: stack %s has no cluster on %q; it has %s (infra config set primary <cloud>)",
			webStack, primary, strings.Join(clouds, ", "))
	}

	parent, err := do.NewDomain(ctx, "parent", &do.DomainArgs{Name: infra.String(domain)})
	if err != nil {
		return err
	}
	delegations := map[string][]string{}
	sites := map[string]string{}
	for _, cloud := range clouds {
		c := clusters[cloud]
		label := strings.TrimSuffix(c.Zone, "."+domain)
		if label == c.Zone || label == "" {
			return fmt.Errorf("stack %s: the %s cluster's zone %q is not under %s", webStack, cloud, c.Zone, domain)
		}
		for i, ns := range c.NameServers {
			if _, err := do.NewDomainRecord(ctx, fmt.Sprintf("%s-ns-%d", cloud, i), &do.DomainRecordArgs{
				Domain: parent.Name,
				Name:   infra.String(label),
				Type:   infra.String("NS"),
				Data:   infra.String(fqdn(ns)),
				TTL:    infra.Int(3600),
			}); err != nil {
				return err
			}
		}
		delegations[c.Zone] = c.NameServers
		sites[cloud] = c.URL
	}
	if _, err := do.NewDomainRecord(ctx, "www", &do.DomainRecordArgs{
		Domain: parent.Name,
		Name:   infra.String("www"),
		Type:   infra.String("CNAME"),
		Data:   infra.String(fqdn("www." + clusters[primary].Zone)),
		TTL:    infra.Int(300),
	}); err != nil {
		return err
	}
	ctx.Export("url", infra.Val("http://www."+domain+"/"))
	ctx.Export("primary", infra.Val(primary))
	ctx.Export("delegations", infra.Val(delegations))
	ctx.Export("sites", infra.Val(sites))
	return nil
}

// fqdn is name with the trailing dot DNS records' host names take.
func fqdn(name string) string { return strings.TrimSuffix(name, ".") + "." }
