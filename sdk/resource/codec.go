package resource

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"sync"
	"unicode"
)

// Go values map to property values field by field. A struct field's property name comes from its `infra` tag
// ("name" or "name,secret"); without a tag it is the field name with a lower-case first letter; "-" skips the
// field. Nil pointers, slices and maps are absent properties. Fields of type PropertyValue pass through as they
// are, and fields of type any hold plain Go values (string, float64, bool, []any, map[string]any, nil).

// ErrUnknownValue is returned when a value to decode is not known yet (during preview).
var ErrUnknownValue = errors.New("value is not known yet")

// FieldInfo describes one struct field as the codec sees it.
type FieldInfo struct {
	Name    string       // the property name
	Index   []int        // the field's index path for reflect.Value.FieldByIndex
	Type    reflect.Type // the Go type of the field
	Options []string     // the tag options after the name, e.g. "secret", "optional", "replace"
}

// HasOption reports whether the field's tag carries opt.
func (f FieldInfo) HasOption(opt string) bool {
	for _, o := range f.Options {
		if o == opt {
			return true
		}
	}
	return false
}

// fieldCache memoizes StructFields; it only ever holds values derived from immutable type information.
var fieldCache sync.Map // reflect.Type -> []FieldInfo

// StructFields lists the fields of struct type t in declaration order, flattening embedded structs without tags.
func StructFields(t reflect.Type) []FieldInfo {
	if v, ok := fieldCache.Load(t); ok {
		return v.([]FieldInfo)
	}
	var fields []FieldInfo
	collectFields(t, nil, &fields)
	fieldCache.Store(t, fields)
	return fields
}

func collectFields(t reflect.Type, index []int, out *[]FieldInfo) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		idx := append(append([]int(nil), index...), i)
		tag, hasTag := f.Tag.Lookup("infra")
		if tag == "-" {
			continue
		}
		if f.Anonymous && !hasTag && f.Type.Kind() == reflect.Struct {
			collectFields(f.Type, idx, out)
			continue
		}
		if !f.IsExported() {
			continue
		}
		parts := strings.Split(tag, ",")
		name := parts[0]
		if name == "" {
			name = lowerFirst(f.Name)
		}
		*out = append(*out, FieldInfo{Name: name, Index: idx, Type: f.Type, Options: parts[1:]})
	}
}

func lowerFirst(s string) string {
	r := []rune(s)
	// Lower a leading acronym as a whole: "ID" -> "id", "URLPath" -> "urlPath".
	i := 0
	for i < len(r) && unicode.IsUpper(r[i]) {
		i++
	}
	switch {
	case i == 0:
	case i == 1 || i == len(r):
		for j := 0; j < i; j++ {
			r[j] = unicode.ToLower(r[j])
		}
	default:
		for j := 0; j < i-1; j++ {
			r[j] = unicode.ToLower(r[j])
		}
	}
	return string(r)
}

var propertyValueType = reflect.TypeOf(PropertyValue{})
var propertyMapType = reflect.TypeOf(PropertyMap{})

// FromGo converts a Go value to a property value.
func FromGo(v any) (PropertyValue, error) {
	if v == nil {
		return Null(), nil
	}
	return fromReflect(reflect.ValueOf(v), nil)
}

// MapFromGo converts a struct (or map with string keys) to a property map.
func MapFromGo(v any) (PropertyMap, error) {
	pv, err := FromGo(v)
	if err != nil {
		return nil, err
	}
	for pv.kind == KindSecret {
		pv = *pv.elem
	}
	if pv.kind == KindNull {
		return PropertyMap{}, nil
	}
	if pv.kind != KindMap {
		return nil, fmt.Errorf("cannot convert %T to a property map", v)
	}
	return pv.obj, nil
}

func fromReflect(rv reflect.Value, path PropertyPath) (PropertyValue, error) {
	if !rv.IsValid() {
		return Null(), nil
	}
	t := rv.Type()
	switch t {
	case propertyValueType:
		return rv.Interface().(PropertyValue), nil
	case propertyMapType:
		if rv.IsNil() {
			return Null(), nil
		}
		return NewMap(rv.Interface().(PropertyMap).Copy()), nil
	}
	switch t.Kind() {
	case reflect.Interface, reflect.Pointer:
		if rv.IsNil() {
			return Null(), nil
		}
		return fromReflect(rv.Elem(), path)
	case reflect.Bool:
		return NewBool(rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return NewNumber(float64(rv.Int())), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return NewNumber(float64(rv.Uint())), nil
	case reflect.Float32, reflect.Float64:
		return NewNumber(rv.Float()), nil
	case reflect.String:
		return NewString(rv.String()), nil
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && rv.IsNil() {
			return Null(), nil
		}
		l := make([]PropertyValue, rv.Len())
		for i := range l {
			e, err := fromReflect(rv.Index(i), append(path, i))
			if err != nil {
				return PropertyValue{}, err
			}
			l[i] = e
		}
		return NewList(l), nil
	case reflect.Map:
		if rv.IsNil() {
			return Null(), nil
		}
		if t.Key().Kind() != reflect.String {
			return PropertyValue{}, fmt.Errorf("%s: map keys must be strings, not %s", pathOrRoot(path), t.Key())
		}
		m := make(PropertyMap, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			k := it.Key().String()
			e, err := fromReflect(it.Value(), append(path, k))
			if err != nil {
				return PropertyValue{}, err
			}
			m[k] = e
		}
		return NewMap(m), nil
	case reflect.Struct:
		fields := StructFields(t)
		m := make(PropertyMap, len(fields))
		for _, f := range fields {
			fv := rv.FieldByIndex(f.Index)
			e, err := fromReflect(fv, append(path, f.Name))
			if err != nil {
				return PropertyValue{}, err
			}
			if e.kind == KindNull {
				continue
			}
			if f.HasOption("secret") {
				e = MakeSecret(e)
			}
			m[f.Name] = e
		}
		return NewMap(m), nil
	}
	return PropertyValue{}, fmt.Errorf("%s: cannot convert Go type %s to a property value", pathOrRoot(path), t)
}

func pathOrRoot(p PropertyPath) string {
	if len(p) == 0 {
		return "value"
	}
	return p.String()
}

// ToGo decodes v into the value target points to. Secrets are unwrapped; an unknown value anywhere yields an error
// wrapping ErrUnknownValue; a type mismatch yields an error naming the property path.
func ToGo(v PropertyValue, target any) error {
	rv := reflect.ValueOf(target)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("ToGo needs a non-nil pointer, got %T", target)
	}
	return toReflect(v, rv.Elem(), nil)
}

// MapToGo decodes a property map into the struct or map target points to.
func MapToGo(m PropertyMap, target any) error { return ToGo(NewMap(m), target) }

func toReflect(v PropertyValue, rv reflect.Value, path PropertyPath) error {
	t := rv.Type()
	if t == propertyValueType {
		rv.Set(reflect.ValueOf(v))
		return nil
	}
	for v.kind == KindSecret {
		v = *v.elem
	}
	if v.kind == KindUnknown {
		return fmt.Errorf("%s: %w", pathOrRoot(path), ErrUnknownValue)
	}
	if v.kind == KindNull {
		rv.SetZero()
		return nil
	}
	mismatch := func() error {
		return fmt.Errorf("%s: expected %s, got %s", pathOrRoot(path), describeType(t), v.kind)
	}
	switch t.Kind() {
	case reflect.Pointer:
		e := reflect.New(t.Elem())
		if err := toReflect(v, e.Elem(), path); err != nil {
			return err
		}
		rv.Set(e)
		return nil
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return fmt.Errorf("%s: cannot decode into interface %s", pathOrRoot(path), t)
		}
		g, err := toPlain(v, path)
		if err != nil {
			return err
		}
		if g == nil {
			rv.SetZero()
		} else {
			rv.Set(reflect.ValueOf(g))
		}
		return nil
	case reflect.Bool:
		if v.kind != KindBool {
			return mismatch()
		}
		rv.SetBool(v.b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.kind != KindNumber {
			return mismatch()
		}
		// Range-check in float64 first: converting an out-of-range float to int64 is undefined in Go.
		if v.n != math.Trunc(v.n) || v.n < -(1<<63) || v.n >= 1<<63 || rv.OverflowInt(int64(v.n)) {
			return fmt.Errorf("%s: %s is not a whole number that fits %s", pathOrRoot(path), FormatNumber(v.n), t)
		}
		rv.SetInt(int64(v.n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v.kind != KindNumber {
			return mismatch()
		}
		if v.n != math.Trunc(v.n) || v.n < 0 || v.n >= 1<<64 || rv.OverflowUint(uint64(v.n)) {
			return fmt.Errorf("%s: %s is not a non-negative whole number that fits %s", pathOrRoot(path), FormatNumber(v.n), t)
		}
		rv.SetUint(uint64(v.n))
	case reflect.Float32, reflect.Float64:
		if v.kind != KindNumber {
			return mismatch()
		}
		if !math.IsInf(v.n, 0) && rv.OverflowFloat(v.n) {
			return fmt.Errorf("%s: %s does not fit %s", pathOrRoot(path), FormatNumber(v.n), t)
		}
		rv.SetFloat(v.n)
	case reflect.String:
		if v.kind != KindString {
			return mismatch()
		}
		rv.SetString(v.s)
	case reflect.Slice:
		if v.kind != KindList {
			return mismatch()
		}
		s := reflect.MakeSlice(t, len(v.list), len(v.list))
		for i, e := range v.list {
			if err := toReflect(e, s.Index(i), append(path, i)); err != nil {
				return err
			}
		}
		rv.Set(s)
	case reflect.Map:
		if v.kind != KindMap {
			return mismatch()
		}
		if t.Key().Kind() != reflect.String {
			return fmt.Errorf("%s: map keys must be strings, not %s", pathOrRoot(path), t.Key())
		}
		m := reflect.MakeMapWithSize(t, len(v.obj))
		for k, e := range v.obj {
			ev := reflect.New(t.Elem()).Elem()
			if err := toReflect(e, ev, append(path, k)); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
		}
		rv.Set(m)
	case reflect.Struct:
		if v.kind != KindMap {
			return mismatch()
		}
		for _, f := range StructFields(t) {
			fv := rv.FieldByIndex(f.Index)
			e, ok := v.obj[f.Name]
			if !ok {
				fv.SetZero()
				continue
			}
			if err := toReflect(e, fv, append(path, f.Name)); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%s: cannot decode into Go type %s", pathOrRoot(path), t)
	}
	return nil
}

func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice:
		return "list"
	case reflect.Map, reflect.Struct:
		return "map"
	case reflect.Pointer:
		return describeType(t.Elem())
	}
	return t.String()
}

// ToPlain converts v to plain Go values: nil, bool, float64, string, []any, map[string]any (secrets unwrapped,
// references as their URN string). It fails on unknowns.
func ToPlain(v PropertyValue) (any, error) { return toPlain(v, nil) }

func toPlain(v PropertyValue, path PropertyPath) (any, error) {
	switch v.kind {
	case KindNull:
		return nil, nil
	case KindBool:
		return v.b, nil
	case KindNumber:
		return v.n, nil
	case KindString:
		return v.s, nil
	case KindSecret:
		return toPlain(*v.elem, path)
	case KindUnknown:
		return nil, fmt.Errorf("%s: %w", pathOrRoot(path), ErrUnknownValue)
	case KindRef:
		return string(v.ref.URN), nil
	case KindList:
		l := make([]any, len(v.list))
		for i, e := range v.list {
			g, err := toPlain(e, append(path, i))
			if err != nil {
				return nil, err
			}
			l[i] = g
		}
		return l, nil
	case KindMap:
		m := make(map[string]any, len(v.obj))
		keys := v.obj.Keys()
		sort.Strings(keys)
		for _, k := range keys {
			g, err := toPlain(v.obj[k], append(path, k))
			if err != nil {
				return nil, err
			}
			m[k] = g
		}
		return m, nil
	}
	return nil, fmt.Errorf("%s: unexpected kind %s", pathOrRoot(path), v.kind)
}
