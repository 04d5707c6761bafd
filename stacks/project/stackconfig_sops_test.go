package project

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/cmd/sops/common"
	sopsconfig "github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/decrypt"
	"github.com/getsops/sops/v3/keyservice"
	sopsyaml "github.com/getsops/sops/v3/stores/yaml"
	sopsversion "github.com/getsops/sops/v3/version"
	"go.yaml.in/yaml/v3"
)

// sopsDecrypt decrypts a file the way `sops -d` does, with the identity in SOPS_AGE_KEY_FILE.
func sopsDecrypt(t *testing.T, path string) map[string]any {
	t.Helper()
	plain, err := decrypt.File(path, "yaml")
	if err != nil {
		t.Fatalf("sops cannot decrypt %s: %v\n%s", path, err, mustRead(t, path))
	}
	var doc map[string]any
	if err := yaml.Unmarshal(plain, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// sopsEdit changes a file the way `sops set` and `sops edit` do: load, unwrap the data key with the identity in
// SOPS_AGE_KEY_FILE, decrypt and verify, change the tree, encrypt with a new MAC, write.
func sopsEdit(t *testing.T, path string, change func(root sops.TreeBranch) sops.TreeBranch) {
	t.Helper()
	store := sopsyaml.NewStore(&sopsconfig.YAMLStoreConfig{})
	tree, err := common.LoadEncryptedFile(store, path)
	if err != nil {
		t.Fatal(err)
	}
	cipher := aes.NewCipher()
	dataKey, err := common.DecryptTree(common.DecryptTreeOpts{
		Tree: tree, Cipher: cipher, KeyServices: []keyservice.KeyServiceClient{keyservice.NewLocalClient()},
	})
	if err != nil {
		t.Fatalf("sops cannot decrypt %s: %v", path, err)
	}
	tree.Branches[0] = change(tree.Branches[0])
	if err := common.EncryptTree(common.EncryptTreeOpts{Tree: tree, Cipher: cipher, DataKey: dataKey}); err != nil {
		t.Fatal(err)
	}
	out, err := store.EmitEncryptedFile(*tree)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// sopsCreate writes a new file as the sops CLI encrypts one, for the given age recipient.
func sopsCreate(t *testing.T, path, recipient string, root sops.TreeBranch, encryptedRegex string) {
	t.Helper()
	mk, err := sopsage.MasterKeyFromRecipient(recipient)
	if err != nil {
		t.Fatal(err)
	}
	tree := sops.Tree{
		Branches: sops.TreeBranches{root},
		Metadata: sops.Metadata{
			KeyGroups:      []sops.KeyGroup{{mk}},
			EncryptedRegex: encryptedRegex,
			Version:        sopsversion.Version,
		},
	}
	if encryptedRegex == "" {
		tree.Metadata.UnencryptedSuffix = sops.DefaultUnencryptedSuffix
	}
	dataKey, errs := tree.GenerateDataKey()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if err := common.EncryptTree(common.EncryptTreeOpts{Tree: &tree, Cipher: aes.NewCipher(), DataKey: dataKey}); err != nil {
		t.Fatal(err)
	}
	out, err := sopsyaml.NewStore(&sopsconfig.YAMLStoreConfig{}).EmitEncryptedFile(tree)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestStackConfigDecryptsWithSops(t *testing.T) {
	isolate(t)
	id := newIdentity(t)
	id.use(t)
	m := id.manager(t)
	path := filepath.Join(t.TempDir(), "Infra.dev.yaml")
	sc := NewStackConfig(path, m)
	for _, kv := range []struct {
		key    string
		value  any
		secret bool
	}{
		{"hello:greeting", "hi there", false},
		{"app:replicas", 3, false},
		{"app:debug", true, false},
		{"app:ratio", 0.5, false},
		{"app:tags", map[string]any{"team": "web", "tier": 1}, false},
		{"app:zones", []string{"a", "b"}, false},
		{"db:password", canary, true},
		{"api:token", "tok-" + canary, true},
		{"api:empty", "", true},
	} {
		if err := sc.Set(kv.key, kv.value, kv.secret); err != nil {
			t.Fatal(err)
		}
	}
	if err := sc.Save(m); err != nil {
		t.Fatal(err)
	}
	data := mustRead(t, path)
	noCanary(t, "the stack config file", data)
	for _, want := range []string{"hello:greeting: hi there", "app:replicas: 3", "encrypted_regex: ^secrets$", "mac_only_encrypted: true", "recipient: " + id.recipient} {
		if !strings.Contains(data, want) {
			t.Errorf("file does not contain %q:\n%s", want, data)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("new stack config has mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}

	doc := sopsDecrypt(t, path)
	cfg, sec := doc["config"].(map[string]any), doc["secrets"].(map[string]any)
	if cfg["hello:greeting"] != "hi there" || cfg["app:replicas"] != 3 || cfg["app:debug"] != true || cfg["app:ratio"] != 0.5 ||
		!reflect.DeepEqual(cfg["app:tags"], map[string]any{"team": "web", "tier": 1}) || !reflect.DeepEqual(cfg["app:zones"], []any{"a", "b"}) {
		t.Fatalf("sops decrypted config %#v", cfg)
	}
	if sec["db:password"] != canary || sec["api:token"] != "tok-"+canary || sec["api:empty"] != "" {
		t.Fatalf("sops decrypted the secrets wrongly")
	}

	// And infra reads back what it wrote.
	sc2, err := LoadStackConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, secret, ok := sc2.Get("db:password"); !ok || !secret || v != nil {
		t.Fatalf("a locked secret reads as %v, %v, %v", v, secret, ok)
	}
	if v, _, _ := sc2.Get("app:tags"); !reflect.DeepEqual(v, map[string]any{"team": "web", "tier": 1}) {
		t.Fatalf("plain value before opening: %#v", v)
	}
	m2, err := sc2.OpenSecrets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !m2.SameKey(m) {
		t.Fatal("opened another data key")
	}
	if v, secret, _ := sc2.Get("db:password"); v != canary || !secret {
		t.Fatal("secret does not read back")
	}
	vals, err := sc2.Values()
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != 9 || vals["api:token"].Value != "tok-"+canary || !vals["api:token"].Secret || vals["app:replicas"].Value != 3 {
		t.Fatalf("Values() = %v", vals)
	}
}

func TestStackConfigReadsFilesWrittenBySops(t *testing.T) {
	isolate(t)
	id := newIdentity(t)
	id.use(t)
	ctx := context.Background()
	root := func() sops.TreeBranch {
		return sops.TreeBranch{
			{Key: sops.Comment{Value: " written by the sops CLI"}, Value: nil},
			{Key: "config", Value: sops.TreeBranch{{Key: "aws:region", Value: "eu-west-1"}, {Key: "app:replicas", Value: 2}}},
			{Key: "secrets", Value: sops.TreeBranch{{Key: "db:password", Value: canary}}},
		}
	}
	for _, regex := range []string{encryptedRegex, ""} {
		t.Run("encrypted_regex="+regex, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "Infra.dev.yaml")
			sopsCreate(t, path, id.recipient, root(), regex)
			sc, err := LoadStackConfig(path)
			if err != nil {
				t.Fatal(err)
			}
			region, _, _ := sc.Get("aws:region")
			if regex != "" && region != "eu-west-1" {
				t.Fatalf("plain value before opening: %v", region)
			}
			if regex == "" && region != nil {
				t.Fatalf("a value sops encrypted reads as %v before opening", region)
			}
			m, err := sc.OpenSecrets(ctx)
			if err != nil {
				t.Fatal(err)
			}
			vals, err := sc.Values()
			if err != nil {
				t.Fatal(err)
			}
			if vals["aws:region"].Value != "eu-west-1" || vals["app:replicas"].Value != 2 || vals["db:password"].Value != canary {
				t.Fatalf("values %v", vals)
			}
			// Rewriting it keeps it a sops file, in infra's layout.
			if err := sc.Set("app:replicas", 5, false); err != nil {
				t.Fatal(err)
			}
			if err := sc.Save(m); err != nil {
				t.Fatal(err)
			}
			data := mustRead(t, path)
			noCanary(t, "the rewritten file", data)
			if !strings.Contains(data, "app:replicas: 5") || !strings.Contains(data, "# written by the sops CLI") {
				t.Fatalf("rewritten file:\n%s", data)
			}
			doc := sopsDecrypt(t, path)
			if doc["secrets"].(map[string]any)["db:password"] != canary {
				t.Fatal("secret lost in the rewrite")
			}
		})
	}
}

func TestStackConfigReadsSopsEdits(t *testing.T) {
	isolate(t)
	id := newIdentity(t)
	id.use(t)
	m := id.manager(t)
	path := filepath.Join(t.TempDir(), "Infra.dev.yaml")
	sc := NewStackConfig(path, m)
	if err := sc.Set("db:password", canary, true); err != nil {
		t.Fatal(err)
	}
	if err := sc.Save(m); err != nil {
		t.Fatal(err)
	}
	// As `sops set Infra.dev.yaml '["secrets"]["api:token"]' '"..."'` and an edit of a plain value would.
	sopsEdit(t, path, func(root sops.TreeBranch) sops.TreeBranch {
		root, _ = root.Set([]interface{}{"secrets", "api:token"}, "token-"+canary)
		root, _ = root.Set([]interface{}{"config", "aws:region"}, "us-east-2")
		return root
	})
	noCanary(t, "the file sops wrote", mustRead(t, path))
	sc2, err := LoadStackConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc2.OpenSecrets(context.Background()); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"db:password": canary, "api:token": "token-" + canary, "aws:region": "us-east-2"} {
		if v, _, _ := sc2.Get(key); v != want {
			t.Errorf("%s = %v after a sops edit", key, v)
		}
	}
}

func TestCiphertextStableAcrossRewrites(t *testing.T) {
	isolate(t)
	id := newIdentity(t)
	id.use(t)
	m := id.manager(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "Infra.dev.yaml")
	sc := NewStackConfig(path, m)
	must(t, sc.Set("hello:greeting", "hi", false))
	must(t, sc.Set("db:password", canary, true))
	must(t, sc.Set("api:token", "token", true))
	must(t, sc.Save(m))
	v1 := mustRead(t, path)

	// Open and save in another process: byte for byte the same file.
	sc2, err := LoadStackConfig(path)
	must(t, err)
	m2, err := sc2.OpenSecrets(ctx)
	must(t, err)
	must(t, sc2.Save(m2))
	if v2 := mustRead(t, path); v2 != v1 {
		t.Fatalf("rewrite without changes changed the file: %q", changedLines(v1, v2))
	}

	// A plain change, by someone without the key: one changed line.
	sc3, err := LoadStackConfig(path)
	must(t, err)
	must(t, sc3.Set("hello:greeting", "hello", false))
	if err := sc3.Set("db:password", "x", true); err == nil {
		t.Fatal("set a secret without opening the secrets")
	}
	must(t, sc3.Save(nil))
	v3 := mustRead(t, path)
	if d := changedLines(v1, v3); !reflect.DeepEqual(d, []string{"    hello:greeting: hello"}) {
		t.Fatalf("a plain change changed %q", d)
	}
	if sopsDecrypt(t, path)["config"].(map[string]any)["hello:greeting"] != "hello" {
		t.Fatal("sops does not see the plain change")
	}

	// A secret change: that secret's line and the MAC change, the other secret keeps its ciphertext.
	sc4, err := LoadStackConfig(path)
	must(t, err)
	m4, err := sc4.OpenSecrets(ctx)
	must(t, err)
	must(t, sc4.Set("api:token", "token-2", true))
	must(t, sc4.Save(m4))
	v4 := mustRead(t, path)
	// lastmodified changes too unless the test runs within one second.
	d := changedLines(v3, v4)
	if len(d) < 2 || !strings.HasPrefix(d[0], "    api:token: ENC[") || !strings.Contains(d[len(d)-1], "mac: ENC[") ||
		len(d) == 3 && !strings.Contains(d[1], "lastmodified:") || len(d) > 3 {
		t.Fatalf("a secret change changed %q", d)
	}
	noCanary(t, "the file", v4)
}

func TestTamperedStackConfig(t *testing.T) {
	isolate(t)
	id := newIdentity(t)
	id.use(t)
	m := id.manager(t)
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "Infra.dev.yaml")
	sc := NewStackConfig(path, m)
	must(t, sc.Set("a:one", canary, true))
	must(t, sc.Set("a:two", "second-"+canary, true))
	must(t, sc.Set("hello:greeting", "hi", false))
	must(t, sc.Save(m))
	orig := mustRead(t, path)

	line := func(key string) string {
		for _, l := range strings.Split(orig, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), key+": ") {
				return l
			}
		}
		t.Fatalf("no line for %s", key)
		return ""
	}
	one, two := line("a:one"), line("a:two")
	ctOne := strings.TrimPrefix(strings.TrimSpace(one), "a:one: ")
	ctTwo := strings.TrimPrefix(strings.TrimSpace(two), "a:two: ")
	tampered := map[string]string{
		// Moving a ciphertext to another key fails: the sops path is its additional data.
		"swapped":  strings.Replace(strings.Replace(orig, one, "    a:one: "+ctTwo, 1), two, "    a:two: "+ctOne, 1),
		"bit flip": strings.Replace(orig, ctOne, strings.Replace(ctOne, "data:", "data:A", 1)[:len(ctOne)], 1),
		"removed":  strings.Replace(orig, two+"\n", "", 1),
	}
	for name, data := range tampered {
		p := filepath.Join(dir, "Infra."+strings.ReplaceAll(name, " ", "")+".yaml")
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		sc, err := LoadStackConfig(p)
		if err != nil {
			noCanary(t, "error", err.Error())
			continue
		}
		_, err = sc.OpenSecrets(ctx)
		if err == nil {
			t.Errorf("%s: tampered file opened", name)
			continue
		}
		noCanary(t, "error", err.Error())
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error does not name the file: %v", name, err)
		}
	}

	// In infra's layout the MAC covers only the secrets: a hand edit of a plain value is fine.
	handEdited := strings.Replace(orig, "hello:greeting: hi", "hello:greeting: hand-edited", 1)
	must(t, os.WriteFile(path, []byte(handEdited), 0o600))
	sc2, err := LoadStackConfig(path)
	must(t, err)
	if _, err := sc2.OpenSecrets(ctx); err != nil {
		t.Fatalf("hand-edited plain value: %v", err)
	}
	if v, _, _ := sc2.Get("hello:greeting"); v != "hand-edited" {
		t.Fatal(v)
	}
}

func TestFullMACFileDetectsPlainEdits(t *testing.T) {
	isolate(t)
	id := newIdentity(t)
	id.use(t)
	path := filepath.Join(t.TempDir(), "Infra.dev.yaml")
	sopsCreate(t, path, id.recipient, sops.TreeBranch{
		{Key: "config", Value: sops.TreeBranch{{Key: "aws:region", Value: "eu-west-1"}}},
		{Key: "secrets", Value: sops.TreeBranch{{Key: "db:password", Value: canary}}},
	}, encryptedRegex)
	data := strings.Replace(mustRead(t, path), "eu-west-1", "eu-west-2", 1)
	must(t, os.WriteFile(path, []byte(data), 0o600))
	sc, err := LoadStackConfig(path)
	must(t, err)
	_, err = sc.OpenSecrets(context.Background())
	if err == nil || !strings.Contains(err.Error(), "integrity check failed") {
		t.Fatalf("plain edit under a full MAC: %v", err)
	}
	noCanary(t, "error", err.Error())
}

func TestOpenSecretsWithoutIdentity(t *testing.T) {
	isolate(t)
	owner, stranger := newIdentity(t), newIdentity(t)
	m := owner.manager(t)
	path := filepath.Join(t.TempDir(), "Infra.prod.yaml")
	sc := NewStackConfig(path, m)
	must(t, sc.Set("db:password", canary, true))
	must(t, sc.Save(m))

	stranger.use(t)
	sc2, err := LoadStackConfig(path)
	must(t, err)
	if got := sc2.Recipients(); !reflect.DeepEqual(got, []string{owner.recipient}) {
		t.Fatalf("Recipients() = %v", got)
	}
	_, err = sc2.OpenSecrets(context.Background())
	if err == nil {
		t.Fatal("a stranger opened the secrets")
	}
	msg := err.Error()
	for _, want := range []string{path, owner.recipient, stranger.file, "SOPS_AGE_KEY_FILE", "infra stack rekey --add-recipient " + stranger.recipient} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
	noCanary(t, "error", msg)
	if v, _, _ := sc2.Get("db:password"); v != nil {
		t.Fatal("secret readable after a failed open")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
