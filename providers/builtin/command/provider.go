// Package command is the built-in "command" provider: command:index:Command runs shell commands on the machine
// running infra when the resource is created, updated and deleted, and keeps what they printed as outputs. It is
// the escape hatch for steps no provider covers (a migration, a cache purge, a local file).
package command

import "github.com/infrago/infra/sdk/provider"

// Name is the provider's package name, the first part of its type tokens.
const Name = "command"

// Version is the provider's semantic version.
const Version = "0.1.0"

// CommandToken is the type token of the one resource type.
const CommandToken = "command:index:Command"

// Provider returns the command provider, ready to be served. Each call builds a fresh value.
func Provider() provider.Provider {
	return provider.Provider{
		Name:        Name,
		Version:     Version,
		Description: "Runs shell commands on the machine running infra as part of a deployment.",
		Resources: []provider.Resource{
			provider.NewResource[Args, State](CommandToken,
				"Runs a shell command when the resource is created, another when its inputs change (update) and "+
					"another when it is deleted, and records each run's standard output and error. Commands run "+
					"in their own process group; when the operation's timeout passes or it is cancelled, the whole "+
					"group is killed. Outputs are not re-read on refresh, and a Command cannot be imported. When "+
					"any input is a secret, stdout and stderr are secrets too, because a command can print them.",
				commandResource{}),
		},
	}
}
