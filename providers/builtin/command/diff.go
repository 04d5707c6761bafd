package command

import (
	"context"
	"maps"
	"slices"

	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
)

// change is one input's comparison between old and new inputs.
type change struct {
	name string
	same bool
	// replace says a change to this input cannot be applied in place.
	replace bool
}

// changes compares every input, in property-name order. A change to create, environment or stdin can be applied
// in place only when there is an update command to run (before or after the change); changes to the update and
// delete commands themselves are only recorded.
func changes(o, n Args) []change {
	inPlace := str(o.Update) != "" || str(n.Update) != ""
	return []change{
		{"create", o.Create == n.Create, !inPlace},
		{"delete", str(o.Delete) == str(n.Delete), false},
		{"dir", str(o.Dir) == str(n.Dir), true},
		{"environment", maps.Equal(o.Environment, n.Environment), !inPlace},
		{"interpreter", slices.Equal(o.interpreter(), n.interpreter()), true},
		{"stdin", str(o.Stdin) == str(n.Stdin), !inPlace},
		{"triggers", slices.EqualFunc(o.Triggers, n.Triggers, resource.PropertyValue.EqualIgnoringSecrets), true},
		{"update", str(o.Update) == str(n.Update), false},
	}
}

// Diff decides between nothing, an in-place update and a replacement. The kit's schema diff cannot: whether a
// changed create command replaces depends on another input (update).
func (commandResource) Diff(_ context.Context, req provider.DiffRequest[Args, State]) (provider.DiffResponse, error) {
	var resp provider.DiffResponse
	for _, c := range changes(req.OldInputs, req.Inputs) {
		if c.same {
			continue
		}
		resp.Changed = append(resp.Changed, c.name)
		if c.replace {
			resp.Replaces = append(resp.Replaces, c.name)
		}
	}
	resp.HasChanges = len(resp.Changed) > 0
	return resp, nil
}

// runsOnUpdate reports whether an update from o to n must run a command: it must unless nothing changed but the
// update and delete commands, which take effect on later operations.
func runsOnUpdate(o, n Args) bool {
	for _, c := range changes(o, n) {
		if !c.same && c.name != "update" && c.name != "delete" {
			return true
		}
	}
	return false
}
