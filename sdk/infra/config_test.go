package infra_test

import (
	"strings"
	"testing"

	"github.com/infrago/infra/sdk/infra"
	"github.com/infrago/infra/sdk/resource"
)

func testConfig() resource.PropertyMap {
	s, n := resource.NewString, resource.NewNumber
	return resource.PropertyMap{
		"proj:name":     s("web"),
		"proj:port":     n(8080),
		"proj:portStr":  s(" 8081 "),
		"proj:ratio":    n(1.5),
		"proj:bad":      s("abc"),
		"proj:enabled":  s("true"),
		"proj:flag":     resource.NewBool(false),
		"proj:obj":      resource.NewMap(resource.PropertyMap{"a": n(1), "b": resource.NewList([]resource.PropertyValue{s("x")})}),
		"proj:objJSON":  s(`{"a":2,"b":["y","z"]}`),
		"proj:notJSON":  s(`{nope`),
		"proj:password": resource.MakeSecret(s("hunter2")),
		"proj:secInt":   resource.MakeSecret(s("not-a-number-hunter2")),
		"proj:null":     resource.Null(),
		"aws:region":    s("eu-west-1"),
	}
}

// withConfig runs body inside a program with the test config and returns what it recorded.
func withConfig(t *testing.T, body func(ctx *infra.Context, cfg *infra.Config)) *mockMonitor {
	t.Helper()
	mon := newMock(testConfig())
	if err := run(t, mon, func(ctx *infra.Context) error {
		body(ctx, infra.NewConfig(ctx, ""))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return mon
}

func TestConfigGet(t *testing.T) {
	t.Parallel()
	withConfig(t, func(ctx *infra.Context, cfg *infra.Config) {
		for key, want := range map[string]string{
			"name": "web", "port": "8080", "portStr": " 8081 ", "ratio": "1.5", "flag": "false", "missing": "", "null": "",
			"obj": `{"a":1,"b":["x"]}`, "password": "", "secInt": "", "aws:region": "eu-west-1", "proj:name": "web",
		} {
			if got := cfg.Get(key); got != want {
				t.Errorf("Get(%q) = %q, want %q", key, got, want)
			}
		}
		if got := infra.NewConfig(ctx, "aws").Get("region"); got != "eu-west-1" {
			t.Errorf("aws config region = %q", got)
		}
		if ctx.Project() != testProject || ctx.Stack() != testStack {
			t.Errorf("project/stack = %s/%s", ctx.Project(), ctx.Stack())
		}
	})
}

func TestConfigRequire(t *testing.T) {
	t.Parallel()
	withConfig(t, func(ctx *infra.Context, cfg *infra.Config) {
		if v, err := cfg.Require("name"); err != nil || v != "web" {
			t.Errorf("Require(name) = %q, %v", v, err)
		}
		_, err := cfg.Require("missing")
		want := "missing required configuration value \"proj:missing\" in Infra.dev.yaml: set it with `infra config set missing <value>`"
		if err == nil || err.Error() != want {
			t.Errorf("Require(missing) = %v\nwant %s", err, want)
		}
		if _, err := cfg.Require("null"); err == nil || !strings.Contains(err.Error(), `"proj:null"`) {
			t.Errorf("Require(null) = %v", err)
		}
		_, err = cfg.Require("password")
		if err == nil || err.Error() != `configuration value "proj:password" in Infra.dev.yaml is a secret: read it with RequireSecret` {
			t.Errorf("Require(password) = %v", err)
		}
		_, err = cfg.RequireSecret("missing")
		want = "missing required configuration value \"proj:missing\" in Infra.dev.yaml: set it with `infra config set --secret missing <value>`"
		if err == nil || err.Error() != want {
			t.Errorf("RequireSecret(missing) = %v\nwant %s", err, want)
		}
		_, err = cfg.RequireInt("missing")
		if err == nil || !strings.Contains(err.Error(), `"proj:missing" in Infra.dev.yaml`) {
			t.Errorf("RequireInt(missing) = %v", err)
		}
	})
}

func TestConfigTyped(t *testing.T) {
	t.Parallel()
	withConfig(t, func(ctx *infra.Context, cfg *infra.Config) {
		ints := map[string]int{"port": 8080, "portStr": 8081, "missing": 0}
		for k, want := range ints {
			if got, err := cfg.GetInt(k); err != nil || got != want {
				t.Errorf("GetInt(%s) = %d, %v; want %d", k, got, err, want)
			}
		}
		if got, err := cfg.RequireInt("port"); err != nil || got != 8080 {
			t.Errorf("RequireInt(port) = %d, %v", got, err)
		}
		_, err := cfg.GetInt("bad")
		want := "configuration value \"proj:bad\" in Infra.dev.yaml is \"abc\", which is not an integer: fix it with `infra config set bad <value>`"
		if err == nil || err.Error() != want {
			t.Errorf("GetInt(bad) = %v\nwant %s", err, want)
		}
		if _, err := cfg.GetInt("ratio"); err == nil || !strings.Contains(err.Error(), "is 1.5, which is not an integer") {
			t.Errorf("GetInt(ratio) = %v", err)
		}
		// A secret that is not an integer is refused without showing it.
		_, err = cfg.GetInt("secInt")
		if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "is [secret], which is not an integer") {
			t.Errorf("GetInt(secInt) = %v", err)
		}
		for k, want := range map[string]bool{"enabled": true, "flag": false, "missing": false} {
			if got, err := cfg.GetBool(k); err != nil || got != want {
				t.Errorf("GetBool(%s) = %v, %v", k, got, err)
			}
		}
		if _, err := cfg.GetBool("bad"); err == nil || !strings.Contains(err.Error(), `"proj:bad" in Infra.dev.yaml is "abc", which is not true or false`) {
			t.Errorf("GetBool(bad) = %v", err)
		}
		if f, err := cfg.GetFloat64("ratio"); err != nil || f != 1.5 {
			t.Errorf("GetFloat64(ratio) = %v, %v", f, err)
		}
		if f, err := cfg.GetFloat64("portStr"); err != nil || f != 8081 {
			t.Errorf("GetFloat64(portStr) = %v, %v", f, err)
		}
		if _, err := cfg.GetFloat64("bad"); err == nil || !strings.Contains(err.Error(), "which is not a number") {
			t.Errorf("GetFloat64(bad) = %v", err)
		}
	})
}

func TestConfigGetObject(t *testing.T) {
	t.Parallel()
	withConfig(t, func(ctx *infra.Context, cfg *infra.Config) {
		type obj struct {
			A int      `infra:"a"`
			B []string `infra:"b"`
		}
		var o obj
		if ok, err := cfg.GetObject("obj", &o); !ok || err != nil || o.A != 1 || len(o.B) != 1 || o.B[0] != "x" {
			t.Errorf("GetObject(obj) = %v, %v, %+v", ok, err, o)
		}
		var j obj
		if ok, err := cfg.GetObject("objJSON", &j); !ok || err != nil || j.A != 2 || strings.Join(j.B, ",") != "y,z" {
			t.Errorf("GetObject(objJSON) = %v, %v, %+v", ok, err, j)
		}
		var m map[string]any
		if ok, err := cfg.GetObject("obj", &m); !ok || err != nil || m["a"] != 1.0 {
			t.Errorf("GetObject into a map = %v, %v, %v", ok, err, m)
		}
		if ok, err := cfg.GetObject("missing", &o); ok || err != nil {
			t.Errorf("GetObject(missing) = %v, %v", ok, err)
		}
		if ok, err := cfg.GetObject("notJSON", &o); !ok || err == nil || !strings.Contains(err.Error(), "which is not a JSON or YAML object") {
			t.Errorf("GetObject(notJSON) = %v, %v", ok, err)
		}
		var wrong struct {
			A string `infra:"a"`
		}
		if ok, err := cfg.GetObject("obj", &wrong); !ok || err == nil || !strings.Contains(err.Error(), `configuration value "proj:obj" in Infra.dev.yaml: a: expected string, got number`) {
			t.Errorf("GetObject into the wrong type = %v, %v", ok, err)
		}
	})
}

func TestConfigSecrets(t *testing.T) {
	t.Parallel()
	mon := newMock(testConfig())
	err := run(t, mon, func(ctx *infra.Context) error {
		cfg := infra.NewConfig(ctx, "")
		pw, err := cfg.RequireSecret("password")
		if err != nil {
			return err
		}
		_, err = newThing(ctx, "a", infra.Props{
			"pw":      infra.Prop[string](pw),
			"name":    infra.Prop[string](cfg.GetSecret("name")), // plain in the file, secret when read as one
			"missing": infra.Prop[string](cfg.GetSecret("missing")),
			"derived": infra.Prop[string](infra.Apply(pw, func(s string) string { return strings.ToUpper(s) })),
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	in := inputs(t, mon.req(t, "a"))
	s := func(v string) resource.PropertyValue { return resource.MakeSecret(resource.NewString(v)) }
	want := resource.PropertyMap{"pw": s("hunter2"), "name": s("web"), "missing": s(""), "derived": s("HUNTER2")}
	if !in.Equal(want) {
		t.Fatalf("inputs = %s, want %s", fmtMap(in), fmtMap(want))
	}
	if in["pw"].SecretElement().StringValue() != "hunter2" || in["derived"].SecretElement().StringValue() != "HUNTER2" {
		t.Fatalf("secret elements = %v, %v", in["pw"].SecretElement(), in["derived"].SecretElement())
	}
}
