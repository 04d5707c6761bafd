package gcp

import (
	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
)

// checkAutoName fills in an unset name with a Compute Engine name (see provider.FillName).
func checkAutoName[I any](urn resource.URN, old, in *I, name func(*I) **string) error {
	return provider.FillName(urn, old, in, name, autoName)
}
