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
		Short: "Create a new project: Infra.yaml, a Go program and a first stack",
		Long: `Create a project in DIR (default: the current directory; created if missing, and it
must not hold an Infra.yaml yet): Infra.yaml, a main.go that declares one random
string, a go.mod, a .gitignore that keeps .infra/ out of git, and a first stack (dev,
or --stack-name; none with --no-stack). Existing main.go, go.mod and .gitignore files
are kept as they are.

The project name (default: DIR's name) is also the Go module path and the namespace
of the project's configuration keys. An infra built from source with ` + "`make build`" + ` points
the new go.mod at that source tree with a replace directive (INFRA_SDK_DIR overrides
the directory). ` + "`go mod tidy`" + ` runs last; if it fails, run it yourself once the modules
can be fetched.`,
		Example: `  # a project in ./web whose first stack is named staging
  infra new web --stack-name staging

  # a project in the current directory, without a stack
  infra new --name web --description "The web tier" --no-stack`,
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
			if noStack {
				fmt.Fprintf(out, "\nNext: cd %s && infra stack init dev && infra preview\n", dir)
			} else {
				fmt.Fprintf(out, "\nNext: cd %s && infra preview\n", dir)
			}
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
