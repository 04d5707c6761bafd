// Package infratest runs an infra program's function inside `go test`, with no engine and no processes: every
// registration, function call and stack reference is answered by mocks written in terms of resource.PropertyMap
// (or your own Go types, through ResourceArgs.Decode), and the test asserts on what the program registered.
//
//	func TestCluster(t *testing.T) {
//		res := infratest.Run(t, program, infratest.Mocks{
//			NewResource: func(r infratest.ResourceArgs) (string, resource.PropertyMap, error) {
//				return r.Name + "-id", r.Inputs, nil
//			},
//		})
//		vm := res.Require(t, "aws:ec2:Instance", "web-0")
//		...
//	}
//
// Previews behave as the engine's do: a new resource has no ID yet, and every output the mock gives that is not
// one of the resource's inputs is unknown, so code that waits on such an output is exercised the way `infra
// preview` exercises it. Secrets stay secret: an output whose input was secret is secret whatever the mock says.
//
// For tests that deploy to a simulator or a real cloud through the CLI, see Deploy.
package infratest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/infrago/infra/sdk/infra"
	"github.com/infrago/infra/sdk/resource"
	pb "github.com/infrago/infra/sdk/rpc/monitorpb"
	"github.com/infrago/infra/sdk/rpc/propertypb"
)

// Mocks answer what a program asks of the engine. Every field is optional.
type Mocks struct {
	// NewResource answers the registration of a resource managed by a provider (not a component, and not a
	// provider resource): the ID the provider would give the object and its outputs. Nil gives the ID
	// "<name>-id" and the inputs as outputs. An error fails that resource, as a failed create would.
	NewResource func(r ResourceArgs) (id string, outputs resource.PropertyMap, err error)
	// Call answers a provider function (infra.Invoke and the generated function bindings). Nil fails every
	// call with an error naming the function.
	Call func(c CallArgs) (resource.PropertyMap, error)
	// StackOutputs answers infra.NewStackReference with the outputs of the named stack. Nil fails every
	// stack reference.
	StackOutputs func(stack string) (resource.PropertyMap, error)
}

// ResourceArgs is a registration as a mock sees it.
type ResourceArgs struct {
	Type   string
	Name   string
	URN    resource.URN
	Parent resource.URN
	// Inputs are the resource's inputs as the program gave them; secret values are secret, and in a preview
	// values that depend on unknown outputs are unknown.
	Inputs resource.PropertyMap
	// Provider is the explicit provider reference, "" for the default provider of the type's package.
	Provider string
	// ImportID is set when the program imports an existing object.
	ImportID string
	// Preview is true when the run is a preview.
	Preview bool
}

// Decode decodes the inputs into the struct target points to, by the `infra:"name"` tags a provider's input
// structs carry (or a map), so that a mock can read them as typed values. Secrets decode as their values.
func (r ResourceArgs) Decode(target any) error {
	if err := resource.MapToGo(r.Inputs, target); err != nil {
		return fmt.Errorf("decode the inputs of %s %s: %w", r.Type, r.Name, err)
	}
	return nil
}

// CallArgs is a provider function call as a mock sees it.
type CallArgs struct {
	// Token is the function, "<package>:<module>:<name>" (for example "aws:ec2:getAmi").
	Token    string
	Args     resource.PropertyMap
	Provider string
	Preview  bool
}

// Decode decodes the call's arguments into the struct or map target points to.
func (c CallArgs) Decode(target any) error {
	if err := resource.MapToGo(c.Args, target); err != nil {
		return fmt.Errorf("decode the arguments of %s: %w", c.Token, err)
	}
	return nil
}

// Option sets up the run: its project, stack, configuration, and whether it is a preview.
type Option func(*options)

type options struct {
	project, stack string
	preview        bool
	config         resource.PropertyMap
	parallel       int
}

// Project names the project (default "test").
func Project(name string) Option { return func(o *options) { o.project = name } }

// Stack names the stack (default "test").
func Stack(name string) Option { return func(o *options) { o.stack = name } }

// Preview runs the program as `infra preview` would: no IDs for new resources, and computed outputs unknown.
func Preview() Option { return func(o *options) { o.preview = true } }

// Config sets a configuration value, as `infra config set KEY VALUE` would. A key without a namespace is the
// project's ("port" is "<project>:port").
func Config(key, value string) Option {
	return ConfigValue(key, resource.NewString(value))
}

// SecretConfig sets a secret configuration value, as `infra config set --secret KEY VALUE` would.
func SecretConfig(key, value string) Option {
	return ConfigValue(key, resource.MakeSecret(resource.NewString(value)))
}

// ConfigValue sets a configuration value of any type (a number, a list, a structured value).
func ConfigValue(key string, v resource.PropertyValue) Option {
	return func(o *options) { o.config[key] = v }
}

// Run runs program against mocks and returns what it registered. It fails the test when the program fails;
// use RunErr to test a failure.
func Run(t testing.TB, program func(ctx *infra.Context) error, mocks Mocks, opts ...Option) *Result {
	t.Helper()
	res, err := RunErr(program, mocks, opts...)
	if err != nil {
		t.Fatalf("the program failed: %v", err)
	}
	return res
}

// RunErr runs program against mocks and returns what it registered and how it failed, if it did.
func RunErr(program func(ctx *infra.Context) error, mocks Mocks, opts ...Option) (*Result, error) {
	o := options{project: "test", stack: "test", config: resource.PropertyMap{}, parallel: 16}
	for _, opt := range opts {
		opt(&o)
	}
	cfg := make(resource.PropertyMap, len(o.config))
	for k, v := range o.config {
		if !strings.Contains(k, ":") {
			k = o.project + ":" + k
		}
		cfg[k] = v
	}
	m := &monitor{
		mocks: mocks, opts: o,
		info:   &pb.ProgramInfo{Project: o.project, Stack: o.stack, DryRun: o.preview, Config: propertypb.FromMap(cfg), ConfigFile: "Infra." + o.stack + ".yaml", Parallel: int32(o.parallel)},
		result: &Result{Preview: o.preview, byURN: map[resource.URN]*Resource{}},
	}
	err := infra.RunErr(program, infra.WithMonitor(m))
	m.mu.Lock()
	defer m.mu.Unlock()
	res := m.result
	sort.SliceStable(res.Resources, func(i, j int) bool { return res.Resources[i].order < res.Resources[j].order })
	return res, err
}

// monitor plays the engine for one run.
type monitor struct {
	mocks Mocks
	opts  options
	info  *pb.ProgramInfo

	mu     sync.Mutex
	result *Result
	order  int
}

func (m *monitor) ProgramInfo(context.Context) (*pb.ProgramInfo, error) { return m.info, nil }

func (m *monitor) Register(req *pb.RegisterRequest, done func(*pb.RegisterResponse, error)) {
	// Answered from another goroutine, as the engine answers on its stream: a program must not depend on its
	// registrations being answered in the order it made them, or at once.
	go func() {
		resp, err := m.register(req)
		done(resp, err)
	}()
}

func (m *monitor) register(req *pb.RegisterRequest) (*pb.RegisterResponse, error) {
	parentType := ""
	if req.GetParent() != "" {
		parentType = resource.URN(req.GetParent()).QualifiedType()
	}
	urn := resource.NewURN(m.opts.stack, m.opts.project, parentType, req.GetType(), req.GetName())
	inputs, err := propertypb.ToMap(req.GetInputs())
	if err != nil {
		return nil, fmt.Errorf("infratest: the inputs of %s: %w", urn, err)
	}
	r := &Resource{
		URN: urn, Type: req.GetType(), Name: req.GetName(), Parent: resource.URN(req.GetParent()),
		Custom: req.GetCustom(), Inputs: inputs, Provider: req.GetProvider(),
		Protect: req.GetProtect(), RetainOnDelete: req.GetRetainOnDelete(), ImportID: req.GetImportId(),
		IgnoreChanges: req.GetIgnoreChanges(), ReplaceOnChanges: req.GetReplaceOnChanges(),
		PropertyDependencies: map[string][]resource.URN{}, Skipped: req.GetSkipReason(),
	}
	switch req.GetDeleteBeforeReplace() {
	case pb.Tristate_TRISTATE_TRUE:
		r.DeleteBeforeReplace = ptr(true)
	case pb.Tristate_TRISTATE_FALSE:
		r.DeleteBeforeReplace = ptr(false)
	}
	for _, d := range req.GetDependencies() {
		r.Dependencies = append(r.Dependencies, resource.URN(d))
	}
	for k, v := range req.GetPropertyDependencies() {
		for _, d := range v.GetUrns() {
			r.PropertyDependencies[k] = append(r.PropertyDependencies[k], resource.URN(d))
		}
	}
	for _, a := range req.GetAliases() {
		r.Aliases = append(r.Aliases, Alias{URN: resource.URN(a.GetUrn()), Name: a.GetName(), Type: a.GetType(), Parent: resource.URN(a.GetParent()), NoParent: a.GetNoParent()})
	}
	if err := m.add(r); err != nil {
		return &pb.RegisterResponse{Id: req.GetId(), Urn: string(urn), Error: err.Error()}, nil
	}
	if r.Skipped != "" {
		return &pb.RegisterResponse{Id: req.GetId(), Urn: string(urn), Error: "skipped: " + r.Skipped}, nil
	}
	switch {
	case !r.Custom:
		// A component's outputs come later, with RegisterOutputs.
		r.Outputs = resource.PropertyMap{}
	case resource.IsProviderType(r.Type):
		r.ID = r.Name + "-id"
		r.Outputs = inputs.Copy()
	default:
		id, outs, err := m.newResource(r)
		if err != nil {
			m.setFailure(r, err)
			return &pb.RegisterResponse{Id: req.GetId(), Urn: string(urn), Error: fmt.Sprintf("create %s: %v", urn, err)}, nil
		}
		r.ID = id
		r.Outputs = outs
	}
	m.mu.Lock()
	outs := r.Outputs.Copy()
	m.mu.Unlock()
	return &pb.RegisterResponse{Id: req.GetId(), Urn: string(urn), ResourceId: r.ID, Outputs: propertypb.FromMap(outs)}, nil
}

func ptr[T any](v T) *T { return &v }

// add records a registration, refusing a second resource with the same URN as the engine does.
func (m *monitor) add(r *Resource) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.result.byURN[r.URN]; dup {
		return fmt.Errorf("resource %s is registered twice: give each resource a unique name among its siblings", r.URN)
	}
	m.order++
	r.order = m.order
	m.result.byURN[r.URN] = r
	m.result.Resources = append(m.result.Resources, r)
	return nil
}

func (m *monitor) setFailure(r *Resource, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r.Err = err
}

// newResource asks the mock for a custom resource's ID and outputs, and makes of them what the engine would.
func (m *monitor) newResource(r *Resource) (string, resource.PropertyMap, error) {
	args := ResourceArgs{Type: r.Type, Name: r.Name, URN: r.URN, Parent: r.Parent, Inputs: r.Inputs.Copy(),
		Provider: r.Provider, ImportID: r.ImportID, Preview: m.opts.preview}
	id, outs := r.Name+"-id", r.Inputs.Copy()
	if m.mocks.NewResource != nil {
		var err error
		if id, outs, err = m.mocks.NewResource(args); err != nil {
			return "", nil, err
		}
		if outs == nil {
			outs = resource.PropertyMap{}
		}
	}
	if m.opts.preview && r.ImportID == "" {
		// What `infra preview` shows of a resource it would create: no ID, its inputs, and unknown for every
		// other output (the mock's outputs say which outputs there are).
		preview := make(resource.PropertyMap, len(outs)+len(r.Inputs))
		for k, v := range r.Inputs {
			preview[k] = v
		}
		for k, v := range outs {
			if _, isInput := r.Inputs[k]; !isInput {
				u := resource.Unknown()
				if v.ContainsSecrets() {
					u = resource.MakeSecret(u)
				}
				preview[k] = u
			}
		}
		id, outs = "", preview
	} else if id == "" {
		return "", nil, errors.New("the mock gave the new object no ID")
	}
	// Secretness never gets lost on the way through a provider.
	for k, v := range r.Inputs {
		if o, ok := outs[k]; ok && v.ContainsSecrets() && !o.IsSecret() {
			outs[k] = resource.MakeSecret(o)
		}
	}
	return id, outs, nil
}

func (m *monitor) RegisterOutputs(_ context.Context, req *pb.RegisterOutputsRequest) error {
	outs, err := propertypb.ToMap(req.GetOutputs())
	if err != nil {
		return fmt.Errorf("infratest: the outputs of %s: %w", req.GetUrn(), err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	urn := resource.URN(req.GetUrn())
	if r, ok := m.result.byURN[urn]; ok {
		if r.Outputs == nil {
			r.Outputs = resource.PropertyMap{}
		}
		for k, v := range outs {
			r.Outputs[k] = v
		}
		return nil
	}
	if req.GetUrn() == "" {
		// The stack's outputs carry no URN.
		m.result.Outputs = outs
		return nil
	}
	return fmt.Errorf("infratest: outputs for %s, which was never registered", urn)
}

func (m *monitor) Invoke(_ context.Context, req *pb.InvokeRequest) (*pb.InvokeResponse, error) {
	args, err := propertypb.ToMap(req.GetArgs())
	if err != nil {
		return nil, fmt.Errorf("infratest: the arguments of %s: %w", req.GetToken(), err)
	}
	m.mu.Lock()
	m.result.Calls = append(m.result.Calls, Call{Token: req.GetToken(), Args: args, Provider: req.GetProvider()})
	m.mu.Unlock()
	if m.mocks.Call == nil {
		return nil, fmt.Errorf("%s was called, but the test's Mocks have no Call to answer it", req.GetToken())
	}
	out, err := m.mocks.Call(CallArgs{Token: req.GetToken(), Args: args, Provider: req.GetProvider(), Preview: m.opts.preview})
	if err != nil {
		return nil, err
	}
	return &pb.InvokeResponse{Result: propertypb.FromMap(out)}, nil
}

// ReadStackOutputs answers stack references from Mocks.StackOutputs.
func (m *monitor) ReadStackOutputs(_ *infra.Context, req *pb.ReadStackOutputsRequest) (*pb.ReadStackOutputsResponse, error) {
	if m.mocks.StackOutputs == nil {
		return nil, fmt.Errorf("stack %s was referenced, but the test's Mocks have no StackOutputs to answer it", req.GetName())
	}
	outs, err := m.mocks.StackOutputs(req.GetName())
	if err != nil {
		return nil, err
	}
	return &pb.ReadStackOutputsResponse{Outputs: propertypb.FromMap(outs)}, nil
}

func (m *monitor) Log(_ context.Context, req *pb.LogRequest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.result.Logs = append(m.result.Logs, Log{Severity: strings.ToLower(strings.TrimPrefix(req.GetSeverity().String(), "SEVERITY_")), Message: req.GetMessage(), URN: resource.URN(req.GetUrn())})
	return nil
}

func (m *monitor) Close() error { return nil }

// Result is what a program registered in a run.
type Result struct {
	// Preview says whether the run was a preview.
	Preview bool
	// Resources are every registration, in the order they reached the engine (a resource registers once its
	// inputs' dependencies are known, so not always in the order of the program's statements): components,
	// provider resources and resources managed by providers.
	Resources []*Resource
	// Outputs are the stack's outputs (ctx.Export).
	Outputs resource.PropertyMap
	// Calls are the provider functions the program called.
	Calls []Call
	// Logs are the messages the program logged (ctx.Info, ctx.Warn, ...).
	Logs []Log

	byURN map[resource.URN]*Resource
}

// Resource is one registration.
type Resource struct {
	URN    resource.URN
	Type   string
	Name   string
	Parent resource.URN
	// Custom is true for a resource managed by a provider, false for a component.
	Custom bool
	// ID is what the mock gave the object; empty in a preview and for components.
	ID      string
	Inputs  resource.PropertyMap
	Outputs resource.PropertyMap
	// Dependencies are every resource this one depends on; PropertyDependencies say, per input, which.
	Dependencies         []resource.URN
	PropertyDependencies map[string][]resource.URN
	Provider             string
	Protect              bool
	RetainOnDelete       bool
	DeleteBeforeReplace  *bool
	IgnoreChanges        []string
	ReplaceOnChanges     []string
	Aliases              []Alias
	ImportID             string
	// Skipped is why the program did not register the resource (something it depends on failed), and Err the
	// mock's failure of its create.
	Skipped string
	Err     error

	order int
}

// Alias is an earlier identity a resource declared.
type Alias struct {
	URN        resource.URN
	Name, Type string
	Parent     resource.URN
	NoParent   bool
}

// Call is a provider function call the program made.
type Call struct {
	Token    string
	Args     resource.PropertyMap
	Provider string
}

// Log is a message the program logged; Severity is "debug", "info", "warning" or "error".
type Log struct {
	Severity string
	Message  string
	URN      resource.URN
}

// Find returns the resource of type typ called name, or nil. When several resources share the type and name
// under different parents, the first registered is returned; use ByURN to tell them apart.
func (r *Result) Find(typ, name string) *Resource {
	for _, res := range r.Resources {
		if res.Type == typ && res.Name == name {
			return res
		}
	}
	return nil
}

// ByURN returns the resource with that URN, or nil.
func (r *Result) ByURN(urn resource.URN) *Resource { return r.byURN[urn] }

// Require returns the resource of type typ called name, failing the test (with the resources there are) when
// there is none.
func (r *Result) Require(t testing.TB, typ, name string) *Resource {
	t.Helper()
	if res := r.Find(typ, name); res != nil {
		return res
	}
	var have []string
	for _, res := range r.Resources {
		have = append(have, res.Type+" "+res.Name)
	}
	t.Fatalf("the program registered no %s called %q; it registered:\n  %s", typ, name, strings.Join(have, "\n  "))
	return nil
}

// OfType returns the resources of type typ, in the order they registered.
func (r *Result) OfType(typ string) []*Resource {
	var out []*Resource
	for _, res := range r.Resources {
		if res.Type == typ {
			out = append(out, res)
		}
	}
	return out
}

// Children returns the resources whose parent is parent, in the order they registered.
func (r *Result) Children(parent *Resource) []*Resource {
	var out []*Resource
	for _, res := range r.Resources {
		if res.Parent == parent.URN {
			out = append(out, res)
		}
	}
	return out
}

// Output returns the stack output called name and whether there is one.
func (r *Result) Output(name string) (resource.PropertyValue, bool) {
	v, ok := r.Outputs[name]
	return v, ok
}

// DependsOn reports whether the resource depends on other, directly (through an input or DependsOn).
func (res *Resource) DependsOn(other *Resource) bool {
	return slices.Contains(res.Dependencies, other.URN)
}
