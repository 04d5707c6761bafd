package gcp

import (
	"github.com/infrago/infra/sdk/resource"
)

// checkAutoName fills in an unset name: the old name when the change keeps the object, a new generated one
// otherwise (a new object, or a replacement that must not collide with the object it replaces).
func checkAutoName[I any](urn resource.URN, old, in *I, name func(*I) **string) error {
	if *name(in) != nil {
		return nil
	}
	if prev := *name(old); prev != nil {
		cand := *in
		*name(&cand) = prev
		if d, err := diffInputs(*old, cand); err == nil && len(d.Replaces) == 0 {
			*name(in) = prev
			return nil
		}
	}
	n, err := autoName(urn)
	if err != nil {
		return err
	}
	*name(in) = &n
	return nil
}
