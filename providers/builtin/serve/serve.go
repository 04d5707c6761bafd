// Package serve is the whole of the lean binaries that serve built-in providers (cmd/infra-builtin-*): each
// links only its providers and the plugin protocol, so a provider process starts without initialising the CLI's
// hundreds of packages (the state backends, sops and the other clouds' SDKs), and holds a fraction of the memory.
package serve

import (
	"fmt"
	"io"
	"slices"

	"github.com/infrago/infra/sdk/provider"
)

// Main serves the provider args[0] names, one of those given, and returns the process's exit status. The
// engine starts these binaries itself; a person running one gets told so on stderr.
func Main(args []string, stderr io.Writer, providers ...provider.Provider) int {
	names := make([]string, 0, len(providers))
	for _, p := range providers {
		names = append(names, p.Name)
	}
	if len(args) != 1 {
		fmt.Fprintf(stderr, "usage: serves one of the built-in providers %v to the infra engine, which starts it itself\n", names)
		return 2
	}
	i := slices.Index(names, args[0])
	if i < 0 {
		fmt.Fprintf(stderr, "no built-in provider %q here (this binary serves %v)\n", args[0], names)
		return 2
	}
	if err := provider.Serve(providers[i]); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
