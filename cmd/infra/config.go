package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func (a *app) configCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Set, get, list and remove stack configuration",
		Long: `Configuration lives in Infra.<stack>.yaml: plain values under "config:", secret values
(encrypted with the stack's data key, as sops does) under "secrets:". The file is a
valid sops file: with SOPS_AGE_KEY_FILE pointing at your infra age identity,
` + "`sops -d Infra.dev.yaml`" + ` decrypts it.

Keys are "<namespace>:<key>"; a key without a namespace belongs to the project
(greeting means <project>:greeting). Provider settings use the provider's name
(aws:region). Values set here are strings; a program reads them with the Config
getters (Get, GetInt, GetBool, GetFloat64, GetObject, GetSecret).`,
		Example: `  infra config set greeting Hello
  infra config ls
  infra config rm greeting`,
	}
	cmd.AddCommand(a.configSetCommand(), a.configGetCommand(), a.configRmCommand(), a.configLsCommand())
	return cmd
}

func (a *app) configSetCommand() *cobra.Command {
	var secret bool
	cmd := &cobra.Command{
		Use:   "set KEY [VALUE]",
		Short: "Set a configuration value",
		Long: `Set a configuration value of the stack. Without VALUE the value is read from standard
input (so a secret stays out of shell history): on a terminal, one line typed without
echo; otherwise everything piped in, less one trailing newline. --secret encrypts the
value; it is shown as [secret] from then on. Setting a key moves it between the plain
and the secret section as needed.`,
		Example: `  infra config set greeting Hello
  infra config set aws:region eu-west-1
  infra config set network '{"cidr":"10.0.0.0/16","zones":["a","b"]}'

  # secrets: typed at a prompt, or piped in
  infra config set --secret dbPassword
  printf '%s' "$API_TOKEN" | infra config set --secret apiToken`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, st, key, err := a.openConfigKey(args[0])
			if err != nil {
				return err
			}
			var value string
			if len(args) == 2 {
				value = args[1]
			} else {
				if value, err = readValue(cmd); err != nil {
					return err
				}
			}
			var stored any = value
			if d, ok := declared(ws.Project, key); ok {
				if d.Secret && !secret {
					return fmt.Errorf("%s is declared secret in Infra.yaml: set it with `infra config set --secret %s`", key, args[0])
				}
				shown := fmt.Sprintf("%q", value)
				if secret {
					shown = "(the given value)"
				}
				c, err := coerce(d, args[0], value, shown)
				if err != nil {
					return err
				}
				if !secret {
					stored = c
				}
			}
			if err := st.Config.Set(key, stored, secret); err != nil {
				return err
			}
			return st.Config.Save(st.Secrets)
		},
	}
	cmd.Flags().BoolVar(&secret, "secret", false, "encrypt the value")
	return cmd
}

func readValue(cmd *cobra.Command) (string, error) {
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(cmd.ErrOrStderr(), "value: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		return string(b), err
	}
	b, err := io.ReadAll(bufio.NewReader(in))
	if err != nil {
		return "", fmt.Errorf("read the value from standard input: %w", err)
	}
	return strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r"), nil
}

func showValue(v any, secret, show bool) string {
	if secret && !show {
		return "[secret]"
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func (a *app) configGetCommand() *cobra.Command {
	var showSecrets, asJSON bool
	cmd := &cobra.Command{
		Use:   "get KEY",
		Short: "Print a configuration value",
		Long: `Print the value of KEY from the stack's config file. A secret prints as [secret]
unless --show-secrets is given.`,
		Example: `  infra config get greeting
  infra config get apiToken --show-secrets
  infra config get aws:region --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, st, key, err := a.openConfigKey(args[0])
			if err != nil {
				return err
			}
			v, secret, ok := st.Config.Get(key)
			if !ok {
				return fmt.Errorf("configuration key %s is not set in %s: set it with `infra config set %s <value>`", key, st.Config.Path(), args[0])
			}
			if asJSON {
				out := map[string]any{"key": key, "secret": secret, "value": v}
				if secret && !showSecrets {
					delete(out, "value")
				}
				return json.NewEncoder(cmd.OutOrStdout()).Encode(out)
			}
			fmt.Fprintln(cmd.OutOrStdout(), showValue(v, secret, showSecrets))
			return nil
		},
	}
	cmd.Flags().BoolVar(&showSecrets, "show-secrets", false, "print secret values in plaintext")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) configRmCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "rm KEY",
		Short:   "Remove a configuration value",
		Example: "  infra config rm greeting\n  infra config rm aws:region",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, st, key, err := a.openConfigKey(args[0])
			if err != nil {
				return err
			}
			if !st.Config.Remove(key) {
				return fmt.Errorf("configuration key %s is not set in %s", key, st.Config.Path())
			}
			return st.Config.Save(st.Secrets)
		},
	}
}

func (a *app) configLsCommand() *cobra.Command {
	var showSecrets, asJSON bool
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List the stack's configuration",
		Long: `List every configuration value of the stack, plain and secret, by full key
(<namespace>:<key>). Secrets show as [secret] unless --show-secrets is given.`,
		Example: `  infra config ls
  infra config ls --json --show-secrets`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, st, err := a.openSelected()
			if err != nil {
				return err
			}
			vals, err := st.Config.Values()
			if err != nil {
				return err
			}
			keys := make([]string, 0, len(vals))
			for k := range vals {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if asJSON {
				out := map[string]map[string]any{}
				for _, k := range keys {
					e := map[string]any{"secret": vals[k].Secret}
					if !vals[k].Secret || showSecrets {
						e["value"] = vals[k].Value
					}
					out[k] = e
				}
				return json.NewEncoder(cmd.OutOrStdout()).Encode(out)
			}
			if len(keys) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "Stack %s has no configuration. Set some with `infra config set <key> <value>`.\n", st.Name)
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tVALUE")
			for _, k := range keys {
				fmt.Fprintf(tw, "%s\t%s\n", k, showValue(vals[k].Value, vals[k].Secret, showSecrets))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&showSecrets, "show-secrets", false, "print secret values in plaintext")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// openConfigKey opens the selected stack for a config command and qualifies the key the user typed with the
// project's name where it has no namespace.
func (a *app) openConfigKey(arg string) (*workspace, *stack, string, error) {
	ws, st, err := a.openSelected()
	if err != nil {
		return nil, nil, "", err
	}
	return ws, st, ws.Project.QualifyKey(arg), nil
}
