// Package random is the built-in "random" provider: random strings, passwords and integers. A value is generated
// once, when its resource is created, and kept in state; it never changes on later runs unless an input changes,
// which replaces the resource with a freshly generated value (there is no in-place update, as in Terraform's and
// Pulumi's random providers).
package random

import "github.com/infrago/infra/sdk/provider"

// Name is the provider's package name, the first part of its type tokens.
const Name = "random"

// Version is the provider's semantic version.
const Version = "0.1.0"

// The resource type tokens.
const (
	StringToken   = "random:index:String"
	PasswordToken = "random:index:Password"
	IntegerToken  = "random:index:Integer"
)

// Provider returns the random provider, ready to be served. Each call builds a fresh value, so callers may
// modify what they get.
func Provider() provider.Provider {
	return provider.Provider{
		Name:    Name,
		Version: Version,
		Description: "Random values generated once with a cryptographically secure generator and kept in state: " +
			"strings, passwords and integers. A value is regenerated only when an input (including keepers) changes.",
		Resources: []provider.Resource{
			provider.NewResource[StringArgs, StringState](StringToken,
				"A random string, generated once and kept in state. Use it for names and suffixes; use "+
					"random:index:Password for anything that must stay secret. Its ID is the string itself, so it "+
					"can be imported by giving the existing value as the ID.",
				stringResource{}, provider.Virtual()),
			provider.NewResource[StringArgs, PasswordState](PasswordToken,
				"A random password: like random:index:String, but the result is always a secret (encrypted in "+
					"state, never displayed). It can be imported by giving the existing password as the ID; the "+
					"resource then gets a random ID of its own so the password never appears as an ID.",
				passwordResource{}, provider.Virtual()),
			provider.NewResource[IntegerArgs, IntegerState](IntegerToken,
				"A random whole number between min and max inclusive, generated once and kept in state. Import "+
					"it with the ID \"value\" or \"value,min,max\".",
				integerResource{}, provider.Virtual()),
		},
	}
}
