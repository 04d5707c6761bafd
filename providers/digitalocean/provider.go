// Package digitalocean is the digitalocean provider: droplets, reserved IPs and their assignments, load
// balancers, cloud firewalls, VPCs, SSH keys, tags, and domains with their records, built on the provider kit and
// DigitalOcean's own Go client (github.com/digitalocean/godo) with its retrying HTTP client, exactly as it is used
// against DigitalOcean. Point it at the simulator in providers/digitalocean/sim (the endpoint configuration) to
// run programs with no DigitalOcean account.
//
// DigitalOcean's API takes no idempotency token, so every droplet a create makes carries two tags: infra-urn:...
// naming the resource and infra-token:... naming the create attempt. A create cut off by a crash is found again by
// Lookup through the token tag and adopted instead of being made twice. Objects that take no tags are found by
// what makes them unique (a VPC's or a load balancer's name, an SSH key's fingerprint, a domain's name, a record's
// type, name and data).
package digitalocean

import (
	"os"

	"github.com/hashicorp/go-hclog"

	"github.com/infrago/infra/sdk/provider"
)

// Name is the provider's package name, the first part of its type tokens.
const Name = "digitalocean"

// Version is the provider's semantic version.
const Version = "0.1.0"

// Type tokens of the provider's resources and functions.
const (
	DropletToken              = "digitalocean:index:Droplet"
	SSHKeyToken               = "digitalocean:index:SSHKey"
	TagToken                  = "digitalocean:index:Tag"
	VPCToken                  = "digitalocean:index:VPC"
	ReservedIPToken           = "digitalocean:index:ReservedIP"
	ReservedIPAssignmentToken = "digitalocean:index:ReservedIPAssignment"
	LoadBalancerToken         = "digitalocean:index:LoadBalancer"
	FirewallToken             = "digitalocean:index:Firewall"
	DomainToken               = "digitalocean:index:Domain"
	DomainRecordToken         = "digitalocean:index:DomainRecord"

	GetImageToken   = "digitalocean:index:getImage"
	GetSizesToken   = "digitalocean:index:getSizes"
	GetRegionsToken = "digitalocean:index:getRegions"
)

// Options adjust a provider instance; the zero value is what `infra provider serve digitalocean` uses.
type Options struct {
	// Logger receives the provider's debug messages (each retry of a call, each wait). Nil: a JSON logger on
	// standard error at the level INFRA_PROVIDER_LOG names, which the engine shows with --verbose.
	Logger hclog.Logger
	// Getenv reads the environment (os.Getenv if nil): where DIGITALOCEAN_TOKEN comes from.
	Getenv func(string) string
}

// Provider returns the digitalocean provider, ready to be served. Each call builds a fresh instance.
func Provider() provider.Provider { return New(Options{}) }

// New returns the digitalocean provider with opts.
func New(opts Options) provider.Provider {
	log := opts.Logger
	if log == nil {
		level := hclog.Warn
		if v := os.Getenv("INFRA_PROVIDER_LOG"); v != "" {
			level = hclog.LevelFromString(v)
		}
		log = hclog.New(&hclog.LoggerOptions{Name: "digitalocean", Level: level, Output: os.Stderr, JSONFormat: true})
	}
	env := opts.Getenv
	if env == nil {
		env = os.Getenv
	}
	p := &doProvider{log: log, env: env}
	return provider.Provider{
		Name:    Name,
		Version: Version,
		Description: "DigitalOcean: droplets, reserved IPs, load balancers, cloud firewalls, VPCs, SSH keys, tags, and " +
			"domains with their records. The API token comes from the secret config value digitalocean:token or from " +
			"DIGITALOCEAN_TOKEN; `endpoint` points the client at the simulator `infra sim digitalocean` serves.",
		Config: provider.ConfigOf(p.configure),
		Resources: []provider.Resource{
			provider.NewResource[DropletArgs, DropletState](DropletToken, dropletDoc, &dropletResource{p}),
			provider.NewResource[SSHKeyArgs, SSHKeyState](SSHKeyToken, sshKeyDoc, &sshKeyResource{p}),
			provider.NewResource[TagArgs, TagState](TagToken, tagDoc, &tagResource{p}),
			provider.NewResource[VPCArgs, VPCState](VPCToken, vpcDoc, &vpcResource{p}),
			provider.NewResource[ReservedIPArgs, ReservedIPState](ReservedIPToken, reservedIPDoc, &reservedIPResource{p}),
			provider.NewResource[ReservedIPAssignmentArgs, ReservedIPAssignmentState](ReservedIPAssignmentToken, reservedIPAssignmentDoc, &reservedIPAssignmentResource{p}),
			provider.NewResource[LoadBalancerArgs, LoadBalancerState](LoadBalancerToken, loadBalancerDoc, &loadBalancerResource{p}),
			provider.NewResource[FirewallArgs, FirewallState](FirewallToken, firewallDoc, &firewallResource{p}),
			provider.NewResource[DomainArgs, DomainState](DomainToken, domainDoc, &domainResource{p}),
			provider.NewResource[DomainRecordArgs, DomainRecordState](DomainRecordToken, domainRecordDoc, &domainRecordResource{p}),
		},
		Functions: []provider.Function{
			provider.NewFunction(GetImageToken, getImageDoc, p.getImage),
			provider.NewFunction(GetSizesToken, getSizesDoc, p.getSizes),
			provider.NewFunction(GetRegionsToken, getRegionsDoc, p.getRegions),
		},
	}
}
