package resource

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Kind is the type of a PropertyValue.
type Kind uint8

// The kinds of property value.
const (
	KindNull Kind = iota
	KindBool
	KindNumber
	KindString
	KindList
	KindMap
	// KindSecret wraps another value whose plaintext must never be shown or stored unencrypted.
	KindSecret
	// KindUnknown is a value that is not known yet (during preview, an output of a resource not yet created).
	KindUnknown
	// KindRef is a reference to another resource (its URN and ID).
	KindRef
)

var kindNames = [...]string{"null", "bool", "number", "string", "list", "map", "secret", "unknown", "ref"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// PropertyValue is one typed value of a resource property. The zero value is null. PropertyValues are immutable
// once built: the list and map constructors take ownership of their arguments.
type PropertyValue struct {
	kind Kind
	b    bool
	n    float64
	s    string
	list []PropertyValue
	obj  PropertyMap
	elem *PropertyValue // the wrapped value of a secret
	ref  *Reference
}

// Reference is the value of a KindRef property: the URN and ID of another resource.
type Reference struct {
	URN URN
	ID  string
}

// PropertyMap is a set of named properties: a resource's inputs or outputs, or a map-typed value.
type PropertyMap map[string]PropertyValue

// Null is the null value.
func Null() PropertyValue { return PropertyValue{} }

// NewBool makes a bool value.
func NewBool(b bool) PropertyValue { return PropertyValue{kind: KindBool, b: b} }

// NewNumber makes a number value.
func NewNumber(n float64) PropertyValue { return PropertyValue{kind: KindNumber, n: n} }

// NewString makes a string value.
func NewString(s string) PropertyValue { return PropertyValue{kind: KindString, s: s} }

// NewList makes a list value; it takes ownership of l.
func NewList(l []PropertyValue) PropertyValue {
	if l == nil {
		l = []PropertyValue{}
	}
	return PropertyValue{kind: KindList, list: l}
}

// NewMap makes a map value; it takes ownership of m.
func NewMap(m PropertyMap) PropertyValue {
	if m == nil {
		m = PropertyMap{}
	}
	return PropertyValue{kind: KindMap, obj: m}
}

// MakeSecret wraps v as a secret. Wrapping a secret again is a no-op.
func MakeSecret(v PropertyValue) PropertyValue {
	if v.kind == KindSecret {
		return v
	}
	e := v
	return PropertyValue{kind: KindSecret, elem: &e}
}

// Unknown is a value not known yet.
func Unknown() PropertyValue { return PropertyValue{kind: KindUnknown} }

// NewRef makes a resource reference.
func NewRef(urn URN, id string) PropertyValue {
	return PropertyValue{kind: KindRef, ref: &Reference{URN: urn, ID: id}}
}

// Kind is the value's kind.
func (v PropertyValue) Kind() Kind { return v.kind }

// IsNull reports whether v is null.
func (v PropertyValue) IsNull() bool { return v.kind == KindNull }

// IsSecret reports whether v is a secret.
func (v PropertyValue) IsSecret() bool { return v.kind == KindSecret }

// IsUnknown reports whether v is unknown.
func (v PropertyValue) IsUnknown() bool { return v.kind == KindUnknown }

// BoolValue is the value of a bool (false for other kinds).
func (v PropertyValue) BoolValue() bool { return v.b }

// NumberValue is the value of a number (0 for other kinds).
func (v PropertyValue) NumberValue() float64 { return v.n }

// StringValue is the value of a string ("" for other kinds).
func (v PropertyValue) StringValue() string { return v.s }

// ListValue is the elements of a list (nil for other kinds). Callers must not modify it.
func (v PropertyValue) ListValue() []PropertyValue { return v.list }

// MapValue is the properties of a map (nil for other kinds). Callers must not modify it.
func (v PropertyValue) MapValue() PropertyMap { return v.obj }

// SecretElement is the value a secret wraps (null for other kinds).
func (v PropertyValue) SecretElement() PropertyValue {
	if v.kind == KindSecret && v.elem != nil {
		return *v.elem
	}
	return PropertyValue{}
}

// RefValue is the reference of a KindRef value.
func (v PropertyValue) RefValue() Reference {
	if v.ref != nil {
		return *v.ref
	}
	return Reference{}
}

// ContainsUnknowns reports whether v is or holds an unknown value.
func (v PropertyValue) ContainsUnknowns() bool {
	switch v.kind {
	case KindUnknown:
		return true
	case KindSecret:
		return v.elem.ContainsUnknowns()
	case KindList:
		for _, e := range v.list {
			if e.ContainsUnknowns() {
				return true
			}
		}
	case KindMap:
		return v.obj.ContainsUnknowns()
	}
	return false
}

// ContainsSecrets reports whether v is or holds a secret.
func (v PropertyValue) ContainsSecrets() bool {
	switch v.kind {
	case KindSecret:
		return true
	case KindList:
		for _, e := range v.list {
			if e.ContainsSecrets() {
				return true
			}
		}
	case KindMap:
		return v.obj.ContainsSecrets()
	}
	return false
}

// Unsecret returns v with every secret wrapper removed, recursively.
func (v PropertyValue) Unsecret() PropertyValue {
	switch v.kind {
	case KindSecret:
		return v.elem.Unsecret()
	case KindList:
		if !v.ContainsSecrets() {
			return v
		}
		l := make([]PropertyValue, len(v.list))
		for i, e := range v.list {
			l[i] = e.Unsecret()
		}
		return NewList(l)
	case KindMap:
		if !v.obj.ContainsSecrets() {
			return v
		}
		return NewMap(v.obj.Unsecret())
	}
	return v
}

// Equal reports whether v and o are the same value, secretness included.
func (v PropertyValue) Equal(o PropertyValue) bool { return equal(v, o, false) }

// EqualIgnoringSecrets reports whether v and o hold the same plaintext, whether or not either is marked secret.
func (v PropertyValue) EqualIgnoringSecrets(o PropertyValue) bool { return equal(v, o, true) }

func equal(a, b PropertyValue, ignoreSecret bool) bool {
	if ignoreSecret {
		for a.kind == KindSecret {
			a = *a.elem
		}
		for b.kind == KindSecret {
			b = *b.elem
		}
	}
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case KindNull, KindUnknown:
		return true
	case KindBool:
		return a.b == b.b
	case KindNumber:
		return a.n == b.n || (math.IsNaN(a.n) && math.IsNaN(b.n))
	case KindString:
		return a.s == b.s
	case KindList:
		if len(a.list) != len(b.list) {
			return false
		}
		for i := range a.list {
			if !equal(a.list[i], b.list[i], ignoreSecret) {
				return false
			}
		}
		return true
	case KindMap:
		return mapsEqual(a.obj, b.obj, ignoreSecret)
	case KindSecret:
		return equal(*a.elem, *b.elem, ignoreSecret)
	case KindRef:
		return *a.ref == *b.ref
	}
	return false
}

func mapsEqual(a, b PropertyMap, ignoreSecret bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k, av := range a {
		bv, ok := b[k]
		if !ok || !equal(av, bv, ignoreSecret) {
			return false
		}
	}
	return true
}

// Equal reports whether m and o hold the same properties, secretness included.
func (m PropertyMap) Equal(o PropertyMap) bool { return mapsEqual(m, o, false) }

// EqualIgnoringSecrets reports whether m and o hold the same plaintext, whatever is marked secret.
func (m PropertyMap) EqualIgnoringSecrets(o PropertyMap) bool { return mapsEqual(m, o, true) }

// ContainsUnknowns reports whether any property is or holds an unknown value.
func (m PropertyMap) ContainsUnknowns() bool {
	for _, v := range m {
		if v.ContainsUnknowns() {
			return true
		}
	}
	return false
}

// ContainsSecrets reports whether any property is or holds a secret.
func (m PropertyMap) ContainsSecrets() bool {
	for _, v := range m {
		if v.ContainsSecrets() {
			return true
		}
	}
	return false
}

// Unsecret returns a copy of m with every secret wrapper removed.
func (m PropertyMap) Unsecret() PropertyMap {
	out := make(PropertyMap, len(m))
	for k, v := range m {
		out[k] = v.Unsecret()
	}
	return out
}

// Copy returns a shallow copy of m.
func (m PropertyMap) Copy() PropertyMap {
	out := make(PropertyMap, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Keys returns the property names in sorted order.
func (m PropertyMap) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// String renders v for people: secrets as [secret], unknowns as [unknown]. It never reveals a secret.
func (v PropertyValue) String() string {
	var b strings.Builder
	v.format(&b)
	return b.String()
}

func (v PropertyValue) format(b *strings.Builder) {
	switch v.kind {
	case KindNull:
		b.WriteString("null")
	case KindBool:
		b.WriteString(strconv.FormatBool(v.b))
	case KindNumber:
		b.WriteString(FormatNumber(v.n))
	case KindString:
		b.WriteString(strconv.Quote(v.s))
	case KindList:
		b.WriteByte('[')
		for i, e := range v.list {
			if i > 0 {
				b.WriteString(", ")
			}
			e.format(b)
		}
		b.WriteByte(']')
	case KindMap:
		b.WriteByte('{')
		for i, k := range v.obj.Keys() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteString(": ")
			v.obj[k].format(b)
		}
		b.WriteByte('}')
	case KindSecret:
		b.WriteString("[secret]")
	case KindUnknown:
		b.WriteString("[unknown]")
	case KindRef:
		fmt.Fprintf(b, "ref(%s)", v.ref.URN)
	}
}

// FormatNumber renders a number the way people write it: integers without a fraction or exponent.
func FormatNumber(n float64) string {
	if n == math.Trunc(n) && math.Abs(n) < 1e15 {
		return strconv.FormatInt(int64(n), 10)
	}
	return strconv.FormatFloat(n, 'g', -1, 64)
}
