package awskms

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	amzDate      = "20060102T150405Z"
	maxSkew      = 15 * time.Minute
)

// authorization is a parsed SigV4 Authorization header.
type authorization struct {
	accessKeyID, date, region, service string
	signedHeaders                      []string
	signature                          string
}

// parseAuthorization parses
//
//	AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders=<a;b>, Signature=<hex>
func parseAuthorization(h string) (authorization, bool) {
	rest, ok := strings.CutPrefix(h, sigAlgorithm+" ")
	if !ok {
		return authorization{}, false
	}
	var a authorization
	var cred, signed string
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return authorization{}, false
		}
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			signed = v
		case "Signature":
			a.signature = v
		default:
			return authorization{}, false
		}
	}
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || scope[0] == "" || signed == "" || a.signature == "" {
		return authorization{}, false
	}
	a.accessKeyID, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
	a.signedHeaders = strings.Split(signed, ";")
	return a, true
}

// authenticate finds the caller of a request and, when the simulator has credentials, checks its signature the
// way AWS does: by signing the same canonical request again with the caller's secret key.
func (s *Server) authenticate(r *http.Request, body []byte) (caller, *apiError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return caller{}, errorf(http.StatusBadRequest, "MissingAuthenticationTokenException", "Missing Authentication Token")
	}
	a, ok := parseAuthorization(h)
	if !ok {
		return caller{}, errorf(http.StatusBadRequest, "IncompleteSignatureException", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.")
	}
	if a.service != "kms" {
		return caller{}, errorf(http.StatusBadRequest, "InvalidSignatureException", "Credential should be scoped to correct service: 'kms'.")
	}
	if !regionPattern.MatchString(a.region) {
		return caller{}, errorf(http.StatusBadRequest, "InvalidSignatureException", "Credential should be scoped to a valid region.")
	}
	c := caller{accessKeyID: a.accessKeyID, region: a.region}
	if s.opts.Credentials == nil {
		return c, nil
	}
	secret, known := s.opts.Credentials[a.accessKeyID]
	if !known {
		return caller{}, errorf(http.StatusBadRequest, "UnrecognizedClientException", "The security token included in the request is invalid.")
	}
	when, err := time.Parse(amzDate, r.Header.Get("X-Amz-Date"))
	if err != nil || when.Format("20060102") != a.date {
		return caller{}, errorf(http.StatusBadRequest, "IncompleteSignatureException", "Date must be in ISO-8601 'basic format' and match the credential scope.")
	}
	if d := s.opts.Now().Sub(when); d > maxSkew || d < -maxSkew {
		return caller{}, errorf(http.StatusBadRequest, "InvalidSignatureException", "Signature expired: %s is now earlier than %s.",
			when.Format(amzDate), s.opts.Now().UTC().Add(-maxSkew).Format(amzDate))
	}
	want, err := resign(r, body, a, secret, when)
	if err != nil || subtle.ConstantTimeCompare([]byte(want), []byte(a.signature)) != 1 {
		return caller{}, errorf(http.StatusBadRequest, "InvalidSignatureException",
			"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
	}
	return c, nil
}

// resign computes the signature the request should carry.
func resign(r *http.Request, body []byte, a authorization, secret string, when time.Time) (string, error) {
	u := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	req, err := http.NewRequestWithContext(context.Background(), r.Method, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.Host = r.Host
	for _, name := range a.signedHeaders {
		switch name {
		case "host", "x-amz-date", "x-amz-security-token":
			// Set by the signer from the request and the credentials.
		case "content-length":
			n, err := strconv.ParseInt(r.Header.Get("Content-Length"), 10, 64)
			if err != nil {
				n = r.ContentLength
			}
			req.ContentLength = n
		default:
			for _, v := range r.Header.Values(name) {
				req.Header.Add(name, v)
			}
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: a.accessKeyID, SecretAccessKey: secret, SessionToken: r.Header.Get("X-Amz-Security-Token")}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), a.service, a.region, when); err != nil {
		return "", err
	}
	got, ok := parseAuthorization(req.Header.Get("Authorization"))
	if !ok {
		return "", err
	}
	return got.signature, nil
}
