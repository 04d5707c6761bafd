package display_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/infrago/infra/display"
	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/sdk/resource"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// canary is planted in every secret of the synthetic events; it must never be rendered.
const canary = "canary-s3cr3t-9f1c"

var (
	s      = resource.NewString
	n      = resource.NewNumber
	secret = func(v resource.PropertyValue) resource.PropertyValue { return resource.MakeSecret(v) }
	list   = func(vs ...resource.PropertyValue) resource.PropertyValue { return resource.NewList(vs) }
)

func obj(kv ...any) resource.PropertyValue {
	m := resource.PropertyMap{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(resource.PropertyValue)
	}
	return resource.NewMap(m)
}

func pmap(kv ...any) resource.PropertyMap { return obj(kv...).MapValue() }

const (
	siteType = "acme:web:Site"
	poolType = "acme:web:Pool"
)

func urn(parentType, typ, name string) resource.URN {
	return resource.NewURN("dev", "web", parentType, typ, name)
}

var (
	siteURN = urn("", siteType, "site")
	poolURN = urn(siteType, poolType, "pool")
	vmURN   = urn(siteType+"$"+poolType, "aws:ec2:Instance", "vm-1")
	sgURN   = urn(siteType, "aws:ec2:SecurityGroup", "web-sg")
	lbURN   = urn(siteType, "aws:lb:LoadBalancer", "lb")
	dnsURN  = urn("", "dns:index:Record", "old-www")
	bucket  = urn("", "aws:s3:Bucket", "assets")
)

func step(u resource.URN, op events.Op, mods ...func(*events.Step)) *events.Step {
	st := &events.Step{URN: u, Type: u.Type(), Op: op, Custom: true, Logical: true}
	if i := strings.LastIndexByte(u.QualifiedType(), '$'); i >= 0 {
		// The plain display indents by the URN; the live tree and the JSON stream use the parent.
		st.Parent = map[string]resource.URN{siteType: siteURN, siteType + "$" + poolType: poolURN}[u.QualifiedType()[:i]]
	}
	for _, m := range mods {
		m(st)
	}
	return st
}

func ev(kind events.Kind, st *events.Step) events.Event { return events.Event{Kind: kind, Step: st} }

func diag(sev events.Severity, msg string) events.Event {
	return events.Event{Kind: events.KindDiagnostic, Diag: &events.Diagnostic{Severity: sev, Message: msg}}
}

func sgOld() resource.PropertyMap {
	return pmap(
		"description", s("web servers"),
		"tags", obj("env", s("prod"), "team", s("web")),
		"rules", list(obj("port", n(80), "proto", s("tcp")), obj("port", n(443), "proto", s("tcp"))),
		"apiKey", secret(s(canary+"-old")),
		"name", s("web-sg"),
	)
}

func sgNew() resource.PropertyMap {
	return pmap(
		"tags", obj("env", s("staging"), "team", s("web"), "owner", s("ops")),
		"rules", list(obj("port", n(8080), "proto", s("tcp")), obj("port", n(443), "proto", s("tcp")), obj("port", n(22), "proto", s("tcp"))),
		"apiKey", secret(s(canary+"-new")),
		"name", s("web-sg"),
	)
}

func lbOld() resource.PropertyMap {
	return pmap("zone", s("eu-west-1a"), "subnets", list(s("subnet-1"), s("subnet-2")), "cert", secret(s(canary)))
}

func lbNew() resource.PropertyMap {
	return pmap("zone", s("eu-west-1b"), "subnets", list(s("subnet-9"), s("subnet-2")), "cert", secret(s(canary)))
}

func outputs() (old, new resource.PropertyMap) {
	old = pmap(
		"url", s("http://old.example.com"),
		"removed", s("gone"),
		"same", n(42),
		"password", secret(s(canary)),
		"rotated", secret(s(canary+"-1")),
	)
	new = pmap(
		"url", s("https://example.com"),
		"added", list(s("a"), s("b")),
		"same", n(42),
		"password", secret(s(canary)),
		"rotated", secret(s(canary+"-2")),
		"lbAddress", resource.Unknown(),
		"newSecret", secret(obj("user", s("admin"), "pass", s(canary))),
	)
	return old, new
}

// previewEvents is a preview of creates (including nested components), an update with nested property diffs, a
// replace, a delete, unchanged resources, program output and diagnostics.
func previewEvents() []events.Event {
	dry := func(st *events.Step) { st.DryRun = true }
	oldOut, newOut := outputs()
	return []events.Event{
		{Kind: events.KindPrelude, Prelude: &events.Prelude{Project: "web", Stack: "dev", DryRun: true, Action: "preview"}},
		ev(events.KindStepDone, step(siteURN, events.OpCreate, dry, func(st *events.Step) { st.Custom = false })),
		ev(events.KindStepDone, step(poolURN, events.OpCreate, dry, func(st *events.Step) { st.Custom = false })),
		ev(events.KindStepStart, step(vmURN, events.OpCreate, dry)),
		ev(events.KindStepDone, step(vmURN, events.OpCreate, dry, func(st *events.Step) {
			st.New = pmap("ami", s("ami-123"), "size", s("t3.micro"), "userData", secret(s(canary)))
			st.Outputs = pmap("ami", s("ami-123"), "id", resource.Unknown(), "userData", secret(s(canary)))
		})),
		{Kind: events.KindProgram, Program: &events.ProgramOutput{Stream: "stdout", Line: "building site for dev"}},
		ev(events.KindStepDone, step(sgURN, events.OpUpdate, dry, func(st *events.Step) {
			st.Old, st.New = sgOld(), sgNew()
			st.Diffs = resource.DiffMaps(st.Old, st.New)
		})),
		ev(events.KindStepDone, step(lbURN, events.OpReplace, dry, func(st *events.Step) {
			st.Old, st.New = lbOld(), lbNew()
			st.Diffs = resource.DiffMaps(st.Old, st.New)
			st.Replaces = []string{"subnets[0]", "zone"}
		})),
		ev(events.KindStepDone, step(bucket, events.OpSame, dry)),
		diag(events.SevWarning, "aws:ec2:Instance \"vm-1\": instance type t3.micro is deprecated\nuse t4g.micro"),
		diag(events.SevDebug, "debug detail that only --verbose shows"),
		diag(events.SevInfo, "checked 7 resources"),
		ev(events.KindStepDone, step(dnsURN, events.OpDelete, dry, func(st *events.Step) {
			st.Old = pmap("name", s("www"), "ttl", n(300), "token", secret(s(canary)))
		})),
		ev(events.KindStepDone, step(urn("", "aws:ec2:Volume", "data"), events.OpDelete, dry, func(st *events.Step) { st.Retained = true })),
		{Kind: events.KindSummary, Summary: &events.Summary{DryRun: true, Changes: map[events.Op]int{
			events.OpCreate: 3, events.OpUpdate: 1, events.OpReplace: 1, events.OpDelete: 1, events.OpSame: 4,
		}, Outputs: newOut, OldOutputs: oldOut, Duration: 3 * time.Second}},
	}
}

// updateEvents is an update in which one step fails, with diagnostics and program output.
func updateEvents() []events.Event {
	oldOut, newOut := outputs()
	return []events.Event{
		{Kind: events.KindPrelude, Prelude: &events.Prelude{Project: "web", Stack: "dev", Action: "update"}},
		ev(events.KindStepStart, step(siteURN, events.OpSame)),
		ev(events.KindStepDone, step(siteURN, events.OpSame)),
		ev(events.KindStepStart, step(vmURN, events.OpCreate, func(st *events.Step) { st.New = pmap("userData", secret(s(canary))) })),
		ev(events.KindStepStart, step(sgURN, events.OpUpdate, func(st *events.Step) {
			st.Old, st.New = sgOld(), sgNew()
			st.Diffs = resource.DiffMaps(st.Old, st.New)
		})),
		ev(events.KindStepDone, step(vmURN, events.OpCreate, func(st *events.Step) {
			st.New = pmap("userData", secret(s(canary)))
			st.Outputs = pmap("id", s("i-0abc"), "userData", secret(s(canary)))
			st.Elapsed = 1500 * time.Millisecond
		})),
		{Kind: events.KindProgram, Program: &events.ProgramOutput{Stream: "stderr", Line: "warning from the program"}},
		ev(events.KindStepFailed, step(sgURN, events.OpUpdate, func(st *events.Step) {
			st.Error = "aws:ec2:SecurityGroup \"web-sg\": provider aws: InvalidPermission.Duplicate: the rule already exists\n(request id 1234)"
			st.Elapsed = 200 * time.Millisecond
		})),
		diag(events.SevError, "fake:index:Thing \"x\" has invalid inputs:\n    size: too big\n  fix the resource's arguments in the program"),
		diag(events.SevWarning, "the update stopped after an earlier error"),
		ev(events.KindStepStart, step(dnsURN, events.OpDelete, func(st *events.Step) { st.Old = pmap("name", s("www")) })),
		ev(events.KindStepDone, step(dnsURN, events.OpDelete, func(st *events.Step) { st.Old = pmap("name", s("www")) })),
		ev(events.KindStepStart, step(lbURN, events.OpDeleteReplaced, func(st *events.Step) { st.Logical = false })),
		ev(events.KindStepDone, step(lbURN, events.OpDeleteReplaced, func(st *events.Step) { st.Logical = false })),
		ev(events.KindStepFailed, step(bucket, events.OpDelete, func(st *events.Step) { st.Error = "bucket not empty" })),
		ev(events.KindStepDone, step(urn("", "aws:ec2:Volume", "data"), events.OpDelete, func(st *events.Step) { st.Retained = true })),
		{Kind: events.KindSummary, Summary: &events.Summary{Failed: true, Changes: map[events.Op]int{
			events.OpCreate: 1, events.OpDelete: 1, events.OpSame: 1,
		}, Outputs: newOut, OldOutputs: oldOut, Duration: 90 * time.Second}},
	}
}

// diffEvents is a preview shown with --diff: creates and deletes list every input.
func diffEvents() []events.Event {
	dry := func(st *events.Step) { st.DryRun = true }
	return []events.Event{
		{Kind: events.KindPrelude, Prelude: &events.Prelude{Project: "web", Stack: "dev", DryRun: true, Action: "preview"}},
		ev(events.KindStepDone, step(siteURN, events.OpCreate, dry, func(st *events.Step) { st.Custom = false })),
		ev(events.KindStepDone, step(vmURN, events.OpCreate, dry, func(st *events.Step) {
			st.New = pmap("ami", s("ami-123"), "tags", obj("env", s("dev"), "$weird key", s("x")), "ports", list(n(80), n(443)),
				"userData", secret(s(canary)), "nested", obj("inner", secret(obj("k", s(canary)))), "pending", resource.Unknown())
		})),
		ev(events.KindStepDone, step(sgURN, events.OpUpdate, dry, func(st *events.Step) {
			st.Old, st.New = sgOld(), sgNew()
			st.Diffs = resource.DiffMaps(st.Old, st.New)
		})),
		ev(events.KindStepDone, step(bucket, events.OpImport, dry, func(st *events.Step) { st.New = pmap("name", s("assets"), "acl", s("private")) })),
		ev(events.KindStepDone, step(dnsURN, events.OpDelete, dry, func(st *events.Step) {
			st.Old = pmap("name", s("www"), "ttl", n(300), "token", secret(s(canary)), "values", list(s("1.2.3.4")))
		})),
		ev(events.KindStepDone, step(lbURN, events.OpSame, dry)),
		{Kind: events.KindSummary, Summary: &events.Summary{DryRun: true, Changes: map[events.Op]int{
			events.OpCreate: 2, events.OpUpdate: 1, events.OpImport: 1, events.OpDelete: 1, events.OpSame: 1,
		}}},
	}
}

// driftEvents is `preview --refresh`: one object changed outside infra, one deleted outside, then what the
// program would change.
func driftEvents() []events.Event {
	dry := func(st *events.Step) { st.DryRun = true }
	return []events.Event{
		{Kind: events.KindPrelude, Prelude: &events.Prelude{Project: "web", Stack: "prod", DryRun: true, Action: "preview"}},
		ev(events.KindStepDone, step(sgURN, events.OpRefresh, dry, func(st *events.Step) {
			st.Old = pmap("tags", obj("env", s("prod")), "token", secret(s(canary)), "ingress", list(n(443)))
			st.New = pmap("tags", obj("env", s("prod"), "edited-by", s("console")), "token", secret(s(canary)), "ingress", list(n(443), n(22)))
			st.Outputs = st.New
			st.Diffs = resource.DiffMaps(st.Old, st.New)
			st.Elapsed = 120 * time.Millisecond
		})),
		ev(events.KindStepDone, step(dnsURN, events.OpRefresh, dry, func(st *events.Step) {
			st.Old = pmap("name", s("www"))
			st.Gone = true
		})),
		ev(events.KindStepDone, step(sgURN, events.OpUpdate, dry, func(st *events.Step) {
			st.Old = pmap("ingress", list(n(443), n(22)))
			st.New = pmap("ingress", list(n(443)))
			st.Diffs = resource.DiffMaps(st.Old, st.New)
		})),
		ev(events.KindStepDone, step(dnsURN, events.OpCreate, dry, func(st *events.Step) { st.New = pmap("name", s("www")) })),
		{Kind: events.KindSummary, Summary: &events.Summary{DryRun: true, Changes: map[events.Op]int{
			events.OpRefresh: 2, events.OpUpdate: 1, events.OpCreate: 1, events.OpSame: 3,
		}}},
	}
}

// continueEvents is `up --continue-on-error`: one step fails, its dependents are skipped with the reason,
// an independent sibling succeeds, and the summary lists what failed, was skipped and was kept.
func continueEvents() []events.Event {
	failedErr := "aws:ec2:SecurityGroup \"web-sg\": provider aws: InvalidPermission.Duplicate"
	return []events.Event{
		{Kind: events.KindPrelude, Prelude: &events.Prelude{Project: "web", Stack: "dev", Action: "update"}},
		ev(events.KindStepStart, step(sgURN, events.OpCreate)),
		ev(events.KindStepStart, step(bucket, events.OpCreate)),
		ev(events.KindStepFailed, step(sgURN, events.OpCreate, func(st *events.Step) { st.Error = failedErr; st.Elapsed = time.Second })),
		ev(events.KindStepDone, step(vmURN, events.OpSkipped, func(st *events.Step) {
			st.Error = "skipped because aws:ec2:SecurityGroup \"web-sg\" failed"
		})),
		ev(events.KindStepDone, step(bucket, events.OpCreate, func(st *events.Step) {
			st.Outputs = pmap("arn", s("arn:aws:s3:::assets"))
			st.Elapsed = 2 * time.Second
		})),
		{Kind: events.KindSummary, Summary: &events.Summary{Failed: true, Changes: map[events.Op]int{
			events.OpCreate: 1, events.OpSkipped: 1}, Duration: 3 * time.Second, ResourceCount: 1,
			Failures: []string{string(sgURN) + ": " + failedErr},
			Skipped:  []string{string(vmURN)},
			Kept:     []string{string(dnsURN) + " (still used by " + string(lbURN) + ")"},
		}},
	}
}

// destroyEvents is a destroy preview: outputs are not shown.
func destroyEvents() []events.Event {
	dry := func(st *events.Step) { st.DryRun = true }
	oldOut, _ := outputs()
	return []events.Event{
		{Kind: events.KindPrelude, Prelude: &events.Prelude{Project: "web", Stack: "dev", DryRun: true, Action: "destroy"}},
		ev(events.KindStepDone, step(vmURN, events.OpDelete, dry)),
		ev(events.KindStepDone, step(poolURN, events.OpDelete, dry)),
		ev(events.KindStepDone, step(siteURN, events.OpDelete, dry)),
		{Kind: events.KindSummary, Summary: &events.Summary{DryRun: true, Changes: map[events.Op]int{events.OpDelete: 3},
			OldOutputs: oldOut}},
	}
}

func render(opts display.Options, es []events.Event) string {
	var buf bytes.Buffer
	p := display.New(&buf, opts)
	for i, e := range es {
		e.Sequence = int64(i + 1)
		p.Emit(e)
	}
	_ = p.Close(display.Result{})
	return buf.String()
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		opts display.Options
		es   []events.Event
	}{
		{"preview", display.Options{}, previewEvents()},
		{"preview_verbose_sames", display.Options{Verbose: true, ShowSames: true}, previewEvents()},
		{"update_failure", display.Options{}, updateEvents()},
		{"continue_on_error", display.Options{}, continueEvents()},
		{"update_elapsed", display.Options{Elapsed: true}, updateEvents()},
		{"preview_diff", display.Options{Diff: true}, diffEvents()},
		{"destroy_preview", display.Options{}, destroyEvents()},
		{"preview_refresh", display.Options{}, driftEvents()},
		{"preview_color", display.Options{Color: true}, previewEvents()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(tt.opts, tt.es)
			if strings.Contains(got, canary) {
				t.Fatalf("a secret was rendered:\n%s", got)
			}
			path := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read %s (run `go test ./display -update` to create it): %v", path, err)
			}
			if got != string(want) {
				t.Fatalf("output differs from %s (rerun with -update if the change is intended):\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		})
	}
}

// The events themselves carry the canary: the test is only meaningful if it is there to leak.
func TestCanaryIsPlanted(t *testing.T) {
	t.Parallel()
	for _, es := range [][]events.Event{previewEvents(), updateEvents(), diffEvents()} {
		found := false
		for _, e := range es {
			for _, m := range stepMaps(e) {
				for _, v := range m {
					if strings.Contains(plain(v), canary) {
						found = true
					}
				}
			}
			if e.Summary != nil {
				for _, v := range e.Summary.Outputs {
					found = found || strings.Contains(plain(v), canary)
				}
			}
		}
		if !found {
			t.Fatalf("no canary in the events")
		}
	}
}

func stepMaps(e events.Event) []resource.PropertyMap {
	if e.Step == nil {
		return nil
	}
	return []resource.PropertyMap{e.Step.Old, e.Step.New, e.Step.Outputs}
}

func plain(v resource.PropertyValue) string {
	b, _ := resource.JSONCodec{Encrypt: func(_ resource.PropertyPath, v resource.PropertyValue) (string, error) {
		return plain(v), nil
	}}.AppendValue(nil, v.Unsecret())
	return string(b)
}

func TestConcurrentEmit(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	p := display.New(&buf, display.Options{})
	p.Emit(events.Event{Kind: events.KindPrelude, Prelude: &events.Prelude{Project: "web", Stack: "dev", Action: "update"}})
	done := make(chan struct{})
	for i := 0; i < 8; i++ {
		go func(i int) {
			defer func() { done <- struct{}{} }()
			for j := 0; j < 50; j++ {
				u := urn("", "aws:ec2:Instance", "vm")
				p.Emit(ev(events.KindStepDone, step(u, events.OpCreate)))
			}
		}(i)
	}
	for i := 0; i < 8; i++ {
		<-done
	}
	if err := p.Close(display.Result{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// The prelude, a blank line, then 400 whole lines.
	if len(lines) != 402 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines[2:] {
		if l != " +  aws:ec2:Instance  vm  created" {
			t.Fatalf("torn line %q", l)
		}
	}
}
