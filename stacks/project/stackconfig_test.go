package project

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadStackConfigErrors(t *testing.T) {
	cases := []struct {
		name, data string
		want       string
	}{
		{"bad yaml", "config:\n  a:b: [1\n", "Infra.dev.yaml:2: invalid YAML"},
		{"not a mapping", "- a\n", "Infra.dev.yaml:1: the file must be a mapping with config, secrets and sops sections"},
		{"unknown section", "confg:\n  a:b: 1\n", `Infra.dev.yaml:1: unknown section "confg"; did you mean "config"?`},
		{"key without namespace", "config:\n  region: x\n", `Infra.dev.yaml:2: config key "region" has no namespace`},
		{"plaintext secret", "secrets:\n  db:password: " + canary + "\nsops: {}\n", `Infra.dev.yaml:2: secret "db:password" is not encrypted (its value is not shown)`},
		{"structured secret", "secrets:\n  db:password:\n    a: " + canary + "\nsops: {}\n", `Infra.dev.yaml:3: secret "db:password" must be an encrypted string, not a mapping`},
		{"both sections", "config:\n  a:b: 1\nsecrets:\n  a:b: ''\nsops: {}\n", `Infra.dev.yaml:4: key "a:b" is both a plain value (line 2) and a secret`},
		{"secrets without sops", "secrets:\n  a:b: ENC[AES256_GCM,data:x]\n", `Infra.dev.yaml: there are secrets but no sops: metadata`},
		{"sops not a mapping", "sops: 3\n", `Infra.dev.yaml:1: sops must be the mapping of sops metadata, not an integer`},
		{"bad sops metadata", "config:\n  a:b: 1\nsops:\n  lastmodified: yesterday\n  mac: x\n", `Infra.dev.yaml:3: invalid sops metadata`},
		{"duplicate key", "config:\n  a:b: 1\n  a:b: 2\n", `Infra.dev.yaml:3: key "a:b" is already defined at line 2`},
		{"huge integer", "config:\n  a:b: 99999999999999999999999\n", `Infra.dev.yaml:2: integer out of range; quote it`},
		{"alias", "config:\n  a:b: &x {c: 1}\n  a:c: *x\n", `Infra.dev.yaml:3: YAML aliases (*x) are not supported`},
		{"two documents", "config: {}\n---\nconfig: {}\n", `Infra.dev.yaml:2: more than one YAML document`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseStackConfig("Infra.dev.yaml", []byte(c.data))
			if err == nil {
				t.Fatalf("no error for:\n%s", c.data)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error does not contain %q:\n%v", c.want, err)
			}
			noCanary(t, "error", err.Error())
		})
	}
}

func TestLoadStackConfigMissing(t *testing.T) {
	_, err := LoadStackConfig(filepath.Join(t.TempDir(), "Infra.dev.yaml"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "infra stack init") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestStackConfigEditing(t *testing.T) {
	isolate(t)
	id := newIdentity(t)
	id.use(t)
	m := id.manager(t)
	sc := NewStackConfig(filepath.Join(t.TempDir(), "Infra.dev.yaml"), m)

	must(t, sc.Set("b:x", "plain", false))
	must(t, sc.Set("a:x", 1, false))
	must(t, sc.Set("c:x", canary, true))
	if got := sc.Keys(); !reflect.DeepEqual(got, []string{"a:x", "b:x", "c:x"}) {
		t.Fatalf("Keys() = %v", got)
	}
	// Moving a key between sections.
	must(t, sc.Set("b:x", "now-"+canary, true))
	if v, secret, ok := sc.Get("b:x"); v != "now-"+canary || !secret || !ok {
		t.Fatalf("moved to secrets: %v %v %v", v, secret, ok)
	}
	must(t, sc.Set("b:x", 2.5, false))
	if v, secret, _ := sc.Get("b:x"); v != 2.5 || secret {
		t.Fatalf("moved back: %v %v", v, secret)
	}
	if !sc.Remove("a:x") || sc.Remove("a:x") {
		t.Fatal("Remove")
	}
	if _, _, ok := sc.Get("a:x"); ok {
		t.Fatal("removed key still there")
	}
	for _, bad := range []struct {
		key    string
		value  any
		secret bool
	}{
		{"nonamespace", "x", false},
		{"a:b", 5, true},
		{"a:b", map[int]string{1: "x"}, false},
		{"a:b", make(chan int), false},
	} {
		if err := sc.Set(bad.key, bad.value, bad.secret); err == nil {
			t.Errorf("Set(%q, %T, %v) accepted", bad.key, bad.value, bad.secret)
		}
	}
	// Values hands a program its config; printing it never shows a secret.
	vals, err := sc.Values()
	must(t, err)
	printed := fmt.Sprintf("%v %+v %#v %s", vals, vals, vals, vals["c:x"])
	noCanary(t, "printed values", printed)
	if !strings.Contains(printed, "[secret]") || vals["c:x"].Value != canary {
		t.Fatalf("printed values: %s", printed)
	}
}

func TestStackConfigLockedRules(t *testing.T) {
	isolate(t)
	id := newIdentity(t)
	id.use(t)
	m := id.manager(t)
	path := filepath.Join(t.TempDir(), "Infra.dev.yaml")
	sc := NewStackConfig(path, m)
	must(t, sc.Set("a:secret", canary, true))
	must(t, sc.Set("a:plain", "p", false))
	must(t, sc.Save(m))

	locked, err := LoadStackConfig(path)
	must(t, err)
	if _, err := locked.Values(); !errors.Is(err, ErrSecretsLocked) {
		t.Fatalf("Values() on locked secrets: %v", err)
	}
	if err := locked.Set("a:other", "x", true); !errors.Is(err, ErrSecretsLocked) {
		t.Fatalf("secret Set on locked secrets: %v", err)
	}
	// A plain value with a nested "secrets" key falls under sops' encryption rule: it needs the key too.
	if err := locked.Set("a:nested", map[string]any{"secrets": "x"}, false); !errors.Is(err, ErrSecretsLocked) {
		t.Fatalf("nested secrets key on locked secrets: %v", err)
	}
	// Removing a secret needs the key to write the new MAC.
	locked.Remove("a:secret")
	if err := locked.Save(nil); err == nil {
		t.Fatal("saved a removed secret without the key")
	}
	// With the key it works, and the edits made while locked are kept.
	must(t, locked.Set("a:plain", "q", false))
	must(t, locked.Save(m))
	// Once open, such a value is fine: sops encrypts it in the file and infra reads it back.
	must(t, locked.Set("a:nested", map[string]any{"secrets": canary}, false))
	must(t, locked.Save(m))
	noCanary(t, "file", mustRead(t, path))
	doc := sopsDecrypt(t, path)
	if _, ok := doc["secrets"]; ok || doc["config"].(map[string]any)["a:plain"] != "q" {
		t.Fatalf("after save: %v", doc)
	}
	reread, err := LoadStackConfig(path)
	must(t, err)
	_, err = reread.OpenSecrets(context.Background())
	must(t, err)
	if v, _, _ := reread.Get("a:nested"); !reflect.DeepEqual(v, map[string]any{"secrets": canary}) {
		t.Fatalf("nested value read back as %v", v)
	}

	// A file without a data key holds plain values only.
	plainPath := filepath.Join(t.TempDir(), "Infra.plain.yaml")
	must(t, os.WriteFile(plainPath, []byte("config:\n  a:b: 1\n"), 0o640))
	plain, err := LoadStackConfig(plainPath)
	must(t, err)
	if _, err := plain.OpenSecrets(context.Background()); !errors.Is(err, ErrNoDataKey) {
		t.Fatalf("OpenSecrets without sops metadata: %v", err)
	}
	must(t, plain.Set("a:c", "x", false))
	must(t, plain.Save(nil))
	if got := mustRead(t, plainPath); strings.Contains(got, "sops:") || !strings.Contains(got, "a:c: x") {
		t.Fatalf("plain file: %s", got)
	}
	if fi, _ := os.Stat(plainPath); fi.Mode().Perm() != 0o640 {
		t.Fatalf("rewrite changed the mode to %v", fi.Mode().Perm())
	}
	must(t, plain.Set("a:s", canary, true))
	if err := plain.Save(nil); err == nil {
		t.Fatal("saved a secret without a data key")
	}
	// Giving it a data key turns it into a sops file.
	must(t, plain.Save(m))
	noCanary(t, "file", mustRead(t, plainPath))
	if sopsDecrypt(t, plainPath)["secrets"].(map[string]any)["a:s"] != canary {
		t.Fatal("secret not readable by sops")
	}
}

func TestStackConfigKeepsComments(t *testing.T) {
	isolate(t)
	id := newIdentity(t)
	id.use(t)
	m := id.manager(t)
	path := filepath.Join(t.TempDir(), "Infra.dev.yaml")
	hand := "# Stack dev.\nconfig:\n    # The region.\n    aws:region: eu-west-1 # closest\n    hello:greeting: hi\n"
	must(t, os.WriteFile(path, []byte(hand), 0o600))
	sc, err := LoadStackConfig(path)
	must(t, err)
	must(t, sc.Set("hello:name", "world", false))
	must(t, sc.Set("db:password", canary, true))
	must(t, sc.Save(m))
	got := mustRead(t, path)
	for _, want := range []string{"# Stack dev.", "# The region.", "aws:region: eu-west-1 # closest", "hello:name: world"} {
		if !strings.Contains(got, want) {
			t.Errorf("lost %q:\n%s", want, got)
		}
	}
	if !strings.Contains(got, "hello:greeting: hi\n    hello:name: world") {
		t.Errorf("new key not in sorted place:\n%s", got)
	}
	noCanary(t, "file", got)
	sopsDecrypt(t, path)
}
