package deploy

import (
	"context"
	"fmt"

	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/engine/plugin"
	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/stacks/state"
)

// ImportResult is an object adopted into a stack's state.
type ImportResult struct {
	// Snapshot is the state with the object (and, if it was new, the default provider instance) added.
	Snapshot *state.Snapshot
	// Resource is the adopted object's state.
	Resource *state.Resource
	// Schema is its provider's schema, for writing the code that declares it.
	Schema *provider.Schema
}

// Import adopts the existing object id as resource name of type typ (under parent, if set), through the
// package's default provider: it reads the object and adds it to the state with the inputs that describe it.
func Import(ctx context.Context, snap *state.Snapshot, opts Options, typ, name string, parent resource.URN, id string) (*ImportResult, error) {
	if err := resource.ValidateType(typ); err != nil {
		return nil, err
	}
	parentType := ""
	if parent != "" {
		if _, ok := snap.Index()[parent]; !ok {
			return nil, fmt.Errorf("the parent %s is not in the stack's state", parent)
		}
		parentType = parent.QualifiedType()
	}
	urn := resource.NewURN(opts.Stack, opts.Project, parentType, typ, name)
	if _, exists := snap.Index()[urn]; exists {
		return nil, fmt.Errorf("%s is already in the stack's state", urn)
	}
	d := New(snap, opts)
	pkg := resource.Package(typ)
	ref, err := d.providers.defaultRef(ctx, pkg)
	if err != nil {
		return nil, err
	}
	inst, _ := d.providers.get(ref)
	schema := inst.prov.Schema()
	if _, ok := schema.Resources[typ]; !ok {
		return nil, unknownType(&Registration{Type: typ, Name: name}, schema)
	}
	cctx, cancel := context.WithTimeout(ctx, d.timeouts.Check)
	res, err := inst.prov.Read(cctx, plugin.ReadRequest{URN: urn, Type: typ, ID: id})
	cancel()
	if err != nil {
		return nil, fmt.Errorf("import %s with ID %q: %w", urn, id, err)
	}
	if res.ID == "" {
		return nil, fmt.Errorf("import %s: provider %s finds no object with ID %q", urn, pkg, id)
	}
	r := &state.Resource{URN: urn, Type: typ, Custom: true, ID: res.ID, Provider: ref, Parent: parent,
		Inputs: res.Inputs, Outputs: carrySecrets(res.Inputs, res.Outputs)}
	d.record(r)
	d.emit(events.Event{Kind: events.KindStepDone, Step: &events.Step{URN: urn, Type: typ, Op: events.OpImport, Parent: parent,
		Custom: true, Provider: string(ref), New: r.Inputs, Outputs: r.Outputs, Logical: true}})
	// Everything else in the state stays as it was.
	d.mu.Lock()
	for _, o := range snap.Resources {
		if !o.Delete {
			d.accounted[o] = true
			if _, ok := d.newIndex[o.URN]; !ok {
				d.news = append(d.news, o)
				d.newIndex[o.URN] = o
			}
		}
	}
	d.mu.Unlock()
	return &ImportResult{Snapshot: d.Snapshot(), Resource: r, Schema: schema}, nil
}
