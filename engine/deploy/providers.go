package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/engine/plugin"
	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/stacks/state"
)

// instance is one provider instance known to the deployment.
type instance struct {
	ref  resource.ProviderRef
	pkg  string
	prov Provider
	// configured is false when the configuration holds values not known yet (preview): such a provider cannot
	// be asked anything, and its resources are previewed without it.
	configured bool
}

// registry tracks provider instances by reference and starts default providers on first use.
type registry struct {
	d *Deployment

	mu        sync.Mutex
	byRef     map[resource.ProviderRef]*instance
	defaults  map[string]*defaultSlot
	fromState map[resource.ProviderRef]*defaultSlot
}

type defaultSlot struct {
	once sync.Once
	ref  resource.ProviderRef
	err  error
}

func newRegistry(d *Deployment) *registry {
	return &registry{d: d, byRef: map[resource.ProviderRef]*instance{}, defaults: map[string]*defaultSlot{},
		fromState: map[resource.ProviderRef]*defaultSlot{}}
}

func (g *registry) get(ref resource.ProviderRef) (*instance, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	i, ok := g.byRef[ref]
	return i, ok
}

func (g *registry) put(i *instance) {
	g.mu.Lock()
	g.byRef[i.ref] = i
	g.mu.Unlock()
}

// slotOf returns the slot of key in m, adding an empty one on first use; mu guards m. Each provider instance is
// started once, by whichever registration needs it first, and the others wait on its slot.
func slotOf[K comparable](mu *sync.Mutex, m map[K]*defaultSlot, key K) *defaultSlot {
	mu.Lock()
	defer mu.Unlock()
	slot, ok := m[key]
	if !ok {
		slot = &defaultSlot{}
		m[key] = slot
	}
	return slot
}

// defaultRef returns the reference of package pkg's default provider, registering it on first use.
func (g *registry) defaultRef(ctx context.Context, pkg string) (resource.ProviderRef, error) {
	slot := slotOf(&g.mu, g.defaults, pkg)
	slot.once.Do(func() {
		var cfg resource.PropertyMap
		if g.d.opts.ProviderConfig != nil {
			cfg = g.d.opts.ProviderConfig(pkg)
		}
		if cfg == nil {
			cfg = resource.PropertyMap{}
		}
		reg := &Registration{Type: resource.ProviderType(pkg), Name: "default", Custom: true, Inputs: cfg, FromConfig: true}
		res, err := g.d.Register(ctx, reg)
		if err != nil {
			slot.err = err
			return
		}
		slot.ref = resource.NewProviderRef(res.URN, res.ID)
	})
	return slot.ref, slot.err
}

// fromOld makes sure the provider instance a resource in the old state refers to is running, configured from
// the provider's own old state; deletes of resources the program no longer declares need it.
func (g *registry) fromOld(ctx context.Context, ref resource.ProviderRef) (*instance, error) {
	if i, ok := g.get(ref); ok {
		return i, nil
	}
	slot := slotOf(&g.mu, g.fromState, ref)
	slot.once.Do(func() {
		var pr *state.Resource
		for _, r := range g.d.old.Resources {
			if r.URN == ref.URN() && r.ID == ref.ID() {
				pr = r
				break
			}
		}
		if pr == nil {
			slot.err = fmt.Errorf("the state refers to provider %s, which it does not hold; the state is damaged: restore it from history", ref)
			return
		}
		pkg := strings.TrimPrefix(pr.Type, "infra:providers:")
		prov, err := g.d.opts.Host.Start(ctx, pkg)
		if err != nil {
			slot.err = err
			return
		}
		if err := prov.Configure(ctx, pr.Inputs); err != nil {
			slot.err = err
			return
		}
		g.put(&instance{ref: ref, pkg: pkg, prov: prov, configured: true})
	})
	if slot.err != nil {
		return nil, slot.err
	}
	i, _ := g.get(ref)
	return i, nil
}

// newOpID names one journaled operation; it only has to be unique within a stack's journal.
func newOpID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // documented never to fail
	return hex.EncodeToString(b[:])
}

// registerProvider handles a provider resource: start its plugin, check and apply its configuration. A provider
// whose configuration changes gets a new ID, so every resource it manages is diffed again under the new
// configuration, and the old instance is kept until the resources still using it are gone.
func (d *Deployment) registerProvider(ctx context.Context, urn resource.URN, reg *Registration, old *state.Resource) (*Result, error) {
	pkg := strings.TrimPrefix(reg.Type, "infra:providers:")
	failOp := events.OpCreate
	if old != nil {
		failOp = events.OpUpdate
	}
	fail := func(err error) (*Result, error) {
		d.stepFailed(urn, err)
		d.emit(events.Event{Kind: events.KindStepFailed, Step: &events.Step{URN: urn, Type: reg.Type, Op: failOp,
			Error: err.Error(), DryRun: d.opts.DryRun, Logical: true}})
		return nil, events.MarkShown(err)
	}
	prov, err := d.opts.Host.Start(ctx, pkg)
	if err != nil {
		return fail(err)
	}
	var olds resource.PropertyMap
	if old != nil {
		olds = old.Inputs
	}
	if reg.FromConfig {
		reg.Inputs = typedConfig(prov.Schema().Config, reg.Inputs)
	}
	cctx, cancel := context.WithTimeout(ctx, d.timeouts.Check)
	checked, failures, err := prov.CheckConfig(cctx, plugin.CheckRequest{URN: urn, Type: reg.Type, Olds: olds, News: reg.Inputs})
	cancel()
	if err != nil {
		return fail(err)
	}
	if len(failures) > 0 {
		return fail(configFailures(pkg, urn, failures))
	}
	configured := !checked.ContainsUnknowns()
	if configured {
		cctx, cancel := context.WithTimeout(ctx, d.timeouts.Check)
		err := prov.Configure(cctx, checked)
		cancel()
		if err != nil {
			return fail(err)
		}
	}
	op, id := events.OpCreate, newID()
	if old != nil {
		if old.Inputs.Equal(checked) {
			op, id = events.OpSame, old.ID
		} else {
			op = events.OpReplace
			d.mu.Lock()
			d.replaced = append(d.replaced, old)
			d.mu.Unlock()
		}
	}
	if err := d.checkPlan(urn, op, checked); err != nil {
		return nil, err
	}
	ref := resource.NewProviderRef(urn, id)
	d.providers.put(&instance{ref: ref, pkg: pkg, prov: prov, configured: configured})
	r := &state.Resource{URN: urn, Type: reg.Type, Custom: true, ID: id, Parent: reg.Parent, Inputs: checked,
		Dependencies: reg.Dependencies, Protect: reg.Protect}
	d.count(op)
	step := &events.Step{URN: urn, Type: reg.Type, Op: op, Parent: reg.Parent, Custom: true, New: checked, DryRun: d.opts.DryRun, Logical: true}
	if old != nil {
		step.Old = old.Inputs
		step.Diffs = resource.DiffMaps(old.Inputs, checked)
	}
	if op != events.OpSame {
		d.emit(events.Event{Kind: events.KindStepStart, Step: step})
		journalStep := state.StepChange
		if op == events.OpReplace {
			journalStep = state.StepChangeReplace
		}
		d.end("", state.KindSuccess, journalStep, urn, "", r, nil)
	}
	d.record(r)
	d.emit(events.Event{Kind: events.KindStepDone, Step: step})
	return &Result{URN: urn, ID: id, Outputs: resource.PropertyMap{}}, nil
}

// typedConfig reads the text values of stack configuration as the types the provider's schema gives its config
// properties: `infra config set aws:maxRetries 5` stores "5", and the provider expects a whole number. A value
// that does not parse is left as it is, for the provider's check to report against the key. Secrets stay
// secret.
func typedConfig(props map[string]provider.Property, in resource.PropertyMap) resource.PropertyMap {
	out := make(resource.PropertyMap, len(in))
	for k, v := range in {
		out[k] = v
		p, ok := props[k]
		if !ok {
			continue
		}
		secret := v.IsSecret()
		text := v
		if secret {
			text = v.SecretElement()
		}
		if text.Kind() != resource.KindString {
			continue
		}
		typed, ok := parseConfigText(p.TypeSpec, strings.TrimSpace(text.StringValue()))
		if !ok {
			continue
		}
		if secret {
			typed = resource.MakeSecret(typed)
		}
		out[k] = typed
	}
	return out
}

// parseConfigText parses one config value written as text into the type t.
func parseConfigText(t provider.TypeSpec, s string) (resource.PropertyValue, bool) {
	switch {
	case t.Type == "integer" || t.Type == "number":
		n, err := strconv.ParseFloat(s, 64)
		if err != nil || (t.Type == "integer" && n != math.Trunc(n)) {
			return resource.PropertyValue{}, false
		}
		return resource.NewNumber(n), true
	case t.Type == "boolean":
		b, err := strconv.ParseBool(s)
		if err != nil {
			return resource.PropertyValue{}, false
		}
		return resource.NewBool(b), true
	case t.Type == "array" || t.Type == "map" || t.Ref != "":
		// Structured values are written as JSON: infra config set aws:defaultTags '{"team":"web"}'.
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return resource.PropertyValue{}, false
		}
		pv, err := resource.FromGo(v)
		if err != nil {
			return resource.PropertyValue{}, false
		}
		return pv, true
	}
	return resource.PropertyValue{}, false
}

func configFailures(pkg string, urn resource.URN, fs []plugin.CheckFailure) error {
	lines := make([]string, 0, len(fs))
	for _, f := range fs {
		lines = append(lines, fmt.Sprintf("%s: %s", f.Property, f.Reason))
	}
	sort.Strings(lines)
	how := fmt.Sprintf("check them with `infra config ls`, and fix them with `infra config set %s:<key> <value>` or `infra config rm %s:<key>`", pkg, pkg)
	if urn.Name() != "default" {
		how = "fix the arguments of the provider resource in the program"
	}
	return fmt.Errorf("provider %s (%s) has invalid configuration:\n    %s\n  %s", pkg, urn.Name(), strings.Join(lines, "\n    "), how)
}
