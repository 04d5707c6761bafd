// Package testkit is the typed binding of the testkit provider (tests/testprovider), written by hand the way
// generated bindings look, for the programs the integration tests run.
package testkit

import (
	"github.com/infrago/infra/sdk/infra"
)

// Thing is a testkit:index:Thing.
type Thing struct {
	infra.CustomResourceState

	Value      infra.Output[string]
	ReplaceKey infra.Output[string]
	Echo       infra.Output[string]
	Generation infra.Output[int]
	Secret     infra.Output[string]
}

// ThingArgs are the arguments of NewThing.
type ThingArgs struct {
	Value      infra.Input[string]
	ReplaceKey infra.Input[string]
	Fail       infra.Input[string]
	CrashOn    infra.Input[string]
	HangOn     infra.Input[string]
	SleepMs    infra.Input[int]
	WaitMs     infra.Input[int]
	Secret     infra.Input[string]
}

// NewThing registers a Thing.
func NewThing(ctx *infra.Context, name string, args *ThingArgs, opts ...infra.ResourceOption) (*Thing, error) {
	return newThing(ctx, "testkit:index:Thing", name, args, opts...)
}

// NewUnfindable registers a testkit:index:Unfindable: a Thing whose provider cannot look it up after a crash.
func NewUnfindable(ctx *infra.Context, name string, args *ThingArgs, opts ...infra.ResourceOption) (*Thing, error) {
	return newThing(ctx, "testkit:index:Unfindable", name, args, opts...)
}

func newThing(ctx *infra.Context, typ, name string, args *ThingArgs, opts ...infra.ResourceOption) (*Thing, error) {
	if args == nil {
		args = &ThingArgs{}
	}
	reg, err := ctx.RegisterResource(typ, name, infra.Props{
		"value":      infra.Prop(args.Value),
		"replaceKey": infra.Prop(args.ReplaceKey),
		"fail":       infra.Prop(args.Fail),
		"crashOn":    infra.Prop(args.CrashOn),
		"hangOn":     infra.Prop(args.HangOn),
		"sleepMs":    infra.Prop(args.SleepMs),
		"waitMs":     infra.Prop(args.WaitMs),
		"secret":     infra.Prop(args.Secret),
	}, opts...)
	if err != nil {
		return nil, err
	}
	r := &Thing{CustomResourceState: reg.CustomState()}
	r.Value = infra.OutputProp[string](reg, "value")
	r.ReplaceKey = infra.OutputProp[string](reg, "replaceKey")
	r.Echo = infra.OutputProp[string](reg, "echo")
	r.Generation = infra.OutputProp[int](reg, "generation")
	r.Secret = infra.OutputProp[string](reg, "secret")
	return r, nil
}

type echoArgs struct {
	Text string `infra:"text"`
}

type echoResult struct {
	Text string `infra:"text"`
}

// Echo calls testkit:index:echo, which returns text in upper case.
func Echo(ctx *infra.Context, text string) (string, error) {
	r, err := infra.Invoke[echoResult](ctx, "testkit:index:echo", echoArgs{Text: text})
	return r.Text, err
}
