// Command gen regenerates the typed Go bindings (sdk/<provider>/...) and the reference pages
// (docs/providers/<provider>.md) of the built-in providers from their schemas, and deletes generated files
// that are no longer generated. `make gen` runs it as `go run ./internal/gen` from the repository root.
//
// Usage:
//
//	go run ./internal/gen [-root DIR] [-check]
//
// With -check nothing is written: it lists what would change and exits with status 1 if anything would.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// run is main with its arguments and output as parameters.
func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	root := fs.String("root", "", "the repository root (default: the directory of the go.mod above the working directory)")
	check := fs.Bool("check", false, "write nothing; fail if any generated file is out of date")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return fmt.Errorf("find the repository root: %w", err)
		}
		if *root, err = findRoot(wd); err != nil {
			return err
		}
	}
	schemas, err := builtinSchemas()
	if err != nil {
		return err
	}
	want, err := desiredFiles(schemas)
	if err != nil {
		return err
	}
	plan, err := planChanges(*root, want, scopes(schemas))
	if err != nil {
		return err
	}
	if plan.empty() {
		fmt.Fprintf(stdout, "generated code is up to date (%d files)\n", len(want))
		return nil
	}
	if *check {
		fmt.Fprint(stdout, plan.String())
		return fmt.Errorf("generated code is stale: run `make gen`")
	}
	if err := plan.apply(*root, want); err != nil {
		return err
	}
	fmt.Fprint(stdout, plan.String())
	return nil
}
