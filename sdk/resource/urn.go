// Package resource is the shared vocabulary of infra: resource names (URNs), type tokens and the typed
// property values that programs, the engine, state and providers exchange. It imports nothing else of infra so
// that every other package can depend on it.
package resource

import (
	"fmt"
	"strings"
)

// URN uniquely names a resource within a stack:
//
//	urn:infra:<stack>::<project>::<qualified-type>::<name>
//
// where the qualified type is the chain of parent types and the resource's own type joined by "$"
// (for example "acme:web:Cluster$random:index:String"). URNs are stable identities: renaming a resource or moving
// it under another parent changes its URN, which is what aliases are for.
type URN string

const urnPrefix = "urn:infra:"

// NewURN builds the URN of a resource. parentType is the parent's qualified type ("" for a top-level resource).
func NewURN(stack, project, parentType, typ, name string) URN {
	qt := typ
	if parentType != "" {
		qt = parentType + "$" + typ
	}
	return URN(urnPrefix + stack + "::" + project + "::" + qt + "::" + name)
}

// ParseURN checks that s is a well-formed URN and returns it.
func ParseURN(s string) (URN, error) {
	u := URN(s)
	if !u.IsValid() {
		return "", fmt.Errorf("invalid URN %q: want urn:infra:<stack>::<project>::<type>::<name>", s)
	}
	return u, nil
}

func (u URN) parts() []string {
	s := string(u)
	if !strings.HasPrefix(s, urnPrefix) {
		return nil
	}
	// The name is last and may itself contain "::"; split at most 4 ways.
	p := strings.SplitN(s[len(urnPrefix):], "::", 4)
	if len(p) != 4 {
		return nil
	}
	return p
}

// IsValid reports whether the URN is well formed.
func (u URN) IsValid() bool {
	p := u.parts()
	return p != nil && p[0] != "" && p[1] != "" && p[2] != "" && p[3] != ""
}

// Stack is the stack part of the URN.
func (u URN) Stack() string { return u.part(0) }

// Project is the project part of the URN.
func (u URN) Project() string { return u.part(1) }

// QualifiedType is the parent-qualified type ("parent$child").
func (u URN) QualifiedType() string { return u.part(2) }

// Type is the resource's own type token (the last element of the qualified type).
func (u URN) Type() string {
	qt := u.QualifiedType()
	if i := strings.LastIndexByte(qt, '$'); i >= 0 {
		return qt[i+1:]
	}
	return qt
}

// Name is the resource's logical name as given by the program.
func (u URN) Name() string { return u.part(3) }

func (u URN) part(i int) string {
	if p := u.parts(); p != nil {
		return p[i]
	}
	return ""
}

// Package returns the package (provider name) of a type token: "aws" for "aws:ec2:Instance".
func Package(typ string) string {
	if i := strings.IndexByte(typ, ':'); i >= 0 {
		return typ[:i]
	}
	return typ
}

// ValidateType checks that typ is a type token of the form <package>:<module>:<Type>.
func ValidateType(typ string) error {
	p := strings.Split(typ, ":")
	if len(p) != 3 || p[0] == "" || p[1] == "" || p[2] == "" {
		return fmt.Errorf("invalid type token %q: want <package>:<module>:<Type>, e.g. random:index:String", typ)
	}
	return nil
}

// ProviderType is the type token of a provider resource for package pkg.
func ProviderType(pkg string) string { return "infra:providers:" + pkg }

// IsProviderType reports whether typ names a provider resource.
func IsProviderType(typ string) bool { return strings.HasPrefix(typ, "infra:providers:") }

// ProviderRef is how a resource refers to the provider instance that manages it: the provider resource's URN and
// ID joined by "::".
type ProviderRef string

// NewProviderRef builds a provider reference.
func NewProviderRef(urn URN, id string) ProviderRef { return ProviderRef(string(urn) + "::" + id) }

// URN is the provider resource's URN.
func (r ProviderRef) URN() URN {
	s := string(r)
	if i := strings.LastIndex(s, "::"); i >= 0 {
		return URN(s[:i])
	}
	return URN(s)
}

// ID is the provider resource's ID.
func (r ProviderRef) ID() string {
	s := string(r)
	if i := strings.LastIndex(s, "::"); i >= 0 {
		return s[i+2:]
	}
	return ""
}
