package infra

import (
	"errors"
	"fmt"
	"sync"

	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/sdk/rpc/monitorpb"
	"github.com/infrago/infra/sdk/rpc/propertypb"
)

// Resource is anything registered with the engine: a custom resource managed by a provider, a component or a
// provider instance. Only types that embed CustomResourceState, ComponentResourceState or ProviderResourceState
// implement it.
type Resource interface {
	// URN is the resource's unique name in the stack.
	URN() Output[URN]
	registration() *registration
}

// CustomResource is a resource managed by a provider; it has a provider-assigned ID.
type CustomResource interface {
	Resource
	// ID is the provider-assigned ID; not known during the preview of a create.
	ID() Output[string]
}

// ProviderResource is a configured instance of a provider, passed to resources with the Provider option.
type ProviderResource interface {
	CustomResource
	providerPackage() string
}

// ComponentResource is a resource that groups others (its children) into one reusable unit.
type ComponentResource interface {
	Resource
	componentState() *ComponentResourceState
}

// CustomResourceState is embedded by generated resource types; it carries the registration.
type CustomResourceState struct{ reg *registration }

// URN implements Resource.
func (s *CustomResourceState) URN() Output[URN] { return s.reg.urnOutput() }

// ID implements CustomResource.
func (s *CustomResourceState) ID() Output[string] { return s.reg.idOutput() }

func (s *CustomResourceState) registration() *registration { return s.reg }

// ProviderResourceState is embedded by generated provider types.
type ProviderResourceState struct {
	CustomResourceState
	pkg string
}

func (s *ProviderResourceState) providerPackage() string { return s.pkg }

// ComponentResourceState is embedded by component types; RegisterComponentResource fills it in.
type ComponentResourceState struct{ reg *registration }

// URN implements Resource.
func (s *ComponentResourceState) URN() Output[URN] { return s.reg.urnOutput() }

func (s *ComponentResourceState) registration() *registration { return s.reg }

func (s *ComponentResourceState) componentState() *ComponentResourceState { return s }

// PropInput is one resource argument as RegisterResource takes it; build it with Prop.
type PropInput interface {
	propState() *outputState
}

type propInput struct{ s *outputState }

func (p propInput) propState() *outputState { return p.s }

// Prop adapts a typed Input for RegisterResource. A nil Input (an argument left unset) gives nil.
func Prop[T any](in Input[T]) PropInput {
	if in == nil {
		return nil
	}
	o := in.ToOutput()
	if o.s == nil {
		return nil
	}
	return propInput(o)
}

// Props are a resource's arguments by property name.
type Props map[string]PropInput

// Registration is the pending result of registering a resource; generated code reads outputs from it with
// OutputProp.
type Registration struct{ reg *registration }

// CustomState is the state to embed in a custom resource's struct.
func (r *Registration) CustomState() CustomResourceState { return CustomResourceState{reg: r.reg} }

// ProviderState is the state to embed in a provider resource's struct.
func (r *Registration) ProviderState(pkg string) ProviderResourceState {
	return ProviderResourceState{CustomResourceState: CustomResourceState{reg: r.reg}, pkg: pkg}
}

// OutputProp is the output property name of a registered resource, decoded as T.
func OutputProp[T any](r *Registration, name string) Output[T] {
	src := r.reg.outs
	out := &outputState{ctx: src.ctx, sources: []*outputState{src}, label: "output " + name}
	src.onResolved(func() {
		v, known, _, deps, err := src.result()
		if err != nil || !known {
			out.resolve(nil, false, false, deps, err)
			return
		}
		pv, ok := v.(resource.PropertyMap)[name]
		if !ok {
			var zero T
			out.resolve(zero, true, false, deps, nil)
			return
		}
		secret := pv.ContainsSecrets()
		if pv.ContainsUnknowns() {
			out.resolve(nil, false, secret, deps, nil)
			return
		}
		var t T
		if err := resource.ToGo(pv, &t); err != nil {
			err = fmt.Errorf("output %q of %s: %w", name, r.reg.describe(), err)
			out.resolve(nil, false, secret, deps, err)
			return
		}
		out.resolve(t, true, secret, deps, nil)
	})
	return Output[T]{s: out}
}

// registration tracks one resource from New<Resource> until the engine answers.
type registration struct {
	ctx    *Context
	seq    uint64
	typ    string
	name   string
	custom bool

	// outs resolves to the output PropertyMap (value), with deps = [this URN]; urn and id derive from it.
	outs *outputState
	urn  *outputState
	id   *outputState

	providers map[string]ProviderResource // providers children inherit, by package

	mu       sync.Mutex
	waiting  []*outputState  // what the registration waits for before it is sent
	children []*registration // resources registered with this one as Parent
}

// descendants returns r's children, their children and so on, as registered so far.
func (r *registration) descendants() []*registration {
	r.mu.Lock()
	kids := append([]*registration(nil), r.children...)
	r.mu.Unlock()
	out := kids
	for _, k := range kids {
		out = append(out, k.descendants()...)
	}
	return out
}

func (r *registration) describe() string { return fmt.Sprintf("%s %q", r.typ, r.name) }

func (r *registration) urnOutput() Output[URN] {
	if r == nil {
		return Output[URN]{}
	}
	return Output[URN]{s: r.urn}
}

func (r *registration) idOutput() Output[string] {
	if r == nil {
		return Output[string]{}
	}
	return Output[string]{s: r.id}
}

// MissingArgError is the error generated constructors return when a required argument is not set.
func MissingArgError(typ, name, field string) error {
	return fmt.Errorf("%s %q: required argument %s is not set", typ, name, field)
}

var errNilContext = errors.New("nil *infra.Context: pass the ctx that infra.Run gave your program")

// dependencyError marks a failure caused by a dependency's failure, which was reported on its own.
type dependencyError struct{ err error }

func (e *dependencyError) Error() string { return e.err.Error() }
func (e *dependencyError) Unwrap() error { return e.err }

// engineError is a failure the engine reported while registering a resource.
type engineError struct{ msg string }

func (e *engineError) Error() string { return e.msg }

func isEngineReported(err error) bool {
	var e *engineError
	return errors.As(err, &e)
}

func (ctx *Context) newRegistration(typ, name string, custom bool) *registration {
	r := &registration{ctx: ctx, seq: ctx.nextID.Add(1), typ: typ, name: name, custom: custom}
	r.outs = &outputState{ctx: ctx, producer: r}
	r.urn = &outputState{ctx: ctx, producer: r}
	r.id = &outputState{ctx: ctx, producer: r}
	ctx.mu.Lock()
	ctx.pending[r] = struct{}{}
	ctx.mu.Unlock()
	return r
}

// finish settles every output of r and removes it from the pending set.
func (r *registration) finish(urn URN, id string, outs resource.PropertyMap, err error) {
	deps := []URN{}
	if urn != "" {
		deps = []URN{urn}
	}
	if err != nil {
		r.urn.resolve(nil, false, false, nil, err)
		r.id.resolve(nil, false, false, nil, err)
		r.outs.resolve(nil, false, false, nil, err)
	} else {
		r.urn.resolve(urn, true, false, deps, nil)
		if id == "" || !r.custom {
			r.id.resolve(nil, false, false, deps, nil)
		} else {
			r.id.resolve(id, true, false, deps, nil)
		}
		r.outs.resolve(outs, true, false, deps, nil)
	}
	r.ctx.mu.Lock()
	delete(r.ctx.pending, r)
	r.ctx.mu.Unlock()
}

// RegisterResource registers a custom resource (one managed by a provider) of type typ. It is what generated
// New<Resource> functions call; programs call those instead. The returned Registration resolves once the engine
// has answered.
func (ctx *Context) RegisterResource(typ, name string, props Props, opts ...ResourceOption) (*Registration, error) {
	r, err := ctx.register(typ, name, true, props, opts)
	if err != nil {
		return nil, err
	}
	return &Registration{reg: r}, nil
}

// RegisterProviderResource registers a provider instance for package pkg with config props.
func (ctx *Context) RegisterProviderResource(pkg, name string, props Props, opts ...ResourceOption) (*Registration, error) {
	return ctx.RegisterResource(resource.ProviderType(pkg), name, props, opts...)
}

// RegisterComponentResource registers comp, a component of type typ (pkg:module:Type), and fills in its state.
// Create the component's children with Parent(comp) and finish with RegisterResourceOutputs.
func (ctx *Context) RegisterComponentResource(typ, name string, comp ComponentResource, opts ...ResourceOption) error {
	if comp == nil {
		return fmt.Errorf("register component %s %q: component is nil", typ, name)
	}
	r, err := ctx.register(typ, name, false, nil, opts)
	if err != nil {
		return err
	}
	comp.componentState().reg = r
	return nil
}

// RegisterResourceOutputs records a component's outputs once they are known, completing the component.
func (ctx *Context) RegisterResourceOutputs(comp Resource, outputs map[string]AnyOutput) error {
	if ctx == nil {
		return errNilContext
	}
	if comp == nil || comp.registration() == nil {
		return errors.New("RegisterResourceOutputs: the component was not registered; call RegisterComponentResource first")
	}
	reg := comp.registration()
	waitFor := []*outputState{reg.urn}
	names := make([]string, 0, len(outputs))
	for n, o := range outputs {
		names = append(names, n)
		if o != nil {
			waitFor = append(waitFor, o.outputState())
		}
	}
	// The outputs registration is tracked like a resource so that a run cannot end before it is sent and a
	// cycle through it is reported.
	pseudo := &registration{ctx: ctx, seq: ctx.nextID.Add(1), typ: reg.typ, name: reg.name, waiting: waitFor}
	ctx.mu.Lock()
	ctx.pending[pseudo] = struct{}{}
	ctx.mu.Unlock()
	whenAll(ctx, waitFor, func() {
		defer func() {
			ctx.mu.Lock()
			delete(ctx.pending, pseudo)
			ctx.mu.Unlock()
		}()
		urn, known, _, _, err := reg.urn.result()
		if err != nil || !known {
			return // the component's own failure is reported already
		}
		m := resource.PropertyMap{}
		for _, n := range names {
			if outputs[n] == nil {
				continue
			}
			v, err := marshalState(outputs[n].outputState())
			if err != nil {
				var dep *dependencyError
				switch ae := unreportedApply(err); {
				case !errors.As(err, &dep):
					ctx.fail(fmt.Errorf("output %q of component %s: %w", n, reg.describe(), err), false)
				case ae != nil:
					ctx.fail(fmt.Errorf("output %q of component %s: %w", n, reg.describe(), ae), false)
				default:
					// The cause is reported on its own; recording the consequence still fails the run, so an
					// update can never end as if the component were complete.
					ctx.fail(err, false)
				}
				return
			}
			m[n] = v
		}
		if err := ctx.mon.RegisterOutputs(ctx.base, &monitorpb.RegisterOutputsRequest{Urn: string(urn.(URN)), Outputs: propertyMapPB(m)}); err != nil {
			ctx.fail(fmt.Errorf("register outputs of %s: %w", reg.describe(), err), false)
		}
	})
	return nil
}

func (ctx *Context) register(typ, name string, custom bool, props Props, opts []ResourceOption) (*registration, error) {
	if ctx == nil {
		return nil, errNilContext
	}
	if err := resource.ValidateType(typ); err != nil {
		return nil, fmt.Errorf("register %q: %w", name, err)
	}
	if name == "" {
		return nil, fmt.Errorf("register %s: the resource name is empty; every resource needs a name unique among its siblings", typ)
	}
	var o resourceOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	r := ctx.newRegistration(typ, name, custom)

	// Providers are inherited from the parent and can be set for the whole subtree.
	r.providers = map[string]ProviderResource{}
	if o.parent != nil && o.parent.registration() != nil {
		for k, v := range o.parent.registration().providers {
			r.providers[k] = v
		}
	}
	for _, p := range o.providers {
		r.providers[p.providerPackage()] = p
	}
	pkg := resource.Package(typ)
	provider := o.provider
	if provider != nil {
		if provider.providerPackage() != pkg && custom {
			err := fmt.Errorf("%s %q: Provider option names a %s provider, but the resource belongs to package %s", typ, name, provider.providerPackage(), pkg)
			r.finish("", "", nil, err)
			return nil, err
		}
		r.providers[provider.providerPackage()] = provider
	} else if custom {
		provider = r.providers[pkg]
	}

	// Collect everything the registration must wait for.
	var waitFor []*outputState
	propNames := make([]string, 0, len(props))
	for n, p := range props {
		if p == nil {
			continue
		}
		propNames = append(propNames, n)
		waitFor = append(waitFor, p.propState())
	}
	var parentReg, providerReg *registration
	if o.parent != nil {
		parentReg = o.parent.registration()
		if parentReg == nil {
			err := fmt.Errorf("%s %q: its Parent was not registered", typ, name)
			r.finish("", "", nil, err)
			return nil, err
		}
		waitFor = append(waitFor, parentReg.urn)
	}
	if provider != nil && custom && !resource.IsProviderType(typ) {
		providerReg = provider.registration()
		waitFor = append(waitFor, providerReg.urn, providerReg.id)
	}
	if parentReg != nil {
		parentReg.mu.Lock()
		parentReg.children = append(parentReg.children, r)
		parentReg.mu.Unlock()
	}
	// Depending on a component means depending on everything in it: its children are waited for too.
	var dependsOn []*registration
	for _, d := range o.dependsOn {
		if d == nil || d.registration() == nil {
			continue
		}
		regs := []*registration{d.registration()}
		if !d.registration().custom {
			regs = append(regs, d.registration().descendants()...)
		}
		for _, dr := range regs {
			dependsOn = append(dependsOn, dr)
			waitFor = append(waitFor, dr.urn)
		}
	}
	for _, a := range o.aliases {
		if a.Parent != nil && a.Parent.registration() != nil {
			waitFor = append(waitFor, a.Parent.registration().urn)
		}
	}
	r.mu.Lock()
	r.waiting = waitFor
	r.mu.Unlock()

	whenAll(ctx, waitFor, func() {
		req, err := r.buildRequest(props, propNames, parentReg, providerReg, dependsOn, o)
		if err != nil {
			r.finish("", "", nil, err)
			var dep *dependencyError
			switch ae := unreportedApply(err); {
			case !errors.As(err, &dep):
				ctx.fail(err, false)
			case ae != nil:
				// A failed ApplyErr is reported by the first resource that needs its value.
				ctx.fail(fmt.Errorf("%s: %w", r.describe(), ae), false)
			default:
				// The cause is reported on its own. Recording the consequence still fails the run: a resource
				// that was never registered must never look removed from the program, or it would be deleted.
				ctx.fail(err, false)
			}
			// Tell the engine the resource exists in the program but could not be registered, so that it keeps
			// the resource's state instead of taking it for removed.
			skip := &monitorpb.RegisterRequest{Id: r.seq, Type: r.typ, Name: r.name, Custom: r.custom, SkipReason: err.Error()}
			if parentReg != nil {
				if u, known, _, _, perr := parentReg.urn.result(); perr == nil && known {
					skip.Parent = string(u.(URN))
				} else {
					skip.ParentUnknown = true
				}
			}
			ctx.begin()
			ctx.mon.Register(skip, func(*monitorpb.RegisterResponse, error) { ctx.done() })
			return
		}
		ctx.begin()
		ctx.mon.Register(req, func(resp *monitorpb.RegisterResponse, err error) {
			defer ctx.done()
			if err == nil && resp.GetError() != "" {
				err = &engineError{msg: resp.GetError()}
				ctx.fail(err, true)
			} else if err != nil {
				err = fmt.Errorf("register %s: %w", r.describe(), err)
				ctx.fail(err, false)
			}
			if err != nil {
				r.finish("", "", nil, err)
				return
			}
			outs, cerr := propertypb.ToMap(resp.GetOutputs())
			if cerr != nil {
				cerr = fmt.Errorf("outputs of %s: %w", r.describe(), cerr)
				ctx.fail(cerr, false)
				r.finish("", "", nil, cerr)
				return
			}
			r.finish(URN(resp.GetUrn()), resp.GetResourceId(), outs, nil)
		})
	})
	return r, nil
}

// buildRequest marshals a registration once everything it waits for has resolved.
func (r *registration) buildRequest(props Props, propNames []string, parent, provider *registration,
	dependsOn []*registration, o resourceOptions) (*monitorpb.RegisterRequest, error) {
	req := &monitorpb.RegisterRequest{
		Id:                   r.seq,
		Type:                 r.typ,
		Name:                 r.name,
		Custom:               r.custom,
		Protect:              o.protect,
		IgnoreChanges:        o.ignoreChanges,
		ReplaceOnChanges:     o.replaceOnChanges,
		RetainOnDelete:       o.retainOnDelete,
		ImportId:             o.importID,
		PropertyDependencies: map[string]*monitorpb.URNs{},
	}
	if o.deleteBeforeReplace != nil {
		req.DeleteBeforeReplace = monitorpb.Tristate_TRISTATE_FALSE
		if *o.deleteBeforeReplace {
			req.DeleteBeforeReplace = monitorpb.Tristate_TRISTATE_TRUE
		}
	}
	if o.timeouts != nil {
		req.CustomTimeouts = &monitorpb.CustomTimeouts{
			Create: o.timeouts.Create.Seconds(), Update: o.timeouts.Update.Seconds(), Delete: o.timeouts.Delete.Seconds(),
		}
	}
	deps := map[URN]bool{}
	if parent != nil {
		u, _, _, _, err := parent.urn.result()
		if err != nil {
			return nil, &dependencyError{fmt.Errorf("%s: parent %s failed", r.describe(), parent.describe())}
		}
		req.Parent = string(u.(URN))
	}
	if provider != nil {
		u, _, _, _, err := provider.urn.result()
		if err != nil {
			return nil, &dependencyError{fmt.Errorf("%s: provider %s failed", r.describe(), provider.describe())}
		}
		id, known, _, _, _ := provider.id.result()
		ref := UnknownProviderID
		if known {
			ref = id.(string)
		}
		req.Provider = string(resource.NewProviderRef(u.(URN), ref))
	}
	for _, d := range dependsOn {
		u, _, _, _, err := d.urn.result()
		if err != nil {
			return nil, &dependencyError{fmt.Errorf("%s: dependency %s failed", r.describe(), d.describe())}
		}
		deps[u.(URN)] = true
	}
	inputs := resource.PropertyMap{}
	for _, n := range propNames {
		s := props[n].propState()
		v, err := marshalState(s)
		if err != nil {
			var dep *dependencyError
			if errors.As(err, &dep) {
				return nil, &dependencyError{fmt.Errorf("%s: input %q: %w", r.describe(), n, err)}
			}
			return nil, fmt.Errorf("%s: input %q: %w", r.describe(), n, err)
		}
		inputs[n] = v
		_, _, _, pdeps, _ := s.result()
		if len(pdeps) > 0 {
			l := make([]string, len(pdeps))
			for i, d := range pdeps {
				l[i] = string(d)
				deps[d] = true
			}
			req.PropertyDependencies[n] = &monitorpb.URNs{Urns: l}
		}
	}
	for d := range deps {
		req.Dependencies = append(req.Dependencies, string(d))
	}
	sortStrings(req.Dependencies)
	for _, a := range o.aliases {
		pa := &monitorpb.Alias{Urn: string(a.URN), Name: a.Name, Type: a.Type, NoParent: a.NoParent, Stack: a.Stack, Project: a.Project}
		if a.Parent != nil {
			if u, known, _, _, err := a.Parent.registration().urn.result(); err == nil && known {
				pa.Parent = string(u.(URN))
			}
		} else if a.ParentURN != "" {
			pa.Parent = string(a.ParentURN)
		}
		req.Aliases = append(req.Aliases, pa)
	}
	req.Inputs = propertypb.FromMap(inputs)
	return req, nil
}

// UnknownProviderID stands for the ID of a provider instance that is not known yet (preview).
const UnknownProviderID = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

// marshalState converts a resolved output to a property value: unknown, secret and plain values alike.
func marshalState(s *outputState) (resource.PropertyValue, error) {
	v, known, secret, _, err := s.result()
	if err != nil {
		return resource.PropertyValue{}, &dependencyError{err}
	}
	var pv resource.PropertyValue
	if !known {
		pv = resource.Unknown()
	} else {
		pv, err = resource.FromGo(v)
		if err != nil {
			return resource.PropertyValue{}, err
		}
	}
	if secret {
		pv = resource.MakeSecret(pv)
	}
	return pv, nil
}

func propertyMapPB(m resource.PropertyMap) *propertypb.Map { return propertypb.FromMap(m) }

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// findCycle looks for a cycle among stuck registrations by following what each waits for back to the
// registrations that produce it. It returns the cycle as resource descriptions, first repeated at the end.
func findCycle(stuck []*registration) []string {
	// Edges: registration -> registrations whose answer it (transitively through outputs) waits for.
	next := func(r *registration) []*registration {
		r.mu.Lock()
		waiting := append([]*outputState(nil), r.waiting...)
		r.mu.Unlock()
		var out []*registration
		seen := map[*outputState]bool{}
		var walk func(s *outputState)
		walk = func(s *outputState) {
			if s == nil || seen[s] || s.isResolved() {
				return
			}
			seen[s] = true
			if s.producer != nil {
				out = append(out, s.producer)
				return
			}
			s.mu.Lock()
			srcs := append([]*outputState(nil), s.sources...)
			s.mu.Unlock()
			for _, src := range srcs {
				walk(src)
			}
		}
		for _, s := range waiting {
			walk(s)
		}
		return out
	}
	const (
		white = iota
		grey
		black
	)
	color := map[*registration]int{}
	var stack []*registration
	var found []string
	var visit func(r *registration) bool
	visit = func(r *registration) bool {
		color[r] = grey
		stack = append(stack, r)
		for _, n := range next(r) {
			switch color[n] {
			case grey:
				i := len(stack) - 1
				for stack[i] != n {
					i--
				}
				for _, s := range stack[i:] {
					found = append(found, s.describe())
				}
				found = append(found, n.describe())
				return true
			case white:
				if visit(n) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[r] = black
		return false
	}
	for _, r := range stuck {
		if color[r] == white && visit(r) {
			return found
		}
	}
	return nil
}
