package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/stacks/backend"
	"github.com/infrago/infra/stacks/project"
	"github.com/infrago/infra/stacks/secrets"
	"github.com/infrago/infra/stacks/state"
)

// writeSecretState gives the stack a state and a history entry holding a secret, as an update would.
func writeSecretState(t *testing.T, dir, stack string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := newApp(ctx, cancel)
	a.cwd = dir
	a.stack = stack
	st, err := a.begin("test", access{lock: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	snap := &state.Snapshot{Outputs: resource.PropertyMap{"password": resource.MakeSecret(resource.NewString(canary))}}
	if err := st.Save(ctx, snap, backend.UpdateInfo{Kind: "update", Result: "succeeded", StartTime: now, EndTime: now}); err != nil {
		t.Fatal(err)
	}
}

// rawState returns the stored bytes of the stack's state.
// stateField returns one top-level field of a snapshot, as raw JSON.
func stateField(t *testing.T, data, field string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(data), &m); err != nil {
		t.Fatal(err)
	}
	return string(m[field])
}

func rawState(t *testing.T, dir, stack string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := newApp(ctx, cancel)
	a.cwd = dir
	ws, err := a.openWorkspace()
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := ws.Store.ReadState(ctx, ws.Ref(stack))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestRekeyHundredSecrets rekeys a stack with 100 secrets: every value still decrypts for the new recipients, the
// removed one cannot unwrap the key any more, the ciphertexts are unchanged (same data key), only the sops: block
// of the file changes, and the state, written with the same data key, is untouched and still decrypts.
func TestRekeyHundredSecrets(t *testing.T) {
	isolateCLI(t)
	dir := newCLIProject(t)
	path := filepath.Join(dir, "Infra.dev.yaml")
	old, fresh, me := newPerson(t), newPerson(t), newPerson(t)
	mustInfra(t, dir, "stack", "init", "dev", "--recipient", me.publicKey, "--recipient", old.publicKey)

	// 100 secrets, set through the library: 100 runs of `infra config set --secret` would only be slower.
	cfg, err := project.LoadStackConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := cfg.OpenSecrets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if err := cfg.Set(fmt.Sprintf("app:secret%03d", i), fmt.Sprintf("%s-%03d", canary, i), true); err != nil {
			t.Fatal(err)
		}
	}
	if err := cfg.Set("app:plain", "visible", false); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Save(m); err != nil {
		t.Fatal(err)
	}
	writeSecretState(t, dir, "dev")
	before, stateBefore := readFile(t, path), rawState(t, dir, "dev")
	noCanary(t, "the stack config", before)
	noCanary(t, "the state", stateBefore)

	start := time.Now()
	out := mustInfra(t, dir, "stack", "rekey", "--add-recipient", fresh.publicKey, "--remove-recipient", old.publicKey)
	t.Logf("rekeying 100 secrets took %v", time.Since(start))
	for _, want := range []string{"Added " + fresh.publicKey, "Removed " + old.publicKey, "  " + me.publicKey + "\n", "Commit " + path} {
		if !strings.Contains(out, want) {
			t.Errorf("rekey output does not say %q:\n%s", want, out)
		}
	}
	after := readFile(t, path)
	noCanary(t, "the rekeyed stack config", after)
	blockBefore, restBefore := sopsSection(before)
	blockAfter, restAfter := sopsSection(after)
	if restAfter != restBefore {
		t.Fatalf("rekeying changed the file outside its sops: block")
	}
	if blockAfter == blockBefore || strings.Contains(blockAfter, old.publicKey) || !strings.Contains(blockAfter, fresh.publicKey) {
		t.Fatalf("the sops block was not rekeyed:\n%s", blockAfter)
	}
	if strings.Count(restAfter, "ENC[AES256_GCM,") != 100 {
		t.Fatalf("expected 100 encrypted values")
	}
	// No resource changes: the state's resources and outputs are byte for byte what they were (the same data key
	// keeps every ciphertext); only the wrapped key it carries for stack references lists the new recipients.
	stateAfter := rawState(t, dir, "dev")
	for _, field := range []string{"resources", "outputs"} {
		if stateField(t, stateAfter, field) != stateField(t, stateBefore, field) {
			t.Fatalf("rekeying changed the state's %s", field)
		}
	}
	if md := stateField(t, stateAfter, "secrets"); strings.Contains(md, old.publicKey) || !strings.Contains(md, fresh.publicKey) {
		t.Fatalf("the state's key metadata does not list exactly the new recipients:\n%s", md)
	}

	// The new recipient reads every secret, the state and the history.
	fresh.become(t)
	var vals map[string]struct {
		Value  any  `json:"value"`
		Secret bool `json:"secret"`
	}
	if err := json.Unmarshal([]byte(mustInfra(t, dir, "config", "ls", "--json", "--show-secrets")), &vals); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		v := vals[fmt.Sprintf("app:secret%03d", i)]
		if v.Value != fmt.Sprintf("%s-%03d", canary, i) || !v.Secret {
			t.Fatalf("secret %d reads back as %v", i, v)
		}
	}
	for _, args := range [][]string{{"stack", "export", "--show-secrets"}, {"stack", "export", "--show-secrets", "--version", "1"}} {
		if out := mustInfra(t, dir, args...); !strings.Contains(out, canary) {
			t.Fatalf("infra %s does not decrypt the state after the rekey:\n%s", strings.Join(args, " "), out)
		}
	}

	// The removed recipient cannot unwrap the data key any more.
	old.become(t)
	r := infra(t, dir, "config", "get", "app:secret000")
	var nerr *secrets.NoIdentityError
	if !errors.As(r.err, &nerr) || !strings.Contains(r.err.Error(), "your age identities ("+old.publicKey+") are not recipients") {
		t.Fatalf("the removed recipient: %v", r.err)
	}
	noCanary(t, "the output", r.all())
}

// TestRekeyRefusals: each refusal says why and writes nothing.
func TestRekeyRefusals(t *testing.T) {
	isolateCLI(t)
	stranger, other, me := newPerson(t), newPerson(t), newPerson(t)
	id, err := ageIdentityString(me)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		recipients []string // of the stack, created by me
		runAs      person
		args       []string
		want       string
	}{
		{"nothing to do", []string{me.publicKey}, me, []string{"stack", "rekey"}, "nothing to do: pass --add-recipient or --remove-recipient"},
		{"malformed recipient", []string{me.publicKey}, me, []string{"stack", "rekey", "--add-recipient", "age1nope"}, `parse recipient: age recipient "age1nope"`},
		{"private key", []string{me.publicKey}, me, []string{"stack", "rekey", "--add-recipient", id}, "that is an age private key (identity), not a public key"},
		{"recipient not in the file", []string{me.publicKey, other.publicKey}, me, []string{"stack", "rekey", "--remove-recipient", stranger.publicKey},
			"remove " + stranger.publicKey + ": not a recipient of the data key (its recipients: " + me.publicKey + ", " + other.publicKey + ")"},
		{"last recipient", []string{me.publicKey}, me, []string{"stack", "rekey", "--remove-recipient", me.publicKey}, "refusing to remove the last recipient"},
		{"locking oneself out", []string{me.publicKey, other.publicKey}, me, []string{"stack", "rekey", "--remove-recipient", me.publicKey},
			"refusing to change the recipients of stack dev: you could not decrypt the stack any more: its recipients would be " + other.publicKey +
				", and none of them opens with what is available here (your age identities: " + me.publicKey + "); add a recipient you hold, or pass --force"},
		{"changing the provider away from oneself", []string{me.publicKey}, me, []string{"stack", "change-secrets-provider", other.publicKey},
			"you could not decrypt the stack any more"},
		{"not a recipient oneself", []string{me.publicKey}, stranger, []string{"stack", "rekey", "--add-recipient", stranger.publicKey},
			"your age identities (" + stranger.publicKey + ") are not recipients of the data key"},
		{"init over an existing stack", []string{me.publicKey}, me, []string{"stack", "init", "dev", "--secrets-provider", "passphrase"},
			"exists already and keeps its data key and recipients"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := newCLIProject(t)
			me.become(t)
			args := []string{"stack", "init", "dev"}
			for _, r := range c.recipients {
				args = append(args, "--recipient", r)
			}
			mustInfra(t, dir, args...)
			mustInfra(t, dir, "config", "set", "--secret", "app:token", canary)
			path := filepath.Join(dir, "Infra.dev.yaml")
			before := readFile(t, path)
			c.runAs.become(t)
			r := infra(t, dir, c.args...)
			if r.err == nil || !strings.Contains(r.err.Error(), c.want) {
				t.Fatalf("got %v, want an error saying %q", r.err, c.want)
			}
			noCanary(t, "the output", r.all())
			if strings.Contains(r.all(), "AGE-SECRET-KEY") {
				t.Fatalf("the output reveals a private key:\n%s", r.all())
			}
			if readFile(t, path) != before {
				t.Fatal("a refused command changed the stack config")
			}
		})
	}

	// --force does what it says.
	dir := newCLIProject(t)
	me.become(t)
	mustInfra(t, dir, "stack", "init", "dev", "--recipient", me.publicKey, "--recipient", other.publicKey)
	mustInfra(t, dir, "stack", "rekey", "--remove-recipient", me.publicKey, "--force")
	if r := infra(t, dir, "config", "ls"); r.err == nil {
		t.Fatal("still decrypts after removing oneself")
	}
	other.become(t)
	mustInfra(t, dir, "config", "ls")
}

// TestTeammateRunsTheSuggestedRekey: the error a teammate gets names the exact command that gives them access;
// run by someone who can decrypt, it does.
func TestTeammateRunsTheSuggestedRekey(t *testing.T) {
	isolateCLI(t)
	dir := newCLIProject(t)
	mate, me := newPerson(t), newPerson(t)
	mustInfra(t, dir, "stack", "init", "dev")
	mustInfra(t, dir, "config", "set", "--secret", "app:token", canary)

	mate.become(t)
	r := infra(t, dir, "config", "get", "app:token", "--show-secrets")
	if r.err == nil {
		t.Fatal("a stranger read the secret")
	}
	m := regexp.MustCompile("`infra (stack rekey --add-recipient [^`]+)`").FindStringSubmatch(r.err.Error())
	if m == nil || m[1] != "stack rekey --add-recipient "+mate.publicKey {
		t.Fatalf("the error does not suggest the command: %v", r.err)
	}

	me.become(t)
	mustInfra(t, dir, strings.Fields(m[1])...)
	mate.become(t)
	if got := strings.TrimSpace(mustInfra(t, dir, "config", "get", "app:token", "--show-secrets")); got != canary {
		t.Fatalf("after the rekey the teammate reads %q", got)
	}
}

// ageIdentityString returns p's private key, for the test that pastes one by mistake.
func ageIdentityString(p person) (string, error) {
	data, err := readKeyFile(filepath.Join(p.configHome, "infra", "age", "keys.txt"))
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(data, "\n") {
		if strings.HasPrefix(l, "AGE-SECRET-KEY-1") {
			return l, nil
		}
	}
	return "", errors.New("no identity in the key file")
}
