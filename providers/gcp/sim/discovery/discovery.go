// Package discovery checks HTTP requests and responses against a Google API discovery document, the
// machine-readable description of a REST API that google.golang.org/api ships next to its generated clients
// (compute/v1/compute-api.json, dns/v1/dns-api.json). The simulator's tests run every exchange through it, so a
// field name, type or enum value the real API would not use fails a test instead of passing unnoticed because
// the client libraries drop unknown fields.
package discovery

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
)

// Doc is a loaded discovery document.
type Doc struct {
	// Name and Version are the API's ("compute", "v1").
	Name, Version string
	// prefix is the URL path every method's path is relative to ("/compute/v1/" or "/").
	prefix  string
	schemas map[string]*Schema
	methods []*method
}

// Schema is a JSON schema of a discovery document.
type Schema struct {
	ID                   string             `json:"id"`
	Type                 string             `json:"type"`
	Ref                  string             `json:"$ref"`
	Format               string             `json:"format"`
	Enum                 []string           `json:"enum"`
	Pattern              string             `json:"pattern"`
	Location             string             `json:"location"`
	Properties           map[string]*Schema `json:"properties"`
	AdditionalProperties *Schema            `json:"additionalProperties"`
	Items                *Schema            `json:"items"`
	Repeated             bool               `json:"repeated"`
}

type method struct {
	ID         string             `json:"id"`
	Path       string             `json:"path"`
	FlatPath   string             `json:"flatPath"`
	HTTPMethod string             `json:"httpMethod"`
	Parameters map[string]*Schema `json:"parameters"`
	Request    *Schema            `json:"request"`
	Response   *Schema            `json:"response"`

	re       *regexp.Regexp
	names    []string
	literals int
}

type resource struct {
	Methods   map[string]*method   `json:"methods"`
	Resources map[string]*resource `json:"resources"`
}

type document struct {
	Name        string               `json:"name"`
	Version     string               `json:"version"`
	ServicePath string               `json:"servicePath"`
	Schemas     map[string]*Schema   `json:"schemas"`
	Resources   map[string]*resource `json:"resources"`
	Parameters  map[string]*Schema   `json:"parameters"`
}

// Load reads a discovery document.
func Load(path string) (*Doc, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the discovery document: %w", err)
	}
	return Parse(raw)
}

// Parse reads a discovery document from its JSON.
func Parse(raw []byte) (*Doc, error) {
	var d document
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("parse the discovery document: %w", err)
	}
	if d.Name == "" || len(d.Schemas) == 0 {
		return nil, errors.New("the discovery document names no API or schemas")
	}
	doc := &Doc{Name: d.Name, Version: d.Version, prefix: "/" + d.ServicePath, schemas: d.Schemas}
	var walk func(r map[string]*resource)
	walk = func(rs map[string]*resource) {
		for _, r := range rs {
			for _, m := range r.Methods {
				p := m.FlatPath
				if p == "" {
					p = m.Path
				}
				var b strings.Builder
				b.WriteString("^")
				for i, seg := range strings.Split(p, "/") {
					if i > 0 {
						b.WriteString("/")
					}
					// A segment such as {managedZonesId}:getIamPolicy has a variable and a literal part.
					rest := seg
					for rest != "" {
						open := strings.IndexByte(rest, '{')
						if open < 0 {
							b.WriteString(regexp.QuoteMeta(rest))
							m.literals++
							break
						}
						b.WriteString(regexp.QuoteMeta(rest[:open]))
						end := strings.IndexByte(rest, '}')
						if end < open {
							break
						}
						m.names = append(m.names, strings.TrimPrefix(rest[open+1:end], "+"))
						b.WriteString("([^/]+)")
						rest = rest[end+1:]
					}
				}
				b.WriteString("$")
				m.re = regexp.MustCompile(b.String())
				doc.methods = append(doc.methods, m)
			}
			walk(r.Resources)
		}
	}
	walk(d.Resources)
	// Prefer the most specific match: more literal segments first, then the ID for determinism.
	sort.Slice(doc.methods, func(i, j int) bool {
		if doc.methods[i].literals != doc.methods[j].literals {
			return doc.methods[i].literals > doc.methods[j].literals
		}
		return doc.methods[i].ID < doc.methods[j].ID
	})
	return doc, nil
}

// Method finds the method an HTTP method and URL path call, and returns its ID ("compute.instances.insert").
func (d *Doc) Method(httpMethod, path string) (string, bool) {
	m, _ := d.match(httpMethod, path)
	if m == nil {
		return "", false
	}
	return m.ID, true
}

func (d *Doc) match(httpMethod, path string) (*method, map[string]string) {
	if !strings.HasPrefix(path, d.prefix) {
		return nil, nil
	}
	rel := strings.TrimPrefix(path, d.prefix)
	for _, m := range d.methods {
		if m.HTTPMethod != httpMethod {
			continue
		}
		if sub := m.re.FindStringSubmatch(rel); sub != nil {
			vals := map[string]string{}
			for i, n := range m.names {
				vals[n] = sub[i+1]
			}
			return m, vals
		}
	}
	return nil, nil
}

// standardParams are the query parameters every method takes.
var standardParams = map[string]bool{"alt": true, "prettyPrint": true, "fields": true, "key": true, "quotaUser": true, "userIp": true,
	"$.xgafv": true, "access_token": true, "callback": true, "oauth_token": true, "upload_protocol": true, "uploadType": true}

// Check validates one exchange: that the method exists, that its query parameters, path parameters and request
// body are ones the API defines, and that the response is the method's response schema (or, for an error status,
// Google's error body). It returns every problem found.
func (d *Doc) Check(httpMethod, path string, query map[string][]string, body []byte, status int, response []byte) []error {
	m, vals := d.match(httpMethod, path)
	if m == nil {
		return []error{fmt.Errorf("%s %s: no method of %s %s has this path", httpMethod, path, d.Name, d.Version)}
	}
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s (%s %s): %s", m.ID, httpMethod, path, fmt.Sprintf(format, args...)))
	}
	for name, v := range vals {
		p := m.Parameters[name]
		if p == nil {
			add("path parameter %s is not defined", name)
			continue
		}
		if p.Pattern != "" {
			if re, err := regexp.Compile("^" + p.Pattern + "$"); err == nil && !re.MatchString(v) {
				add("path parameter %s=%q does not match %s", name, v, p.Pattern)
			}
		}
	}
	for name, vs := range query {
		if standardParams[name] {
			continue
		}
		p := m.Parameters[name]
		if p == nil || p.Location != "query" {
			add("query parameter %s is not defined", name)
			continue
		}
		for _, v := range vs {
			if e := d.checkScalar(p, v); e != "" {
				add("query parameter %s: %s", name, e)
			}
		}
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if m.Request == nil {
			add("the method takes no request body, but one was sent")
		} else if e := d.checkJSON(m.Request, body, "request"); e != nil {
			errs = append(errs, fmt.Errorf("%s: %w", m.ID, e))
		}
	}
	switch {
	case status >= 200 && status < 300:
		if m.Response == nil {
			if t := bytes.TrimSpace(response); len(t) > 0 && string(t) != "{}" {
				add("the method has no response body, but %d bytes were answered", len(t))
			}
		} else if e := d.checkJSON(m.Response, response, "response"); e != nil {
			errs = append(errs, fmt.Errorf("%s: %w", m.ID, e))
		}
	default:
		if e := checkErrorBody(status, response); e != nil {
			add("error response: %v", e)
		}
	}
	return errs
}

func (d *Doc) checkJSON(s *Schema, raw []byte, what string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%s is not JSON: %v", what, err)
	}
	var problems []string
	d.checkValue(s, v, what, &problems, 0)
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// maxDepth bounds schema recursion (some schemas refer to themselves).
const maxDepth = 64

func (d *Doc) resolve(s *Schema) *Schema {
	for s != nil && s.Ref != "" {
		s = d.schemas[s.Ref]
	}
	return s
}

func (d *Doc) checkValue(s *Schema, v any, at string, problems *[]string, depth int) {
	if depth > maxDepth {
		return
	}
	ref := s.Ref
	s = d.resolve(s)
	if s == nil {
		*problems = append(*problems, fmt.Sprintf("%s: unknown schema %q", at, ref))
		return
	}
	bad := func(format string, args ...any) { *problems = append(*problems, at+": "+fmt.Sprintf(format, args...)) }
	switch s.Type {
	case "object":
		obj, isObj := v.(map[string]any)
		if !isObj {
			bad("want an object, got %s", kindOf(v))
			return
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p, known := s.Properties[k]; known {
				d.checkValue(p, obj[k], at+"."+k, problems, depth+1)
			} else if s.AdditionalProperties != nil {
				d.checkValue(s.AdditionalProperties, obj[k], at+"."+k, problems, depth+1)
			} else {
				bad("field %q is not a field of %s", k, nameOf(s, ref))
			}
		}
	case "array":
		l, isList := v.([]any)
		if !isList {
			bad("want an array, got %s", kindOf(v))
			return
		}
		for i, e := range l {
			d.checkValue(s.Items, e, fmt.Sprintf("%s[%d]", at, i), problems, depth+1)
		}
	case "string":
		str, isStr := v.(string)
		if !isStr {
			bad("want a string, got %s", kindOf(v))
			return
		}
		if e := d.checkScalar(s, str); e != "" {
			bad("%s", e)
		}
	case "integer":
		n, isNum := v.(json.Number)
		if !isNum {
			bad("want an integer, got %s", kindOf(v))
			return
		}
		if e := checkInteger(s.Format, string(n)); e != "" {
			bad("%s", e)
		}
	case "number":
		if _, isNum := v.(json.Number); !isNum {
			bad("want a number, got %s", kindOf(v))
		}
	case "boolean":
		if _, isBool := v.(bool); !isBool {
			bad("want a boolean, got %s", kindOf(v))
		}
	case "any", "":
	default:
		bad("unknown schema type %q", s.Type)
	}
}

// checkScalar checks a string value (a query parameter or a JSON string) against a scalar schema.
func (d *Doc) checkScalar(s *Schema, v string) string {
	if len(s.Enum) > 0 {
		found := false
		for _, e := range s.Enum {
			found = found || e == v
		}
		if !found {
			return fmt.Sprintf("%q is not one of the enum values %v", v, s.Enum)
		}
	}
	switch s.Type {
	case "integer":
		return checkInteger(s.Format, v)
	case "boolean":
		if v != "true" && v != "false" {
			return fmt.Sprintf("%q is not a boolean", v)
		}
	case "string":
		switch s.Format {
		case "int64", "uint64":
			return checkInteger(s.Format, v)
		case "byte":
			if _, err := base64.StdEncoding.DecodeString(v); err != nil {
				if _, err := base64.URLEncoding.DecodeString(v); err != nil {
					return fmt.Sprintf("%q is not base64 (format byte)", v)
				}
			}
		case "double", "float":
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				return fmt.Sprintf("%q is not a number (format %s)", v, s.Format)
			}
		}
	}
	return ""
}

func checkInteger(format, v string) string {
	switch format {
	case "uint64", "uint32":
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || (format == "uint32" && n > math.MaxUint32) {
			return fmt.Sprintf("%q is not a %s", v, format)
		}
	default:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || (format == "int32" && (n > math.MaxInt32 || n < math.MinInt32)) {
			return fmt.Sprintf("%q is not an integer (format %s)", v, format)
		}
	}
	return ""
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

func nameOf(s *Schema, ref string) string {
	if s.ID != "" {
		return s.ID
	}
	if ref != "" {
		return ref
	}
	return "the object"
}

// checkErrorBody checks Google's JSON error body: {"error": {"code", "message", "errors": [{"message", "domain",
// "reason"}], "status"}}, with the code equal to the HTTP status.
func checkErrorBody(status int, raw []byte) error {
	var b struct {
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Status  string `json:"status"`
			Errors  []struct {
				Message string `json:"message"`
				Domain  string `json:"domain"`
				Reason  string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return fmt.Errorf("not Google's error body: %v", err)
	}
	switch {
	case b.Error == nil:
		return errors.New("no error object")
	case b.Error.Code != status:
		return fmt.Errorf("code %d differs from the HTTP status %d", b.Error.Code, status)
	case b.Error.Message == "":
		return errors.New("no message")
	case len(b.Error.Errors) == 0 || b.Error.Errors[0].Reason == "":
		return errors.New("no errors[].reason")
	}
	return nil
}

// ShippedDocument returns the path of a discovery document google.golang.org/api ships, such as
// "compute/v1/compute-api.json", in the module cache: at the version the running binary was built with, or (in a
// test binary, which records no dependencies) the version the enclosing module requires, as `go list -m` says.
func ShippedDocument(rel string) (string, error) {
	const module = "google.golang.org/api"
	dir := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == module {
				v := m.Version
				if m.Replace != nil {
					v = m.Replace.Version
				}
				if cache, err := modCache(); err == nil {
					dir = filepath.Join(cache, module+"@"+v)
				}
			}
		}
	}
	if dir == "" {
		out, err := exec.Command("go", "list", "-mod=mod", "-m", "-f", "{{.Dir}}", module).Output()
		if err != nil {
			return "", fmt.Errorf("find %s in the module cache (go list -m): %w", module, err)
		}
		dir = strings.TrimSpace(string(out))
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("the discovery document %s of %s: %w", rel, module, err)
	}
	return p, nil
}

func modCache() (string, error) {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		return c, nil
	}
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		return "", fmt.Errorf("find the module cache (go env GOMODCACHE): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
