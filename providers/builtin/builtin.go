// Package builtin lists the providers that come with infra (aws, gcp, digitalocean, random, command and data) and
// starts them: from the lean binaries `make build` puts beside the CLI when they are from the same build, else by
// the CLI re-executing itself as `infra provider serve NAME` (see Launcher).
package builtin

import (
	"sort"

	"github.com/infrago/infra/providers/aws"
	"github.com/infrago/infra/providers/builtin/command"
	"github.com/infrago/infra/providers/builtin/data"
	"github.com/infrago/infra/providers/builtin/random"
	"github.com/infrago/infra/providers/digitalocean"
	"github.com/infrago/infra/providers/gcp"
	"github.com/infrago/infra/sdk/provider"
)

// constructors maps each built-in provider's name to the function that builds it. It is built on each call so
// there is no package-level table anyone could change.
func constructors() map[string]func() provider.Provider {
	return map[string]func() provider.Provider{
		aws.Name:          aws.Provider,
		gcp.Name:          gcp.Provider,
		digitalocean.Name: digitalocean.Provider,
		command.Name:      command.Provider,
		data.Name:         data.Provider,
		random.Name:       random.Provider,
	}
}

// Lookup returns a fresh instance of the built-in provider called name, and whether there is one.
func Lookup(name string) (provider.Provider, bool) {
	build, ok := constructors()[name]
	if !ok {
		return provider.Provider{}, false
	}
	return build(), true
}

// Names lists the built-in providers' names in sorted order.
func Names() []string {
	c := constructors()
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
