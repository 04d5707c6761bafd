package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/infrago/infra/stacks/project"
	"github.com/infrago/infra/stacks/secrets"
	"github.com/infrago/infra/stacks/state"
)

func (a *app) stackCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stack",
		Short: "Create, list, select and remove stacks",
		Long: `A stack is one instance of the project's program (dev, staging, prod) with its own
configuration (Infra.<stack>.yaml, safe to commit: secrets in it are encrypted) and
its own state (in the project's backend, .infra/ by default).

Commands pick their stack from --stack, then $INFRA_STACK, then the stack selected
with ` + "`infra stack select`" + `, then the project's only stack if it has just one.`,
		Example: `  infra stack init prod
  infra stack ls
  infra stack select dev`,
	}
	cmd.AddCommand(a.stackInitCommand(), a.stackLsCommand(), a.stackSelectCommand(), a.stackRmCommand(),
		a.stackExportCommand(), a.stackHistoryCommand(), a.stackUnlockCommand(), a.stackRestoreCommand(),
		a.stackRekeyCommand(), a.stackChangeSecretsProviderCommand())
	cmd.AddCommand(a.stackMigrateCommand())
	return cmd
}

func (a *app) stackInitCommand() *cobra.Command {
	var noSelect, force bool
	var provider string
	var recipients []string
	cmd := &cobra.Command{
		Use:   "init NAME",
		Short: "Create a stack",
		Long: `Create a stack: its config file Infra.<NAME>.yaml, with a new data key for its secrets,
and its empty state in the backend. The new stack becomes the selected one.

The data key is wrapped for the stack's secrets provider (see docs/secrets.md):

  --secrets-provider age         (default) the age keys given with --recipient, or your
                                 age identity ($XDG_CONFIG_HOME/infra/age/keys.txt,
                                 created on first use)
  --secrets-provider passphrase  a passphrase: $INFRA_PASSPHRASE, $INFRA_PASSPHRASE_FILE,
                                 or asked twice on the terminal
  --secrets-provider awskms://<key ARN, key ID or alias/name>?region=<region>
  --secrets-provider gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K

With another provider than age, each --recipient (age1..., passphrase, awskms://...,
gcpkms://...) is a further recipient: keep two, so that losing one key loses nothing.
A stack you could not decrypt yourself is refused unless --force.

If Infra.<NAME>.yaml exists already (a teammate created the stack and committed it),
its data key is kept: you must be able to decrypt it.`,
		Example: `  infra stack init dev
  infra stack init prod --no-select

  # a stack shared by a team: each member's own age identity decrypts it
  infra stack init staging --recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p \
    --recipient age1lggyhqrw2nlhcxprm67z43rta597azn8gknawjehu9d9dl0jq3yqqvfafg

  # a passphrase, from the environment in CI
  INFRA_PASSPHRASE_FILE=/run/secrets/infra infra stack init ci --secrets-provider passphrase

  # a KMS key, with your age key as a second recipient
  infra stack init prod --secrets-provider 'awskms://alias/infra-prod?region=eu-west-1' \
    --recipient "$(age-keygen -y ~/.config/infra/age/keys.txt)"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := project.ValidateStackName(name); err != nil {
				return err
			}
			rs, err := initRecipients(provider, recipients)
			if err != nil {
				return err
			}
			ws, err := a.openWorkspace()
			if err != nil {
				return err
			}
			path := ws.Project.StackConfigPath(name)
			pp := a.passphrases()
			if _, err := os.Stat(path); err == nil {
				if cmd.Flags().Changed("secrets-provider") || len(recipients) > 0 {
					return fmt.Errorf("%s exists already and keeps its data key and recipients: change them with `infra stack rekey` or `infra stack change-secrets-provider`", path)
				}
				cfg, err := project.LoadStackConfig(path)
				if err != nil {
					return err
				}
				if _, err := cfg.OpenSecrets(a.ctx, secrets.WithPassphrases(pp)); err != nil {
					return fmt.Errorf("%s exists but its secrets cannot be opened with your identities: %w", path, err)
				}
			} else if errors.Is(err, fs.ErrNotExist) {
				m, err := secrets.Create(a.ctx, rs, secrets.WithPassphrases(pp))
				if err != nil {
					return err
				}
				if len(rs) > 0 {
					if err := a.checkNotLockedOut(m, pp, name, force); err != nil {
						return err
					}
				}
				if err := project.NewStackConfig(path, m).Save(m); err != nil {
					return err
				}
			} else {
				return err
			}
			if err := ws.Store.CreateStack(a.ctx, ws.Ref(name)); err != nil {
				return err
			}
			if !noSelect {
				if err := ws.Select(name); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Created stack %s (config in %s, state in %s)\n", name, path, ws.Store.URL())
			if len(rs) > 0 {
				cfg, err := project.LoadStackConfig(path)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Its secrets are encrypted for: %s\n", strings.Join(cfg.Recipients(), ", "))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noSelect, "no-select", false, "do not select the new stack")
	cmd.Flags().StringVar(&provider, "secrets-provider", "age", "age, passphrase, awskms://... or gcpkms://...")
	cmd.Flags().StringArrayVar(&recipients, "recipient", nil, "an age public key to encrypt for, or with another provider a further recipient (repeatable)")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "create the stack even if you could not decrypt it yourself")
	return cmd
}

func (a *app) stackLsCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List the project's stacks",
		Long: `List the project's stacks with the time of their last update and the number of
resources they hold. The selected stack is marked with *.`,
		Example: `  infra stack ls
  infra stack ls --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ws, err := a.openWorkspace()
			if err != nil {
				return err
			}
			ss, err := ws.Store.ListStacks(a.ctx, ws.Project.Name)
			if err != nil {
				return err
			}
			cur := ws.Selected()
			if asJSON {
				type row struct {
					Name       string     `json:"name"`
					Current    bool       `json:"current"`
					LastUpdate *time.Time `json:"lastUpdate,omitempty"`
					Resources  int        `json:"resourceCount"`
				}
				rows := []row{}
				for _, s := range ss {
					r := row{Name: s.Name, Current: s.Name == cur, Resources: s.Resources}
					if !s.LastUpdate.IsZero() {
						t := s.LastUpdate.UTC()
						r.LastUpdate = &t
					}
					rows = append(rows, r)
				}
				return json.NewEncoder(cmd.OutOrStdout()).Encode(rows)
			}
			if len(ss) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No stacks yet: create one with `infra stack init dev`.")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tLAST UPDATE\tRESOURCES")
			for _, s := range ss {
				name := s.Name
				if name == cur {
					name += "*"
				}
				last, count := "never", "-"
				if !s.LastUpdate.IsZero() {
					last = s.LastUpdate.Local().Format("2006-01-02 15:04:05")
					count = strconv.Itoa(s.Resources)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", name, last, count)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) stackSelectCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "select NAME",
		Short: "Select the stack later commands operate on",
		Long: `Select the stack that commands use when neither --stack nor $INFRA_STACK names one.
The choice is kept in .infra/workspace.json, which is yours alone: it is not
committed.`,
		Example: "  infra stack select prod",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := a.openWorkspace()
			if err != nil {
				return err
			}
			name, err := ws.resolveStack(a.ctx, args[0])
			if err != nil {
				return err
			}
			if err := ws.Select(name); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Selected stack %s\n", name)
			return nil
		},
	}
}

func (a *app) stackRmCommand() *cobra.Command {
	var force, preserveConfig, yes bool
	cmd := &cobra.Command{
		Use:   "rm NAME",
		Short: "Remove a stack and its state",
		Long: `Remove a stack: its state and history, and its config file unless --preserve-config.
A stack that still has resources is refused unless --force: run ` + "`infra destroy`" + ` first,
or the resources will keep existing with nothing tracking them.`,
		Example: `  infra destroy --stack dev --yes && infra stack rm dev --yes

  # forget a stack, keep its resources and its config file
  infra stack rm old --force --preserve-config --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := a.openWorkspace()
			if err != nil {
				return err
			}
			name, err := ws.resolveStack(a.ctx, args[0])
			if err != nil {
				return err
			}
			if !yes && !a.interactive() {
				return fmt.Errorf("removing stack %s needs confirmation: pass --yes", name)
			}
			if !force {
				st, err := ws.openNamedStack(a.ctx, name)
				if err != nil {
					return fmt.Errorf("%w (pass --force to remove the stack without reading its state)", err)
				}
				snap, err := st.Load(a.ctx)
				if err != nil {
					return fmt.Errorf("%w (pass --force to remove the stack anyway)", err)
				}
				if snap != nil && snap.Live() > 0 {
					return fmt.Errorf("stack %s still has %d resources: run `infra destroy --stack %s` first, or pass --force to forget them (they will keep existing)",
						name, snap.Live(), name)
				}
			}
			if !yes {
				ok, err := a.confirm(cmd, fmt.Sprintf("Remove stack %s and its history?", name))
				if err != nil || !ok {
					return &exitError{code: 1, err: errors.New("stack not removed")}
				}
			}
			if err := ws.Store.RemoveStack(a.ctx, ws.Ref(name)); err != nil {
				return err
			}
			if !preserveConfig {
				if err := os.Remove(ws.Project.StackConfigPath(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
			}
			if ws.Selected() == name {
				_ = ws.Select("")
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Removed stack %s\n", name)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "remove the stack even if it still has resources")
	cmd.Flags().BoolVar(&preserveConfig, "preserve-config", false, "keep Infra.<NAME>.yaml")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func (a *app) stackExportCommand() *cobra.Command {
	var showSecrets bool
	var version int64
	var file string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Print the stack's state",
		Long: `Print the stack's state as JSON, one resource per line (the snapshot format is
described in docs/concepts.md). Secrets stay encrypted unless --show-secrets.
--version N prints the state that update N left behind (see ` + "`infra stack history`" + `).`,
		Example: `  infra stack export > state.json
  infra stack export --version 3 --file state-v3.json
  infra stack export | grep '"urn"'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, st, err := a.openSelected()
			if err != nil {
				return err
			}
			data, snap, err := st.ReadVersion(a.ctx, version)
			if err != nil {
				return err
			}
			if data == nil || showSecrets {
				// Secrets shown in plain text: the codec "encrypts" each to the plaintext itself.
				c := state.Codec{}
				if showSecrets {
					c.Crypter = plaintextCrypter{}
				}
				if data, err = c.Marshal(snap); err != nil {
					return err
				}
			}
			if file != "" {
				return os.WriteFile(file, data, 0o600)
			}
			_, err = cmd.OutOrStdout().Write(data)
			return err
		},
	}
	cmd.Flags().BoolVar(&showSecrets, "show-secrets", false, "decrypt secrets in the output")
	cmd.Flags().Int64Var(&version, "version", 0, "export the state left by update N of the history")
	cmd.Flags().StringVar(&file, "file", "", "write to this file instead of standard output")
	return cmd
}

// oneLine shortens a message to its first line for tables.
func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + "..."
	}
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// plaintextCrypter "encrypts" to the plaintext itself, for --show-secrets.
type plaintextCrypter struct{}

func (plaintextCrypter) EncryptValue(plaintext, typ, aad string) (string, error) {
	return plaintext, nil
}
func (plaintextCrypter) DecryptValue(ct, aad string) (string, string, error) {
	return "", "", errors.New("plaintext export cannot be decrypted")
}

func (a *app) stackHistoryCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List the stack's updates",
		Long: `List the stack's updates, newest first: the version (the serial of the state the
update wrote; ` + "`infra stack export --version N`" + ` prints that state), the kind (update,
destroy, refresh, import, restore, rekey, state-delete, state-rename, state-move,
state-unprotect), the result, when it started, how long it took, the changes (+ created,
~ updated, +- replaced, - deleted, = imported), the number of resources afterwards and
the message given with ` + "`infra up -m`" + `. Failed updates are listed too; previews are
not. --json adds the user and host, and the bytes the update wrote to the backend.`,
		Example: `  infra stack history
  infra stack history --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ws, name, err := a.selectedName()
			if err != nil {
				return err
			}
			h, err := ws.Store.History(a.ctx, ws.Ref(name))
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(h)
			}
			if len(h) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "Stack %s has no updates yet.\n", name)
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tKIND\tRESULT\tSTARTED\tDURATION\tCHANGES\tRESOURCES\tMESSAGE")
			for _, u := range h {
				changes := ""
				for _, op := range []string{"create", "update", "replace", "delete", "import"} {
					if n := u.Changes[op]; n > 0 {
						changes += fmt.Sprintf("%s%d ", map[string]string{"create": "+", "update": "~", "replace": "+-", "delete": "-", "import": "="}[op], n)
					}
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", u.Version, u.Kind, u.Result,
					u.StartTime.Local().Format("2006-01-02 15:04:05"), u.EndTime.Sub(u.StartTime).Round(10*time.Millisecond), changes,
					u.Resources, oneLine(u.Message))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) stackUnlockCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "unlock",
		Short: "Remove a stale lock left by a run that died",
		Long: `Remove the stack's lock. Use it only when the run that holds the lock is no longer
running (the lock names its user, host, process and command); removing the lock of a
live run lets two runs change the same stack at once. A lock left by a process that
died on the same host is taken over automatically.`,
		Example: "  infra stack unlock --stack prod",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ws, name, err := a.selectedName()
			if err != nil {
				return err
			}
			holder, err := ws.Store.Unlock(a.ctx, ws.Ref(name))
			if err != nil {
				return err
			}
			if holder == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "Stack %s was not locked.\n", name)
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Removed the lock of stack %s held by %s\n", name, holder)
			return nil
		},
	}
}

func (a *app) stackRestoreCommand() *cobra.Command {
	var version int64
	var yes bool
	cmd := &cobra.Command{
		Use:   "restore --version N",
		Short: "Make an earlier state from the history current again",
		Long: `Make the state that update N left behind (see "infra stack history") the stack's current
state. Nothing in the cloud changes: run "infra preview" afterwards to see how the
program differs from the restored state. The restore is itself recorded in the
history, so it can be undone the same way. The restored state is verified (integrity
and consistency) before it is written.`,
		Example: `  infra stack history
  infra stack restore --version 7 --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if version <= 0 {
				return errors.New("pass the version to restore with --version N (see `infra stack history`)")
			}
			_, st, err := a.openSelected()
			if err != nil {
				return err
			}
			if !yes && !a.interactive() {
				return fmt.Errorf("restoring version %d of stack %s needs confirmation: pass --yes", version, st.Name)
			}
			lease, err := st.Lock(a.ctx, "infra stack restore", lockLease())
			if err != nil {
				return err
			}
			defer lease.Release()
			// A current state that cannot be read (damaged, truncated, its pointer or journal unreadable) is what
			// restore is for, so its error does not stop the restore; it stays in the history as it is.
			_, loadErr := st.Load(a.ctx)
			discarded := ""
			switch {
			case loadErr != nil:
				discarded = fmt.Sprintf("The current state of stack %s could not be read (%v); it stays in the history.\n", st.Name, loadErr)
			case len(st.Pending()) > 0:
				ops := make([]string, len(st.Pending()))
				for i, p := range st.Pending() {
					ops[i] = p.Describe()
				}
				discarded = fmt.Sprintf("An interrupted run left operations pending (%s): restoring gives up on them, so an object they made "+
					"will not be tracked; settle them with `infra up` first to keep them.\n", strings.Join(ops, "; "))
			}
			if discarded != "" {
				fmt.Fprint(cmd.ErrOrStderr(), discarded)
			}
			snap, err := st.Restore(a.ctx, version, func(snap *state.Snapshot) error {
				if yes {
					return nil
				}
				ok, err := a.confirm(cmd, fmt.Sprintf("Make version %d (%d resources) the current state of stack %s?", version, snap.Live(), st.Name))
				if err != nil || !ok {
					return &exitError{code: 1, err: errors.New("nothing restored")}
				}
				return nil
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Restored version %d of stack %s as version %d. Run `infra preview` to compare it with the program.\n",
				version, st.Name, snap.Serial)
			return nil
		},
	}
	cmd.Flags().Int64Var(&version, "version", 0, "the history version to restore")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}
