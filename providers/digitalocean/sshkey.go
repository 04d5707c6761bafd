package digitalocean

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/digitalocean/godo"
	"golang.org/x/crypto/ssh"

	"github.com/infrago/infra/sdk/provider"
)

const sshKeyDoc = "An SSH public key in the account, for droplets' sshKeys. A new name changes it in place; a new public key " +
	"replaces it. Import it by its numeric ID."

// SSHKeyArgs are the inputs of digitalocean:index:SSHKey.
type SSHKeyArgs struct {
	Name      *string `infra:"name" doc:"The key's name in the account. Unset: derived from the resource's name with a random suffix. A change renames it in place."`
	PublicKey string  `infra:"publicKey,replace" doc:"The public key in OpenSSH's authorized_keys format (ssh-ed25519 AAAA... comment). A change replaces it."`
}

// SSHKeyState are the outputs of digitalocean:index:SSHKey.
type SSHKeyState struct {
	SSHKeyArgs
	KeyID       int    `infra:"keyId" doc:"The key's numeric ID."`
	Fingerprint string `infra:"fingerprint" doc:"The key's MD5 fingerprint, as droplets' sshKeys may name it."`
}

type sshKeyResource struct{ p *doProvider }

// fingerprint is DigitalOcean's fingerprint of an authorized_keys line (the legacy MD5 one).
func fingerprint(pub string) (string, error) {
	k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(pub))
	if err != nil {
		return "", err
	}
	return ssh.FingerprintLegacyMD5(k), nil
}

// Check names the key and parses the public key.
func (r *sshKeyResource) Check(_ context.Context, req provider.CheckRequest[SSHKeyArgs]) (SSHKeyArgs, []provider.CheckFailure, error) {
	in := req.Inputs
	if err := fillName(req.URN, &req.OldInputs, &in, func(a *SSHKeyArgs) **string { return &a.Name }); err != nil {
		return in, nil, err
	}
	in.PublicKey = strings.TrimSpace(in.PublicKey)
	var fs failures
	if _, err := fingerprint(in.PublicKey); err != nil {
		fs.add("publicKey", "publicKey is not an OpenSSH public key (%v); give one line of an authorized_keys file, such as the contents of ~/.ssh/id_ed25519.pub", err)
	}
	return in, fs, nil
}

func keyID(id string) (int, error) {
	n, err := strconv.Atoi(id)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("SSH key ID %q is not a key's numeric ID", id)
	}
	return n, nil
}

// Create adds the key to the account.
func (r *sshKeyResource) Create(ctx context.Context, req provider.CreateRequest[SSHKeyArgs]) (provider.CreateResponse[SSHKeyState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.CreateResponse[SSHKeyState]{}, err
	}
	k, _, err := c.godo.Keys.Create(ctx, &godo.KeyCreateRequest{Name: *req.Inputs.Name, PublicKey: req.Inputs.PublicKey})
	if err != nil {
		return provider.CreateResponse[SSHKeyState]{}, fmt.Errorf("create SSH key %s: %w", *req.Inputs.Name, err)
	}
	id := strconv.Itoa(k.ID)
	resp, err := r.read(ctx, c, id, &req.Inputs, true)
	if err != nil || resp.ID == "" {
		return provider.CreateResponse[SSHKeyState]{ID: id, Outputs: keyState(k, &req.Inputs)}, notVisible("SSH key "+id, err)
	}
	return provider.CreateResponse[SSHKeyState]{ID: id, Outputs: resp.Outputs}, nil
}

func keyState(k *godo.Key, old *SSHKeyArgs) SSHKeyState {
	in := SSHKeyArgs{Name: ptr(k.Name), PublicKey: k.PublicKey}
	if old != nil && strings.TrimSpace(old.PublicKey) == strings.TrimSpace(k.PublicKey) {
		in.PublicKey = old.PublicKey
	}
	return SSHKeyState{SSHKeyArgs: in, KeyID: k.ID, Fingerprint: k.Fingerprint}
}

func (r *sshKeyResource) read(ctx context.Context, c *client, id string, old *SSHKeyArgs, wait bool) (provider.ReadResponse[SSHKeyArgs, SSHKeyState], error) {
	n, err := keyID(id)
	if err != nil {
		return provider.ReadResponse[SSHKeyArgs, SSHKeyState]{}, err
	}
	k, found, err := getFresh(ctx, c, func() (*godo.Key, error) {
		k, _, err := c.godo.Keys.GetByID(ctx, n)
		return k, err
	}, !wait)
	if err != nil || !found {
		return provider.ReadResponse[SSHKeyArgs, SSHKeyState]{}, wrapRead("SSH key "+id, err)
	}
	st := keyState(k, old)
	return provider.ReadResponse[SSHKeyArgs, SSHKeyState]{ID: id, Inputs: st.SSHKeyArgs, Outputs: st}, nil
}

// Read reads the key for refresh and import.
func (r *sshKeyResource) Read(ctx context.Context, req provider.ReadRequest[SSHKeyArgs, SSHKeyState]) (provider.ReadResponse[SSHKeyArgs, SSHKeyState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[SSHKeyArgs, SSHKeyState]{}, err
	}
	return r.read(ctx, c, req.ID, oldOf(req.Import, &req.Inputs), false)
}

// Lookup finds the key a cut-off create added by its fingerprint: an account holds a public key once.
func (r *sshKeyResource) Lookup(ctx context.Context, req provider.LookupRequest[SSHKeyArgs]) (provider.ReadResponse[SSHKeyArgs, SSHKeyState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.ReadResponse[SSHKeyArgs, SSHKeyState]{}, err
	}
	fp, err := fingerprint(req.Inputs.PublicKey)
	if err != nil {
		return provider.ReadResponse[SSHKeyArgs, SSHKeyState]{}, fmt.Errorf("look for the SSH key of %s: %w", req.URN, err)
	}
	k, _, err := c.godo.Keys.GetByFingerprint(ctx, fp)
	if isNotFound(err) {
		return provider.ReadResponse[SSHKeyArgs, SSHKeyState]{}, nil
	}
	if err != nil {
		return provider.ReadResponse[SSHKeyArgs, SSHKeyState]{}, fmt.Errorf("look for the SSH key of %s: %w", req.URN, err)
	}
	st := keyState(k, nil)
	return provider.ReadResponse[SSHKeyArgs, SSHKeyState]{ID: strconv.Itoa(k.ID), Inputs: st.SSHKeyArgs, Outputs: st}, nil
}

// Update renames the key.
func (r *sshKeyResource) Update(ctx context.Context, req provider.UpdateRequest[SSHKeyArgs, SSHKeyState]) (provider.UpdateResponse[SSHKeyState], error) {
	c, err := r.p.client()
	if err != nil {
		return provider.UpdateResponse[SSHKeyState]{}, err
	}
	n, err := keyID(req.ID)
	if err != nil {
		return provider.UpdateResponse[SSHKeyState]{}, err
	}
	k, _, err := c.godo.Keys.UpdateByID(ctx, n, &godo.KeyUpdateRequest{Name: *req.Inputs.Name})
	if err != nil {
		return provider.UpdateResponse[SSHKeyState]{}, fmt.Errorf("rename SSH key %s: %w", req.ID, err)
	}
	return provider.UpdateResponse[SSHKeyState]{Outputs: keyState(k, &req.Inputs)}, nil
}

// Delete removes the key; one that is gone already is fine.
func (r *sshKeyResource) Delete(ctx context.Context, req provider.DeleteRequest[SSHKeyArgs, SSHKeyState]) error {
	c, err := r.p.client()
	if err != nil {
		return err
	}
	n, err := keyID(req.ID)
	if err != nil {
		return err
	}
	if _, err := c.godo.Keys.DeleteByID(ctx, n); err != nil && !isNotFound(err) {
		return fmt.Errorf("delete SSH key %s: %w", req.ID, err)
	}
	return nil
}
