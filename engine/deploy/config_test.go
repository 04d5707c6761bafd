package deploy

import (
	"testing"

	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
)

func TestTypedConfig(t *testing.T) {
	t.Parallel()
	props := map[string]provider.Property{
		"region":     {TypeSpec: provider.TypeSpec{Type: "string"}},
		"maxRetries": {TypeSpec: provider.TypeSpec{Type: "integer"}},
		"ratio":      {TypeSpec: provider.TypeSpec{Type: "number"}},
		"insecure":   {TypeSpec: provider.TypeSpec{Type: "boolean"}},
		"tags":       {TypeSpec: provider.TypeSpec{Type: "map", Values: &provider.TypeSpec{Type: "string"}}},
		"zones":      {TypeSpec: provider.TypeSpec{Type: "array", Items: &provider.TypeSpec{Type: "string"}}},
	}
	s := resource.NewString
	tests := []struct {
		key  string
		in   resource.PropertyValue
		want resource.PropertyValue
	}{
		{"region", s("eu-west-1"), s("eu-west-1")},
		{"region", s("5"), s("5")}, // a string property keeps its text
		{"maxRetries", s("5"), resource.NewNumber(5)},
		{"maxRetries", s(" 12 "), resource.NewNumber(12)},
		{"maxRetries", s("2.5"), s("2.5")}, // not whole: left for the provider's check to report
		{"maxRetries", s("five"), s("five")},
		{"maxRetries", resource.NewNumber(3), resource.NewNumber(3)},
		{"maxRetries", resource.MakeSecret(s("7")), resource.MakeSecret(resource.NewNumber(7))},
		{"ratio", s("0.25"), resource.NewNumber(0.25)},
		{"insecure", s("true"), resource.NewBool(true)},
		{"insecure", s("yes please"), s("yes please")},
		{"tags", s(`{"team":"web"}`), resource.NewMap(resource.PropertyMap{"team": s("web")})},
		{"zones", s(`["a","b"]`), resource.NewList([]resource.PropertyValue{s("a"), s("b")})},
		{"zones", s(`[a`), s(`[a`)},
		{"unknownKey", s("5"), s("5")}, // not in the schema: the provider's check names it
	}
	for _, tt := range tests {
		got := typedConfig(props, resource.PropertyMap{tt.key: tt.in})[tt.key]
		if !got.Equal(tt.want) {
			t.Errorf("%s = %v: got %v, want %v", tt.key, tt.in, got, tt.want)
		}
	}
}
