package infratest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/infrago/infra/sdk/command"
	"github.com/infrago/infra/sdk/data"
	"github.com/infrago/infra/sdk/infra"
	"github.com/infrago/infra/sdk/infratest"
	"github.com/infrago/infra/sdk/random"
	"github.com/infrago/infra/sdk/resource"
)

// Greeter is a small component, as a team would share one: a random suffix and a command using it.
type Greeter struct {
	infra.ComponentResourceState
	Message infra.Output[string]
}

func newGreeter(ctx *infra.Context, name, greeting string) (*Greeter, error) {
	g := &Greeter{}
	if err := ctx.RegisterComponentResource("acme:index:Greeter", name, g); err != nil {
		return nil, err
	}
	suffix, err := random.NewString(ctx, name+"-suffix", &random.StringArgs{Length: infra.Int(6)}, infra.Parent(g))
	if err != nil {
		return nil, err
	}
	greet, err := command.NewCommand(ctx, name+"-greet", &command.CommandArgs{
		Create: infra.Sprintf("echo '%s (%s)'", greeting, suffix.Result),
	}, infra.Parent(g), infra.Protect(true))
	if err != nil {
		return nil, err
	}
	g.Message = greet.Stdout
	return g, ctx.RegisterResourceOutputs(g, map[string]infra.AnyOutput{"message": g.Message})
}

func program(ctx *infra.Context) error {
	cfg := infra.NewConfig(ctx, "")
	g, err := newGreeter(ctx, "hello", cfg.Get("greeting"))
	if err != nil {
		return err
	}
	token, err := cfg.RequireSecret("token")
	if err != nil {
		return err
	}
	d, err := data.NewData(ctx, "token", &data.DataArgs{Value: infra.Apply(token, func(s string) any { return s })})
	if err != nil {
		return err
	}
	ctx.Export("message", g.Message)
	ctx.Export("token", d.Value)
	return nil
}

// mocks play the providers: random gives a fixed result, command echoes its create command.
var mocks = infratest.Mocks{
	NewResource: func(r infratest.ResourceArgs) (string, resource.PropertyMap, error) {
		outs := r.Inputs.Copy()
		switch r.Type {
		case "random:index:String":
			var in struct {
				Length int `infra:"length"`
			}
			if err := r.Decode(&in); err != nil {
				return "", nil, err
			}
			outs["result"] = resource.NewString(strings.Repeat("x", in.Length))
		case "command:index:Command":
			create := r.Inputs["create"].StringValue()
			outs["stdout"] = resource.NewString(strings.TrimSuffix(strings.TrimPrefix(create, "echo '"), "'"))
		}
		return r.Name + "-id", outs, nil
	},
}

func TestRegistrations(t *testing.T) {
	t.Parallel()
	res := infratest.Run(t, program, mocks, infratest.Config("greeting", "hi"), infratest.SecretConfig("token", "s3cret"))

	g := res.Require(t, "acme:index:Greeter", "hello")
	if g.Custom || g.ID != "" {
		t.Errorf("the component is custom or has an ID: %+v", g)
	}
	suffix := res.Require(t, "random:index:String", "hello-suffix")
	greet := res.Require(t, "command:index:Command", "hello-greet")
	if suffix.Parent != g.URN || greet.Parent != g.URN || len(res.Children(g)) != 2 {
		t.Errorf("the greeter's children: %v, %v (want parent %s)", suffix.Parent, greet.Parent, g.URN)
	}
	if got := suffix.Inputs["length"]; got.NumberValue() != 6 {
		t.Errorf("suffix length = %v, want 6", got)
	}
	if !greet.DependsOn(suffix) || len(greet.PropertyDependencies["create"]) != 1 {
		t.Errorf("the command does not depend on the suffix through create: %v %v", greet.Dependencies, greet.PropertyDependencies)
	}
	if !greet.Protect {
		t.Errorf("the command is not protected")
	}
	if got := greet.Inputs["create"].StringValue(); got != "echo 'hi (xxxxxx)'" {
		t.Errorf("create = %q", got)
	}
	if msg, _ := res.Output("message"); msg.StringValue() != "hi (xxxxxx)" {
		t.Errorf("stack output message = %v", msg)
	}
	if got := g.Outputs["message"]; got.StringValue() != "hi (xxxxxx)" {
		t.Errorf("component output message = %v", got)
	}
	// A secret stays secret through inputs, outputs and stack outputs.
	tok := res.Require(t, "data:index:Data", "token")
	if !tok.Inputs["value"].IsSecret() || !tok.Outputs["value"].IsSecret() {
		t.Errorf("the secret token is not secret: in %v, out %v", tok.Inputs["value"], tok.Outputs["value"])
	}
	if out, _ := res.Output("token"); !out.ContainsSecrets() {
		t.Errorf("the stack output token is not secret: %v", out)
	}
	// Default providers are the engine's business: the program registers only what it declares.
	if len(res.Resources) != 4 {
		t.Errorf("%d resources registered, want the component, its two children and the data resource", len(res.Resources))
	}
}

func TestPreviewHasUnknowns(t *testing.T) {
	t.Parallel()
	res := infratest.Run(t, program, mocks, infratest.Preview(), infratest.Config("greeting", "hi"), infratest.SecretConfig("token", "s3cret"))
	suffix := res.Require(t, "random:index:String", "hello-suffix")
	if suffix.ID != "" || !suffix.Outputs["result"].IsUnknown() {
		t.Errorf("in a preview a new random string has ID %q and result %v; want none and unknown", suffix.ID, suffix.Outputs["result"])
	}
	if suffix.Outputs["length"].NumberValue() != 6 {
		t.Errorf("a known input is not known among the preview's outputs: %v", suffix.Outputs["length"])
	}
	greet := res.Require(t, "command:index:Command", "hello-greet")
	if !greet.Inputs["create"].ContainsUnknowns() {
		t.Errorf("the command's create is known in a preview, though it depends on an unknown result: %v", greet.Inputs["create"])
	}
	if msg, _ := res.Output("message"); !msg.ContainsUnknowns() {
		t.Errorf("stack output message = %v, want unknown", msg)
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	failing := infratest.Mocks{NewResource: func(r infratest.ResourceArgs) (string, resource.PropertyMap, error) {
		if r.Type == "command:index:Command" {
			return "", nil, errors.New("quota exceeded")
		}
		return mocks.NewResource(r)
	}}
	res, err := infratest.RunErr(program, failing, infratest.SecretConfig("token", "x"))
	if err == nil || !strings.Contains(err.Error(), "quota exceeded") {
		t.Fatalf("RunErr = %v, want the mock's failure", err)
	}
	if r := res.Find("command:index:Command", "hello-greet"); r == nil || r.Err == nil {
		t.Errorf("the failed resource does not carry its error: %+v", r)
	}
	// A missing required config value fails as it would under the engine.
	if _, err := infratest.RunErr(program, mocks); err == nil || !strings.Contains(err.Error(), "token") {
		t.Errorf("RunErr without the token = %v, want an error naming it", err)
	}
	// Two resources with one URN are refused.
	dup := func(ctx *infra.Context) error {
		for range 2 {
			if _, err := data.NewData(ctx, "same", &data.DataArgs{Value: infra.Val[any]("v")}); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := infratest.RunErr(dup, infratest.Mocks{}); err == nil || !strings.Contains(err.Error(), "registered twice") {
		t.Errorf("RunErr of a duplicate = %v, want it refused", err)
	}
}

// TestStackValue: a referenced stack's outputs decide what a program declares; a secret one is refused as a plain
// value, and a missing or mistyped one is named.
func TestStackValue(t *testing.T) {
	t.Parallel()
	outputs := resource.PropertyMap{
		"zones": resource.NewList([]resource.PropertyValue{resource.NewString("a"), resource.NewString("b")}),
		"site":  resource.NewMap(resource.PropertyMap{"url": resource.NewString("http://www.example.com/"), "port": resource.NewNumber(80)}),
		"key":   resource.MakeSecret(resource.NewString("hunter2")),
	}
	type site struct {
		URL  string `infra:"url"`
		Port int
	}
	prog := func(ctx *infra.Context) error {
		ref, err := infra.NewStackReference(ctx, "network/prod")
		if err != nil {
			return err
		}
		zones, err := infra.StackValue[[]string](ref, "zones")
		if err != nil {
			return err
		}
		s, err := infra.StackValue[site](ref, "site")
		if err != nil {
			return err
		}
		for _, z := range zones {
			ctx.Export(z, infra.Val(s.URL+z))
		}
		ctx.Export("port", infra.Val(s.Port))
		return nil
	}
	res := infratest.Run(t, prog, infratest.Mocks{StackOutputs: func(string) (resource.PropertyMap, error) { return outputs, nil }})
	for name, want := range map[string]string{"a": "http://www.example.com/a", "b": "http://www.example.com/b"} {
		if v, _ := res.Output(name); v.StringValue() != want {
			t.Errorf("output %s = %v, want %s", name, v, want)
		}
	}
	if v, _ := res.Output("port"); v.NumberValue() != 80 {
		t.Errorf("port = %v", v)
	}
	for _, c := range []struct {
		read func(*infra.StackReference) error
		want string
	}{
		{func(r *infra.StackReference) error { _, err := infra.StackValue[string](r, "key"); return err }, "is a secret: read it with infra.StackOutput"},
		{func(r *infra.StackReference) error { _, err := infra.StackValue[string](r, "nope"); return err }, `has no output "nope" (it has: [key site zones])`},
		{func(r *infra.StackReference) error { _, err := infra.StackValue[int](r, "zones"); return err }, `output "zones" of stack network/prod`},
	} {
		_, err := infratest.RunErr(func(ctx *infra.Context) error {
			ref, err := infra.NewStackReference(ctx, "network/prod")
			if err != nil {
				return err
			}
			return c.read(ref)
		}, infratest.Mocks{StackOutputs: func(string) (resource.PropertyMap, error) { return outputs, nil }})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error with %q", err, c.want)
		}
	}
}

func TestCallsAndStackReferences(t *testing.T) {
	t.Parallel()
	prog := func(ctx *infra.Context) error {
		ref, err := infra.NewStackReference(ctx, "network/prod")
		if err != nil {
			return err
		}
		vpc := ref.Output("vpcId")
		out, err := infra.Invoke[map[string]any](ctx, "acme:index:lookup", map[string]any{"key": "region"})
		if err != nil {
			return err
		}
		ctx.Export("vpc", vpc)
		ctx.Export("region", infra.Val[any](out["value"]))
		return nil
	}
	m := infratest.Mocks{
		StackOutputs: func(stack string) (resource.PropertyMap, error) {
			if stack != "network/prod" {
				return nil, errors.New("no such stack")
			}
			return resource.PropertyMap{"vpcId": resource.NewString("vpc-1")}, nil
		},
		Call: func(c infratest.CallArgs) (resource.PropertyMap, error) {
			return resource.PropertyMap{"value": resource.NewString("eu-" + c.Args["key"].StringValue())}, nil
		},
	}
	res := infratest.Run(t, prog, m)
	if v, _ := res.Output("vpc"); v.StringValue() != "vpc-1" {
		t.Errorf("vpc = %v", v)
	}
	if len(res.Calls) != 1 || res.Calls[0].Token != "acme:index:lookup" {
		t.Errorf("calls = %+v", res.Calls)
	}
	if _, err := infratest.RunErr(prog, infratest.Mocks{}); err == nil || !strings.Contains(err.Error(), "StackOutputs") {
		t.Errorf("a stack reference with no mock: %v, want an error naming StackOutputs", err)
	}
}
