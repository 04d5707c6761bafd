// Package gcp is the gcp provider: Compute Engine networks, subnetworks, firewalls, addresses, instances, health
// checks, the regional network load balancer (target pools and forwarding rules), the global HTTP load balancer
// (instance groups, backend services, URL maps, target HTTP proxies and global forwarding rules), and Cloud DNS
// managed zones and record sets, built on the provider kit and Google's own client libraries
// (cloud.google.com/go/compute/apiv1 over REST, google.golang.org/api/dns/v1) exactly as they are used against
// Google Cloud. Point it at the simulator in providers/gcp/sim (the endpoint configuration) to run programs with
// no Google Cloud project.
//
// Every insert carries the create's idempotency token as its requestId, which Compute Engine keeps as the
// operation's clientOperationId, and every labelled object (instances, addresses, forwarding rules, managed
// zones, global forwarding rules) carries the labels infra-token and infra-urn; so a create cut off by a crash is found again by Lookup and
// adopted instead of being made twice.
package gcp

import (
	"os"

	"github.com/hashicorp/go-hclog"

	"github.com/infrago/infra/sdk/provider"
)

// Name is the provider's package name, the first part of its type tokens.
const Name = "gcp"

// Version is the provider's semantic version.
const Version = "0.1.0"

// Type tokens of the provider's resources and functions.
const (
	NetworkToken              = "gcp:compute:Network"
	SubnetworkToken           = "gcp:compute:Subnetwork"
	FirewallToken             = "gcp:compute:Firewall"
	AddressToken              = "gcp:compute:Address"
	InstanceToken             = "gcp:compute:Instance"
	HealthCheckToken          = "gcp:compute:HealthCheck"
	TargetPoolToken           = "gcp:compute:TargetPool"
	TargetPoolMemberToken     = "gcp:compute:TargetPoolMember"
	ForwardingRuleToken       = "gcp:compute:ForwardingRule"
	InstanceGroupToken        = "gcp:compute:InstanceGroup"
	BackendServiceToken       = "gcp:compute:BackendService"
	URLMapToken               = "gcp:compute:URLMap"
	TargetHTTPProxyToken      = "gcp:compute:TargetHTTPProxy"
	GlobalForwardingRuleToken = "gcp:compute:GlobalForwardingRule"
	ManagedZoneToken          = "gcp:dns:ManagedZone"
	RecordSetToken            = "gcp:dns:RecordSet"

	GetImageToken = "gcp:compute:getImage"
	GetZonesToken = "gcp:compute:getZones"
)

// Options adjust a provider instance; the zero value is what `infra provider serve gcp` uses.
type Options struct {
	// Logger receives the provider's debug messages (each retry of a Google Cloud call, each wait). Nil: a JSON
	// logger on standard error at the level INFRA_PROVIDER_LOG names, which the engine shows with --verbose.
	Logger hclog.Logger
	// Getenv reads the environment (os.Getenv if nil): where the project, region and zone defaults come from.
	Getenv func(string) string
}

// Provider returns the gcp provider, ready to be served. Each call builds a fresh instance.
func Provider() provider.Provider { return New(Options{}) }

// New returns the gcp provider with opts.
func New(opts Options) provider.Provider {
	log := opts.Logger
	if log == nil {
		level := hclog.Warn
		if v := os.Getenv("INFRA_PROVIDER_LOG"); v != "" {
			level = hclog.LevelFromString(v)
		}
		log = hclog.New(&hclog.LoggerOptions{Name: "gcp", Level: level, Output: os.Stderr, JSONFormat: true})
	}
	env := opts.Getenv
	if env == nil {
		env = os.Getenv
	}
	p := &gcpProvider{log: log, env: env}
	return provider.Provider{
		Name:    Name,
		Version: Version,
		Description: "Google Cloud: Compute Engine networks, firewalls, addresses, instances and health checks, the regional " +
			"network load balancer and the global HTTP load balancer, and Cloud DNS managed zones and record sets. " +
			"Credentials come from Application Default Credentials unless the configuration names them (a service " +
			"account key, or a workload identity federation configuration for CI OIDC); `endpoint` points every " +
			"service at the simulator `infra sim gcp` serves.",
		Config: provider.ConfigOf(p.configure),
		Resources: []provider.Resource{
			provider.NewResource[NetworkArgs, NetworkState](NetworkToken, networkDoc, &networkResource{p}),
			provider.NewResource[SubnetworkArgs, SubnetworkState](SubnetworkToken, subnetworkDoc, &subnetworkResource{p}),
			provider.NewResource[FirewallArgs, FirewallState](FirewallToken, firewallDoc, &firewallResource{p}),
			provider.NewResource[AddressArgs, AddressState](AddressToken, addressDoc, &addressResource{p}),
			provider.NewResource[InstanceArgs, InstanceState](InstanceToken, instanceDoc, &instanceResource{p}),
			provider.NewResource[HealthCheckArgs, HealthCheckState](HealthCheckToken, healthCheckDoc, &healthCheckResource{p}),
			provider.NewResource[TargetPoolArgs, TargetPoolState](TargetPoolToken, targetPoolDoc, &targetPoolResource{p}),
			provider.NewResource[TargetPoolMemberArgs, TargetPoolMemberState](TargetPoolMemberToken, targetPoolMemberDoc, &targetPoolMemberResource{p}),
			provider.NewResource[ForwardingRuleArgs, ForwardingRuleState](ForwardingRuleToken, forwardingRuleDoc, &forwardingRuleResource{p}),
			provider.NewResource[InstanceGroupArgs, InstanceGroupState](InstanceGroupToken, instanceGroupDoc, &instanceGroupResource{p}),
			provider.NewResource[BackendServiceArgs, BackendServiceState](BackendServiceToken, backendServiceDoc, &backendServiceResource{p}),
			provider.NewResource[URLMapArgs, URLMapState](URLMapToken, urlMapDoc, &urlMapResource{p}),
			provider.NewResource[TargetHTTPProxyArgs, TargetHTTPProxyState](TargetHTTPProxyToken, targetHTTPProxyDoc, &targetHTTPProxyResource{p}),
			provider.NewResource[GlobalForwardingRuleArgs, GlobalForwardingRuleState](GlobalForwardingRuleToken, globalForwardingRuleDoc, &globalForwardingRuleResource{p}),
			provider.NewResource[ManagedZoneArgs, ManagedZoneState](ManagedZoneToken, managedZoneDoc, &managedZoneResource{p}),
			provider.NewResource[RecordSetArgs, RecordSetState](RecordSetToken, recordSetDoc, &recordSetResource{p}),
		},
		Functions: []provider.Function{
			provider.NewFunction(GetImageToken, getImageDoc, p.getImage),
			provider.NewFunction(GetZonesToken, getZonesDoc, p.getZones),
		},
	}
}
