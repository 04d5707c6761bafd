package codegen

import (
	"fmt"
	"strconv"

	"github.com/infrago/infra/sdk/resource"
)

// emitProvider generates provider.go of the index package: the Provider resource for explicitly configured
// provider instances. It is generated even without config, because instances also serve to scope resources
// (for example to give two sets of resources different providers).
func (m *model) emitProvider(pkg *pkgModel) ([]byte, error) {
	name := m.schema.Name
	f := m.newFile(pkg)
	in := f.infra()
	config := m.config
	f.raw(comment(0, fmt.Sprintf("Provider is an explicitly configured instance of the %s provider. Pass it to resources with "+
		"infra.Provider (or to a component's children with infra.Providers) to use it instead of the default %s provider, "+
		"which is configured from the stack's config.", name, name)))
	f.line("type Provider struct {")
	f.line("\t%sProviderResourceState", in)
	f.line("}")
	f.line("")

	m.emitArgs(f, "ProviderArgs", "ProviderArgs are the arguments of NewProvider: the provider's configuration.", config)

	f.raw(comment(0, fmt.Sprintf("NewProvider registers an instance of the %s provider named name.", name)))
	f.line("func NewProvider(ctx *%sContext, name string, args *ProviderArgs, opts ...%sResourceOption) (*Provider, error) {", in, in)
	m.emitArgChecks(f, resource.ProviderType(name), "ProviderArgs", config)
	f.line("\treg, err := ctx.RegisterProviderResource(%s, name, %s, opts...)", strconv.Quote(name), propsLiteral(in, config))
	f.line("\tif err != nil {")
	f.line("\t\treturn nil, err")
	f.line("\t}")
	f.line("\treturn &Provider{ProviderResourceState: reg.ProviderState(%s)}, nil", strconv.Quote(name))
	f.line("}")
	return f.bytes("")
}
