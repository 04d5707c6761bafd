// Command spec is the program the integration tests run: it declares the resources described by the stack's
// "spec" configuration value (JSON), so a test changes the program by changing configuration and one build
// serves every test.
package main

import (
	"fmt"
	"time"

	"github.com/infrago/infra/sdk/infra"
	"github.com/infrago/infra/tests/testkit"
)

// Spec is the whole program.
type Spec struct {
	Resources []Res             `json:"resources"`
	Exports   map[string]string `json:"exports"` // output name -> "<resource>.<echo|value|generation|secret|urn|id>" or a literal "=text"
	// Invoke, when set, calls testkit's echo function with it and exports the result as "invoked".
	Invoke string `json:"invoke"`
	// FailWith makes the program return this error after declaring everything.
	FailWith string `json:"failWith"`
	// Panic makes the program panic after declaring everything.
	Panic bool `json:"panic"`
	// IntConfig names a config key the program reads as an integer (and exports as "int").
	IntConfig string `json:"intConfig"`
	// StackRef names another stack whose outputs are exported as "ref-<name>".
	StackRef string `json:"stackRef"`
	// SopsFile names a sops-encrypted file whose SopsKey value is exported as "sops" (a secret).
	SopsFile string `json:"sopsFile"`
	SopsKey  string `json:"sopsKey"`
	// PrintSecretConfig names a secret config key the program prints to its standard output.
	PrintSecretConfig string `json:"printSecretConfig"`
}

// Res is one resource.
type Res struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"` // thing (default), unfindable (a Thing its provider cannot look up), component, password (random:index:Password) or raw
	Type         string `json:"type"` // for kind raw: the type token to register
	Value        string `json:"value"`
	ValueFrom    string `json:"valueFrom"` // take Value from another resource's echo output
	ReplaceKey   string `json:"replaceKey"`
	Fail         string `json:"fail"`
	CrashOn      string `json:"crashOn"`
	HangOn       string `json:"hangOn"`
	SleepMs      int    `json:"sleepMs"`
	WaitMs       int    `json:"waitMs"`
	Secret       string `json:"secret"`
	SecretConfig string `json:"secretConfig"` // take Secret from this secret config key
	// SecretReversed is a Secret written backwards: the program turns it around before wrapping it in
	// infra.Secret, so the secret itself appears nowhere but where the program puts it.
	SecretReversed      string   `json:"secretReversed"`
	DependsOn           []string `json:"dependsOn"`
	Parent              string   `json:"parent"`
	Protect             bool     `json:"protect"`
	IgnoreChanges       []string `json:"ignoreChanges"`
	ReplaceOnChanges    []string `json:"replaceOnChanges"`
	DeleteBeforeReplace bool     `json:"deleteBeforeReplace"`
	RetainOnDelete      bool     `json:"retainOnDelete"`
	Aliases             []string `json:"aliases"`
	TimeoutCreate       string   `json:"timeoutCreate"`
	Import              string   `json:"import"`
}

type component struct {
	infra.ComponentResourceState
}

func main() {
	infra.Run(func(ctx *infra.Context) error {
		cfg := infra.NewConfig(ctx, "")
		var spec Spec
		if _, err := cfg.GetObject("spec", &spec); err != nil {
			return err
		}
		things := map[string]*testkit.Thing{}
		all := map[string]infra.Resource{}
		deferred := map[string]func(infra.Output[string]){}
		for _, r := range spec.Resources {
			var opts []infra.ResourceOption
			for _, d := range r.DependsOn {
				dep, ok := all[d]
				if !ok {
					return fmt.Errorf("spec: %s depends on %s, which is not declared before it", r.Name, d)
				}
				opts = append(opts, infra.DependsOn(dep))
			}
			if r.Parent != "" {
				opts = append(opts, infra.Parent(all[r.Parent]))
			}
			if r.Protect {
				opts = append(opts, infra.Protect(true))
			}
			if len(r.IgnoreChanges) > 0 {
				opts = append(opts, infra.IgnoreChanges(r.IgnoreChanges...))
			}
			if len(r.ReplaceOnChanges) > 0 {
				opts = append(opts, infra.ReplaceOnChanges(r.ReplaceOnChanges...))
			}
			if r.DeleteBeforeReplace {
				opts = append(opts, infra.DeleteBeforeReplace(true))
			}
			if r.RetainOnDelete {
				opts = append(opts, infra.RetainOnDelete(true))
			}
			for _, a := range r.Aliases {
				opts = append(opts, infra.Aliases(infra.Alias{Name: a}))
			}
			if r.TimeoutCreate != "" {
				d, err := time.ParseDuration(r.TimeoutCreate)
				if err != nil {
					return err
				}
				opts = append(opts, infra.Timeouts(infra.CustomTimeouts{Create: d}))
			}
			if r.Import != "" {
				opts = append(opts, infra.Import(r.Import))
			}
			switch r.Kind {
			case "password":
				reg, err := ctx.RegisterResource("random:index:Password", r.Name, infra.Props{"length": infra.Prop[int](infra.Int(20))}, opts...)
				if err != nil {
					return err
				}
				result := infra.OutputProp[string](reg, "result")
				ctx.Export(r.Name, result)
				c := reg.CustomState()
				all[r.Name] = &c
				continue
			case "raw":
				reg, err := ctx.RegisterResource(r.Type, r.Name, infra.Props{"value": infra.Prop[string](infra.String(r.Value))}, opts...)
				if err != nil {
					return err
				}
				c := reg.CustomState()
				all[r.Name] = &c
				continue
			}
			if r.Kind == "component" {
				c := &component{}
				if err := ctx.RegisterComponentResource("spec:index:Group", r.Name, c, opts...); err != nil {
					return err
				}
				all[r.Name] = c
				if err := ctx.RegisterResourceOutputs(c, map[string]infra.AnyOutput{"name": infra.String(r.Name)}); err != nil {
					return err
				}
				continue
			}
			args := &testkit.ThingArgs{}
			switch {
			case r.ValueFrom != "" && things[r.ValueFrom] != nil:
				args.Value = things[r.ValueFrom].Echo
			case r.ValueFrom != "":
				// A reference to a resource declared later: resolved once it is.
				o, resolve := infra.Deferred[string](ctx)
				deferred[r.ValueFrom] = resolve
				args.Value = o
			case r.Value != "":
				args.Value = infra.String(r.Value)
			}
			if r.ReplaceKey != "" {
				args.ReplaceKey = infra.String(r.ReplaceKey)
			}
			if r.Fail != "" {
				args.Fail = infra.String(r.Fail)
			}
			if r.CrashOn != "" {
				args.CrashOn = infra.String(r.CrashOn)
			}
			if r.HangOn != "" {
				args.HangOn = infra.String(r.HangOn)
			}
			if r.SleepMs != 0 {
				args.SleepMs = infra.Int(r.SleepMs)
			}
			if r.WaitMs != 0 {
				args.WaitMs = infra.Int(r.WaitMs)
			}
			if r.Secret != "" {
				args.Secret = infra.Secret[string](infra.String(r.Secret))
			}
			if r.SecretReversed != "" {
				runes := []rune(r.SecretReversed)
				for i, j := 0, len(runes)-1; i < j; i, j = i+1, j-1 {
					runes[i], runes[j] = runes[j], runes[i]
				}
				args.Secret = infra.Secret(infra.String(string(runes)))
			}
			if r.SecretConfig != "" {
				s, err := cfg.RequireSecret(r.SecretConfig)
				if err != nil {
					return err
				}
				args.Secret = s
			}
			newThing := testkit.NewThing
			if r.Kind == "unfindable" {
				newThing = testkit.NewUnfindable
			}
			t, err := newThing(ctx, r.Name, args, opts...)
			if err != nil {
				return err
			}
			things[r.Name] = t
			all[r.Name] = t
			if resolve, ok := deferred[r.Name]; ok {
				resolve(t.Echo)
			}
		}
		for name, ref := range spec.Exports {
			var res, field string
			if len(ref) > 0 && ref[0] == '=' {
				ctx.Export(name, infra.String(ref[1:]))
				continue
			}
			for i := range ref {
				if ref[i] == '.' {
					res, field = ref[:i], ref[i+1:]
				}
			}
			t := things[res]
			if t == nil {
				return fmt.Errorf("spec: export %s refers to unknown resource %s", name, res)
			}
			switch field {
			case "echo":
				ctx.Export(name, t.Echo)
			case "value":
				ctx.Export(name, t.Value)
			case "generation":
				ctx.Export(name, t.Generation)
			case "secret":
				ctx.Export(name, t.Secret)
			case "urn":
				ctx.Export(name, t.URN())
			case "id":
				ctx.Export(name, t.ID())
			default:
				return fmt.Errorf("spec: export %s: unknown field %s", name, field)
			}
		}
		if spec.IntConfig != "" {
			n, err := cfg.GetInt(spec.IntConfig)
			if err != nil {
				return err
			}
			ctx.Export("int", infra.Int(n))
		}
		if spec.StackRef != "" {
			ref, err := infra.NewStackReference(ctx, spec.StackRef)
			if err != nil {
				return err
			}
			for _, n := range ref.OutputNames() {
				ctx.Export("ref-"+n, ref.Output(n))
			}
		}
		if spec.SopsFile != "" {
			f, err := infra.ReadSecretsFile(ctx, spec.SopsFile)
			if err != nil {
				return err
			}
			v, err := f.Get(spec.SopsKey)
			if err != nil {
				return err
			}
			ctx.Export("sops", v)
		}
		if spec.PrintSecretConfig != "" {
			s, err := cfg.RequireSecret(spec.PrintSecretConfig)
			if err != nil {
				return err
			}
			infra.Apply(s, func(v string) int {
				fmt.Println("the secret is", v)
				return 0
			})
		}
		if spec.Invoke != "" {
			out, err := testkit.Echo(ctx, spec.Invoke)
			if err != nil {
				return err
			}
			ctx.Export("invoked", infra.String(out))
		}
		if spec.Panic {
			panic("the spec asked for a panic")
		}
		if spec.FailWith != "" {
			return fmt.Errorf("%s", spec.FailWith)
		}
		return nil
	})
}
