package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/infrago/infra/stacks/backend"
	"github.com/infrago/infra/stacks/project"
)

func (a *app) stackMigrateCommand() *cobra.Command {
	var to string
	cmd := &cobra.Command{
		Use:   "migrate --to URL",
		Short: "Move the stack's state to another backend",
		Long: `Copy the stack's state, with every version of its history and the journal of an
interrupted update, to the backend at URL (s3://bucket/prefix, gs://bucket/prefix,
postgres://host/db or file://dir; see docs/state.md), and verify the copy byte for
byte. The stack stays locked during the copy, so no update can change it meanwhile.
The target must not have the stack yet.

Once every stack of the project is in the new backend, Infra.yaml is switched to it
(its backend field is rewritten; other fields are kept, comments are not). Until
then, migrate the remaining stacks the same way. The old copy is left where it was,
as a backup: remove it once teammates have the new Infra.yaml.

The URL goes into Infra.yaml, which is committed: it must not contain a password.
Pass database passwords with PGPASSWORD or ~/.pgpass.`,
		Example: `  infra stack migrate --to s3://acme-infra-state/web
  infra stack migrate --stack prod --to 'postgres://infra@db.internal/infra?sslmode=verify-full'
  infra stack migrate --to 's3://state/web?endpoint=http://127.0.0.1:9000&region=us-east-1'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to == "" {
				return errors.New("pass the backend to move the stack to with --to URL (e.g. s3://bucket/prefix)")
			}
			if u, err := url.Parse(to); err == nil {
				if _, ok := u.User.Password(); ok {
					return fmt.Errorf("backend URL %s contains a password, and it would be written into Infra.yaml, which is committed: "+
						"remove it and pass the password through the environment (e.g. PGPASSWORD or ~/.pgpass)", u.Redacted())
				}
			}
			ws, name, err := a.selectedName()
			if err != nil {
				return err
			}
			target, err := backend.Open(a.ctx, to, ws.Project.Dir)
			if err != nil {
				return err
			}
			if c, ok := target.(io.Closer); ok {
				defer c.Close()
			}
			if target.URL() == ws.Store.URL() {
				return fmt.Errorf("stack %s is in %s already", name, target.URL())
			}
			return a.migrateStack(cmd.OutOrStdout(), ws, name, target, to)
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the backend URL to move the stack to")
	return cmd
}

// migrateStack copies stack name to target under the source stack's lock, then switches Infra.yaml to rawURL if
// no stack of the project is left behind.
func (a *app) migrateStack(out io.Writer, ws *workspace, name string, target backend.Store, rawURL string) error {
	src := ws.Attach(name, nil, nil)
	lease, err := src.Lock(a.ctx, "infra stack migrate", lockLease())
	if err != nil {
		return err
	}
	defer lease.Release()
	lost := lease.Lost()
	// If the source's lease is lost (another run took the stack over), the copy may be stale: stop it.
	ctx, cancel := context.WithCancel(a.ctx)
	defer cancel()
	go func() {
		select {
		case <-lost:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := backend.Migrate(ctx, ws.Store, target, src.Ref); err != nil {
		select {
		case <-lost:
			return fmt.Errorf("the lock of stack %s in %s was lost during the migration: %w", name, ws.Store.URL(), err)
		default:
		}
		return err
	}
	hist, err := target.History(ctx, src.Ref)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Copied stack %s (%d versions in its history) from %s to %s and verified the copy.\n",
		name, len(hist), ws.Store.URL(), target.URL())

	left, err := stacksLeftBehind(ctx, ws, target)
	if err != nil {
		return err
	}
	if len(left) > 0 {
		fmt.Fprintf(out, "Infra.yaml still uses %s, where these stacks are not migrated yet: %s. Migrate them too "+
			"(`infra stack migrate --stack %s --to %s`); Infra.yaml switches to the new backend with the last one.\n",
			ws.Store.URL(), strings.Join(left, ", "), left[0], target.URL())
		return nil
	}
	proj, err := project.Load(ws.Project.Dir)
	if err != nil {
		return fmt.Errorf("the stack was copied, but Infra.yaml could not be read to switch it to the new backend: %w", err)
	}
	old := proj.Backend
	proj.Backend = rawURL
	if err := proj.Save(); err != nil {
		return fmt.Errorf("the stack was copied, but Infra.yaml could not be switched to the new backend (set `backend: %s` in it by hand): %w",
			target.URL(), err)
	}
	if old == "" {
		old = "the project's .infra directory"
	}
	fmt.Fprintf(out, "Infra.yaml now keeps state in %s. The old copy is still in %s, as a backup: remove it once teammates have the new Infra.yaml.\n",
		target.URL(), old)
	return nil
}

// stacksLeftBehind lists the project's stacks in the workspace's backend that target does not have.
func stacksLeftBehind(ctx context.Context, ws *workspace, target backend.Store) ([]string, error) {
	here, err := ws.Store.ListStacks(ctx, ws.Project.Name)
	if err != nil {
		return nil, err
	}
	there, err := target.ListStacks(ctx, ws.Project.Name)
	if err != nil {
		return nil, err
	}
	moved := map[string]bool{}
	for _, s := range there {
		moved[s.Name] = true
	}
	var left []string
	for _, s := range here {
		if !moved[s.Name] {
			left = append(left, s.Name)
		}
	}
	return left, nil
}
