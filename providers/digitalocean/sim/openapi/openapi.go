// Package openapi checks HTTP exchanges against DigitalOcean's own OpenAPI 3 description of its v2 API, shipped
// gzipped next to this file. The simulator's tests run every request and response through it, so that a field
// name, type, enum value or required field the real API would not use fails a test instead of passing unnoticed
// because godo ignores what it does not know.
package openapi

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

//go:embed digitalocean-openapi.yaml.gz
var describedGzip []byte

// Exchange is one request and the response it got, as Check reads them.
type Exchange struct {
	Method string
	// Path is the URL path ("/v2/droplets/1") and Query its query parameters.
	Path  string
	Query url.Values
	// Body is the request body; a non-empty one is read as JSON.
	Body           []byte
	Status         int
	ResponseHeader http.Header
	Response       []byte
}

// Description is DigitalOcean's API description. It is parsed the first time it is used (0.3 to 0.4 s for
// 3 MB of YAML), once per Description, so that tests that never check an exchange do not pay for it.
type Description struct {
	load func() (*loaded, error)
}

type loaded struct {
	doc    *openapi3.T
	router routers.Router
}

// New returns the description embedded in this package, not parsed yet.
func New() *Description {
	return &Description{load: sync.OnceValues(func() (*loaded, error) { return parse(describedGzip) })}
}

// Load parses the description if that has not happened yet, and reports why it cannot be used.
func (d *Description) Load() error {
	_, err := d.load()
	return err
}

// Paths lists the description's paths with their methods ("GET /v2/droplets"), sorted.
func (d *Description) Paths() ([]string, error) {
	l, err := d.load()
	if err != nil {
		return nil, err
	}
	var out []string
	for p, item := range l.doc.Paths.Map() {
		for m := range item.Operations() {
			out = append(out, m+" "+p)
		}
	}
	sort.Strings(out)
	return out, nil
}

func parse(gz []byte) (*loaded, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("read the DigitalOcean API description: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("read the DigitalOcean API description: %w", err)
	}
	loader := openapi3.NewLoader()
	// The description is bundled: every $ref points inside it, so nothing outside is ever read.
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load the DigitalOcean API description: %w", err)
	}
	// The description names https://api.digitalocean.com as its server; exchanges are matched by path alone,
	// whatever host the simulator listens on.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route the DigitalOcean API description: %w", err)
	}
	return &loaded{doc: doc, router: router}, nil
}

// uuidPattern accepts any RFC 4122 layout: DigitalOcean's UUIDs are not all of one version.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// formats are the string formats checked beyond the OpenAPI defaults (date, date-time, byte, int32, int64):
// the addresses and identifiers a client parses. Formats the description uses only as documentation (uint64,
// uint32, cidr, hostname, uri, email, rfc3164, "string") are left unchecked on purpose: kin-openapi ignores a
// format it has no validator for, and the description does not follow them strictly in its own examples.
func formats() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{
		openapi3.WithStringFormatValidator("ipv4", openapi3.NewIPValidator(true)),
		openapi3.WithStringFormatValidator("ipv6", openapi3.NewIPValidator(false)),
		openapi3.WithStringFormatValidator("uuid", openapi3.NewCallbackValidator(func(s string) error {
			if !uuidPattern.MatchString(s) {
				return errors.New("not a UUID")
			}
			return nil
		})),
	}
}

// Check validates one exchange: that the description has an operation for its method and path, that the request's
// path and query parameters and JSON body match that operation, and that the response's status is one the
// operation documents and its JSON body matches the schema given for it (types, required fields, enums, formats).
// Authentication is not checked: the simulator decides what a token is worth. It returns every problem found, each
// naming the exchange; none when it conforms.
func (d *Description) Check(ctx context.Context, x Exchange) []error {
	l, err := d.load()
	if err != nil {
		return []error{err}
	}
	name := x.Method + " " + x.Path
	u := &url.URL{Path: x.Path, RawQuery: x.Query.Encode()}
	req, err := http.NewRequestWithContext(ctx, x.Method, u.String(), bytes.NewReader(recordQuirk(x.Path, withoutNulls(x.Body))))
	if err != nil {
		return []error{fmt.Errorf("%s: %w", name, err)}
	}
	if len(bytes.TrimSpace(x.Body)) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := l.router.FindRoute(req)
	if err != nil {
		return []error{fmt.Errorf("%s: the description has no such operation: %w", name, err)}
	}
	opts := &openapi3filter.Options{
		AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus:   true,
		MultiError:              true,
		SkipSettingDefaults:     true,
		SchemaValidationOptions: formats(),
	}
	// kin-openapi's default message dumps the whole schema and value; the field and the reason are what a
	// failing test needs.
	opts.WithCustomSchemaErrorFunc(func(e *openapi3.SchemaError) string {
		return fmt.Sprintf("%s at /%s", e.Reason, strings.Join(e.JSONPointer(), "/"))
	})
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	var errs []error
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		for _, e := range flatten(name+": request", err) {
			errs = append(errs, &Problem{Request: true, Err: e})
		}
	}
	header := x.ResponseHeader.Clone()
	if header == nil {
		header = http.Header{}
	}
	if header.Get("Content-Type") == "" && len(x.Response) > 0 {
		header.Set("Content-Type", "application/json")
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: x.Status, Header: header, Options: opts}
	out.SetBodyBytes(x.Response)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		for _, e := range flatten(fmt.Sprintf("%s: response %d", name, x.Status), err) {
			errs = append(errs, &Problem{Err: e})
		}
	}
	return errs
}

// Problem is one way an exchange differs from the description: in its request (Request) or in its response.
// A server may well be sent requests the description rules out; what matters then is that it refuses them.
type Problem struct {
	Request bool
	Err     error
}

func (p *Problem) Error() string { return p.Err.Error() }

// Unwrap returns the underlying error.
func (p *Problem) Unwrap() error { return p.Err }

// recordQuirk gives a TXT or SRV domain record request body a null tag when it has none. The description's
// domain_record_txt and domain_record_srv variants list flags and tag as required, which no TXT or SRV record
// has (tag is the CAA property tag) and no client sends; godo leaves an empty tag out. A null tag is what the API
// reads an absent one as, so the body is checked as the API reads it.
func recordQuirk(path string, body []byte) []byte {
	if !strings.HasPrefix(path, "/v2/domains/") || !strings.Contains(path, "/records") {
		return body
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return body
	}
	t := strings.Trim(string(m["type"]), `"`)
	if _, has := m["tag"]; has || (t != "TXT" && t != "SRV") {
		return body
	}
	m["tag"] = json.RawMessage("null")
	if _, has := m["flags"]; !has {
		m["flags"] = json.RawMessage("null")
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

// withoutNulls drops the members of a JSON object request body that are null. DigitalOcean reads a null member
// as an absent one, and godo sends some that way (ssh_keys: null when a droplet has none), while the description
// marks those fields not nullable; checking the body as the API reads it keeps that quirk of the client from
// hiding real problems. Anything but a JSON object is returned unchanged.
func withoutNulls(body []byte) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return body
	}
	changed := false
	for k, v := range m {
		if string(bytes.TrimSpace(v)) == "null" {
			delete(m, k)
			changed = true
		}
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

// flatten splits kin-openapi's multi-errors into one error each, so that a test lists every problem.
func flatten(prefix string, err error) []error {
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		var out []error
		for _, e := range multi {
			out = append(out, flatten(prefix, e)...)
		}
		return out
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Err != nil {
		var inner openapi3.MultiError
		if errors.As(re.Err, &inner) {
			return flatten(prefix, inner)
		}
	}
	var rs *openapi3filter.ResponseError
	if errors.As(err, &rs) && rs.Err != nil {
		var inner openapi3.MultiError
		if errors.As(rs.Err, &inner) {
			return flatten(prefix, inner)
		}
	}
	return []error{fmt.Errorf("%s: %s", prefix, strings.TrimSpace(err.Error()))}
}
