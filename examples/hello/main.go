// Command hello is the example `make demo` runs: random values, a shell command and a plain data resource,
// grouped partly into a component, driven by stack configuration and carrying a secret. It needs no cloud
// account.
package main

import (
	"fmt"
	"strings"

	"github.com/infrago/infra/sdk/command"
	"github.com/infrago/infra/sdk/data"
	"github.com/infrago/infra/sdk/infra"
	"github.com/infrago/infra/sdk/random"
)

// Greeter is a component: a random suffix and the command that prints a greeting with it.
type Greeter struct {
	infra.ComponentResourceState

	// Message is what the greeting command printed.
	Message infra.Output[string]
}

// GreeterArgs configure a Greeter.
type GreeterArgs struct {
	Greeting string
	Target   string
}

// NewGreeter declares a Greeter and its children.
func NewGreeter(ctx *infra.Context, name string, args GreeterArgs, opts ...infra.ResourceOption) (*Greeter, error) {
	g := &Greeter{}
	if err := ctx.RegisterComponentResource("hello:index:Greeter", name, g, opts...); err != nil {
		return nil, err
	}
	suffix, err := random.NewString(ctx, name+"-suffix", &random.StringArgs{
		Length:  infra.Int(6),
		Special: infra.Bool(false),
		Upper:   infra.Bool(false),
	}, infra.Parent(g))
	if err != nil {
		return nil, err
	}
	say := infra.Sprintf("echo '%s, %s (%s)!'", args.Greeting, args.Target, suffix.Result)
	greet, err := command.NewCommand(ctx, name+"-greet", &command.CommandArgs{
		Create: say,
		Update: say,
		Delete: infra.String("echo goodbye"),
	}, infra.Parent(g))
	if err != nil {
		return nil, err
	}
	g.Message = greet.Stdout
	if err := ctx.RegisterResourceOutputs(g, map[string]infra.AnyOutput{"message": g.Message}); err != nil {
		return nil, err
	}
	return g, nil
}

func main() {
	infra.Run(func(ctx *infra.Context) error {
		cfg := infra.NewConfig(ctx, "")
		greeting := cfg.Get("greeting")
		if greeting == "" {
			greeting = "Hello"
		}
		replicas, err := cfg.GetInt("replicas")
		if err != nil {
			return err
		}
		if replicas == 0 {
			replicas = 1
		}
		apiToken, err := cfg.RequireSecret("apiToken")
		if err != nil {
			return err
		}

		password, err := random.NewPassword(ctx, "db-password", &random.PasswordArgs{Length: infra.Int(20)})
		if err != nil {
			return err
		}
		settings, err := data.NewData(ctx, "settings", &data.DataArgs{
			Value: infra.Val[any](map[string]any{"greeting": greeting, "replicas": replicas}),
		})
		if err != nil {
			return err
		}
		// Combining a secret with anything keeps the result secret: it is encrypted in state and shown as
		// [secret].
		credentials, err := data.NewData(ctx, "credentials", &data.DataArgs{
			Value: infra.Apply2(apiToken, password.Result, func(token, pw string) any {
				return map[string]any{"token": token, "dsn": fmt.Sprintf("postgres://app:%s@db/app", pw)}
			}),
		}, infra.DependsOn(settings))
		if err != nil {
			return err
		}
		greeter, err := NewGreeter(ctx, "world", GreeterArgs{Greeting: greeting, Target: strings.Repeat("world ", replicas)[:6*replicas-1]})
		if err != nil {
			return err
		}

		ctx.Export("message", greeter.Message)
		ctx.Export("settings", settings.Value)
		ctx.Export("credentials", credentials.Value)
		ctx.Export("passwordLength", infra.Apply(password.Result, func(pw string) int { return len(pw) }))
		return nil
	})
}
