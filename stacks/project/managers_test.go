package project

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/getsops/sops/v3/decrypt"

	"github.com/infrago/infra/stacks/secrets"
)

// managerEnv describes one secrets manager for the suite: the recipients to create a stack with and to rekey it
// to, and how to make each side's access the one available (as a fresh process would find it in its
// environment).
type managerEnv struct {
	create              []secrets.Recipient
	rekeyAdd, rekeyDrop []secrets.Recipient
	// useOld and useNew make the access of the original and of the new recipients available; useRekeyer, that of
	// someone who can open the stack and wrap for the new recipients.
	useOld, useNew, useRekeyer func(t *testing.T)
	// useRemaining, if set, makes the access of a recipient that was neither added nor removed available: it must
	// open the stack after the rekey too.
	useRemaining func(t *testing.T)
	// sopsKind is the sops metadata key of the manager's entries: age, kms or gcp_kms.
	sopsKind string
	// sopsCannot is true when the sops CLI cannot decrypt the file (passphrase recipients).
	sopsCannot bool
	// oldFailure is a phrase of the error the old access gets after the rekey.
	oldFailure string
}

// suiteValues are the stack config values of the suite; secrets carry the canary.
var suiteValues = []struct {
	key    string
	value  any
	secret bool
}{
	{"hello:greeting", "hi", false},
	{"app:replicas", 3, false},
	{"db:password", canary, true},
	{"api:token", "tok-" + canary, true},
}

const stateAAD = "urn:infra:dev::suite::random:index:Password::db|outputs|result"

// runManagerSuite creates a stack config, sets secrets, reads them back in a fresh context and with sops, rekeys
// and reads back again, and checks that the old access no longer opens the stack.
func runManagerSuite(t *testing.T, env managerEnv) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "Infra.dev.yaml")

	env.useOld(t)
	m, err := secrets.Create(ctx, env.create)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	sc := NewStackConfig(path, m)
	for _, v := range suiteValues {
		must(t, sc.Set(v.key, v.value, v.secret))
	}
	must(t, sc.Save(m))
	// A secret in the state, to show the state stays readable across the rekey.
	stateCT, err := m.EncryptValue(canary, secrets.TypeString, stateAAD)
	must(t, err)
	before := mustRead(t, path)
	noCanary(t, "the stack config", before)
	if !strings.Contains(before, "\n    "+env.sopsKind+":\n") {
		t.Fatalf("the sops metadata has no %s entries:\n%s", env.sopsKind, before)
	}

	// A fresh context: identities, passphrases and credentials from the environment only.
	checkOpens(t, path, m)
	checkSops(t, path, env.sopsCannot)

	// Rekey.
	env.useRekeyer(t)
	sc3, err := LoadStackConfig(path)
	must(t, err)
	m3, err := sc3.OpenSecrets(ctx)
	must(t, err)
	m4, res, err := m3.Rekey(ctx, env.rekeyAdd, env.rekeyDrop)
	if err != nil {
		t.Fatalf("rekey: %v", err)
	}
	if len(res.Added) != len(env.rekeyAdd) || len(res.Removed) != len(env.rekeyDrop) {
		t.Fatalf("rekey result %+v", res)
	}
	if err := m4.CheckAccess(ctx); err != nil {
		t.Fatalf("the rekeyer is locked out: %v", err)
	}
	if !m4.SameKey(m) {
		t.Fatal("rekeying changed the data key")
	}
	must(t, sc3.Save(m4))
	after := mustRead(t, path)
	noCanary(t, "the rekeyed stack config", after)
	oldBlock, oldRest := sopsBlock(before)
	newBlock, newRest := sopsBlock(after)
	if !reflect.DeepEqual(oldRest, newRest) {
		t.Fatalf("rekeying changed more than the sops block: %q", changedLines(strings.Join(oldRest, "\n"), strings.Join(newRest, "\n")))
	}
	if reflect.DeepEqual(oldBlock, newBlock) {
		t.Fatal("rekeying did not change the sops block")
	}

	// The remaining and the new recipients open everything: config and state.
	if env.useRemaining != nil {
		env.useRemaining(t)
		checkOpens(t, path, m)
	}
	env.useNew(t)
	m5 := checkOpens(t, path, m)
	if plain, _, err := m5.DecryptValue(stateCT, stateAAD); err != nil || plain != canary {
		t.Fatalf("the state secret does not decrypt after the rekey: %v", err)
	}
	checkSops(t, path, env.sopsCannot)

	// The removed recipients do not.
	env.useOld(t)
	sc6, err := LoadStackConfig(path)
	must(t, err)
	_, err = sc6.OpenSecrets(ctx)
	var nerr *secrets.NoIdentityError
	if !errors.As(err, &nerr) {
		t.Fatalf("the old access after the rekey: got %v, want a NoIdentityError", err)
	}
	noCanary(t, "the error", err.Error())
	if !strings.Contains(err.Error(), env.oldFailure) {
		t.Errorf("the old access's error does not say %q:\n%v", env.oldFailure, err)
	}
	if got := mustRead(t, path); got != after {
		t.Fatal("a failed open wrote the file")
	}
}

// checkOpens loads and opens a stack config as a new process would, and checks its values.
func checkOpens(t *testing.T, path string, want *secrets.Manager) *secrets.Manager {
	t.Helper()
	sc, err := LoadStackConfig(path)
	must(t, err)
	m, err := sc.OpenSecrets(context.Background())
	if err != nil {
		t.Fatalf("open in a fresh context: %v", err)
	}
	if !m.SameKey(want) {
		t.Fatal("opened another data key")
	}
	vals, err := sc.Values()
	must(t, err)
	for _, v := range suiteValues {
		if got := vals[v.key]; got.Value != v.value || got.Secret != v.secret {
			t.Errorf("%s reads back as %v (secret %v)", v.key, got, got.Secret)
		}
	}
	return m
}

// checkSops decrypts the file with sops' own decrypt package, as `sops -d` does.
func checkSops(t *testing.T, path string, cannot bool) {
	t.Helper()
	if !cannot {
		doc := sopsDecrypt(t, path)
		sec, _ := doc["secrets"].(map[string]any)
		if sec["db:password"] != canary || sec["api:token"] != "tok-"+canary {
			t.Fatalf("sops decrypted the secrets wrongly")
		}
		return
	}
	// sops has no notion of passphrase (scrypt) recipients: it fails, and says it could not get the data key.
	_, err := decrypt.File(path, "yaml")
	if err == nil {
		t.Fatal("sops decrypted a passphrase-only file")
	}
	noCanary(t, "sops' error", err.Error())
	var ue interface{ UserError() string }
	if !errors.As(err, &ue) {
		t.Fatalf("sops' error: %v", err)
	}
	msg := ue.UserError() // what the sops CLI prints
	noCanary(t, "sops' message", msg)
	for _, want := range []string{"Failed to get the data key required to decrypt the SOPS file", "passphrase: FAILED"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("sops' message does not say %q:\n%s", want, msg)
		}
	}
}

func TestManagerSuiteAge(t *testing.T) {
	isolate(t)
	isolateCloud(t)
	id1, id2 := newIdentity(t), newIdentity(t)
	both := combinedKeys(t, id1, id2)
	runManagerSuite(t, managerEnv{
		create:     []secrets.Recipient{secrets.AgeRecipient{PublicKey: id1.recipient}},
		rekeyAdd:   []secrets.Recipient{secrets.AgeRecipient{PublicKey: id2.recipient}},
		rekeyDrop:  []secrets.Recipient{secrets.AgeRecipient{PublicKey: id1.recipient}},
		useOld:     id1.use,
		useNew:     id2.use,
		useRekeyer: func(t *testing.T) { t.Setenv("SOPS_AGE_KEY_FILE", both) },
		sopsKind:   "age",
		oldFailure: "are not recipients of the data key",
	})
}

func TestManagerSuiteSeveralAgeRecipients(t *testing.T) {
	isolate(t)
	isolateCloud(t)
	id1, id2, id3 := newIdentity(t), newIdentity(t), newIdentity(t)
	runManagerSuite(t, managerEnv{
		create:       []secrets.Recipient{secrets.AgeRecipient{PublicKey: id1.recipient}, secrets.AgeRecipient{PublicKey: id2.recipient}},
		rekeyAdd:     []secrets.Recipient{secrets.AgeRecipient{PublicKey: id3.recipient}},
		rekeyDrop:    []secrets.Recipient{secrets.AgeRecipient{PublicKey: id1.recipient}},
		useOld:       id1.use,
		useNew:       id3.use,
		useRemaining: id2.use,
		// A teammate who stays (id2) rekeys: their own access is untouched.
		useRekeyer: id2.use,
		sopsKind:   "age",
		oldFailure: "are not recipients of the data key",
	})
}

func TestManagerSuitePassphrase(t *testing.T) {
	isolate(t)
	isolateCloud(t)
	// Canaries in the passphrases: neither may appear in a file or a message.
	pass1, pass2 := "first "+canary, "second "+canary
	fast := secrets.PassphraseRecipient{WorkFactor: 10}
	runManagerSuite(t, managerEnv{
		create:    []secrets.Recipient{fast},
		rekeyAdd:  []secrets.Recipient{fast},
		rekeyDrop: []secrets.Recipient{secrets.PassphraseRecipient{}},
		useOld: func(t *testing.T) {
			t.Setenv(secrets.EnvPassphrase, pass1)
			os.Unsetenv(secrets.EnvPassphraseFile)
			os.Unsetenv(secrets.EnvNewPassphrase)
		},
		useNew: func(t *testing.T) {
			// From a file this time, as CI would mount it.
			f := filepath.Join(t.TempDir(), "passphrase")
			must(t, os.WriteFile(f, []byte(pass2+"\n"), 0o600))
			os.Unsetenv(secrets.EnvPassphrase)
			t.Setenv(secrets.EnvPassphraseFile, f)
		},
		useRekeyer: func(t *testing.T) {
			os.Unsetenv(secrets.EnvPassphraseFile)
			t.Setenv(secrets.EnvPassphrase, pass1)
			t.Setenv(secrets.EnvNewPassphrase, pass2)
		},
		sopsKind:   "age",
		sopsCannot: true,
		oldFailure: "passphrase: the passphrase from $INFRA_PASSPHRASE is not this stack's passphrase",
	})
}

func TestManagerSuiteAWSKMS(t *testing.T) {
	isolate(t)
	isolateCloud(t)
	url, key1, _ := awsSim(t)
	// The new key by alias and region: infra resolves it to its ARN with DescribeKey, as sops records ARNs.
	alias, err := secrets.ParseRecipient("awskms://alias/stack-2?region=us-east-1")
	must(t, err)
	runManagerSuite(t, managerEnv{
		create:     []secrets.Recipient{secrets.AWSKMSRecipient{KeyID: key1}},
		rekeyAdd:   []secrets.Recipient{alias},
		rekeyDrop:  []secrets.Recipient{secrets.AWSKMSRecipient{KeyID: key1}},
		useOld:     func(t *testing.T) { useAWS(t, url, awsAKID1) },
		useNew:     func(t *testing.T) { useAWS(t, url, awsAKID2) },
		useRekeyer: func(t *testing.T) { useAWS(t, url, awsAdmin) },
		sopsKind:   "kms",
		oldFailure: "AccessDeniedException",
	})
}

func TestManagerSuiteGCPKMS(t *testing.T) {
	isolate(t)
	isolateCloud(t)
	l := gcpSim(t, false)
	runManagerSuite(t, managerEnv{
		create:     []secrets.Recipient{secrets.GCPKMSRecipient{ResourceID: gcpKey1}},
		rekeyAdd:   []secrets.Recipient{secrets.GCPKMSRecipient{ResourceID: gcpKey2}},
		rekeyDrop:  []secrets.Recipient{secrets.GCPKMSRecipient{ResourceID: gcpKey1}},
		useOld:     func(t *testing.T) { useGCPREST(t, l, gcpToken1) },
		useNew:     func(t *testing.T) { useGCPREST(t, l, gcpToken2) },
		useRekeyer: func(t *testing.T) { useGCPREST(t, l, gcpAdmin) },
		sopsKind:   "gcp_kms",
		oldFailure: "Permission 'cloudkms.cryptoKeyVersions.useToDecrypt' denied",
	})
}

// gcpGRPCChild tells a re-executed test binary that it is the child of TestManagerSuiteGCPKMSOverGRPC.
const gcpGRPCChild = "INFRA_TEST_GCPKMS_GRPC_CHILD"

// TestManagerSuiteGCPKMSOverGRPC runs the suite against the simulator's gRPC face, the default transport of sops'
// gcpkms client, which always dials with TLS: the simulator serves a self-signed certificate that the client
// trusts through SSL_CERT_FILE. Go reads SSL_CERT_FILE once per process, so the suite runs in a child process
// started with it.
func TestManagerSuiteGCPKMSOverGRPC(t *testing.T) {
	if addr := os.Getenv(gcpGRPCChild); addr != "" {
		isolate(t)
		useGRPC := func(token string) func(t *testing.T) {
			return func(t *testing.T) {
				t.Setenv("SOPS_GCP_KMS_CLIENT_TYPE", "grpc")
				t.Setenv("SOPS_GCP_KMS_ENDPOINT", addr)
				t.Setenv("GOOGLE_OAUTH_ACCESS_TOKEN", token)
			}
		}
		runManagerSuite(t, managerEnv{
			create:     []secrets.Recipient{secrets.GCPKMSRecipient{ResourceID: gcpKey1}},
			rekeyAdd:   []secrets.Recipient{secrets.GCPKMSRecipient{ResourceID: gcpKey2}},
			rekeyDrop:  []secrets.Recipient{secrets.GCPKMSRecipient{ResourceID: gcpKey1}},
			useOld:     useGRPC(gcpToken1),
			useNew:     useGRPC(gcpToken2),
			useRekeyer: useGRPC(gcpAdmin),
			sopsKind:   "gcp_kms",
			oldFailure: "PermissionDenied",
		})
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	isolateCloud(t)
	l := gcpSim(t, true)
	cmd := exec.Command(os.Args[0], "-test.run=^TestManagerSuiteGCPKMSOverGRPC$", "-test.count=1")
	cmd.Env = append(os.Environ(), gcpGRPCChild+"="+l.Addr, "SSL_CERT_FILE="+l.CACertFile, "SSL_CERT_DIR=")
	out, err := cmd.CombinedOutput()
	noCanary(t, "the child's output", string(out))
	if err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("the suite over gRPC failed: %v\n%s", err, out)
	}
}

// combinedKeys writes one key file holding the identities of all ids.
func combinedKeys(t *testing.T, ids ...identity) string {
	t.Helper()
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(mustRead(t, id.file))
	}
	f := filepath.Join(t.TempDir(), "keys.txt")
	must(t, os.WriteFile(f, []byte(b.String()), 0o600))
	return f
}
