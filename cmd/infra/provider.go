package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/infrago/infra/providers/builtin"
	"github.com/infrago/infra/sdk/provider"
)

// builtinBinaries is set by `make build` with -ldflags "-X main.builtinBinaries=...": the lean provider binaries
// built beside this one, as file=buildID pairs (see builtin.Launcher).
var builtinBinaries string

// builtinLauncher is how the engine starts a built-in provider: its lean binary beside this one when it is from
// the same build, else this very binary, serving it.
func builtinLauncher() *builtin.Launcher {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return builtin.NewLauncher(exe, builtinBinaries)
}

func (a *app) providerCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:    "provider",
		Short:  "Work with provider plugins",
		Hidden: true,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "serve NAME",
		Short: "Serve a built-in provider over the plugin protocol (the engine runs this)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, ok := builtin.Lookup(args[0])
			if !ok {
				return fmt.Errorf("no built-in provider %q (built-ins: %v)", args[0], builtin.Names())
			}
			// A provider the engine started is measured by the engine when it stops it; its own report would
			// overwrite the CLI's.
			a.usage.disable()
			return provider.Serve(p)
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "schema NAME",
		Short: "Print a built-in provider's schema as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, ok := builtin.Lookup(args[0])
			if !ok {
				return fmt.Errorf("no built-in provider %q (built-ins: %v)", args[0], builtin.Names())
			}
			s, err := p.BuildSchema()
			if err != nil {
				return err
			}
			b, err := provider.MarshalSchema(s)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	})
	return cmd
}
