package provider

import "github.com/infrago/infra/sdk/resource"

// FillName fills in a name the program left unset, as clouds with generated names need it: the old name when the
// change keeps the object, a new one from generate otherwise (a new object, or a replacement that must not
// collide with the object it replaces). name points at the inputs' name field.
func FillName[I any](urn resource.URN, old, in *I, name func(*I) **string, generate func(resource.URN) (string, error)) error {
	if *name(in) != nil {
		return nil
	}
	if prev := *name(old); prev != nil {
		cand := *in
		*name(&cand) = prev
		if d, err := DiffStructs(*old, cand); err == nil && len(d.Replaces) == 0 {
			*name(in) = prev
			return nil
		}
	}
	n, err := generate(urn)
	if err != nil {
		return err
	}
	*name(in) = &n
	return nil
}
