package resource

import "sort"

// DiffKind says how a property changed.
type DiffKind uint8

// The kinds of property change.
const (
	DiffAdd DiffKind = iota + 1
	DiffDelete
	DiffUpdate
)

// Symbol is the one-character marker displays use for the kind: + - ~.
func (k DiffKind) Symbol() string {
	switch k {
	case DiffAdd:
		return "+"
	case DiffDelete:
		return "-"
	case DiffUpdate:
		return "~"
	}
	return "?"
}

func (k DiffKind) String() string {
	switch k {
	case DiffAdd:
		return "add"
	case DiffDelete:
		return "delete"
	case DiffUpdate:
		return "update"
	}
	return "unknown"
}

// PropertyDiff is one changed value between two property maps.
type PropertyDiff struct {
	Path PropertyPath
	Kind DiffKind
	Old  PropertyValue // null for DiffAdd
	New  PropertyValue // null for DiffDelete
}

// DiffMaps lists the differences between old and new, descending into maps and lists so that each entry is as
// deep as the change (a changed tag is "tags.env", not the whole "tags"). A value whose secretness alone changed is
// an update. Entries are sorted by path.
func DiffMaps(old, new PropertyMap) []PropertyDiff {
	var out []PropertyDiff
	diffMap(nil, old, new, &out)
	sort.SliceStable(out, func(i, j int) bool { return pathLess(out[i].Path, out[j].Path) })
	return out
}

// pathLess orders paths element by element: keys as strings, list indexes as numbers (so "l[2]" comes before
// "l[10]"), an index before a key, and a path before the paths under it.
func pathLess(a, b PropertyPath) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		switch x := a[i].(type) {
		case int:
			y, ok := b[i].(int)
			if !ok {
				return true
			}
			if x != y {
				return x < y
			}
		case string:
			y, ok := b[i].(string)
			if !ok {
				return false
			}
			if x != y {
				return x < y
			}
		}
	}
	return len(a) < len(b)
}

func diffMap(prefix PropertyPath, old, new PropertyMap, out *[]PropertyDiff) {
	for k, ov := range old {
		p := append(append(PropertyPath(nil), prefix...), k)
		nv, ok := new[k]
		if !ok {
			*out = append(*out, PropertyDiff{Path: p, Kind: DiffDelete, Old: ov})
			continue
		}
		diffValue(p, ov, nv, out)
	}
	for k, nv := range new {
		if _, ok := old[k]; !ok {
			p := append(append(PropertyPath(nil), prefix...), k)
			*out = append(*out, PropertyDiff{Path: p, Kind: DiffAdd, New: nv})
		}
	}
}

func diffValue(p PropertyPath, ov, nv PropertyValue, out *[]PropertyDiff) {
	if ov.Equal(nv) {
		return
	}
	// Descend only where both sides are plain containers of the same kind; a secret is compared as a whole so a
	// diff never points inside it.
	switch {
	case ov.kind == KindMap && nv.kind == KindMap:
		diffMap(p, ov.obj, nv.obj, out)
	case ov.kind == KindList && nv.kind == KindList:
		n := len(ov.list)
		if len(nv.list) > n {
			n = len(nv.list)
		}
		for i := 0; i < n; i++ {
			q := append(append(PropertyPath(nil), p...), i)
			switch {
			case i >= len(ov.list):
				*out = append(*out, PropertyDiff{Path: q, Kind: DiffAdd, New: nv.list[i]})
			case i >= len(nv.list):
				*out = append(*out, PropertyDiff{Path: q, Kind: DiffDelete, Old: ov.list[i]})
			default:
				diffValue(q, ov.list[i], nv.list[i], out)
			}
		}
	default:
		*out = append(*out, PropertyDiff{Path: p, Kind: DiffUpdate, Old: ov, New: nv})
	}
}

// ChangedKeys returns the sorted top-level property names that differ between old and new.
func ChangedKeys(old, new PropertyMap) []string {
	var keys []string
	for k, ov := range old {
		if nv, ok := new[k]; !ok || !ov.Equal(nv) {
			keys = append(keys, k)
		}
	}
	for k := range new {
		if _, ok := old[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
