package backend

import (
	"strings"
	"testing"
	"time"
)

// The decoders below read what other runs (other versions of infra, a damaged store, a person with a bucket
// browser) wrote. They must never panic, and what they accept must be usable.

func FuzzDecodeHead(f *testing.F) {
	f.Add(encodeHead(head{Version: 3, Resources: 2, Updated: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}))
	f.Add([]byte(`{"version":0}`))
	f.Add([]byte(`{"version":-1}`))
	f.Add([]byte(`{"version":"3"}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"version":1}{"version":2}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := decodeHead(data)
		if err != nil {
			return
		}
		if h.Version < 0 {
			t.Fatalf("accepted version %d", h.Version)
		}
		again, err := decodeHead(encodeHead(h))
		if err != nil || again.Version != h.Version || again.Resources != h.Resources {
			t.Fatalf("round trip of %+v: %+v %v", h, again, err)
		}
	})
}

func FuzzDecodeLock(f *testing.F) {
	f.Add([]byte(`{"user":"a","host":"h","pid":1,"command":"infra up","time":"2026-01-01T00:00:00Z","token":7,"expires":"2026-01-01T00:01:00Z"}`))
	f.Add([]byte(`{"user":"a","token":0}`))
	f.Add([]byte(`{"token":1,"expires":"not a time"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := decodeLock(data)
		if err != nil {
			return
		}
		if l.Token == 0 || l.Expires.IsZero() {
			t.Fatalf("accepted a lock without token or lease: %+v", l)
		}
		_ = l.String()
		_ = lockedError(StackRef{Project: "p", Stack: "s"}, l).Error()
	})
}

func FuzzDecodeInfo(f *testing.F) {
	f.Add([]byte(`{"version":1,"kind":"update","result":"succeeded","startTime":"2026-01-01T00:00:00Z","endTime":"2026-01-01T00:00:01Z","resources":3,"changes":{"create":3}}`))
	f.Add([]byte(`{"version":0}`))
	f.Add([]byte(`{"version":1,"changes":{"create":"x"}}`))
	f.Add([]byte(`{"version":1,"env":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := decodeInfo(data)
		if err == nil && u.Version < 1 {
			t.Fatalf("accepted version %d", u.Version)
		}
	})
}

func FuzzDecodeHolder(f *testing.F) {
	f.Add([]byte(encodeHolder(CurrentHolder("infra up"))))
	f.Add([]byte(`{"pid":"x"}`))
	f.Add([]byte(`"string"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := decodeHolder(data, 5, time.Unix(0, 0))
		if err != nil {
			return
		}
		if l.Token != 5 {
			t.Fatalf("the token column was lost: %+v", l)
		}
		_ = l.String()
	})
}

func FuzzParsePadded(f *testing.F) {
	f.Add(padded(42)+".jsonl", ".jsonl")
	f.Add("00000000000000000001.info.json", ".info.json")
	f.Add("-0000000000000000001", "")
	f.Add("9999999999999999999999", "")
	f.Fuzz(func(t *testing.T, name, suffix string) {
		v, ok := parsePadded(name, suffix)
		if !ok {
			return
		}
		if v < 0 || padded(v)+suffix != name {
			t.Fatalf("%q parsed as %d, which is written %q", name, v, padded(v)+suffix)
		}
	})
}

func FuzzParseS3URL(f *testing.F) {
	f.Add("s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1&usePathStyle=true")
	f.Add("s3://bucket")
	f.Add("s3://user:pw@bucket/x")
	f.Add("s3://b/p?usePathStyle=maybe")
	f.Fuzz(func(t *testing.T, raw string) {
		loc, err := parseS3URL(raw)
		if err == nil && loc.bucket == "" {
			t.Fatalf("%q accepted without a bucket", raw)
		}
	})
}

func FuzzParseGCSURL(f *testing.F) {
	f.Add("gs://bucket/prefix?endpoint=http://127.0.0.1:4443")
	f.Add("gs://bucket")
	f.Add("gs://b/p?endpoint=ftp://x")
	f.Fuzz(func(t *testing.T, raw string) {
		loc, err := parseGCSURL(raw)
		if err == nil && (loc.bucket == "" || (loc.endpoint != "" && !strings.HasSuffix(loc.endpoint, "/"))) {
			t.Fatalf("%q accepted as %+v", raw, loc)
		}
	})
}

// FuzzRedact checks that a password in a postgres URL never survives redaction, whatever the URL looks like.
func FuzzRedact(f *testing.F) {
	f.Add("Sup3r-s3cret", "127.0.0.1:5432", "sslmode=disable")
	f.Add("p4ss:w0rd!!", "host", "")
	f.Add("pw-in-query", "h:notaport", "password=pw-in-query")
	f.Fuzz(func(t *testing.T, pw, host, query string) {
		if len(pw) < 6 || strings.ContainsAny(pw, "@/?#%") {
			t.Skip() // short passwords appear in any text by chance; these characters cannot be in a raw userinfo
		}
		raw := "postgres://infra:" + pw + "@" + host + "/db?" + query
		if strings.Contains(redactURL(raw), pw) {
			t.Fatalf("redactURL(%q) = %q", raw, redactURL(raw))
		}
		err := redact(errorString("parse "+raw+": bad"), passwordsIn(raw))
		if strings.Contains(err.Error(), pw) {
			t.Fatalf("the error of %q shows the password: %v", raw, err)
		}
	})
}

type errorString string

func (e errorString) Error() string { return string(e) }
