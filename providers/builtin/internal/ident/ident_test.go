package ident

import (
	"encoding/hex"
	"testing"
)

func TestNew(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		id, err := New()
		if err != nil {
			t.Fatal(err)
		}
		if b, err := hex.DecodeString(id); err != nil || len(b) != 16 {
			t.Fatalf("ID %q is not 16 hex-encoded bytes", id)
		}
		if seen[id] {
			t.Fatalf("ID %q repeated", id)
		}
		seen[id] = true
	}
}
