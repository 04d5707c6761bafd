package backend

import (
	"net/url"
	"os"
	"regexp"
	"strings"
)

// redactedError hides secrets (a database password) in an error's text while keeping the error chain, so that
// errors.Is still finds ErrNotFound or a driver's error below it.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with every secret replaced by "xxxxx" in its text.
func redact(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	changed := false
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
			changed = true
		}
	}
	if !changed {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// redactURL returns a URL for messages: the password replaced by "xxxxx", and so is any query parameter that
// carries one (libpq accepts password=...).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the backend URL (unparsable, not shown as it may hold a password)"
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "password") || strings.EqualFold(k, "sslpassword") {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.Redacted()
}

// passwordInQuery finds libpq's password=... option, and userinfoPassword the password of user:password@, in a
// URL that may not parse.
var (
	passwordInQuery  = regexp.MustCompile(`(?i)(?:^|[?&])(?:ssl)?password=([^&#]*)`)
	userinfoPassword = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#@]*?:([^/?#]*)@`)
)

// passwordsIn returns the passwords a connection URL holds, even one that does not parse, and $PGPASSWORD: the
// strings no message may show.
func passwordsIn(raw string) []string {
	out := []string{os.Getenv("PGPASSWORD")}
	add := func(p string) {
		if p == "" {
			return
		}
		out = append(out, p, url.QueryEscape(p), url.PathEscape(p))
		if un, err := url.QueryUnescape(p); err == nil {
			out = append(out, un)
		}
	}
	if u, err := url.Parse(raw); err == nil {
		if p, ok := u.User.Password(); ok {
			add(p)
		}
		add(u.Query().Get("password"))
		add(u.Query().Get("sslpassword"))
	}
	if m := userinfoPassword.FindStringSubmatch(raw); m != nil {
		add(m[1])
	}
	for _, m := range passwordInQuery.FindAllStringSubmatch(raw, -1) {
		add(m[1])
	}
	return out
}
