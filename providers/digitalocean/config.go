package digitalocean

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/digitalocean/godo"
	"github.com/hashicorp/go-hclog"
	"golang.org/x/oauth2"
)

// Config is the provider's configuration: the stack's digitalocean:* config keys (digitalocean:token, ...), or the
// arguments of an explicit digitalocean.NewProvider.
type Config struct {
	Token *string `infra:"token,secret" doc:"The API token (a personal access token, dop_v1_...) to call DigitalOcean with. Always a secret. Unset: DIGITALOCEAN_TOKEN, then DIGITALOCEAN_ACCESS_TOKEN."`

	Endpoint *string `infra:"endpoint" doc:"The base URL the API is called at instead of https://api.digitalocean.com, such as http://127.0.0.1:8086 for the simulator of infra sim digitalocean. Unset: DIGITALOCEAN_API_URL, then DigitalOcean's."`

	MaxRetries *int `infra:"maxRetries" default:"10" doc:"How often a call refused with 429 (rate limited) or a 5xx is repeated by the retrying client, waiting what Retry-After asks for on a 429 and backing off exponentially otherwise. 0 turns retries off."`

	RetryMinBackoff *string `infra:"retryMinBackoff" default:"1s" doc:"The first wait before repeating a failed call when the answer names no Retry-After, as a duration such as 1s; it doubles with each attempt."`

	RetryMaxBackoff *string `infra:"retryMaxBackoff" default:"30s" doc:"The longest wait between two attempts of a call, as a duration such as 30s."`

	PollInterval *string `infra:"pollInterval" default:"2s" doc:"The shortest wait between two polls of an action, a new droplet or a new load balancer, as a duration such as 2s; waits grow from it to five times it. A short one such as 50ms suits the simulator."`
}

// settings are the configuration values that need parsing.
type settings struct {
	token, endpoint        string
	maxRetries             int
	minBackoff, maxBackoff time.Duration
	poll                   time.Duration
}

// parseSettings checks and converts the configuration, naming the key at fault.
func parseSettings(c Config, env func(string) string) (settings, error) {
	s := settings{maxRetries: 10, minBackoff: time.Second, maxBackoff: 30 * time.Second, poll: 2 * time.Second}
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
	s.token = strings.TrimSpace(first(c.Token, "DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"))
	if s.token == "" {
		return s, fmt.Errorf("no DigitalOcean API token: set it with `infra config set --secret digitalocean:token dop_v1_...` " +
			"or in DIGITALOCEAN_TOKEN (for the simulator, any token works)")
	}
	s.endpoint = strings.TrimSuffix(first(c.Endpoint, "DIGITALOCEAN_API_URL"), "/")
	if s.endpoint != "" {
		u, err := url.Parse(s.endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return s, fmt.Errorf("digitalocean:endpoint is %q; use a base URL such as http://127.0.0.1:8086", s.endpoint)
		}
	}
	if c.MaxRetries != nil {
		if *c.MaxRetries < 0 || *c.MaxRetries > 100 {
			return s, fmt.Errorf("digitalocean:maxRetries is %d; use 0 to 100", *c.MaxRetries)
		}
		s.maxRetries = *c.MaxRetries
	}
	dur := func(key string, v *string, dst *time.Duration) error {
		if v == nil || *v == "" {
			return nil
		}
		d, err := time.ParseDuration(*v)
		if err != nil || d <= 0 {
			return fmt.Errorf("digitalocean:%s is %q; use a positive duration such as 2s or 500ms", key, *v)
		}
		*dst = d
		return nil
	}
	if err := dur("retryMinBackoff", c.RetryMinBackoff, &s.minBackoff); err != nil {
		return s, err
	}
	if err := dur("retryMaxBackoff", c.RetryMaxBackoff, &s.maxBackoff); err != nil {
		return s, err
	}
	if err := dur("pollInterval", c.PollInterval, &s.poll); err != nil {
		return s, err
	}
	if s.minBackoff > s.maxBackoff {
		return s, fmt.Errorf("digitalocean:retryMinBackoff %s is longer than digitalocean:retryMaxBackoff %s", s.minBackoff, s.maxBackoff)
	}
	return s, nil
}

// configure builds the client from the checked configuration.
func (p *doProvider) configure(ctx context.Context, c Config) error {
	s, err := parseSettings(c, p.env)
	if err != nil {
		return err
	}
	// godo's retrying client wraps the oauth2 transport it is given, so the token is sent on every attempt.
	hc := oauth2.NewClient(context.WithoutCancel(ctx), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: s.token}))
	opts := []godo.ClientOpt{godo.SetUserAgent("infra-digitalocean/" + Version)}
	if s.endpoint != "" {
		opts = append(opts, godo.SetBaseURL(s.endpoint+"/"))
	}
	if s.maxRetries > 0 {
		minS, maxS := s.minBackoff.Seconds(), s.maxBackoff.Seconds()
		opts = append(opts, godo.WithRetryAndBackoffs(godo.RetryConfig{RetryMax: s.maxRetries, RetryWaitMin: &minS, RetryWaitMax: &maxS,
			Logger: retryLogger{p.log}}))
	}
	gc, err := godo.New(hc, opts...)
	if err != nil {
		return fmt.Errorf("create the DigitalOcean client: %w", err)
	}
	p.setClient(&client{godo: gc, poll: s.poll, log: p.log})
	p.log.Debug("configured", "endpoint", s.endpoint, "maxRetries", s.maxRetries)
	return nil
}

// retryLogger passes the retrying client's messages to the provider's log at debug level, where --verbose shows
// each retry, and keeps its request dumps out.
type retryLogger struct{ log hclog.Logger }

func (l retryLogger) Error(msg string, kv ...any) { l.log.Debug(msg, scrub(kv)...) }
func (l retryLogger) Info(msg string, kv ...any)  { l.log.Debug(msg, scrub(kv)...) }
func (l retryLogger) Warn(msg string, kv ...any)  { l.log.Debug(msg, scrub(kv)...) }

// Debug logs a retry at debug level; the line every attempt gets goes to trace.
func (l retryLogger) Debug(msg string, kv ...any) {
	if msg == "performing request" {
		l.log.Trace(msg, scrub(kv)...)
		return
	}
	l.log.Debug(msg, scrub(kv)...)
}

// scrub replaces request values (which carry the Authorization header) by their method and URL.
func scrub(kv []any) []any {
	out := make([]any, len(kv))
	for i, v := range kv {
		if r, ok := v.(*http.Request); ok {
			v = r.Method + " " + r.URL.String()
		}
		out[i] = v
	}
	return out
}
