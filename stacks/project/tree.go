package project

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/getsops/sops/v3"
)

// Helpers between sops' tree (sops.TreeBranch for mappings, []interface{} for lists, sops.Comment for comments)
// and plain Go values (map[string]any, []any, scalars).

// copyTree deep-copies a tree value; sops encrypts and decrypts trees in place.
func copyTree(v any) any {
	switch v := v.(type) {
	case sops.TreeBranch:
		return copyBranch(v)
	case []interface{}:
		out := make([]interface{}, len(v))
		for i, e := range v {
			out[i] = copyTree(e)
		}
		return out
	case []byte:
		return append([]byte(nil), v...)
	}
	return v
}

// copyBranch deep-copies a mapping.
func copyBranch(b sops.TreeBranch) sops.TreeBranch {
	out := make(sops.TreeBranch, len(b))
	for i, item := range b {
		out[i] = sops.TreeItem{Key: item.Key, Value: copyTree(item.Value)}
	}
	return out
}

// toGo converts a tree value to plain Go values, dropping comments. The result shares nothing with the tree.
func toGo(v any) any {
	switch v := v.(type) {
	case sops.TreeBranch:
		out := make(map[string]any, len(v))
		for _, item := range v {
			if k, ok := item.Key.(string); ok {
				out[k] = toGo(item.Value)
			}
		}
		return out
	case []interface{}:
		out := make([]any, 0, len(v))
		for _, e := range v {
			if _, isComment := e.(sops.Comment); !isComment {
				out = append(out, toGo(e))
			}
		}
		return out
	case []byte:
		return string(v)
	}
	return v
}

// toTree converts a Go value given to Set into a tree value: mappings with string keys (in sorted key order, for
// a stable file), lists, strings, booleans, integers and floats.
func toTree(v any) (any, error) {
	return toTreeValue(reflect.ValueOf(v))
}

func toTreeValue(rv reflect.Value) (any, error) {
	if !rv.IsValid() {
		return nil, nil
	}
	switch rv.Kind() {
	case reflect.Interface, reflect.Pointer:
		if rv.IsNil() {
			return nil, nil
		}
		return toTreeValue(rv.Elem())
	case reflect.String:
		return rv.String(), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return nil, fmt.Errorf("integer %d is out of range", u)
		}
		return int(u), nil
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%v is not a number YAML config can hold", f)
		}
		return f, nil
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return []interface{}{}, nil
		}
		out := make([]interface{}, rv.Len())
		for i := range out {
			e, err := toTreeValue(rv.Index(i))
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("map keys must be strings, not %s", rv.Type().Key())
		}
		keys := make([]string, 0, rv.Len())
		for _, k := range rv.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		out := make(sops.TreeBranch, 0, len(keys))
		for _, k := range keys {
			e, err := toTreeValue(rv.MapIndex(reflect.ValueOf(k).Convert(rv.Type().Key())))
			if err != nil {
				return nil, err
			}
			out = append(out, sops.TreeItem{Key: k, Value: e})
		}
		return out, nil
	}
	return nil, fmt.Errorf("values of Go type %s cannot be stored in config", rv.Type())
}

// hasSecretsKey reports whether a tree value holds a mapping key "secrets" at any depth.
func hasSecretsKey(v any) bool {
	switch v := v.(type) {
	case sops.TreeBranch:
		for _, item := range v {
			if item.Key == "secrets" || hasSecretsKey(item.Value) {
				return true
			}
		}
	case []interface{}:
		for _, e := range v {
			if hasSecretsKey(e) {
				return true
			}
		}
	}
	return false
}

// scalarString renders a decrypted secret as the string config secrets are. sops can hold typed secrets (a
// `sops set` of a number), which read back as their text.
func scalarString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case []byte:
		return string(v), true
	case int:
		return strconv.Itoa(v), true
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	case time.Time:
		return v.Format(time.RFC3339Nano), true
	case nil:
		return "", true
	}
	return "", false
}

// section returns the mapping under a top-level key and its index, or nil and -1.
func section(root sops.TreeBranch, name string) (sops.TreeBranch, int) {
	for i, item := range root {
		if item.Key == name {
			b, _ := item.Value.(sops.TreeBranch)
			return b, i
		}
	}
	return nil, -1
}

// lookup returns the value of key in a section mapping and its index.
func lookup(b sops.TreeBranch, key string) (any, int) {
	for i, item := range b {
		if item.Key == key {
			return item.Value, i
		}
	}
	return nil, -1
}

// upsert sets key in a section mapping: in place when present, else before the first greater key, so a sorted
// section stays sorted and a hand-ordered one keeps its order.
func upsert(b sops.TreeBranch, key string, value any) sops.TreeBranch {
	if _, i := lookup(b, key); i >= 0 {
		b[i].Value = value
		return b
	}
	at := len(b)
	for i, item := range b {
		if k, ok := item.Key.(string); ok && k > key {
			at = i
			break
		}
	}
	// Keep head comments with the key they precede.
	for at > 0 {
		c, ok := b[at-1].Key.(sops.Comment)
		if !ok || c.Inline {
			break
		}
		at--
	}
	b = append(b, sops.TreeItem{})
	copy(b[at+1:], b[at:])
	b[at] = sops.TreeItem{Key: key, Value: value}
	return b
}
