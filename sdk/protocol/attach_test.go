package protocol

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAttachLines(t *testing.T) {
	t.Parallel()
	b, _ := json.Marshal(AttachReady{Monitor: "127.0.0.1:1", Token: "t"})
	if r, err := DecodeAttachReady(b); err != nil || r.Monitor != "127.0.0.1:1" || r.Token != "t" {
		t.Errorf("DecodeAttachReady(%s) = %+v, %v", b, r, err)
	}
	for _, bad := range []string{"", "  ", "{}", `{"monitor":"x"}`, "not json", `["a"]`} {
		if _, err := DecodeAttachReady([]byte(bad)); err == nil {
			t.Errorf("DecodeAttachReady(%q) accepted", bad)
		}
	}
	if d, err := DecodeAttachDone([]byte(`{"error":"boom","reported":true}`)); err != nil || d.Error != "boom" || !d.Reported {
		t.Errorf("DecodeAttachDone = %+v, %v", d, err)
	}
	if d, err := DecodeAttachDone([]byte(`{}`)); err != nil || d.Error != "" {
		t.Errorf("DecodeAttachDone of success = %+v, %v", d, err)
	}
	if _, err := DecodeAttachDone([]byte(`{"error":"` + strings.Repeat("x", maxAttachLine) + `"}`)); err == nil {
		t.Errorf("an oversized line was accepted")
	}
}

func FuzzAttachLines(f *testing.F) {
	f.Add([]byte(`{"monitor":"127.0.0.1:1","token":"t"}`))
	f.Add([]byte(`{"error":"x","reported":true}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := DecodeAttachReady(b); err == nil && (r.Monitor == "" || r.Token == "") {
			t.Fatalf("DecodeAttachReady(%q) = %+v without an error", b, r)
		}
		_, _ = DecodeAttachDone(b)
	})
}
