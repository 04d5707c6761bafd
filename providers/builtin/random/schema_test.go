package random

import (
	"testing"
)

func TestSchema(t *testing.T) {
	t.Parallel()
	s, err := Provider().BuildSchema()
	if err != nil {
		t.Fatalf("BuildSchema: %v", err)
	}
	if s.Name != "random" || s.Version != "0.1.0" {
		t.Fatalf("name/version = %s/%s", s.Name, s.Version)
	}
	for _, tok := range []string{StringToken, PasswordToken, IntegerToken} {
		rs, ok := s.Resources[tok]
		if !ok {
			t.Fatalf("schema lacks %s", tok)
		}
		if rs.Description == "" {
			t.Errorf("%s has no description", tok)
		}
		for name, p := range rs.Inputs {
			if p.Description == "" {
				t.Errorf("%s input %s has no doc", tok, name)
			}
			if !p.ReplaceOnChanges {
				t.Errorf("%s input %s should replace on change", tok, name)
			}
		}
		for name, p := range rs.Outputs {
			if p.Description == "" {
				t.Errorf("%s output %s has no doc", tok, name)
			}
		}
	}
	str := s.Resources[StringToken]
	if p := str.Inputs["length"]; !p.Required || p.Type != "integer" {
		t.Errorf("length = %+v, want a required integer", p)
	}
	if p := str.Inputs["special"]; p.Required || p.Default != true || p.Type != "boolean" {
		t.Errorf("special = %+v, want an optional boolean defaulting to true", p)
	}
	if p := str.Inputs["minSpecial"]; p.Default != float64(0) {
		t.Errorf("minSpecial default = %v, want 0", p.Default)
	}
	if p := str.Inputs["keepers"]; p.Required || p.Type != "map" || p.Values == nil || p.Values.Type != "string" {
		t.Errorf("keepers = %+v, want an optional map(string)", p)
	}
	if str.Outputs["result"].Secret {
		t.Error("String result must not be secret")
	}
	if !s.Resources[PasswordToken].Outputs["result"].Secret {
		t.Error("Password result must be secret")
	}
	in := s.Resources[IntegerToken].Inputs
	if !in["min"].Required || !in["max"].Required {
		t.Error("Integer min and max must be required")
	}
}
