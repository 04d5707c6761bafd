package secrets

import (
	"context"
	"fmt"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/config"
	sopsjson "github.com/getsops/sops/v3/stores/json"
)

// MarshalMetadata renders the manager's wrapped data key as JSON, in the form sops writes its metadata
// (`{"sops": {...}}`), so that it can travel with a stack's state: a stack reference can then open another
// stack's secrets with the reader's own identities, without that stack's config file.
func (m *Manager) MarshalMetadata() ([]byte, error) {
	md := m.Metadata()
	md.Version = "3.9.0"
	tree := sops.Tree{Branches: sops.TreeBranches{sops.TreeBranch{}}, Metadata: md}
	out, err := sopsjson.NewStore(&config.JSONStoreConfig{}).EmitEncryptedFile(tree)
	if err != nil {
		return nil, fmt.Errorf("encode the stack's key metadata: %w", err)
	}
	return out, nil
}

// OpenMetadata unwraps the data key held in metadata written by MarshalMetadata.
func OpenMetadata(ctx context.Context, data []byte, opts ...OpenOption) (*Manager, error) {
	tree, err := sopsjson.NewStore(&config.JSONStoreConfig{}).LoadEncryptedFile(data)
	if err != nil {
		return nil, fmt.Errorf("read the stack's key metadata: %w", err)
	}
	return Open(ctx, tree.Metadata, opts...)
}
