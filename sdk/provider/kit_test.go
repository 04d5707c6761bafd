package provider

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/sdk/rpc/propertypb"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

type rule struct {
	Port int     `infra:"port" doc:"The port."`
	CIDR *string `infra:"cidr"`
}

type widgetArgs struct {
	Name    string            `infra:"name,replace" doc:"The name."`
	Size    int               `infra:"size" default:"3"`
	Token   string            `infra:"token,optional,secret"`
	Tags    map[string]string `infra:"tags"`
	Rules   []rule            `infra:"rules"`
	Enabled *bool             `infra:"enabled"`
}

type widgetState struct {
	widgetArgs
	Serial int `infra:"serial"`
}

type widget struct{ updates int }

func (w *widget) Create(_ context.Context, req CreateRequest[widgetArgs]) (CreateResponse[widgetState], error) {
	return CreateResponse[widgetState]{ID: "w-" + req.Inputs.Name, Outputs: widgetState{widgetArgs: req.Inputs, Serial: 1}}, nil
}

func (w *widget) Update(_ context.Context, req UpdateRequest[widgetArgs, widgetState]) (UpdateResponse[widgetState], error) {
	w.updates++
	return UpdateResponse[widgetState]{Outputs: widgetState{widgetArgs: req.Inputs, Serial: req.OldOutputs.Serial + 1}}, nil
}

func testProvider() Provider {
	return Provider{Name: "kit", Version: "1.2.3", Resources: []Resource{
		NewResource[widgetArgs, widgetState]("kit:index:Widget", "A widget.", &widget{}),
	}}
}

func TestBuildSchema(t *testing.T) {
	t.Parallel()
	s, err := testProvider().BuildSchema()
	if err != nil {
		t.Fatal(err)
	}
	rs := s.Resources["kit:index:Widget"]
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"name required", rs.Inputs["name"].Required, true},
		{"name replaces", rs.Inputs["name"].ReplaceOnChanges, true},
		{"name doc", rs.Inputs["name"].Description, "The name."},
		{"size default", rs.Inputs["size"].Default, float64(3)},
		{"size not required (has a default)", rs.Inputs["size"].Required, false},
		{"token secret", rs.Inputs["token"].Secret, true},
		{"token optional", rs.Inputs["token"].Required, false},
		{"tags map", rs.Inputs["tags"].TypeSpec.String(), "map(string)"},
		{"rules list of object", rs.Inputs["rules"].TypeSpec.String(), "list(kit:index:rule)"},
		{"enabled optional", rs.Inputs["enabled"].Required, false},
		{"serial output", rs.Outputs["serial"].Type, "integer"},
		{"object type port", s.Types["kit:index:rule"].Properties["port"].Required, true},
		{"object type cidr optional", s.Types["kit:index:rule"].Properties["cidr"].Required, false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	raw, err := MarshalSchema(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalSchema(raw)
	if err != nil {
		t.Fatal(err)
	}
	if back.Resources["kit:index:Widget"].Inputs["size"].Default != float64(3) {
		t.Errorf("schema did not round trip: %s", raw)
	}
}

func TestBuildSchemaRejectsBadTokens(t *testing.T) {
	t.Parallel()
	for _, tok := range []string{"kit:Widget", "other:index:Widget", "kit::Widget"} {
		p := Provider{Name: "kit", Resources: []Resource{NewResource[widgetArgs, widgetState](tok, "", &widget{})}}
		if _, err := p.BuildSchema(); err == nil || !strings.Contains(err.Error(), tok) {
			t.Errorf("token %q: want an error naming it, got %v", tok, err)
		}
	}
}

func TestCheckProperties(t *testing.T) {
	t.Parallel()
	s, _ := testProvider().BuildSchema()
	props := s.Resources["kit:index:Widget"].Inputs
	cases := []struct {
		name    string
		in      resource.PropertyMap
		reasons []string
	}{
		{"ok", resource.PropertyMap{"name": resource.NewString("a")}, nil},
		{"missing", resource.PropertyMap{}, []string{"name: missing required property"}},
		{"typo", resource.PropertyMap{"name": resource.NewString("a"), "sise": resource.NewNumber(1)}, []string{`sise: unknown property "sise"; did you mean "size"?`}},
		{"wrong type", resource.PropertyMap{"name": resource.NewNumber(1)}, []string{"name: expected a string, got number 1"}},
		{"fraction", resource.PropertyMap{"name": resource.NewString("a"), "size": resource.NewNumber(1.5)}, []string{"size: expected a whole number"}},
		{"nested", resource.PropertyMap{"name": resource.NewString("a"), "rules": resource.NewList([]resource.PropertyValue{
			resource.NewMap(resource.PropertyMap{"port": resource.NewString("80")})})}, []string{"rules[0].port: expected a whole number"}},
		{"unknown passes", resource.PropertyMap{"name": resource.Unknown()}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, failures := s.CheckProperties(props, c.in)
			if len(failures) != len(c.reasons) {
				t.Fatalf("failures %v, want %v", failures, c.reasons)
			}
			for i, f := range failures {
				if got := f.Property + ": " + f.Reason; !strings.HasPrefix(got, c.reasons[i]) {
					t.Errorf("failure %q, want prefix %q", got, c.reasons[i])
				}
			}
			if len(c.reasons) == 0 {
				if out["size"].NumberValue() != 3 {
					t.Errorf("default size not filled: %v", out)
				}
			}
		})
	}
}

func TestCheckMakesDeclaredSecretsSecret(t *testing.T) {
	t.Parallel()
	s, _ := testProvider().BuildSchema()
	out, failures := s.CheckProperties(s.Resources["kit:index:Widget"].Inputs,
		resource.PropertyMap{"name": resource.NewString("a"), "token": resource.NewString("t")})
	if len(failures) > 0 || !out["token"].IsSecret() {
		t.Fatalf("token should come back secret: %v %v", out, failures)
	}
}

func TestDiffInputs(t *testing.T) {
	t.Parallel()
	s, _ := testProvider().BuildSchema()
	props := s.Resources["kit:index:Widget"].Inputs
	old := resource.PropertyMap{"name": resource.NewString("a"), "size": resource.NewNumber(3)}
	cases := []struct {
		name      string
		news      resource.PropertyMap
		canUpdate bool
		changed   string
		replaces  string
	}{
		{"same", old, true, "", ""},
		{"secretness alone is no change", resource.PropertyMap{"name": resource.MakeSecret(resource.NewString("a")), "size": resource.NewNumber(3)}, true, "", ""},
		{"update", resource.PropertyMap{"name": resource.NewString("a"), "size": resource.NewNumber(4)}, true, "size", ""},
		{"replace", resource.PropertyMap{"name": resource.NewString("b"), "size": resource.NewNumber(3)}, true, "name", "name"},
		{"no updater replaces everything", resource.PropertyMap{"name": resource.NewString("a"), "size": resource.NewNumber(4)}, false, "size", "size"},
		{"unknown counts as changed", resource.PropertyMap{"name": resource.NewString("a"), "size": resource.Unknown()}, true, "size", ""},
		{"added", resource.PropertyMap{"name": resource.NewString("a"), "size": resource.NewNumber(3), "tags": resource.NewMap(nil)}, true, "tags", ""},
	}
	for _, c := range cases {
		d := DiffInputs(props, old, c.news, c.canUpdate)
		if got := strings.Join(d.Changed, ","); got != c.changed {
			t.Errorf("%s: changed %q, want %q", c.name, got, c.changed)
		}
		if got := strings.Join(d.Replaces, ","); got != c.replaces {
			t.Errorf("%s: replaces %q, want %q", c.name, got, c.replaces)
		}
		if d.HasChanges != (c.changed != "") {
			t.Errorf("%s: HasChanges %v", c.name, d.HasChanges)
		}
	}
}

func TestRestoreSecrets(t *testing.T) {
	t.Parallel()
	nested := resource.NewMap(resource.PropertyMap{"k": resource.MakeSecret(resource.NewString("s")), "p": resource.NewString("x")})
	in := resource.PropertyMap{"tags": nested, "name": resource.MakeSecret(resource.NewString("n"))}
	// What comes back through typed Go values has lost every secret mark.
	out := resource.PropertyMap{"tags": nested.Unsecret(), "name": resource.NewString("changed"), "other": resource.NewString("o")}
	got := restoreSecrets(in, out)
	if !got["tags"].Equal(nested) {
		t.Errorf("an unchanged property must get its nested secret marks back: %v", got["tags"])
	}
	if !got["name"].IsSecret() || got["name"].SecretElement().StringValue() != "changed" {
		t.Errorf("a changed property that held a secret must become secret as a whole: %v", got["name"])
	}
	if got["other"].ContainsSecrets() {
		t.Errorf("other properties stay as they are")
	}
}

func TestServerLifecycle(t *testing.T) {
	t.Parallel()
	srv, err := NewServer(testProvider())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	news := resource.PropertyMap{"name": resource.NewString("a"), "token": resource.NewString("tok")}
	chk, err := srv.Check(ctx, &pb.CheckRequest{Type: "kit:index:Widget", News: propertypb.FromMap(news)})
	if err != nil || len(chk.GetFailures()) > 0 {
		t.Fatalf("check: %v %v", err, chk.GetFailures())
	}
	checked, _ := propertypb.ToMap(chk.GetInputs())
	cr, err := srv.Create(ctx, &pb.CreateRequest{Type: "kit:index:Widget", Urn: "urn:infra:s::p::kit:index:Widget::a", Properties: propertypb.FromMap(checked)})
	if err != nil {
		t.Fatal(err)
	}
	outs, _ := propertypb.ToMap(cr.GetProperties())
	if cr.GetId() != "w-a" || !outs["token"].IsSecret() || outs["serial"].NumberValue() != 1 {
		t.Fatalf("create: id %q outputs %v", cr.GetId(), outs)
	}
	changed := checked.Copy()
	changed["size"] = resource.NewNumber(9)
	dr, err := srv.Diff(ctx, &pb.DiffRequest{Type: "kit:index:Widget", OldInputs: propertypb.FromMap(checked), OldOutputs: cr.GetProperties(), News: propertypb.FromMap(changed)})
	if err != nil || dr.GetChanges() != pb.DiffResponse_SOME || len(dr.GetReplaces()) != 0 {
		t.Fatalf("diff: %v %v", err, dr)
	}
	ur, err := srv.Update(ctx, &pb.UpdateRequest{Type: "kit:index:Widget", Id: "w-a", OldInputs: propertypb.FromMap(checked), Olds: cr.GetProperties(), News: propertypb.FromMap(changed)})
	if err != nil {
		t.Fatal(err)
	}
	uouts, _ := propertypb.ToMap(ur.GetProperties())
	if uouts["serial"].NumberValue() != 2 || uouts["size"].NumberValue() != 9 || !uouts["token"].IsSecret() {
		t.Fatalf("update outputs %v", uouts)
	}
	if _, err := srv.Check(ctx, &pb.CheckRequest{Type: "kit:index:Nope"}); err == nil || !strings.Contains(err.Error(), "has no resource type kit:index:Nope") {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := srv.Read(ctx, &pb.ReadRequest{Type: "kit:index:Widget", Id: "w-a"}); err == nil || !strings.Contains(err.Error(), "cannot be imported") {
		t.Errorf("import of a type without Read: %v", err)
	}
}

// TestCreateWithCheck covers the check-on-create feature: a create whose inputs fail the check creates nothing
// and returns the failures; one that passes is created from the checked inputs, which it returns.
func TestCreateWithCheck(t *testing.T) {
	t.Parallel()
	srv, err := NewServer(testProvider())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	hs, err := srv.Handshake(ctx, &pb.HandshakeRequest{ProtocolVersion: ProtocolVersion})
	if err != nil || !slices.Contains(hs.GetFeatures(), FeatureCheckOnCreate) {
		t.Fatalf("handshake: %v, features %v; want %q announced", err, hs.GetFeatures(), FeatureCheckOnCreate)
	}
	urn := "urn:infra:s::p::kit:index:Widget::a"
	bad := resource.PropertyMap{"name": resource.NewNumber(3)}
	cr, err := srv.Create(ctx, &pb.CreateRequest{Type: "kit:index:Widget", Urn: urn, Properties: propertypb.FromMap(bad), Check: true})
	if err != nil || len(cr.GetFailures()) == 0 || cr.GetId() != "" {
		t.Fatalf("create of bad inputs with check: err %v, response %v; want failures and no object", err, cr)
	}
	news := resource.PropertyMap{"name": resource.NewString("a"), "token": resource.NewString("tok")}
	cr, err = srv.Create(ctx, &pb.CreateRequest{Type: "kit:index:Widget", Urn: urn, Properties: propertypb.FromMap(news), Check: true})
	if err != nil || cr.GetId() != "w-a" {
		t.Fatalf("create with check: err %v, response %v", err, cr)
	}
	checked, _ := propertypb.ToMap(cr.GetCheckedInputs())
	outs, _ := propertypb.ToMap(cr.GetProperties())
	if checked["size"].NumberValue() != 3 || !checked["token"].IsSecret() {
		t.Errorf("checked inputs %v: want the default size 3 and the token secret", checked)
	}
	if outs["size"].NumberValue() != 3 || !outs["token"].IsSecret() {
		t.Errorf("outputs %v: want the object made from the checked inputs", outs)
	}
}

func FuzzUnmarshalSchema(f *testing.F) {
	s, _ := testProvider().BuildSchema()
	raw, _ := MarshalSchema(s)
	f.Add(raw)
	f.Add([]byte(`{"schemaVersion":1,"name":"x","resources":{}}`))
	f.Add([]byte(`{"schemaVersion":2}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := UnmarshalSchema(data)
		if err != nil {
			return
		}
		raw, err := MarshalSchema(s)
		if err != nil {
			t.Fatalf("a schema that was read cannot be written: %v", err)
		}
		if _, err := UnmarshalSchema(raw); err != nil {
			t.Fatalf("a schema that was written cannot be read again: %v", err)
		}
		for _, r := range s.Resources {
			s.CheckProperties(r.Inputs, resource.PropertyMap{"x": resource.NewString("y")})
		}
	})
}
