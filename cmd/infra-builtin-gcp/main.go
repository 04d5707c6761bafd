// Command infra-builtin-gcp serves the built-in gcp provider to the infra engine, which starts it from beside
// bin/infra (see providers/builtin.Launcher).
package main

import (
	"os"

	"github.com/infrago/infra/providers/builtin/serve"
	"github.com/infrago/infra/providers/gcp"
)

func main() {
	os.Exit(serve.Main(os.Args[1:], os.Stderr, gcp.Provider()))
}
