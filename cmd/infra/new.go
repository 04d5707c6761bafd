package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/infrago/infra/stacks/project"
)

// sdkDir is the directory of the infra source checkout this binary was built from, set by `make build`; new
// projects point their go.mod at it until the SDK is fetched from a module proxy.
var sdkDir = ""

const mainTemplate = `package main

import (
	"github.com/infrago/infra/sdk/infra"
	"github.com/infrago/infra/sdk/random"
)

func main() {
	infra.Run(func(ctx *infra.Context) error {
		suffix, err := random.NewString(ctx, "suffix", &random.StringArgs{
			Length:  infra.Int(8),
			Special: infra.Bool(false),
		})
		if err != nil {
			return err
		}
		ctx.Export("suffix", suffix.Result)
		return nil
	})
}
`

func (a *app) newCommand() *cobra.Command {
	var name, stackName, description string
	var noStack bool
	cmd := &cobra.Command{
		Use:   "new [DIR]",
		Short: "Create a new project",
		Long: `Create a project in DIR (default: the current directory, which must be empty of an
Infra.yaml): Infra.yaml, a Go module with a small main.go, and a first stack.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			wd, err := a.workDir()
			if err != nil {
				return err
			}
			dir := wd
			if len(args) == 1 {
				dir = args[0]
				if !filepath.IsAbs(dir) {
					dir = filepath.Join(wd, dir)
				}
			}
			if name == "" {
				name = filepath.Base(dir)
			}
			if err := project.ValidateProjectName(name); err != nil {
				return fmt.Errorf("%w; choose a name with --name", err)
			}
			if _, err := os.Stat(filepath.Join(dir, project.FileName)); err == nil {
				return fmt.Errorf("%s already holds a project (%s)", dir, project.FileName)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			p := &project.Project{Dir: dir, Name: name, Description: description}
			if err := p.Save(); err != nil {
				return err
			}
			if err := writeIfMissing(filepath.Join(dir, "main.go"), mainTemplate); err != nil {
				return err
			}
			gomod := fmt.Sprintf("module %s\n\ngo 1.26\n\nrequire github.com/infrago/infra v0.0.0\n", name)
			sdk := sdkDir
			if env := os.Getenv("INFRA_SDK_DIR"); env != "" {
				sdk = env
			}
			if sdk != "" {
				gomod += fmt.Sprintf("\nreplace github.com/infrago/infra => %s\n", sdk)
			}
			if err := writeIfMissing(filepath.Join(dir, "go.mod"), gomod); err != nil {
				return err
			}
			if err := writeIfMissing(filepath.Join(dir, ".gitignore"), ".infra/\n"); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Created project %s in %s\n", name, dir)
			tidy := exec.CommandContext(a.ctx, "go", "mod", "tidy")
			tidy.Dir = dir
			if msg, err := tidy.CombinedOutput(); err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: `go mod tidy` failed; run it in %s once the module can be fetched:\n%s\n", dir, strings.TrimSpace(string(msg)))
			}
			if !noStack {
				a.cwd = dir
				init := a.stackInitCommand()
				init.SetOut(out)
				init.SetErr(cmd.ErrOrStderr())
				if err := init.RunE(init, []string{stackName}); err != nil {
					return err
				}
			}
			fmt.Fprintf(out, "\nNext: cd %s && infra preview\n", dir)
			return nil
		},
	}
	cmd.Flags().StringVarP(&name, "name", "n", "", "the project name (default: the directory's name)")
	cmd.Flags().StringVarP(&description, "description", "d", "", "a one-line description")
	cmd.Flags().StringVar(&stackName, "stack-name", "dev", "the first stack to create")
	cmd.Flags().BoolVar(&noStack, "no-stack", false, "do not create a stack")
	return cmd
}

func writeIfMissing(path, content string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}
