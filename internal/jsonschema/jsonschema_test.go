package jsonschema

import (
	"strings"
	"testing"
)

const testSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "oneOf": [{"$ref": "#/$defs/a"}, {"$ref": "#/$defs/b"}],
  "$defs": {
    "a": {
      "type": "object",
      "required": ["type", "n"],
      "additionalProperties": false,
      "properties": {
        "type": {"const": "a"},
        "n": {"type": "integer", "minimum": 1},
        "tags": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "when": {"type": "string", "format": "date-time"},
        "m": {"type": "object", "additionalProperties": {"type": ["string", "null"]}}
      }
    },
    "b": {
      "type": "object",
      "required": ["type"],
      "properties": {"type": {"enum": ["b", "c"]}, "x": {"not": {"type": "string"}}},
      "allOf": [{"required": ["y"]}],
      "anyOf": [{"required": ["y"]}, {"required": ["z"]}]
    }
  }
}`

func TestValidate(t *testing.T) {
	s, err := Compile([]byte(testSchema))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		doc  string
		want string // "" for valid, else a substring of the error
	}{
		{`{"type":"a","n":1}`, ""},
		{`{"type":"a","n":2.0,"tags":["x"],"when":"2024-01-02T03:04:05.5Z","m":{"k":"v","l":null}}`, ""},
		{`{"type":"a","n":0}`, "less than the minimum"},
		{`{"type":"a","n":1.5}`, "want integer"},
		{`{"type":"a"}`, `"n" is missing`},
		{`{"type":"a","n":1,"extra":true}`, `"extra" is not allowed`},
		{`{"type":"a","n":1,"tags":[""]}`, "shorter than"},
		{`{"type":"a","n":1,"tags":[1]}`, ".tags[0]: is a number"},
		{`{"type":"a","n":1,"when":"yesterday"}`, "not an RFC 3339"},
		{`{"type":"a","n":1,"m":{"k":1}}`, ".m.k: is a number"},
		{`{"type":"b","y":1}`, ""},
		{`{"type":"c","y":1,"extra":1}`, ""},
		{`{"type":"b"}`, "matches 0 of oneOf"},
		{`{"type":"b","y":1,"x":"s"}`, "must not match"},
		{`{"type":"d","y":1}`, "matches 0 of oneOf"},
		{`[1]`, "matches 0 of oneOf"},
		{`{"type":"a","n":1} {}`, "not JSON"},
	}
	for _, tt := range tests {
		err := s.Validate([]byte(tt.doc))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.doc, err)
		case tt.want != "" && err == nil:
			t.Errorf("%s: valid, want an error with %q", tt.doc, tt.want)
		case tt.want != "" && !strings.Contains(err.Error(), tt.want):
			t.Errorf("%s: %v, want %q", tt.doc, err, tt.want)
		}
	}
}

func TestCompileRefusesWhatItDoesNotCheck(t *testing.T) {
	for _, schema := range []string{
		`{"pattern": "^a"}`,
		`{"properties": {"a": {"maxLength": 3}}}`,
		`{"$ref": "#/$defs/missing"}`,
		`{"format": "email"}`,
		`{"items": 3}`,
	} {
		if _, err := Compile([]byte(schema)); err == nil {
			t.Errorf("%s compiled", schema)
		}
	}
}
