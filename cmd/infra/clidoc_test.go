package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

var updateCLIDocs = flag.Bool("update", false, "rewrite docs/cli.md from the command tree")

// cliDocsPath is docs/cli.md, relative to this package's directory (where go test runs).
var cliDocsPath = filepath.Join("..", "..", "docs", "cli.md")

func renderedCLIDocs() string {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	return renderCLIDocs(newApp(ctx, cancel).rootCommand())
}

// TestCLIDocs keeps docs/cli.md equal to what the command tree renders, so the reference cannot drift from
// --help. With -update it rewrites the file.
func TestCLIDocs(t *testing.T) {
	got := renderedCLIDocs()
	if *updateCLIDocs {
		if err := os.WriteFile(cliDocsPath, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(cliDocsPath)
	if err != nil || string(want) != got {
		t.Fatalf("docs/cli.md is stale: run `%s`", cliDocsUpdateCommand)
	}
}

// TestCLIDocsCoverEveryCommand checks that the reference has a section for every visible command, none for hidden
// ones, and that every visible command explains itself.
func TestCLIDocsCoverEveryCommand(t *testing.T) {
	doc := renderedCLIDocs()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := newApp(ctx, cancel).rootCommand()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		heading := "\n## " + c.CommandPath() + "\n"
		if c.Hidden {
			if strings.Contains(doc, heading) {
				t.Errorf("hidden command %q is documented", c.CommandPath())
			}
			return
		}
		if !strings.Contains(doc, heading) {
			t.Errorf("command %q has no section", c.CommandPath())
		}
		if strings.TrimSpace(c.Short) == "" {
			t.Errorf("command %q has no Short description", c.CommandPath())
		}
		if c.Runnable() && strings.TrimSpace(c.Example) == "" {
			t.Errorf("command %q has no Example: add real invocations to its Example field (docs/cli.md shows them)", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if strings.Contains(doc, "\n## infra provider") {
		t.Error("the hidden provider command is documented")
	}
}

// TestCLIDocsMachineIndependent checks that nothing machine-specific (such as the working directory) leaks into
// the reference.
func TestCLIDocsMachineIndependent(t *testing.T) {
	doc := renderedCLIDocs()
	if wd, err := os.Getwd(); err == nil && strings.Contains(doc, wd) {
		t.Error("the reference contains the working directory")
	}
}

func TestMarkdownText(t *testing.T) {
	for in, want := range map[string]string{
		"Infra.<stack>.yaml":           "Infra.&lt;stack&gt;.yaml",
		"run `infra up <x>` then *go*": "run `infra up <x>` then \\*go\\*",
		"NO_COLOR [secret]":            "NO\\_COLOR \\[secret\\]",
	} {
		if got := markdownText(in); got != want {
			t.Errorf("markdownText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := dedent("  a\n    b\n\n  c"); got != "a\n  b\n\nc" {
		t.Errorf("dedent: %q", got)
	}
	got := markdownBlock("Some text\nmore.\n\n\tsource <(infra completion bash)\n\n# not a heading")
	want := "Some text\nmore.\n\n```\nsource <(infra completion bash)\n```\n\n\\# not a heading\n\n"
	if got != want {
		t.Errorf("markdownBlock:\n%q\nwant\n%q", got, want)
	}
}
