package stacks

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/stacks/backend"
	"github.com/infrago/infra/stacks/project"
	"github.com/infrago/infra/stacks/secrets"
	"github.com/infrago/infra/stacks/state"
)

// Outputs reads the outputs of another stack of the same backend, for a stack reference: "stack" of this project
// or "project/stack". Its secrets are opened with that stack's own key: from its config file when it is a stack
// of this project, else from the key metadata its state carries (the reader must be one of its recipients).
func (s *Stack) Outputs(ctx context.Context, name string) (resource.PropertyMap, error) {
	ws := s.Workspace
	ref := backend.StackRef{Project: ws.Project.Name, Stack: name}
	if p, st, ok := strings.Cut(name, "/"); ok {
		ref = backend.StackRef{Project: p, Stack: st}
	}
	if err := project.ValidateProjectName(ref.Project); err != nil {
		return nil, fmt.Errorf("stack reference %q: %w", name, err)
	}
	if err := project.ValidateStackName(ref.Stack); err != nil {
		return nil, fmt.Errorf("stack reference %q: %w", name, err)
	}
	if ref == s.Ref {
		return nil, fmt.Errorf("stack %s cannot reference its own outputs", name)
	}
	data, _, err := ws.Store.ReadState(ctx, ref)
	if errors.Is(err, backend.ErrNotFound) {
		return nil, fmt.Errorf("stack %s does not exist in %s; a stack reference reads stacks of the same backend", ref, ws.Store.URL())
	}
	if err != nil {
		return nil, fmt.Errorf("stack reference %s: %w", ref, err)
	}
	if data == nil {
		return resource.PropertyMap{}, nil
	}
	var m *secrets.Manager
	if ref.Project == ws.Project.Name {
		if cfg, err := project.LoadStackConfig(ws.Project.StackConfigPath(ref.Stack)); err == nil {
			m, err = cfg.OpenSecrets(ctx, secrets.WithPassphrases(ws.Passphrases))
			if err != nil {
				return nil, fmt.Errorf("stack reference %s: %w", ref, err)
			}
		}
	}
	if m == nil {
		md, err := state.PeekSecrets(data)
		if err != nil {
			return nil, fmt.Errorf("stack reference %s: %w", ref, err)
		}
		if len(md) == 0 {
			return nil, fmt.Errorf("stack reference %s: its state carries no key metadata (it was last written by an older infra): run an update of %s first", ref, ref)
		}
		if m, err = secrets.OpenMetadata(ctx, md); err != nil {
			return nil, fmt.Errorf("stack reference %s: %w", ref, err)
		}
	}
	snap, err := state.Codec{Crypter: m, MACKey: m.DeriveKey("infra state mac v1")}.Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("stack reference %s: %w", ref, err)
	}
	if snap.Outputs == nil {
		return resource.PropertyMap{}, nil
	}
	return snap.Outputs, nil
}
