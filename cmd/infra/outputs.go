package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/infrago/infra/sdk/resource"
)

func (a *app) outputsCommand() *cobra.Command {
	var showSecrets, asJSON bool
	cmd := &cobra.Command{
		Use:   "outputs [NAME]",
		Short: "Print the stack's outputs",
		Long: `Print the outputs the program exported (ctx.Export) as of the last update. With NAME,
print only that output's value: strings as they are, other values as JSON (handy in
scripts). Secrets show as [secret] unless --show-secrets is given.`,
		Example: `  infra outputs
  infra outputs url
  infra outputs --json --show-secrets`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.begin("outputs", access{})
			if err != nil {
				return err
			}
			snap := st.State
			outs := resource.PropertyMap{}
			if snap != nil && snap.Outputs != nil {
				outs = snap.Outputs
			}
			render := func(v resource.PropertyValue) any {
				if v.ContainsSecrets() && !showSecrets {
					return "[secret]"
				}
				p, err := resource.ToPlain(v)
				if err != nil {
					return v.String()
				}
				return p
			}
			if len(args) == 1 {
				v, ok := outs[args[0]]
				if !ok {
					return fmt.Errorf("stack %s has no output %q (outputs: %v)", st.Name, args[0], outs.Keys())
				}
				r := render(v)
				if asJSON {
					return json.NewEncoder(cmd.OutOrStdout()).Encode(r)
				}
				if s, ok := r.(string); ok {
					fmt.Fprintln(cmd.OutOrStdout(), s)
					return nil
				}
				b, _ := json.Marshal(r)
				fmt.Fprintln(cmd.OutOrStdout(), string(b))
				return nil
			}
			if asJSON {
				m := map[string]any{}
				for k, v := range outs {
					m[k] = render(v)
				}
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(m)
			}
			if len(outs) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "Stack %s has no outputs.\n", st.Name)
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "OUTPUT\tVALUE")
			for _, k := range outs.Keys() {
				r := render(outs[k])
				s, ok := r.(string)
				if !ok {
					b, _ := json.Marshal(r)
					s = string(b)
				}
				fmt.Fprintf(tw, "%s\t%s\n", k, s)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&showSecrets, "show-secrets", false, "print secret values in plaintext")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
