package aws

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Config is the provider's configuration: the stack's aws:* config keys (aws:region, aws:endpoint, ...), or the
// arguments of an explicit aws.NewProvider.
type Config struct {
	Region *string `infra:"region" doc:"The AWS region to manage resources in, such as us-east-1. Unset: the region of the AWS SDK's default chain (AWS_REGION, AWS_DEFAULT_REGION, then the profile's region)."`

	Profile *string `infra:"profile" doc:"The named profile of the shared config and credentials files to use (SSO profiles included). Unset: AWS_PROFILE, else the default profile."`

	SharedConfigFiles []string `infra:"sharedConfigFiles" doc:"The shared config files to read instead of ~/.aws/config."`

	SharedCredentialsFiles []string `infra:"sharedCredentialsFiles" doc:"The shared credentials files to read instead of ~/.aws/credentials."`

	AccessKey *string `infra:"accessKey" doc:"An access key ID to use instead of the default credential chain; needs secretKey. Prefer the chain (environment, profiles, SSO, web identity) outside tests and the simulator."`

	SecretKey *string `infra:"secretKey,secret" doc:"The secret access key that goes with accessKey. Always a secret."`

	Token *string `infra:"token,secret" doc:"A session token that goes with accessKey and secretKey, for temporary credentials. Always a secret."`

	AssumeRole *AssumeRole `infra:"assumeRole" doc:"A role to assume with the credentials found, for every call the provider makes."`

	Endpoint *string `infra:"endpoint" doc:"A base URL every service is called at instead of AWS's own endpoints, such as http://127.0.0.1:4566 for the simulator of infra sim aws. The services' own entries in endpoints take precedence."`

	Endpoints map[string]string `infra:"endpoints" doc:"The per-service endpoint URLs, keyed by ec2, elbv2 (or elasticloadbalancing), route53 or sts."`

	DefaultTags map[string]string `infra:"defaultTags" doc:"The tags added to every taggable object the provider creates (a resource's own tags win). They show in each resource's tagsAll output and never as drift in its tags."`

	MaxRetries *int `infra:"maxRetries" default:"10" doc:"The number of times a failed AWS call that may succeed when repeated (throttling, 5xx, timeouts) is retried, with jittered exponential backoff."`

	RetryMode *string `infra:"retryMode" default:"standard" doc:"The retry mode. standard (the default): throttled and failed calls are retried with jittered exponential backoff up to retryMaxBackoff. adaptive: the SDK's adaptive mode, which also slows the provider's whole request rate down after throttling; it suits very large stacks that hit account-wide limits, and makes small ones much slower under occasional throttling."`

	RetryMaxBackoff *string `infra:"retryMaxBackoff" default:"20s" doc:"The longest wait between two attempts of a call, as a duration such as 20s."`

	PollInterval *string `infra:"pollInterval" doc:"The shortest wait between two polls while waiting for an instance to run or stop, a load balancer to become active or a DNS change to sync, as a duration such as 5s; waits grow from it. Unset: the SDK waiters' own (15 to 30 seconds). A short one such as 200ms suits the simulator."`

	SkipMetadataAPICheck *bool `infra:"skipMetadataApiCheck" doc:"Whether to keep the credential chain from asking the EC2 instance metadata service for a role (useful off EC2, where that call only times out)."`
}

// AssumeRole configures a role to assume.
type AssumeRole struct {
	RoleArn     string  `infra:"roleArn" doc:"The ARN of the role to assume."`
	SessionName *string `infra:"sessionName" doc:"The role session name (default infra)."`
	ExternalID  *string `infra:"externalId" doc:"The external ID the role's trust policy requires, if any."`
	Duration    *string `infra:"duration" doc:"The lifetime of the role's credentials, as a duration such as 1h (default 15m)."`
}

// Doc describes AssumeRole in the schema.
func (AssumeRole) Doc() string {
	return "A role the provider assumes, with STS AssumeRole, before any call."
}

// serviceEndpointKeys maps the keys endpoints accepts to the service they configure.
var serviceEndpointKeys = []string{"ec2", "elbv2", "elasticloadbalancing", "route53", "sts"}

// configure builds the AWS clients from the checked configuration.
func (p *awsProvider) configure(ctx context.Context, c Config) error {
	settings, err := parseSettings(c)
	if err != nil {
		return err
	}
	var opts []func(*config.LoadOptions) error
	if c.Region != nil && *c.Region != "" {
		opts = append(opts, config.WithRegion(*c.Region))
	}
	if c.Profile != nil && *c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(*c.Profile))
	}
	if len(c.SharedConfigFiles) > 0 {
		opts = append(opts, config.WithSharedConfigFiles(c.SharedConfigFiles))
	}
	if len(c.SharedCredentialsFiles) > 0 {
		opts = append(opts, config.WithSharedCredentialsFiles(c.SharedCredentialsFiles))
	}
	switch {
	case c.AccessKey != nil && *c.AccessKey != "":
		if c.SecretKey == nil || *c.SecretKey == "" {
			return fmt.Errorf("aws:accessKey is set but aws:secretKey is not: set both (`infra config set --secret aws:secretKey ...`), or neither to use the default credential chain")
		}
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(*c.AccessKey, *c.SecretKey, str(c.Token))))
	case c.SecretKey != nil && *c.SecretKey != "":
		return fmt.Errorf("aws:secretKey is set but aws:accessKey is not: set both, or neither to use the default credential chain")
	}
	if c.SkipMetadataAPICheck != nil && *c.SkipMetadataAPICheck {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	if c.Endpoint != nil && *c.Endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(*c.Endpoint))
	}
	opts = append(opts, config.WithRetryer(func() aws.Retryer { return newRetryer(settings, p.log) }))
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fmt.Errorf("load the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return fmt.Errorf("no AWS region: set one with `infra config set aws:region us-east-1`, or AWS_REGION, or in the profile")
	}
	endpoint := func(keys ...string) *string {
		for _, k := range keys {
			if v, ok := c.Endpoints[k]; ok && v != "" {
				return &v
			}
		}
		return nil
	}
	if ar := c.AssumeRole; ar != nil {
		if ar.RoleArn == "" {
			return fmt.Errorf("aws:assumeRole needs a roleArn")
		}
		stsClient := sts.NewFromConfig(cfg, func(o *sts.Options) {
			if e := endpoint("sts"); e != nil {
				o.BaseEndpoint = e
			}
		})
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, ar.RoleArn, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "infra"
			if ar.SessionName != nil && *ar.SessionName != "" {
				o.RoleSessionName = *ar.SessionName
			}
			o.ExternalID = ar.ExternalID
			if settings.roleDuration > 0 {
				o.Duration = settings.roleDuration
			}
		}))
	}
	cl := &clients{
		region:      cfg.Region,
		defaultTags: c.DefaultTags,
		poll:        settings.poll,
		log:         p.log,
		ec2: ec2.NewFromConfig(cfg, func(o *ec2.Options) {
			if e := endpoint("ec2"); e != nil {
				o.BaseEndpoint = e
			}
		}),
		elb: elbv2.NewFromConfig(cfg, func(o *elbv2.Options) {
			if e := endpoint("elbv2", "elasticloadbalancing"); e != nil {
				o.BaseEndpoint = e
			}
		}),
		r53: route53.NewFromConfig(cfg, func(o *route53.Options) {
			if e := endpoint("route53"); e != nil {
				o.BaseEndpoint = e
			}
		}),
	}
	p.setClients(cl)
	p.log.Debug("configured", "region", cfg.Region, "endpoint", str(c.Endpoint), "maxRetries", settings.maxAttempts-1,
		"retryMode", settings.mode)
	return nil
}

// settings are the configuration values that need parsing.
type settings struct {
	maxAttempts  int
	mode         string
	maxBackoff   time.Duration
	poll         time.Duration
	roleDuration time.Duration
}

// parseSettings checks and converts the configuration's durations, numbers and choices, naming the key at fault.
func parseSettings(c Config) (settings, error) {
	s := settings{maxAttempts: 11, mode: "standard", maxBackoff: 20 * time.Second}
	if c.MaxRetries != nil {
		if *c.MaxRetries < 0 || *c.MaxRetries > 100 {
			return s, fmt.Errorf("aws:maxRetries is %d; use 0 to 100", *c.MaxRetries)
		}
		s.maxAttempts = *c.MaxRetries + 1
	}
	if c.RetryMode != nil && *c.RetryMode != "" {
		switch *c.RetryMode {
		case "adaptive", "standard":
			s.mode = *c.RetryMode
		default:
			return s, fmt.Errorf("aws:retryMode is %q; use adaptive or standard", *c.RetryMode)
		}
	}
	dur := func(key string, v *string, dst *time.Duration) error {
		if v == nil || *v == "" {
			return nil
		}
		d, err := time.ParseDuration(*v)
		if err != nil || d <= 0 {
			return fmt.Errorf("aws:%s is %q; use a positive duration such as 20s or 500ms", key, *v)
		}
		*dst = d
		return nil
	}
	if err := dur("retryMaxBackoff", c.RetryMaxBackoff, &s.maxBackoff); err != nil {
		return s, err
	}
	if err := dur("pollInterval", c.PollInterval, &s.poll); err != nil {
		return s, err
	}
	if c.AssumeRole != nil {
		if err := dur("assumeRole.duration", c.AssumeRole.Duration, &s.roleDuration); err != nil {
			return s, err
		}
	}
	for k := range c.Endpoints {
		if !contains(serviceEndpointKeys, k) {
			return s, fmt.Errorf("aws:endpoints has an entry for %q; the services are %s", k, strings.Join(serviceEndpointKeys, ", "))
		}
	}
	return s, nil
}
