package deploy

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/infrago/infra/sdk/resource"
)

// Invoke calls provider function token through the given provider instance, or the package's default provider.
func (d *Deployment) Invoke(ctx context.Context, token string, args resource.PropertyMap, ref resource.ProviderRef) (resource.PropertyMap, []string, error) {
	if err := resource.ValidateType(token); err != nil {
		return nil, nil, fmt.Errorf("invoke: %w", err)
	}
	pkg := resource.Package(token)
	if ref == "" {
		var err error
		if ref, err = d.providers.defaultRef(ctx, pkg); err != nil {
			return nil, nil, fmt.Errorf("invoke %s: %w", token, err)
		}
	}
	inst, ok := d.providers.get(ref)
	if !ok {
		return nil, nil, fmt.Errorf("invoke %s: provider %s is not registered in this run", token, ref.URN())
	}
	if !inst.configured {
		return nil, nil, fmt.Errorf("invoke %s: the provider's configuration is not known yet", token)
	}
	if _, ok := inst.prov.Schema().Functions[token]; !ok {
		var known []string
		for f := range inst.prov.Schema().Functions {
			known = append(known, f)
		}
		sort.Strings(known)
		return nil, nil, fmt.Errorf("invoke %s: provider %s has no such function (it has: %s)", token, pkg, strings.Join(known, ", "))
	}
	cctx, cancel := context.WithTimeout(ctx, d.timeouts.Check)
	defer cancel()
	out, failures, err := inst.prov.Invoke(cctx, token, args)
	if err != nil {
		return nil, nil, fmt.Errorf("invoke %s: %w", token, err)
	}
	var msgs []string
	for _, f := range failures {
		msgs = append(msgs, f.Property+": "+f.Reason)
	}
	return out, msgs, nil
}
