// Command infra-builtin-core serves the built-in data, random and command providers to the infra engine, which
// starts it from beside bin/infra (see providers/builtin.Launcher).
package main

import (
	"os"

	"github.com/infrago/infra/providers/builtin/command"
	"github.com/infrago/infra/providers/builtin/data"
	"github.com/infrago/infra/providers/builtin/random"
	"github.com/infrago/infra/providers/builtin/serve"
)

func main() {
	os.Exit(serve.Main(os.Args[1:], os.Stderr, data.Provider(), random.Provider(), command.Provider()))
}
