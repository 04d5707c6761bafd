package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/infrago/infra/engine"
	"github.com/infrago/infra/sdk/codegen"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/stacks/backend"
)

func (a *app) importCommand() *cobra.Command {
	var parent, out string
	var yes bool
	cmd := &cobra.Command{
		Use:   "import TYPE NAME ID",
		Short: "Adopt an existing object into the stack and print the code that declares it",
		Long: `Read the object with ID through its provider, add it to the stack's state as resource NAME
of type TYPE, and print the Go code that declares it with exactly its current inputs.
Paste the code into the program: "infra preview" then shows no change for it. Secret
inputs are never printed: the code says where to set them from.

To import from the program instead, give the resource the Import option.`,
		Example: `  infra import random:index:String suffix p4ssw0rdish
  infra import aws:ec2:Instance web-1 i-0abc123 --out imported.go`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			typ, name, id := args[0], args[1], args[2]
			if err := resource.ValidateType(typ); err != nil {
				return err
			}
			st, err := a.begin("import", access{lock: true, settled: true})
			if err != nil {
				return err
			}
			defer st.Close()
			if !yes && !a.interactive() {
				return fmt.Errorf("`infra import` changes the stack's state and needs confirmation: pass --yes")
			}
			opts, err := st.engineOptions(a, 1)
			if err != nil {
				return err
			}
			res, err := engine.Import(a.ctx, opts, typ, name, resource.URN(parent), id)
			st.host.Close()
			if err != nil {
				return err
			}
			code, err := codegen.ImportCode(*res.Schema, typ, name, res.Resource.Inputs)
			if err != nil {
				return err
			}
			if !yes {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\n", code)
				ok, err := a.confirm(cmd, fmt.Sprintf("Add %s (ID %s) to stack %s?", res.Resource.URN, res.Resource.ID, st.Name))
				if err != nil || !ok {
					return &exitError{code: 1, err: fmt.Errorf("nothing imported")}
				}
			}
			now := time.Now().UTC()
			info := backend.UpdateInfo{Kind: "import", Result: "succeeded", StartTime: now, EndTime: now,
				Message: fmt.Sprintf("import %s as %s", id, res.Resource.URN), Resources: res.Snapshot.Live(), Changes: map[string]int{"import": 1}}
			if err := st.Save(context.Background(), res.Snapshot, info); err != nil {
				return err
			}
			if out != "" {
				if err := os.WriteFile(out, []byte(code), 0o644); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "Imported %s; the code that declares it is in %s\n", res.Resource.URN, out)
				return nil
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Imported %s. Add this to the program:\n\n", res.Resource.URN)
			fmt.Fprint(cmd.OutOrStdout(), code)
			return nil
		},
	}
	cmd.Flags().StringVar(&parent, "parent", "", "the URN of the resource's parent (a component in the state)")
	cmd.Flags().StringVar(&out, "out", "", "write the code to this file instead of standard output")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}
