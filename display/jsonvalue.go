package display

import (
	"math"
	"strconv"

	"github.com/infrago/infra/sdk/resource"
)

// Property values in the JSON stream are plain JSON, with the same placeholders people see: a secret is the
// string "[secret]" whatever it holds, a value not known yet is "[unknown]", and a reference to a resource is
// "ref(<urn>)". The stream is for reading, not for round trips: state and plans keep the exact forms.
const (
	jsonSecret  = `"[secret]"`
	jsonUnknown = `"[unknown]"`
)

// jsonEnc writes the JSON stream's values. Every string goes through the redactor before it is escaped: a
// secret that escaped into free text is masked inside its string, and the line stays valid JSON (masking whole
// lines could turn a secret "true" or "8080" outside a string into invalid JSON).
type jsonEnc struct{ r *Redactor }

// str appends s as a JSON string, masked. The caller holds the redactor's read lock (one per line, not one
// per string).
func (e jsonEnc) str(dst []byte, s string) []byte {
	return resource.AppendJSONString(dst, e.r.redactLocked(s))
}

// value appends v as JSON, secrets masked.
func (e jsonEnc) value(dst []byte, v resource.PropertyValue) []byte {
	switch v.Kind() {
	case resource.KindBool:
		return strconv.AppendBool(dst, v.BoolValue())
	case resource.KindNumber:
		n := v.NumberValue()
		if math.IsNaN(n) || math.IsInf(n, 0) {
			// JSON has no such numbers; they cannot reach state either.
			return append(dst, "null"...)
		}
		if n == math.Trunc(n) && math.Abs(n) < 1e15 {
			return strconv.AppendInt(dst, int64(n), 10)
		}
		return strconv.AppendFloat(dst, n, 'g', -1, 64)
	case resource.KindString:
		return e.str(dst, v.StringValue())
	case resource.KindList:
		dst = append(dst, '[')
		for i, x := range v.ListValue() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.value(dst, x)
		}
		return append(dst, ']')
	case resource.KindMap:
		return e.object(dst, v.MapValue())
	case resource.KindSecret:
		return append(dst, jsonSecret...)
	case resource.KindUnknown:
		return append(dst, jsonUnknown...)
	case resource.KindRef:
		return e.str(dst, "ref("+string(v.RefValue().URN)+")")
	}
	return append(dst, "null"...)
}

// object appends m as a JSON object, keys sorted so equal maps give equal bytes.
func (e jsonEnc) object(dst []byte, m resource.PropertyMap) []byte {
	dst = append(dst, '{')
	for i, k := range m.Keys() {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = e.str(dst, k)
		dst = append(dst, ':')
		dst = e.value(dst, m[k])
	}
	return append(dst, '}')
}
