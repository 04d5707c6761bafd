// Package aws is the aws provider: EC2 instances and security groups, Elastic Load Balancing v2 load balancers,
// target groups, listeners and target attachments, and Route 53 hosted zones and records, built on the provider
// kit and aws-sdk-go-v2 exactly as it is used against AWS. Point it at the simulator in providers/aws/sim (the
// endpoint configuration) to run programs with no AWS account.
//
// Every object the provider creates carries the tags infra:urn (the resource's URN) and infra:token (the
// idempotency token of the create that made it); RunInstances gets the token as its ClientToken and Route 53
// zones get it as their caller reference, so a create cut off by a crash is found again by Lookup and adopted
// instead of being made twice.
package aws

import (
	"os"

	"github.com/hashicorp/go-hclog"

	"github.com/infrago/infra/sdk/provider"
)

// Name is the provider's package name, the first part of its type tokens.
const Name = "aws"

// Version is the provider's semantic version.
const Version = "0.1.0"

// Type tokens of the provider's resources and functions.
const (
	InstanceToken              = "aws:ec2:Instance"
	SecurityGroupToken         = "aws:ec2:SecurityGroup"
	LoadBalancerToken          = "aws:lb:LoadBalancer"
	TargetGroupToken           = "aws:lb:TargetGroup"
	ListenerToken              = "aws:lb:Listener"
	TargetGroupAttachmentToken = "aws:lb:TargetGroupAttachment"
	ZoneToken                  = "aws:route53:Zone"
	RecordToken                = "aws:route53:Record"

	GetAMIToken        = "aws:ec2:getAmi"
	GetDefaultVpcToken = "aws:ec2:getDefaultVpc"
	GetSubnetsToken    = "aws:ec2:getSubnets"
)

// Options adjust a provider instance; the zero value is what `infra provider serve aws` uses.
type Options struct {
	// Logger receives the provider's debug messages (each retry of an AWS call, each wait). Nil: a JSON logger on
	// standard error at the level INFRA_PROVIDER_LOG names, which the engine shows with --verbose.
	Logger hclog.Logger
}

// Provider returns the aws provider, ready to be served. Each call builds a fresh instance.
func Provider() provider.Provider { return New(Options{}) }

// New returns the aws provider with opts.
func New(opts Options) provider.Provider {
	log := opts.Logger
	if log == nil {
		level := hclog.Warn
		if v := os.Getenv("INFRA_PROVIDER_LOG"); v != "" {
			level = hclog.LevelFromString(v)
		}
		log = hclog.New(&hclog.LoggerOptions{Name: "aws", Level: level, Output: os.Stderr, JSONFormat: true})
	}
	p := &awsProvider{log: log}
	return provider.Provider{
		Name:    Name,
		Version: Version,
		Description: "Amazon Web Services: EC2 instances and security groups, application and network load balancers " +
			"with their target groups and listeners, and Route 53 hosted zones and records. Credentials come from " +
			"the AWS SDK's default chain (environment, shared config and SSO profiles, web identity for CI OIDC, " +
			"instance roles) unless the configuration names them; `endpoint` points every service at the " +
			"simulator `infra sim aws` serves.",
		Config: provider.ConfigOf(p.configure),
		Resources: []provider.Resource{
			provider.NewResource[InstanceArgs, InstanceState](InstanceToken, instanceDoc, &instanceResource{p}),
			provider.NewResource[SecurityGroupArgs, SecurityGroupState](SecurityGroupToken, securityGroupDoc, &securityGroupResource{p}),
			provider.NewResource[LoadBalancerArgs, LoadBalancerState](LoadBalancerToken, loadBalancerDoc, &loadBalancerResource{p}),
			provider.NewResource[TargetGroupArgs, TargetGroupState](TargetGroupToken, targetGroupDoc, &targetGroupResource{p}),
			provider.NewResource[ListenerArgs, ListenerState](ListenerToken, listenerDoc, &listenerResource{p}),
			provider.NewResource[TargetGroupAttachmentArgs, TargetGroupAttachmentState](TargetGroupAttachmentToken, attachmentDoc, &attachmentResource{p}),
			provider.NewResource[ZoneArgs, ZoneState](ZoneToken, zoneDoc, &zoneResource{p}),
			provider.NewResource[RecordArgs, RecordState](RecordToken, recordDoc, &recordResource{p}),
		},
		Functions: []provider.Function{
			provider.NewFunction(GetAMIToken, getAMIDoc, p.getAMI),
			provider.NewFunction(GetDefaultVpcToken, getDefaultVpcDoc, p.getDefaultVpc),
			provider.NewFunction(GetSubnetsToken, getSubnetsDoc, p.getSubnets),
		},
	}
}
