package provider

import (
	"fmt"
	"reflect"

	"github.com/infrago/infra/sdk/resource"
)

// DiffStructs is DiffInputs for typed inputs, with two rules every cloud resource needs: the properties named in
// computed count as unchanged while the program leaves them unset (the cloud or the provider chose their value: a
// default network, a generated name), and an empty list or map is the same as an absent one. Replacing
// properties are the top-level fields whose infra tag has the "replace" option.
func DiffStructs[I any](olds, news I, computed ...string) (DiffResponse, error) {
	om, err := resource.MapFromGo(olds)
	if err != nil {
		return DiffResponse{}, fmt.Errorf("encode old inputs: %w", err)
	}
	nm, err := resource.MapFromGo(news)
	if err != nil {
		return DiffResponse{}, fmt.Errorf("encode new inputs: %w", err)
	}
	dropEmpty(om)
	dropEmpty(nm)
	for _, k := range computed {
		if _, set := nm[k]; !set {
			delete(om, k)
		}
	}
	return DiffInputs(replaceProps(reflect.TypeOf((*I)(nil)).Elem()), om, nm, true), nil
}

func dropEmpty(m resource.PropertyMap) {
	for k, v := range m {
		v = v.Unsecret()
		switch {
		case v.IsNull(),
			v.Kind() == resource.KindList && len(v.ListValue()) == 0,
			v.Kind() == resource.KindMap && len(v.MapValue()) == 0:
			delete(m, k)
		}
	}
}

// replaceProps describes the top-level properties of an inputs struct as the diff needs them: which replace.
func replaceProps(t reflect.Type) map[string]Property {
	out := map[string]Property{}
	for _, f := range resource.StructFields(t) {
		out[f.Name] = Property{ReplaceOnChanges: f.HasOption("replace")}
	}
	return out
}
