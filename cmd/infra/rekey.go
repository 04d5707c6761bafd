package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/infrago/infra/stacks/project"
	"github.com/infrago/infra/stacks/secrets"
)

// recipientSyntax is the help text shared by the commands that take recipients.
const recipientSyntax = `Recipients are written as:

  age1...                      an age public key (a person: ` + "`age-keygen -y`" + ` prints it)
  passphrase                   a passphrase, from $INFRA_PASSPHRASE or $INFRA_PASSPHRASE_FILE,
                               else asked on the terminal
  awskms://<key>?region=R      an AWS KMS key: key ARN, key ID or alias/<name>; credentials
                               from the AWS SDK's default chain
  gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K
                               a Cloud KMS key; Application Default Credentials`

func (a *app) stackRekeyCommand() *cobra.Command {
	var add, remove []string
	var force bool
	cmd := &cobra.Command{
		Use:   "rekey",
		Short: "Add or remove recipients of the stack's secrets",
		Long: `Re-wrap the stack's data key for another set of recipients: --add-recipient wraps it
for someone or something more, --remove-recipient drops a wrapped copy. The data key
itself does not change, so secrets in the config file, the state, the journal and the
history stay as they are, and no resource is touched; only the sops: block of
Infra.<stack>.yaml changes. Commit the file afterwards.

You must be able to decrypt the stack to rekey it. Removing the last recipient is
refused, and so is a change that would leave you unable to decrypt the stack unless
--force is given. To change the passphrase, remove and add "passphrase" with the old
one in $INFRA_PASSPHRASE and the new one in $INFRA_NEW_PASSPHRASE (or at the prompts).

A removed recipient can no longer open the data key from the new file, but may have
kept a copy of it, or of an older version of the file: to lock someone out for good,
rotate the secrets themselves.

` + recipientSyntax,
		Example: `  # give a teammate access: they send you their age public key
  infra stack rekey --add-recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p

  # let CI decrypt with a KMS key, and drop a former teammate
  infra stack rekey --stack prod \
    --add-recipient 'awskms://alias/infra-ci?region=eu-west-1' \
    --remove-recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p

  # change the passphrase
  INFRA_PASSPHRASE_FILE=old.txt INFRA_NEW_PASSPHRASE_FILE=new.txt \
    infra stack rekey --remove-recipient passphrase --add-recipient passphrase`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(add) == 0 && len(remove) == 0 {
				return errors.New("nothing to do: pass --add-recipient or --remove-recipient (see `infra stack rekey --help`)")
			}
			adds, err := secrets.ParseRecipients(add)
			if err != nil {
				return err
			}
			removes, err := secrets.ParseRecipients(remove)
			if err != nil {
				return err
			}
			name, cfg, m, pp, err := a.openForRekey()
			if err != nil {
				return err
			}
			n, res, err := m.Rekey(a.ctx, adds, removes, secrets.WithPassphrases(pp))
			if err != nil {
				return fmt.Errorf("rekey stack %s: %w", name, err)
			}
			out := cmd.OutOrStdout()
			for _, r := range res.Present {
				fmt.Fprintf(out, "%s is a recipient already\n", r)
			}
			if len(res.Added) == 0 && len(res.Removed) == 0 {
				fmt.Fprintf(out, "Nothing changed: %s is as it was.\n", cfg.Path())
				return nil
			}
			if err := a.changeRecipients(name, cfg, n, pp, force); err != nil {
				return err
			}
			for _, r := range res.Added {
				fmt.Fprintf(out, "Added %s\n", r)
			}
			for _, r := range res.Removed {
				fmt.Fprintf(out, "Removed %s\n", r)
			}
			printRecipients(out, name, cfg.Path(), n)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&add, "add-recipient", nil, "wrap the data key for this recipient too (repeatable)")
	cmd.Flags().StringArrayVar(&remove, "remove-recipient", nil, "drop this recipient's wrapped copy (repeatable)")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "rekey even if you could not decrypt the stack afterwards")
	return cmd
}

func (a *app) stackChangeSecretsProviderCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "change-secrets-provider PROVIDER...",
		Short: "Replace every recipient of the stack's secrets",
		Long: `Wrap the stack's data key for exactly the given recipients, dropping all others: for
example to move a stack from a passphrase to a KMS key for CI. "age" alone stands for
your own age identity. As with ` + "`infra stack rekey`" + `, the data key does not change: secrets,
state, journal and history stay as they are and no resource is touched; only the sops:
block of Infra.<stack>.yaml changes. A change that would leave you unable to decrypt
the stack is refused unless --force.

` + recipientSyntax,
		Example: `  # from a passphrase to a KMS key (and your own age key, to keep two recipients)
  INFRA_PASSPHRASE_FILE=pass.txt infra stack change-secrets-provider \
    'awskms://arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' age

  # to Cloud KMS
  infra stack change-secrets-provider gcpkms://projects/acme/locations/global/keyRings/infra/cryptoKeys/prod

  # to a new passphrase
  INFRA_NEW_PASSPHRASE_FILE=new.txt infra stack change-secrets-provider passphrase`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var rs []secrets.Recipient
			for _, s := range args {
				if strings.TrimSpace(s) == secrets.KindAge {
					pk, err := secrets.DefaultAgeRecipient()
					if err != nil {
						return err
					}
					s = pk
				}
				r, err := secrets.ParseRecipient(s)
				if err != nil {
					return err
				}
				rs = append(rs, r)
			}
			name, cfg, m, pp, err := a.openForRekey()
			if err != nil {
				return err
			}
			n, err := m.Replace(a.ctx, rs, secrets.WithPassphrases(pp))
			if err != nil {
				return fmt.Errorf("stack %s: %w", name, err)
			}
			if err := a.changeRecipients(name, cfg, n, pp, force); err != nil {
				return err
			}
			printRecipients(cmd.OutOrStdout(), name, cfg.Path(), n)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "change the provider even if you could not decrypt the stack afterwards")
	return cmd
}

// passphrases is the passphrase supply of one command: the environment, else the terminal unless
// --non-interactive (or CI) says there is nobody to ask.
func (a *app) passphrases() *secrets.Passphrases {
	if a.nonInteractive {
		return secrets.NewPassphrases(nil)
	}
	return secrets.NewPassphrases(secrets.TerminalPrompt())
}

// openForRekey opens the selected stack's config and secrets. Only the config file is involved: the state, and
// so the backend and its lock, are not.
func (a *app) openForRekey() (string, *project.StackConfig, *secrets.Manager, *secrets.Passphrases, error) {
	ws, name, err := a.selectedName()
	if err != nil {
		return "", nil, nil, nil, err
	}
	cfg, err := project.LoadStackConfig(ws.Project.StackConfigPath(name))
	if err != nil {
		return "", nil, nil, nil, err
	}
	pp := a.passphrases()
	m, err := cfg.OpenSecrets(a.ctx, secrets.WithPassphrases(pp))
	if err != nil {
		return "", nil, nil, nil, err
	}
	return name, cfg, m, pp, nil
}

// changeRecipients makes n the stack's secrets manager: it refuses recipients the caller could not open (unless
// force), saves the stack config with them and records them in the state as well.
func (a *app) changeRecipients(name string, cfg *project.StackConfig, n *secrets.Manager, pp *secrets.Passphrases, force bool) error {
	if err := a.checkNotLockedOut(n, pp, name, force); err != nil {
		return err
	}
	if err := cfg.Save(n); err != nil {
		return err
	}
	return a.rewrapState(name, cfg, n)
}

// rewrapState records the stack's new recipients in its state as well (see stacks.Stack.Rewrap).
func (a *app) rewrapState(name string, cfg *project.StackConfig, m *secrets.Manager) error {
	ws, err := a.openWorkspace()
	if err != nil {
		return err
	}
	return ws.Attach(name, cfg, m).Rewrap(a.ctx, lockLease())
}

// checkNotLockedOut refuses a new set of recipients the caller could not open, unless force.
func (a *app) checkNotLockedOut(n *secrets.Manager, pp *secrets.Passphrases, stack string, force bool) error {
	if force {
		return nil
	}
	if err := n.CheckAccess(a.ctx, secrets.WithPassphrases(pp)); err != nil {
		return fmt.Errorf("refusing to change the recipients of stack %s: %w; add a recipient you hold, or pass --force if someone else will decrypt it",
			stack, err)
	}
	return nil
}

func printRecipients(w io.Writer, stack, path string, m *secrets.Manager) {
	fmt.Fprintf(w, "The secrets of stack %s are now encrypted for:\n", stack)
	for _, r := range m.Recipients() {
		fmt.Fprintf(w, "  %s\n", r)
	}
	fmt.Fprintf(w, "Commit %s so that everyone gets the change.\n", path)
}

// initRecipients turns `stack init`'s flags into the recipients of a new data key; none means the default age
// identity.
func initRecipients(provider string, extra []string) ([]secrets.Recipient, error) {
	rs, err := secrets.ParseRecipients(extra)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(provider) == secrets.KindAge {
		return rs, nil
	}
	p, err := secrets.ParseRecipient(provider)
	if err != nil {
		return nil, fmt.Errorf("--secrets-provider: %w", err)
	}
	return append([]secrets.Recipient{p}, rs...), nil
}
