package plan

import (
	"strings"
	"testing"

	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/sdk/resource"
)

const (
	web = resource.URN("urn:infra:dev::shop::aws:ec2:Instance::web")
	db  = resource.URN("urn:infra:dev::shop::aws:rds:Instance::db")
	old = resource.URN("urn:infra:dev::shop::aws:ec2:Instance::old")
)

// recorded is the plan a preview's events make: web updated (its subnet still unknown), db the same, old deleted.
func recorded() *Plan {
	r := NewRecorder(New("shop", "dev", 7, 0))
	for _, e := range []events.Event{
		{Kind: events.KindStepDone, Step: &events.Step{URN: web, Op: events.OpUpdate, Logical: true,
			New: resource.PropertyMap{"size": resource.NewString("large"), "subnet": resource.Unknown(),
				"tags": resource.NewMap(resource.PropertyMap{"team": resource.NewString("web")})}}},
		{Kind: events.KindStepDone, Step: &events.Step{URN: db, Op: events.OpSame, Logical: true}},
		{Kind: events.KindStepDone, Step: &events.Step{URN: old, Op: events.OpDelete}},
		{Kind: events.KindStepStart, Step: &events.Step{URN: "urn:infra:dev::shop::x:y:Z::started", Op: events.OpCreate, Logical: true}},
		{Kind: events.KindStepDone, Step: &events.Step{URN: "urn:infra:dev::shop::x:y:Z::read", Op: events.OpRefresh}},
	} {
		r.Emit(e)
	}
	return r.Plan()
}

func TestRecorderKeepsWhatThePreviewWouldDo(t *testing.T) {
	t.Parallel()
	p := recorded()
	if len(p.Steps) != 2 || p.Steps[web].Op != events.OpUpdate || p.Steps[db].Op != events.OpSame {
		t.Fatalf("steps %v", p.Steps)
	}
	if len(p.Deletes) != 1 || p.Deletes[old][0] != events.OpDelete || p.BaseVersion != 7 {
		t.Fatalf("deletes %v, base %d", p.Deletes, p.BaseVersion)
	}
}

func TestCheckStep(t *testing.T) {
	t.Parallel()
	subnet := resource.NewString("subnet-1")
	in := func(size string, team string) resource.PropertyMap {
		return resource.PropertyMap{"size": resource.NewString(size), "subnet": subnet,
			"tags": resource.NewMap(resource.PropertyMap{"team": resource.NewString(team)})}
	}
	for _, tc := range []struct {
		name   string
		urn    resource.URN
		op     events.Op
		inputs resource.PropertyMap
		want   string // "" for allowed
	}{
		{"as planned, unknown resolved", web, events.OpUpdate, in("large", "web"), ""},
		{"less than planned with unknowns", web, events.OpSame, in("large", "web"), ""},
		{"other input", web, events.OpUpdate, in("small", "web"), `input size is "large" in the plan but "small" now`},
		{"nested input", web, events.OpUpdate, in("large", "ops"), "input tags.team"},
		{"more than planned", web, events.OpReplace, in("large", "web"), "the plan says update, but the update would replace"},
		{"not in the plan", "urn:infra:dev::shop::x:y:Z::new", events.OpCreate, nil, "the plan has no step for it"},
		{"same as planned", db, events.OpSame, nil, ""},
		{"update where the plan says same", db, events.OpUpdate, nil, "the plan says same"},
	} {
		err := recorded().CheckStep(tc.urn, tc.op, tc.inputs)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestCheckDeletesAndComplete(t *testing.T) {
	t.Parallel()
	p := recorded()
	if err := p.CheckDeletes(map[resource.URN][]events.Op{old: {events.OpDelete}}); err != nil {
		t.Errorf("the planned delete was refused: %v", err)
	}
	if err := p.CheckDeletes(nil); err == nil || !strings.Contains(err.Error(), "the plan deletes it, but the update would not") {
		t.Errorf("a missing delete: %v", err)
	}
	if err := p.CheckDeletes(map[resource.URN][]events.Op{old: {events.OpDelete}, db: {events.OpDelete}}); err == nil ||
		!strings.Contains(err.Error(), string(db)) {
		t.Errorf("an unplanned delete: %v", err)
	}
	p.Steps[web] = Step{Op: events.OpReplace}
	if err := p.CheckDeletes(map[resource.URN][]events.Op{old: {events.OpDelete}, web: {events.OpDeleteReplaced}}); err != nil {
		t.Errorf("the old object of a planned replacement: %v", err)
	}
	if err := p.CheckComplete(map[resource.URN]bool{web: true, db: true}); err != nil {
		t.Errorf("complete: %v", err)
	}
	if err := p.CheckComplete(map[resource.URN]bool{web: true}); err == nil || !strings.Contains(err.Error(), "no longer declares") {
		t.Errorf("a planned registration that never came: %v", err)
	}
}
