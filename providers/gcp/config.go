package gcp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/dns/v1"
	"google.golang.org/api/option"
	htransport "google.golang.org/api/transport/http"
)

// Config is the provider's configuration: the stack's gcp:* config keys (gcp:project, gcp:region, ...), or the
// arguments of an explicit gcp.NewProvider.
type Config struct {
	Project *string `infra:"project" doc:"The project to manage resources in, by its ID (my-project-123). Unset: GOOGLE_CLOUD_PROJECT, then CLOUDSDK_CORE_PROJECT. Resources may name another."`

	Region *string `infra:"region" doc:"The region regional resources (subnetworks, addresses, target pools, forwarding rules) go to when they name none, such as us-central1. Unset: GOOGLE_CLOUD_REGION, then CLOUDSDK_COMPUTE_REGION."`

	Zone *string `infra:"zone" doc:"The zone zonal resources (instances, instance groups) go to when they name none, such as us-central1-a. Unset: GOOGLE_CLOUD_ZONE, then CLOUDSDK_COMPUTE_ZONE, then <region>-a."`

	Credentials *string `infra:"credentials,secret" doc:"A credentials JSON document: a service account key, or an external account (workload identity federation) configuration for CI OIDC such as gcloud iam workload-identity-pools create-cred-config writes, or an authorized user. Always a secret. Unset: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud auth application-default login, the metadata server)."`

	CredentialsFile *string `infra:"credentialsFile" doc:"The path of a credentials JSON file of any of the kinds credentials takes, instead of credentials."`

	AccessToken *string `infra:"accessToken,secret" doc:"An OAuth2 access token to call with instead of credentials (for example gcloud auth print-access-token); it is not refreshed. Always a secret."`

	Endpoint *string `infra:"endpoint" doc:"A base URL Compute Engine and Cloud DNS are called at instead of Google's, such as http://127.0.0.1:8085 for the simulator of infra sim gcp. With an endpoint and no credentials the calls are not authenticated."`

	Endpoints map[string]string `infra:"endpoints" doc:"The per-service base URLs, keyed by compute or dns; they take precedence over endpoint."`

	DefaultLabels map[string]string `infra:"defaultLabels" doc:"The labels added to every labelled object the provider creates (a resource's own labels win). They show in each resource's effectiveLabels output and never as drift in its labels."`

	MaxRetries *int `infra:"maxRetries" default:"10" doc:"How often a call refused with 429 (rate limited), 500, 502, 503 or 504 is repeated, with jittered exponential backoff and the Retry-After the service asks for."`

	RetryMaxBackoff *string `infra:"retryMaxBackoff" default:"30s" doc:"The longest wait between two attempts of a call, as a duration such as 30s."`

	PollInterval *string `infra:"pollInterval" default:"2s" doc:"The shortest wait between two polls of an operation, an instance's status or a DNS change, as a duration such as 2s; waits grow from it to ten times it. A short one such as 100ms suits the simulator."`
}

// serviceKeys are the services endpoints accepts.
var serviceKeys = []string{"compute", "dns"}

// settings are the configuration values that need parsing.
type settings struct {
	project, region, zone string
	maxRetries            int
	maxBackoff            time.Duration
	poll                  time.Duration
}

// parseSettings checks and converts the configuration's durations, numbers and defaults, naming the key at fault.
func parseSettings(c Config, env func(string) string) (settings, error) {
	s := settings{maxRetries: 10, maxBackoff: 30 * time.Second, poll: 2 * time.Second}
	first := func(v *string, keys ...string) string {
		if v != nil && *v != "" {
			return *v
		}
		for _, k := range keys {
			if x := env(k); x != "" {
				return x
			}
		}
		return ""
	}
	s.project = first(c.Project, "GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT")
	s.region = first(c.Region, "GOOGLE_CLOUD_REGION", "CLOUDSDK_COMPUTE_REGION")
	s.zone = first(c.Zone, "GOOGLE_CLOUD_ZONE", "CLOUDSDK_COMPUTE_ZONE")
	if s.zone == "" && s.region != "" {
		s.zone = s.region + "-a"
	}
	if s.region == "" && s.zone != "" {
		s.region = regionOfZone(s.zone)
	}
	if s.project != "" && !projectPattern.MatchString(s.project) {
		return s, fmt.Errorf("gcp:project is %q; a project ID has 6 to 30 lowercase letters, digits and hyphens and starts with a letter", s.project)
	}
	if c.MaxRetries != nil {
		if *c.MaxRetries < 0 || *c.MaxRetries > 100 {
			return s, fmt.Errorf("gcp:maxRetries is %d; use 0 to 100", *c.MaxRetries)
		}
		s.maxRetries = *c.MaxRetries
	}
	dur := func(key string, v *string, dst *time.Duration) error {
		if v == nil || *v == "" {
			return nil
		}
		d, err := time.ParseDuration(*v)
		if err != nil || d <= 0 {
			return fmt.Errorf("gcp:%s is %q; use a positive duration such as 2s or 500ms", key, *v)
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
	for k := range c.Endpoints {
		if !contains(serviceKeys, k) {
			return s, fmt.Errorf("gcp:endpoints has an entry for %q; the services are %s", k, strings.Join(serviceKeys, ", "))
		}
	}
	n := 0
	for _, v := range []*string{c.Credentials, c.CredentialsFile, c.AccessToken} {
		if v != nil && *v != "" {
			n++
		}
	}
	if n > 1 {
		return s, fmt.Errorf("gcp:credentials, gcp:credentialsFile and gcp:accessToken are alternatives; set one of them")
	}
	return s, nil
}

// credentialOptions are the client options that authenticate the calls, or skip authentication for an endpoint
// with no credentials configured (the simulator).
func credentialOptions(c Config, endpointSet bool) ([]option.ClientOption, error) {
	switch {
	case c.Credentials != nil && *c.Credentials != "":
		t, err := credentialsType([]byte(*c.Credentials))
		if err != nil {
			return nil, fmt.Errorf("gcp:credentials: %w", err)
		}
		return []option.ClientOption{option.WithAuthCredentialsJSON(t, []byte(*c.Credentials))}, nil
	case c.CredentialsFile != nil && *c.CredentialsFile != "":
		raw, err := readFile(*c.CredentialsFile)
		if err != nil {
			return nil, fmt.Errorf("gcp:credentialsFile: %w", err)
		}
		t, err := credentialsType(raw)
		if err != nil {
			return nil, fmt.Errorf("gcp:credentialsFile %s: %w", *c.CredentialsFile, err)
		}
		return []option.ClientOption{option.WithAuthCredentialsFile(t, *c.CredentialsFile)}, nil
	case c.AccessToken != nil && *c.AccessToken != "":
		return []option.ClientOption{option.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: *c.AccessToken}))}, nil
	case endpointSet:
		return []option.ClientOption{option.WithoutAuthentication()}, nil
	}
	return nil, nil
}

// credentialsType reads the type of a credentials JSON document, refusing kinds the provider does not take.
func credentialsType(raw []byte) (option.CredentialsType, error) {
	var doc struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return "", fmt.Errorf("not a credentials JSON document: %v", err)
	}
	switch doc.Type {
	case "service_account":
		return option.ServiceAccount, nil
	case "external_account":
		return option.ExternalAccount, nil
	case "authorized_user":
		return option.AuthorizedUser, nil
	case "impersonated_service_account":
		return option.ImpersonatedServiceAccount, nil
	case "":
		return "", fmt.Errorf("the document has no \"type\"; give a service account key or an external account configuration")
	}
	return "", fmt.Errorf("credentials of type %q are not supported; use service_account, external_account, authorized_user or impersonated_service_account", doc.Type)
}

// configure builds the clients from the checked configuration.
func (p *gcpProvider) configure(ctx context.Context, c Config) error {
	s, err := parseSettings(c, p.env)
	if err != nil {
		return err
	}
	endpoint := func(svc string) string {
		if v := c.Endpoints[svc]; v != "" {
			return strings.TrimSuffix(v, "/")
		}
		if c.Endpoint != nil {
			return strings.TrimSuffix(*c.Endpoint, "/")
		}
		return ""
	}
	creds, err := credentialOptions(c, endpoint("compute") != "" || endpoint("dns") != "")
	if err != nil {
		return err
	}
	base := append([]option.ClientOption{option.WithUserAgent("infra-gcp/" + Version), option.WithTelemetryDisabled()}, creds...)
	computeOpts := append([]option.ClientOption(nil), base...)
	if e := endpoint("compute"); e != "" {
		computeOpts = append(computeOpts, option.WithEndpoint(e))
	}
	dnsOpts := append([]option.ClientOption{option.WithScopes(dns.NdevClouddnsReadwriteScope)}, base...)
	if e := endpoint("dns"); e != "" {
		dnsOpts = append(dnsOpts, option.WithEndpoint(e+"/"))
	}
	cl := &clients{project: s.project, region: s.region, zone: s.zone, defaultLabels: c.DefaultLabels, poll: s.poll, log: p.log}
	cl.retry = retryOption(s, p.log)
	if err := cl.open(ctx, computeOpts); err != nil {
		return err
	}
	// Cloud DNS's generated client has no retry of its own: the retrying transport sits under the authenticating
	// one, so that each attempt is sent with a valid token.
	rt, err := htransport.NewTransport(ctx, &retryTransport{base: http.DefaultTransport, s: s, log: p.log}, dnsOpts...)
	if err != nil {
		return fmt.Errorf("set up the Cloud DNS transport: %w", err)
	}
	crt, err := htransport.NewTransport(ctx, &retryTransport{base: http.DefaultTransport, s: s, log: p.log},
		append([]option.ClientOption{option.WithScopes("https://www.googleapis.com/auth/compute")}, base...)...)
	if err != nil {
		return fmt.Errorf("set up the Compute Engine transport: %w", err)
	}
	cl.computeHTTP, cl.computeBase = &http.Client{Transport: crt}, "https://compute.googleapis.com"
	if e := endpoint("compute"); e != "" {
		cl.computeBase = strings.TrimSuffix(e, "/")
	}
	svcOpts := []option.ClientOption{option.WithHTTPClient(&http.Client{Transport: rt})}
	if e := endpoint("dns"); e != "" {
		svcOpts = append(svcOpts, option.WithEndpoint(e+"/"))
	}
	if cl.dns, err = dns.NewService(ctx, svcOpts...); err != nil {
		return fmt.Errorf("create the Cloud DNS client: %w", err)
	}
	p.setClients(cl)
	p.log.Debug("configured", "project", s.project, "region", s.region, "zone", s.zone, "endpoint", endpoint("compute"), "maxRetries", s.maxRetries)
	return nil
}
