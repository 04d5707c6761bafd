package auto

import (
	"strings"
	"testing"
)

func TestDecodeEvent(t *testing.T) {
	t.Parallel()
	good := []string{
		`{"type":"prelude","sequence":1,"time":"2026-01-02T03:04:05Z","prelude":{"version":1,"project":"p","stack":"s","action":"update","dryRun":false}}`,
		`{"type":"step-done","sequence":2,"time":"2026-01-02T03:04:05.25Z","step":{"urn":"urn:infra:s::p::t:m:T::n","type":"t:m:T","name":"n","op":"create","custom":true,"logical":true,"dryRun":false,"outputs":{"a":1},"elapsedMs":3}}`,
		`{"type":"result","sequence":3,"time":"2026-01-02T03:04:06Z","result":{"status":"failed","exitCode":1,"errorCode":"concurrent-update"}}`,
		`{"type":"something-new","sequence":4,"time":"2026-01-02T03:04:06Z"}`,
	}
	for _, line := range good {
		if _, err := DecodeEvent([]byte(line)); err != nil {
			t.Errorf("DecodeEvent(%s): %v", line, err)
		}
	}
	e, _ := DecodeEvent([]byte(good[2]))
	if e.Result.ErrorCode != CodeConcurrentUpdate {
		t.Errorf("errorCode = %q", e.Result.ErrorCode)
	}
	for _, line := range []string{``, `{}`, `not json`, `{"type":"step-done","sequence":2}`, `{"type":"result"}`, `[1]`} {
		if _, err := DecodeEvent([]byte(line)); err == nil {
			t.Errorf("DecodeEvent(%q) accepted", line)
		}
	}
}

func TestLastErrorLine(t *testing.T) {
	t.Parallel()
	if got := lastErrorLine("note: x\nerror: stack is locked by a@b\n"); got != "stack is locked by a@b" {
		t.Errorf("lastErrorLine = %q", got)
	}
	if got := lastErrorLine("  plain failure \n"); got != "plain failure" {
		t.Errorf("lastErrorLine = %q", got)
	}
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte(`{"type":"summary","sequence":9,"time":"2026-01-02T03:04:05Z","summary":{"changes":{"create":2}}}`))
	f.Add([]byte(`{"type":"step-failed","step":null}`))
	f.Add([]byte(`{"type":"diagnostic","diagnostic":{"severity":"error","message":"` + strings.Repeat("x", 100) + `"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEvent(b)
		if err != nil {
			return
		}
		switch e.Type {
		case "prelude":
			if e.Prelude == nil {
				t.Fatal("a prelude without its field was accepted")
			}
		case "step-start", "step-done", "step-failed":
			if e.Step == nil {
				t.Fatal("a step without its field was accepted")
			}
		case "result":
			if e.Result == nil {
				t.Fatal("a result without its field was accepted")
			}
		case "":
			t.Fatal("an event without a type was accepted")
		}
	})
}
