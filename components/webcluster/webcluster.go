// Package webcluster is a web cluster as one resource: Count VMs booted with a cloud-init document, behind a load
// balancer that checks /health, with a DNS name, on AWS, Google Cloud or DigitalOcean through the same Args.
// It outputs the site's URL, the load balancer's address and the VMs' addresses.
//
//	web, err := webcluster.New(ctx, "web", &webcluster.Args{
//		Cloud:  webcluster.AWS,
//		Count:  3,
//		Domain: "shop.example.com",
//	})
//	ctx.Export("url", web.URL)
//
// Each VM has its own membership in the load balancer, and a VM whose cloud-init changes is replaced with its
// replacement created (and in the load balancer) before it is deleted, so the cluster keeps serving through a
// release. The component is a Go package of its own module: teams version it with Go module tags (see
// README.md).
package webcluster

import (
	"errors"
	"fmt"
	"strings"

	"github.com/infrago/infra/sdk/infra"
)

// Cloud chooses where the cluster runs.
type Cloud string

// The clouds a cluster can run on. Each needs its provider configured as usual (credentials, region).
const (
	AWS          Cloud = "aws"
	GCP          Cloud = "gcp"
	DigitalOcean Cloud = "digitalocean"
)

// Type is the component's type token.
const Type = "webcluster:index:WebCluster"

// HealthPath is the path the load balancer checks on every VM: a cloud-init document must have the VM answer
// it with 200 once it is ready to serve.
const HealthPath = "/health"

// Args configure a cluster.
type Args struct {
	// Cloud is where it runs. Required.
	Cloud Cloud
	// Count is how many VMs run behind the load balancer, at least 1.
	Count int
	// CloudInit is the cloud-init document every VM boots with; it must serve HealthPath. Empty: DefaultCloudInit
	// of Message. A change replaces the VMs.
	CloudInit string
	// Message is the page DefaultCloudInit serves, when CloudInit is empty. Empty: "Hello from <name>".
	Message string
	// Domain is the DNS zone the cluster creates; the site is www.<Domain>. Required.
	Domain string
	// Size is the VM size: an EC2 instance type (default t3.micro), a Compute Engine machine type (e2-micro) or a
	// droplet size slug (s-1vcpu-1gb).
	Size string
	// Region is the DigitalOcean region (default nyc3). AWS and Google Cloud clusters run in their provider's
	// region.
	Region string
}

// WebCluster is a running cluster.
type WebCluster struct {
	infra.ComponentResourceState

	// URL is the site's address, http://www.<Domain>/.
	URL infra.Output[string]
	// LoadBalancer is the load balancer's address: a DNS name on AWS, an IP address elsewhere.
	LoadBalancer infra.Output[string]
	// Addresses are the VMs' public IPv4 addresses, in order.
	Addresses infra.Output[[]string]
	// NameServers serve the cluster's DNS zone, as host names without a trailing dot on every cloud: delegate
	// Domain to them at its parent zone's registrar.
	NameServers infra.Output[[]string]
	// BackendPool is what the VMs are members of, whose health gates a release: the target group's ARN on AWS,
	// the target pool's path on Google Cloud, the load balancer's ID on DigitalOcean. Monitoring reads its
	// health.
	BackendPool infra.Output[string]
}

// DefaultCloudInit is a cloud-init document for a VM that serves message on / and answers HealthPath.
func DefaultCloudInit(message string) string {
	return fmt.Sprintf(`#cloud-config
package_update: true
packages: [nginx]
write_files:
  - path: /var/www/html/index.html
    content: |
      <h1>%s</h1>
  - path: /var/www/html%s
    content: ok
runcmd:
  - systemctl enable --now nginx
`, message, HealthPath)
}

// validate checks args and fills in defaults, naming the field to fix.
func (a Args) validate(name string) (Args, error) {
	switch a.Cloud {
	case AWS, GCP, DigitalOcean:
	case "":
		return a, fmt.Errorf("webcluster %s: Args.Cloud is not set: choose webcluster.AWS, GCP or DigitalOcean", name)
	default:
		return a, fmt.Errorf("webcluster %s: Args.Cloud %q is not a cloud it runs on: choose webcluster.AWS, GCP or DigitalOcean", name, a.Cloud)
	}
	if a.Count < 1 {
		return a, fmt.Errorf("webcluster %s: Args.Count is %d; run at least one VM", name, a.Count)
	}
	if a.Domain == "" || strings.ContainsAny(a.Domain, " /") || !strings.Contains(a.Domain, ".") {
		return a, fmt.Errorf("webcluster %s: Args.Domain %q is not a DNS zone name such as shop.example.com", name, a.Domain)
	}
	if a.CloudInit == "" {
		msg := a.Message
		if msg == "" {
			msg = "Hello from " + name
		}
		a.CloudInit = DefaultCloudInit(msg)
	}
	if a.Size == "" {
		a.Size = map[Cloud]string{AWS: "t3.micro", GCP: "e2-micro", DigitalOcean: "s-1vcpu-1gb"}[a.Cloud]
	}
	if a.Region == "" && a.Cloud == DigitalOcean {
		a.Region = "nyc3"
	}
	return a, nil
}

// New creates a cluster called name. Its children are named after it ("<name>-web-0", ...), so that several
// clusters can live in one stack.
func New(ctx *infra.Context, name string, args *Args, opts ...infra.ResourceOption) (*WebCluster, error) {
	if args == nil {
		return nil, errors.New("webcluster " + name + ": no Args")
	}
	a, err := args.validate(name)
	if err != nil {
		return nil, err
	}
	c := &WebCluster{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, err
	}
	child := []infra.ResourceOption{infra.Parent(c)}
	var b built
	switch a.Cloud {
	case AWS:
		b, err = buildAWS(ctx, name, a, child)
	case GCP:
		b, err = buildGCP(ctx, name, a, child)
	case DigitalOcean:
		b, err = buildDigitalOcean(ctx, name, a, child)
	}
	if err != nil {
		return nil, fmt.Errorf("webcluster %s on %s: %w", name, a.Cloud, err)
	}
	c.URL = infra.Val("http://www." + a.Domain + "/")
	c.LoadBalancer = b.loadBalancer
	c.Addresses = infra.All(b.addresses...)
	// Cloud DNS gives its name servers fully qualified (a trailing dot), Route 53 and DigitalOcean do not: the
	// output is the same on every cloud.
	c.NameServers = infra.Apply(b.nameServers, func(ns []string) []string {
		out := make([]string, len(ns))
		for i, n := range ns {
			out[i] = strings.TrimSuffix(n, ".")
		}
		return out
	})
	c.BackendPool = b.backendPool
	if err := ctx.RegisterResourceOutputs(c, map[string]infra.AnyOutput{
		"url": c.URL, "loadBalancer": c.LoadBalancer, "addresses": c.Addresses, "nameServers": c.NameServers, "backendPool": c.BackendPool,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// built is what a cloud's part gives the component's outputs.
type built struct {
	loadBalancer infra.Output[string]
	addresses    []infra.Output[string]
	nameServers  infra.Output[[]string]
	backendPool  infra.Output[string]
}

// vmName is the name of VM n of cluster name.
func vmName(name string, n int) string { return fmt.Sprintf("%s-web-%d", name, n) }
