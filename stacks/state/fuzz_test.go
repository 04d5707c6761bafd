package state

import (
	"bytes"
	"testing"
)

// FuzzUnmarshal reads random bytes as a snapshot, with and without a MAC key. It must never panic; whatever it
// accepts must marshal, read back equal, and marshal to the same bytes again.
func FuzzUnmarshal(f *testing.F) {
	for _, key := range [][]byte{nil, macKey} {
		c := Codec{Crypter: &fakeCrypter{}, MACKey: key}
		f.Add(mustMarshal(f, c, sampleSnapshot()), key != nil)
		f.Add(mustMarshal(f, c, &Snapshot{Project: "p", Stack: "s"}), key != nil)
	}
	for _, s := range []string{
		`{"version":1}`,
		`{"version":2}`,
		`{"version":1,"resources":[{"urn":"urn:infra:dev::hello::t:m:T::a","type":"t:m:T","dependencies":["urn:infra:dev::hello::t:m:T::a"]}]}`,
		`{"version":1,"resources":[{"urn":"urn:infra:dev::hello::t:m:T::a","type":"t:m:T","delete":true},{"urn":"urn:infra:dev::hello::t:m:T::a","type":"t:m:T"}]}`,
		`{"version":1,"outputs":{"$$x":{"$unknown":true},"r":{"$ref":{"urn":"urn:infra:dev::hello::t:m:T::a","id":""}}}}`,
		`{"version":1,"resources":[{"urn":"urn:infra:dev::hello::t:m:T::a","type":"t:m:T","timeouts":{"create":-0,"delete":1e300},"initErrors":[],"dependencies":[]}]}`,
		`{"version":1,"resources":[{"URN":"urn:infra:dev::hello::t:m:T::a","Type":"t:m:T","inputs":{}}]}`,
		`{"version":1,"mac":"hmac-sha256:x"}`,
		`{"version":1,"project":"p","stack":"s","outputs":{"k":{"$secret":"ENC[eA==|str|c3RhY2s6cC9zfG91dHB1dHN8aw==]"}}}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, withKey bool) {
		c := Codec{Crypter: &fakeCrypter{}}
		if withKey {
			c.MACKey = macKey
		}
		s, err := c.Unmarshal(data)
		if err != nil {
			return
		}
		if err := s.Verify(); err != nil {
			t.Fatalf("Unmarshal accepted an inconsistent snapshot: %v", err)
		}
		b1, err := c.Marshal(s)
		if err != nil {
			t.Fatalf("an accepted snapshot does not marshal: %v\ninput: %q", err, data)
		}
		s2, err := c.Unmarshal(b1)
		if err != nil {
			t.Fatalf("re-marshalled snapshot does not read back: %v\n%s", err, b1)
		}
		if err := sameSnapshot(s, s2); err != nil {
			t.Fatalf("round trip changed the snapshot: %v\ninput: %q", err, data)
		}
		b2, err := c.Marshal(s2)
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("marshal not stable: %v\n%s\n%s", err, b1, b2)
		}
	})
}
