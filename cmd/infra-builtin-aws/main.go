// Command infra-builtin-aws serves the built-in aws provider to the infra engine, which starts it from beside
// bin/infra (see providers/builtin.Launcher).
package main

import (
	"os"

	"github.com/infrago/infra/providers/aws"
	"github.com/infrago/infra/providers/builtin/serve"
)

func main() {
	os.Exit(serve.Main(os.Args[1:], os.Stderr, aws.Provider()))
}
