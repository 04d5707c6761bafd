package infra_test

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/infrago/infra/sdk/infra"
	"github.com/infrago/infra/sdk/resource"
)

func TestApplyOnUnknownAndKnown(t *testing.T) {
	t.Parallel()
	for _, preview := range []bool{true, false} {
		t.Run(map[bool]string{true: "preview", false: "update"}[preview], func(t *testing.T) {
			t.Parallel()
			mon := newMock(nil)
			mon.preview = preview
			var ran, ran2 atomic.Int32
			var dry bool
			err := run(t, mon, func(ctx *infra.Context) error {
				dry = ctx.DryRun()
				a, err := newThing(ctx, "a", infra.Props{"value": infra.Prop[string](infra.String("v"))})
				if err != nil {
					return err
				}
				once := infra.Apply(a.Arn, func(s string) string { ran.Add(1); return s + "!" })
				twice := infra.Apply(once, func(s string) string { ran2.Add(1); return s + "?" })
				// The value (an input echoed back) is known even in a preview.
				known := infra.Apply(a.Value, func(s string) string { return "got " + s })
				_, err = newThing(ctx, "b", infra.Props{
					"x":     infra.Prop[string](once),
					"y":     infra.Prop[string](twice),
					"known": infra.Prop[string](known),
					"id":    infra.Prop[string](a.ID()),
				})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if dry != preview {
				t.Fatalf("DryRun = %v", dry)
			}
			in := inputs(t, mon.req(t, "b"))
			if preview {
				if ran.Load() != 0 || ran2.Load() != 0 {
					t.Fatalf("Apply ran on an unknown value (%d, %d times)", ran.Load(), ran2.Load())
				}
				if !in["x"].IsUnknown() || !in["y"].IsUnknown() || !in["id"].IsUnknown() {
					t.Fatalf("inputs from unknowns = %s, want unknown", fmtMap(in))
				}
			} else {
				if ran.Load() != 1 || ran2.Load() != 1 {
					t.Fatalf("Apply ran %d and %d times, want once each", ran.Load(), ran2.Load())
				}
				want := resource.PropertyMap{"x": resource.NewString("arn:a!"), "y": resource.NewString("arn:a!?"),
					"known": resource.NewString("got v"), "id": resource.NewString("id-a")}
				if !in.Equal(want) {
					t.Fatalf("inputs = %s, want %s", fmtMap(in), fmtMap(want))
				}
			}
			if !in["known"].Equal(resource.NewString("got v")) {
				t.Fatalf("known input = %v", in["known"])
			}
		})
	}
}

func TestApplyCombinators(t *testing.T) {
	t.Parallel()
	mon := newMock(nil)
	err := run(t, mon, func(ctx *infra.Context) error {
		a, err := newThing(ctx, "a", nil)
		if err != nil {
			return err
		}
		n := infra.Apply(a.Arn, func(s string) int { return len(s) })
		_, err = newThing(ctx, "b", infra.Props{
			"two":    infra.Prop[string](infra.Apply2(a.Arn, n, func(s string, n int) string { return strings.Repeat(s, 1) + "/" + itoa(n) })),
			"three":  infra.Prop[string](infra.Apply3(a.Arn, n, infra.Bool(true), func(s string, n int, b bool) string { return s + itoa(n) + map[bool]string{true: "T"}[b] })),
			"all":    infra.Prop[[]string](infra.All(a.Arn, infra.String("x"), infra.Val("y"))),
			"sprint": infra.Prop[string](infra.Sprintf("%s|%d|%v|%s", a.Arn, n, 1.5, "lit")),
			"err":    infra.Prop[int](infra.ApplyErr(n, func(n int) (int, error) { return n * 2, nil })),
			"any":    infra.Prop[any](infra.AsAny[int](infra.Int(7))),
			"float":  infra.Prop[float64](infra.Float64(0.5)),
			"nil":    infra.Prop[string](nil),
			"toOut":  infra.Prop[string](infra.ToOutput[string](nil)),
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	in := inputs(t, mon.req(t, "b"))
	want := resource.PropertyMap{
		"two":    resource.NewString("arn:a/5"),
		"three":  resource.NewString("arn:a5T"),
		"all":    resource.NewList([]resource.PropertyValue{resource.NewString("arn:a"), resource.NewString("x"), resource.NewString("y")}),
		"sprint": resource.NewString("arn:a|5|1.5|lit"),
		"err":    resource.NewNumber(10),
		"any":    resource.NewNumber(7),
		"float":  resource.NewNumber(0.5),
		"toOut":  resource.NewString(""),
	}
	if !in.Equal(want) {
		t.Fatalf("inputs:\n got %s\nwant %s", fmtMap(in), fmtMap(want))
	}
}

func itoa(n int) string { return resource.FormatNumber(float64(n)) }

func TestSecretPropagation(t *testing.T) {
	t.Parallel()
	mon := newMock(resource.PropertyMap{"proj:password": resource.MakeSecret(resource.NewString("hunter2"))})
	mon.extra["a"] = resource.PropertyMap{"token": resource.MakeSecret(resource.NewString("tok"))}
	err := run(t, mon, func(ctx *infra.Context) error {
		pw := infra.Secret[string](infra.String("pw"))
		plain := infra.String("plain")
		cfgPW, err := infra.NewConfig(ctx, "").RequireSecret("password")
		if err != nil {
			return err
		}
		a, err := newThing(ctx, "a", nil)
		if err != nil {
			return err
		}
		_, err = newThing(ctx, "b", infra.Props{
			"secret":   infra.Prop[string](pw),
			"apply":    infra.Prop[string](infra.Apply(pw, func(s string) string { return s + "!" })),
			"apply2":   infra.Prop[string](infra.Apply2(plain, pw, func(a, b string) string { return a + b })),
			"apply3":   infra.Prop[string](infra.Apply3(plain, plain, pw, func(a, b, c string) string { return a + b + c })),
			"all":      infra.Prop[[]string](infra.All(plain, pw)),
			"sprintf":  infra.Prop[string](infra.Sprintf("%s:%s", plain, pw)),
			"config":   infra.Prop[string](cfgPW),
			"fromOut":  infra.Prop[string](infra.Apply(a.Token, func(s string) string { return s + "2" })),
			"unsecret": infra.Prop[string](infra.Unsecret[string](infra.Apply(pw, func(s string) string { return "len" + itoa(len(s)) }))),
			"plain":    infra.Prop[string](infra.Apply(plain, func(s string) string { return s + "!" })),
			"arn":      infra.Prop[string](a.Arn),
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	in := inputs(t, mon.req(t, "b"))
	s := func(v string) resource.PropertyValue { return resource.MakeSecret(resource.NewString(v)) }
	want := resource.PropertyMap{
		"secret":  s("pw"),
		"apply":   s("pw!"),
		"apply2":  s("plainpw"),
		"apply3":  s("plainplainpw"),
		"all":     resource.MakeSecret(resource.NewList([]resource.PropertyValue{resource.NewString("plain"), resource.NewString("pw")})),
		"sprintf": s("plain:pw"),
		"config":  s("hunter2"),
		"fromOut": s("tok2"),
		// Unsecret removes the mark; plain values stay plain.
		"unsecret": resource.NewString("len2"),
		"plain":    resource.NewString("plain!"),
		"arn":      resource.NewString("arn:a"),
	}
	if !in.Equal(want) {
		t.Fatalf("inputs:\n got %s\nwant %s\n(secret elements: apply=%v)", fmtMap(in), fmtMap(want), in["apply"].SecretElement())
	}
	for k, v := range want {
		if in[k].SecretElement().StringValue() != v.SecretElement().StringValue() {
			t.Fatalf("%s: secret holds %v, want %v", k, in[k].SecretElement(), v.SecretElement())
		}
	}
}

func TestDependencies(t *testing.T) {
	t.Parallel()
	mon := newMock(nil)
	err := run(t, mon, func(ctx *infra.Context) error {
		a, err := newThing(ctx, "a", nil)
		if err != nil {
			return err
		}
		b, err := newThing(ctx, "b", nil)
		if err != nil {
			return err
		}
		d, err := newThing(ctx, "d", nil)
		if err != nil {
			return err
		}
		_, err = newThing(ctx, "c", infra.Props{
			"fromA":  infra.Prop[string](infra.Apply(a.Arn, func(s string) string { return s })),
			"fromAB": infra.Prop[string](infra.Sprintf("%s-%s", b.Arn, a.Value)),
			"urnB":   infra.Prop[infra.URN](b.URN()),
			"plain":  infra.Prop[string](infra.String("p")),
		}, infra.DependsOn(d), infra.DependsOn(nil))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c := mon.req(t, "c")
	if got, want := strings.Join(c.GetDependencies(), " "), strings.Join([]string{urnOf("a"), urnOf("b"), urnOf("d")}, " "); got != want {
		t.Fatalf("Dependencies = %s\nwant %s", got, want)
	}
	pd := c.GetPropertyDependencies()
	check := func(prop string, want ...string) {
		t.Helper()
		got := pd[prop].GetUrns()
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("PropertyDependencies[%s] = %v, want %v", prop, got, want)
		}
	}
	check("fromA", urnOf("a"))
	check("fromAB", urnOf("a"), urnOf("b"))
	check("urnB", urnOf("b"))
	if _, ok := pd["plain"]; ok {
		t.Fatalf("a plain value has dependencies: %v", pd["plain"])
	}
	if len(mon.req(t, "a").GetDependencies()) != 0 {
		t.Fatalf("a has dependencies")
	}
}

func TestDependsOnWaits(t *testing.T) {
	t.Parallel()
	mon := newMock(nil)
	gate := make(chan struct{})
	mon.gate["a"] = gate
	go func() {
		// Let the program run ahead; b must still not be sent while a has no answer.
		deadline := time.Now().Add(10 * time.Second)
		for !mon.registered("a") && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		if mon.registered("b") {
			t.Errorf("b was registered before a was answered")
		}
		close(gate)
	}()
	err := run(t, mon, func(ctx *infra.Context) error {
		a, err := newThing(ctx, "a", nil)
		if err != nil {
			return err
		}
		_, err = newThing(ctx, "b", nil, infra.DependsOn(a))
		if err != nil {
			return err
		}
		_, err = newThing(ctx, "free", nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	mon.mu.Lock()
	defer mon.mu.Unlock()
	if mon.received["b"] < mon.answered["a"] {
		t.Fatalf("b sent at %d, before a was answered at %d", mon.received["b"], mon.answered["a"])
	}
	if mon.received["free"] > mon.answered["a"] {
		t.Fatalf("an independent resource waited for a")
	}
	if got := mon.byName["b"].GetDependencies(); len(got) != 1 || got[0] != urnOf("a") {
		t.Fatalf("b's dependencies = %v", got)
	}
}

func TestRegistrationErrorFailsDependents(t *testing.T) {
	t.Parallel()
	mon := newMock(nil)
	mon.fail["a"] = "provider test: quota exceeded for a"
	err := run(t, mon, func(ctx *infra.Context) error {
		a, err := newThing(ctx, "a", nil)
		if err != nil {
			return err
		}
		if _, err := newThing(ctx, "b", infra.Props{"x": infra.Prop[string](a.Arn)}); err != nil {
			return err
		}
		if _, err := newThing(ctx, "c", nil, infra.DependsOn(a)); err != nil {
			return err
		}
		if _, err := newThing(ctx, "d", infra.Props{"x": infra.Prop[string](infra.Apply(a.Arn, func(s string) string { return s }))}); err != nil {
			return err
		}
		_, err = newThing(ctx, "ok", nil)
		return err
	})
	if err == nil {
		t.Fatal("RunErr succeeded")
	}
	if n := strings.Count(err.Error(), "quota exceeded"); n != 1 {
		t.Fatalf("the failure appears %d times in %q", n, err)
	}
	if !infra.IsReported(err) {
		t.Fatalf("an engine-reported failure must make the run count as reported: %v", err)
	}
	for _, n := range []string{"b", "c", "d"} {
		if mon.registered(n) {
			t.Fatalf("%s was registered although what it depends on failed", n)
		}
	}
	if !mon.registered("ok") {
		t.Fatalf("an independent resource was not registered")
	}
	// The engine showed a's failure; the program must not report it (or its consequences) again.
	if logs := mon.errorLogs(); len(logs) != 0 {
		t.Fatalf("error logs = %q", logs)
	}
	mon.mu.Lock()
	defer mon.mu.Unlock()
	if len(mon.outputs) != 0 {
		t.Fatalf("stack outputs registered after a failure")
	}
}

func TestProgramErrorsReportedOnce(t *testing.T) {
	t.Parallel()
	mon := newMock(nil)
	err := run(t, mon, func(ctx *infra.Context) error {
		bad := infra.ApplyErr(infra.String("x"), func(string) (string, error) { return "", errors.New("bad value for x") })
		if _, err := newThing(ctx, "b", infra.Props{"x": infra.Prop[string](bad)}); err != nil {
			return err
		}
		if _, err := newThing(ctx, "c", infra.Props{"y": infra.Prop[string](infra.Apply(bad, func(s string) string { return s }))}); err != nil {
			return err
		}
		return errors.New("the program gave up")
	})
	if err == nil {
		t.Fatal("RunErr succeeded")
	}
	if mon.registered("b") || mon.registered("c") {
		t.Fatalf("registered %v", mon.names())
	}
	mon.mu.Lock()
	skipped := fmt.Sprint(mon.skipped)
	mon.mu.Unlock()
	if !strings.Contains(skipped, "b") || !strings.Contains(skipped, "c") {
		t.Fatalf("b and c must be reported as not registered (so the engine keeps their state): %s", skipped)
	}
	logs := mon.errorLogs()
	if len(logs) != 1 {
		t.Fatalf("error logs = %q, want one", logs)
	}
	if strings.Count(logs[0], "bad value for x") != 1 || strings.Count(logs[0], "the program gave up") != 1 {
		t.Fatalf("error log = %q", logs[0])
	}
	if !infra.IsReported(err) || !strings.Contains(err.Error(), "the program gave up") {
		t.Fatalf("RunErr = %v", err)
	}
}

func TestDeferredCycle(t *testing.T) {
	t.Parallel()
	mon := newMock(nil)
	err := run(t, mon, func(ctx *infra.Context) error {
		later, resolve := infra.Deferred[string](ctx)
		a, err := newThing(ctx, "a", infra.Props{"x": infra.Prop[string](later)})
		if err != nil {
			return err
		}
		b, err := newThing(ctx, "b", infra.Props{"x": infra.Prop[string](a.Arn)})
		if err != nil {
			return err
		}
		resolve(b.Arn)
		return nil
	})
	if err == nil {
		t.Fatal("a cycle ran without error")
	}
	want := `dependency cycle: test:index:Thing "a" → test:index:Thing "b" → test:index:Thing "a"`
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("RunErr = %v\nwant it to contain %s", err, want)
	}
	if mon.registered("a") || mon.registered("b") {
		t.Fatalf("registered %v", mon.names())
	}
	if logs := mon.errorLogs(); len(logs) != 1 || !strings.Contains(logs[0], want) {
		t.Fatalf("the cycle must be reported to the engine once: %q", logs)
	}
}

func TestDeferredResolved(t *testing.T) {
	t.Parallel()
	mon := newMock(nil)
	err := run(t, mon, func(ctx *infra.Context) error {
		later, resolve := infra.Deferred[string](ctx)
		if _, err := newThing(ctx, "a", infra.Props{"x": infra.Prop[string](later)}); err != nil {
			return err
		}
		b, err := newThing(ctx, "b", nil)
		if err != nil {
			return err
		}
		resolve(b.Arn)
		resolve(infra.String("ignored: only the first resolve counts"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a := mon.req(t, "a")
	if in := inputs(t, a); !in["x"].Equal(resource.NewString("arn:b")) {
		t.Fatalf("a.x = %v", in["x"])
	}
	if deps := a.GetDependencies(); len(deps) != 1 || deps[0] != urnOf("b") {
		t.Fatalf("a's dependencies = %v", deps)
	}
}

func TestDeferredNeverResolved(t *testing.T) {
	t.Parallel()
	mon := newMock(nil)
	err := run(t, mon, func(ctx *infra.Context) error {
		never, _ := infra.Deferred[string](ctx)
		_, err := newThing(ctx, "a", infra.Props{"x": infra.Prop[string](never)})
		return err
	})
	want := `the program finished but test:index:Thing "a" never got the values it waits for; 1 Deferred output(s) were never resolved: call the resolve function Deferred returned`
	if err == nil || err.Error() != want {
		t.Fatalf("RunErr = %v\nwant %s", err, want)
	}
}

func TestExport(t *testing.T) {
	t.Parallel()
	for _, preview := range []bool{false, true} {
		t.Run(map[bool]string{true: "preview", false: "update"}[preview], func(t *testing.T) {
			t.Parallel()
			mon := newMock(nil)
			mon.preview = preview
			err := run(t, mon, func(ctx *infra.Context) error {
				a, err := newThing(ctx, "a", nil)
				if err != nil {
					return err
				}
				ctx.Export("url", a.Arn)
				ctx.Export("secret", infra.Secret[string](infra.String("s")))
				ctx.Export("n", infra.Int(3))
				ctx.Export("list", infra.All(infra.String("x"), a.Arn))
				ctx.Export("nothing", nil)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			mon.mu.Lock()
			defer mon.mu.Unlock()
			if len(mon.outputs) != 1 || mon.outputs[0].GetUrn() != "" {
				t.Fatalf("RegisterOutputs calls = %v", mon.outputs)
			}
			got, err := toMap(mon.outputs[0])
			if err != nil {
				t.Fatal(err)
			}
			arn := resource.NewString("arn:a")
			list := resource.NewList([]resource.PropertyValue{resource.NewString("x"), arn})
			if preview {
				arn, list = resource.Unknown(), resource.Unknown()
			}
			want := resource.PropertyMap{"url": arn, "secret": resource.MakeSecret(resource.NewString("s")),
				"n": resource.NewNumber(3), "list": list, "nothing": resource.Null()}
			if !got.Equal(want) {
				t.Fatalf("stack outputs = %s, want %s", fmtMap(got), fmtMap(want))
			}
		})
	}
}

func TestComponentOutputsAndParent(t *testing.T) {
	t.Parallel()
	mon := newMock(nil)
	err := run(t, mon, func(ctx *infra.Context) error {
		site := &Site{}
		if err := ctx.RegisterComponentResource("acme:web:Site", "site", site); err != nil {
			return err
		}
		child, err := newThing(ctx, "child", nil, infra.Parent(site))
		if err != nil {
			return err
		}
		return ctx.RegisterResourceOutputs(site, map[string]infra.AnyOutput{"arn": child.Arn, "none": nil})
	})
	if err != nil {
		t.Fatal(err)
	}
	siteURN := string(resource.NewURN(testStack, testProject, "", "acme:web:Site", "site"))
	if p := mon.req(t, "child").GetParent(); p != siteURN {
		t.Fatalf("child's parent = %q", p)
	}
	if mon.req(t, "site").GetCustom() {
		t.Fatalf("a component registered as custom")
	}
	mon.mu.Lock()
	defer mon.mu.Unlock()
	var comp resource.PropertyMap
	for _, o := range mon.outputs {
		if o.GetUrn() == siteURN {
			comp, _ = toMap(o)
		}
	}
	if !comp.Equal(resource.PropertyMap{"arn": resource.NewString("arn:child")}) {
		t.Fatalf("component outputs = %s", fmtMap(comp))
	}
}

func TestRegisterArgumentErrors(t *testing.T) {
	t.Parallel()
	mon := newMock(nil)
	var errs []error
	err := run(t, mon, func(ctx *infra.Context) error {
		_, e1 := ctx.RegisterResource("bad-type", "x", nil)
		_, e2 := ctx.RegisterResource(thingType, "", nil)
		var nilCtx *infra.Context
		_, e3 := nilCtx.RegisterResource(thingType, "x", nil)
		errs = append(errs, e1, e2, e3)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wants := []string{`register "x": invalid type token "bad-type"`, "register test:index:Thing: the resource name is empty",
		"nil *infra.Context: pass the ctx that infra.Run gave your program"}
	for i, w := range wants {
		if errs[i] == nil || !strings.Contains(errs[i].Error(), w) {
			t.Errorf("error %d = %v, want %q", i, errs[i], w)
		}
	}
}

func TestOutputString(t *testing.T) {
	t.Parallel()
	if s := infra.String("secret-value").String(); s != "Output[string]" {
		t.Fatalf("String() = %q", s)
	}
	if s := infra.Val([]int{1}).String(); s != "Output[[]int]" {
		t.Fatalf("String() = %q", s)
	}
}

// A failed ApplyErr must fail the run even when the program returns nil: the resources that need the value are
// not registered, and a run that "succeeds" without them would delete them.
func TestApplyErrFailsTheRun(t *testing.T) {
	t.Parallel()
	mon := newMock(nil)
	err := run(t, mon, func(ctx *infra.Context) error {
		a, err := newThing(ctx, "a", nil)
		if err != nil {
			return err
		}
		bad := infra.ApplyErr(a.Arn, func(string) (string, error) { return "", errors.New("cannot parse the ARN") })
		if _, err := newThing(ctx, "b", infra.Props{"x": infra.Prop[string](bad)}); err != nil {
			return err
		}
		if _, err := newThing(ctx, "c", infra.Props{"x": infra.Prop[string](bad)}); err != nil {
			return err
		}
		site := &Site{}
		if err := ctx.RegisterComponentResource("acme:web:Site", "site", site); err != nil {
			return err
		}
		return ctx.RegisterResourceOutputs(site, map[string]infra.AnyOutput{"x": bad})
	})
	if err == nil {
		t.Fatalf("RunErr succeeded although b and c could not be registered (registered: %v)", mon.names())
	}
	if n := strings.Count(err.Error(), "cannot parse the ARN"); n != 1 {
		t.Fatalf("the failure appears %d times: %q", n, err)
	}
	if !strings.Contains(err.Error(), `test:index:Thing "`) && !strings.Contains(err.Error(), "component") {
		t.Fatalf("the failure does not say which resource needed the value: %v", err)
	}
	logs := mon.errorLogs()
	if len(logs) != 1 || strings.Count(logs[0], "cannot parse the ARN") != 1 {
		t.Fatalf("error logs = %q, want the failure once", logs)
	}
	if mon.registered("b") || mon.registered("c") {
		t.Fatalf("registered %v", mon.names())
	}
}
