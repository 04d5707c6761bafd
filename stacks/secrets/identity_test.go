package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

func TestDefaultIdentityCreatedOnFirstUse(t *testing.T) {
	isolate(t)
	xdg := os.Getenv("XDG_CONFIG_HOME")
	path, err := DefaultIdentityPath()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(xdg, "infra", "age", "keys.txt"); path != want {
		t.Fatalf("default identity path %s, want %s", path, want)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("identity exists before first use")
	}

	gotPath, rcpt, created, err := EnsureDefaultIdentity()
	if err != nil {
		t.Fatal(err)
	}
	if !created || gotPath != path || !strings.HasPrefix(rcpt, "age1") {
		t.Fatalf("EnsureDefaultIdentity = %s, %s, %v", gotPath, rcpt, created)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity file mode %v, want 0600", fi.Mode().Perm())
	}
	for _, dir := range []string{filepath.Dir(path), filepath.Dir(filepath.Dir(path))} {
		di, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if di.Mode().Perm() != 0o700 {
			t.Fatalf("%s mode %v, want 0700", dir, di.Mode().Perm())
		}
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "# created: ") || lines[1] != "# public key: "+rcpt ||
		!strings.HasPrefix(lines[2], "AGE-SECRET-KEY-1") {
		t.Fatalf("identity file is not in age-keygen format:\n%s", data)
	}
	// age's own parser reads it.
	ids, err := age.ParseIdentities(strings.NewReader(string(data)))
	if err != nil || len(ids) != 1 {
		t.Fatalf("age cannot parse the identity file: %v", err)
	}
	if _, err := os.ReadDir(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}

	again, err := DefaultAgeRecipient()
	if err != nil || again != rcpt {
		t.Fatalf("second use gave %q, %v; want the same identity %q", again, err, rcpt)
	}
}

func TestDefaultIdentityWithoutXDG(t *testing.T) {
	isolate(t)
	os.Unsetenv("XDG_CONFIG_HOME")
	home := os.Getenv("HOME")
	path, err := DefaultIdentityPath()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, ".config", "infra", "age", "keys.txt"); path != want {
		t.Fatalf("default identity path %s, want %s", path, want)
	}
}

func TestLoadIdentitiesFromEnvironment(t *testing.T) {
	isolate(t)
	fileA, rcptA := newKeyFile(t)
	idB, _ := age.GenerateX25519Identity()
	idC, _ := age.GenerateX25519Identity()
	t.Setenv(EnvAgeKeyFile, fileA)
	t.Setenv(EnvAgeKey, idB.String()+" "+idC.String())

	ids := LoadIdentities()
	got := strings.Join(ids.Recipients(), ",")
	want := strings.Join([]string{idB.Recipient().String(), idC.Recipient().String(), rcptA}, ",")
	if got != want {
		t.Fatalf("recipients %s, want %s", got, want)
	}
	var locations []string
	for _, s := range ids.Sources() {
		locations = append(locations, s.Location)
	}
	joined := strings.Join(locations, "\n")
	for _, want := range []string{"$" + EnvAgeKey, fileA, filepath.Join("infra", "age", "keys.txt"), filepath.Join("sops", "age", "keys.txt")} {
		if !strings.Contains(joined, want) {
			t.Errorf("sources do not mention %s:\n%s", want, joined)
		}
	}
}

func TestIdentityErrorsDoNotLeakKeys(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	broken := id.String()[:len(id.String())-3] + "QQQ"
	for _, data := range []string{broken, "AGE-SECRET-KEY-PQ-1" + broken[16:], "garbage " + broken, "AGE-PLUGIN-FOO-1" + broken[16:]} {
		_, err := ParseIdentities("keys.txt", []byte("# comment\n"+data+"\n"))
		if err == nil {
			t.Fatalf("accepted a malformed identity")
		}
		if strings.Contains(err.Error(), broken[16:30]) {
			t.Fatalf("error quotes key material: %v", err)
		}
		if !strings.Contains(err.Error(), "line 2") {
			t.Fatalf("error does not name the line: %v", err)
		}
	}
}

func TestParseRecipient(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	r, err := ParseRecipient("  " + id.Recipient().String() + "\n")
	if err != nil || r.Kind() != "age" || r.String() != id.Recipient().String() {
		t.Fatalf("ParseRecipient = %v, %v", r, err)
	}
	for _, bad := range []string{"", "age1notakey", "arn:aws:kms:us-east-1:1:key/x"} {
		if _, err := ParseRecipient(bad); err == nil {
			t.Errorf("ParseRecipient(%q) succeeded", bad)
		}
	}
}
