package propertypb

import (
	"fmt"

	"github.com/infrago/infra/sdk/resource"
)

// FromMap converts a property map to its wire form.
func FromMap(m resource.PropertyMap) *Map {
	if m == nil {
		return &Map{}
	}
	fields := make(map[string]*Value, len(m))
	for k, v := range m {
		fields[k] = FromValue(v)
	}
	return &Map{Fields: fields}
}

// FromValue converts a property value to its wire form.
func FromValue(v resource.PropertyValue) *Value {
	switch v.Kind() {
	case resource.KindBool:
		return &Value{Kind: &Value_BoolValue{BoolValue: v.BoolValue()}}
	case resource.KindNumber:
		return &Value{Kind: &Value_NumberValue{NumberValue: v.NumberValue()}}
	case resource.KindString:
		return &Value{Kind: &Value_StringValue{StringValue: v.StringValue()}}
	case resource.KindList:
		l := v.ListValue()
		out := make([]*Value, len(l))
		for i, e := range l {
			out[i] = FromValue(e)
		}
		return &Value{Kind: &Value_ListValue{ListValue: &List{Values: out}}}
	case resource.KindMap:
		return &Value{Kind: &Value_MapValue{MapValue: FromMap(v.MapValue())}}
	case resource.KindSecret:
		return &Value{Kind: &Value_SecretValue{SecretValue: FromValue(v.SecretElement())}}
	case resource.KindUnknown:
		return &Value{Kind: &Value_UnknownValue{UnknownValue: true}}
	case resource.KindRef:
		r := v.RefValue()
		return &Value{Kind: &Value_RefValue{RefValue: &Reference{Urn: string(r.URN), Id: r.ID}}}
	}
	return &Value{}
}

// ToMap converts the wire form of a property map back. A nil map is an empty one.
func ToMap(m *Map) (resource.PropertyMap, error) {
	out := make(resource.PropertyMap, len(m.GetFields()))
	for k, v := range m.GetFields() {
		pv, err := ToValue(v)
		if err != nil {
			return nil, fmt.Errorf("property %q: %w", k, err)
		}
		out[k] = pv
	}
	return out, nil
}

// maxDepth bounds nesting so a hostile peer cannot exhaust the stack.
const maxDepth = 256

// ToValue converts the wire form of a property value back.
func ToValue(v *Value) (resource.PropertyValue, error) { return toValue(v, 0) }

func toValue(v *Value, depth int) (resource.PropertyValue, error) {
	if depth > maxDepth {
		return resource.PropertyValue{}, fmt.Errorf("value nested more than %d levels deep", maxDepth)
	}
	switch k := v.GetKind().(type) {
	case nil:
		return resource.Null(), nil
	case *Value_BoolValue:
		return resource.NewBool(k.BoolValue), nil
	case *Value_NumberValue:
		return resource.NewNumber(k.NumberValue), nil
	case *Value_StringValue:
		return resource.NewString(k.StringValue), nil
	case *Value_ListValue:
		l := make([]resource.PropertyValue, len(k.ListValue.GetValues()))
		for i, e := range k.ListValue.GetValues() {
			pv, err := toValue(e, depth+1)
			if err != nil {
				return resource.PropertyValue{}, fmt.Errorf("[%d]: %w", i, err)
			}
			l[i] = pv
		}
		return resource.NewList(l), nil
	case *Value_MapValue:
		m := make(resource.PropertyMap, len(k.MapValue.GetFields()))
		for key, e := range k.MapValue.GetFields() {
			pv, err := toValue(e, depth+1)
			if err != nil {
				return resource.PropertyValue{}, fmt.Errorf("%q: %w", key, err)
			}
			m[key] = pv
		}
		return resource.NewMap(m), nil
	case *Value_SecretValue:
		pv, err := toValue(k.SecretValue, depth+1)
		if err != nil {
			return resource.PropertyValue{}, err
		}
		return resource.MakeSecret(pv), nil
	case *Value_UnknownValue:
		return resource.Unknown(), nil
	case *Value_RefValue:
		urn := resource.URN(k.RefValue.GetUrn())
		if !urn.IsValid() {
			return resource.PropertyValue{}, fmt.Errorf("resource reference with invalid URN %q", urn)
		}
		return resource.NewRef(urn, k.RefValue.GetId()), nil
	}
	return resource.PropertyValue{}, fmt.Errorf("unexpected value kind %T", v.GetKind())
}
