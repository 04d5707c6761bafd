// Command infra-builtin-digitalocean serves the built-in digitalocean provider to the infra engine, which starts it from beside
// bin/infra (see providers/builtin.Launcher).
package main

import (
	"os"

	"github.com/infrago/infra/providers/builtin/serve"
	"github.com/infrago/infra/providers/digitalocean"
)

func main() {
	os.Exit(serve.Main(os.Args[1:], os.Stderr, digitalocean.Provider()))
}
