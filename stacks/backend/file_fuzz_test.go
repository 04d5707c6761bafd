package backend

import (
	"os"
	"path/filepath"
	"testing"
)

func FuzzReadLock(f *testing.F) {
	f.Add([]byte(`{"user":"a","host":"h","pid":1,"command":"infra up","time":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "lock")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		info, err := readLock(p)
		if err == nil {
			_ = info.String()
		}
	})
}
