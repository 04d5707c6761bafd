// Package provider is the kit a provider is written with. An author declares resource types as Go structs for
// inputs and outputs and implements Create (and, as needed, Read, Update, Delete, Check, Diff) with typed
// requests; the kit derives the schema from the struct tags, validates inputs, fills defaults, computes diffs,
// converts property values, and serves the provider protocol over hashicorp/go-plugin with Serve.
//
// Struct tags on input and output fields:
//
//	infra:"name"                  the property name (default: the field name with a lower-case first letter)
//	infra:"name,optional"         an input the program may leave unset (pointers, slices and maps are optional anyway)
//	infra:"name,secret"           always a secret
//	infra:"name,replace"          changing this input replaces the object
//	doc:"..."                     the property's documentation
//	default:"..."                 the value Check fills in when the input is absent
package provider

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/infrago/infra/sdk/resource"
)

// Provider is a provider as its author assembles it.
type Provider struct {
	// Name is the package name: the first part of every type token ("random" in "random:index:String").
	Name string
	// Version is the provider's semantic version.
	Version     string
	Description string
	// Config declares and receives the provider's configuration; see ConfigOf. Nil means none.
	Config *ConfigSpec
	// Resources are the resource types, built with NewResource.
	Resources []Resource
	// Functions are the provider functions, built with NewFunction.
	Functions []Function
}

// ConfigSpec declares a provider's configuration type and what to do with a checked configuration.
type ConfigSpec struct {
	typ       reflect.Type
	configure func(ctx context.Context, m resource.PropertyMap) error
}

// ConfigOf declares configuration of type C (a struct with the same tags as resource inputs); configure is called
// once with the checked configuration before any resource operation.
func ConfigOf[C any](configure func(ctx context.Context, config C) error) *ConfigSpec {
	return &ConfigSpec{
		typ: reflect.TypeOf((*C)(nil)).Elem(),
		configure: func(ctx context.Context, m resource.PropertyMap) error {
			var c C
			if err := resource.MapToGo(m, &c); err != nil {
				return fmt.Errorf("provider configuration: %w", err)
			}
			return configure(ctx, c)
		},
	}
}

// CreateRequest asks for a new object.
type CreateRequest[I any] struct {
	URN    resource.URN
	Inputs I
	// Timeout is how long the create may take; the context's deadline is set from it as well.
	Timeout time.Duration
	// IdempotencyToken is unique to this attempt; attach it to the object (client token, tag) so a create cut off
	// by a crash can be found again.
	IdempotencyToken string
	// SecretInputs names the top-level inputs the program marked secret (the typed Inputs no longer show it).
	SecretInputs []string
}

// CreateResponse is a created object. Returning a non-empty ID together with an error means the object exists but
// did not become ready: it is tracked, and the error is reported.
type CreateResponse[O any] struct {
	ID      string
	Outputs O
	// Secret names top-level outputs to mark secret beyond those the schema declares secret (for example an
	// output derived from a secret input).
	Secret []string
}

// ReadRequest asks for the live state of an object.
type ReadRequest[I, O any] struct {
	URN resource.URN
	ID  string
	// Inputs and Outputs are what state holds; both are zero for an import.
	Inputs  I
	Outputs O
	// Import is true when the object is being adopted and state holds nothing yet.
	Import bool
}

// ReadResponse is an object's live state. An empty ID means the object no longer exists.
type ReadResponse[I, O any] struct {
	ID      string
	Inputs  I
	Outputs O
}

// UpdateRequest asks for an object to change in place.
type UpdateRequest[I, O any] struct {
	URN        resource.URN
	ID         string
	OldInputs  I
	OldOutputs O
	Inputs     I
	Timeout    time.Duration
	// SecretInputs names the top-level inputs the program marked secret.
	SecretInputs []string
}

// UpdateResponse is an updated object's outputs.
type UpdateResponse[O any] struct {
	Outputs O
	// Secret names top-level outputs to mark secret beyond those the schema declares secret.
	Secret []string
}

// DeleteRequest asks for an object to be removed.
type DeleteRequest[I, O any] struct {
	URN     resource.URN
	ID      string
	Inputs  I
	Outputs O
	Timeout time.Duration
	// SecretInputs names the top-level inputs that hold secrets, so that a failure message can avoid them.
	SecretInputs []string
}

// CheckRequest asks for new inputs to be validated; Inputs already have defaults filled in and passed the schema.
type CheckRequest[I any] struct {
	URN       resource.URN
	OldInputs I
	Inputs    I
}

// CheckFailure is one invalid input.
type CheckFailure struct {
	Property string
	Reason   string
}

// DiffRequest asks what changed; the kit's default compares inputs using the schema.
type DiffRequest[I, O any] struct {
	URN        resource.URN
	ID         string
	OldInputs  I
	OldOutputs O
	Inputs     I
}

// DiffResponse says what a change does.
type DiffResponse struct {
	// HasChanges is false when nothing needs to happen.
	HasChanges bool
	// Changed lists the top-level properties that changed.
	Changed []string
	// Replaces lists the changed properties that force a replacement.
	Replaces []string
	// DeleteBeforeReplace asks for the old object to be deleted before the new one is created.
	DeleteBeforeReplace bool
}

// Creator is the one method every resource implements.
type Creator[I, O any] interface {
	Create(ctx context.Context, req CreateRequest[I]) (CreateResponse[O], error)
}

// Reader is implemented by resources that can read live state (refresh, import, drift detection).
type Reader[I, O any] interface {
	Read(ctx context.Context, req ReadRequest[I, O]) (ReadResponse[I, O], error)
}

// BatchReader is implemented by resources that can read many objects in fewer calls than one each (a describe of
// many IDs, a list of a zone's records): a refresh of a large stack then costs a few calls per type instead of one
// per object. ReadMany answers each request in order, as Read would: a response with an empty ID for an object
// that is gone, or an error in errs at the request's index for a read that failed (the others stand).
type BatchReader[I, O any] interface {
	ReadMany(ctx context.Context, reqs []ReadRequest[I, O]) (resps []ReadResponse[I, O], errs []error)
}

// LookupRequest asks for the object a create made, found by the create's idempotency token.
type LookupRequest[I any] struct {
	URN              resource.URN
	IdempotencyToken string
	Inputs           I
}

// Looker is implemented by resources whose creates can be found again after a crash cut off the answer: by the
// idempotency token the create attached to the object (a client token, a tag). Returning an empty ID says the
// create made nothing. Resources without external objects (nothing to find, nothing duplicated) should
// implement it and return an empty ID. Without it, the engine cannot tell and asks the user.
type Looker[I, O any] interface {
	Lookup(ctx context.Context, req LookupRequest[I]) (ReadResponse[I, O], error)
}

// Updater is implemented by resources that can change in place; without it every change replaces.
type Updater[I, O any] interface {
	Update(ctx context.Context, req UpdateRequest[I, O]) (UpdateResponse[O], error)
}

// Deleter is implemented by resources that have something to remove; without it delete only forgets.
type Deleter[I, O any] interface {
	Delete(ctx context.Context, req DeleteRequest[I, O]) error
}

// Checker is implemented by resources with validation beyond the schema. It is skipped while inputs hold values
// not known yet (preview).
type Checker[I any] interface {
	Check(ctx context.Context, req CheckRequest[I]) (I, []CheckFailure, error)
}

// Differ is implemented by resources that need more than the schema-driven diff.
type Differ[I, O any] interface {
	Diff(ctx context.Context, req DiffRequest[I, O]) (DiffResponse, error)
}

// Resource is a resource type ready to be served; build one with NewResource.
type Resource interface {
	Token() string
	build(b *schemaBuilder) ResourceSchema
	ops() resourceOps
}

// ResourceOption adjusts a resource type.
type ResourceOption func(*resourceSettings)

type resourceSettings struct {
	deleteBeforeReplace bool
	virtual             bool
}

// Virtual marks a type whose objects exist only in the stack's state (a random value, a data record): creating,
// updating or deleting one touches nothing outside, so a crash in the middle can leave nothing behind and the
// engine need not journal its intent before calling the provider.
func Virtual() ResourceOption {
	return func(s *resourceSettings) { s.virtual = true }
}

// DeleteBeforeReplace marks a type whose replacements must delete the old object first (for example because
// names are unique).
func DeleteBeforeReplace() ResourceOption {
	return func(s *resourceSettings) { s.deleteBeforeReplace = true }
}

// resourceOps is the untyped face of a resource type the server drives.
type resourceOps struct {
	inType, outType reflect.Type
	check           func(ctx context.Context, urn resource.URN, olds, news resource.PropertyMap) (resource.PropertyMap, []CheckFailure, error)
	diff            func(ctx context.Context, urn resource.URN, id string, oldIn, oldOut, news resource.PropertyMap, props map[string]Property) (DiffResponse, bool, error)
	create          func(ctx context.Context, urn resource.URN, in resource.PropertyMap, timeout time.Duration, token string) (string, resource.PropertyMap, error)
	read            func(ctx context.Context, urn resource.URN, id string, in, out resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap, error)
	lookup          func(ctx context.Context, urn resource.URN, token string, in resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap, error)
	update          func(ctx context.Context, urn resource.URN, id string, oldIn, oldOut, news resource.PropertyMap, timeout time.Duration) (resource.PropertyMap, error)
	delete          func(ctx context.Context, urn resource.URN, id string, in, out resource.PropertyMap, timeout time.Duration) error
	canUpdate       bool
	canRead         bool
	// readMany is set when the resource reads many objects at once (BatchReader).
	readMany func(ctx context.Context, items []readItem) []readItemResult
}

// readItem is one object of a batched read, as state holds it.
type readItem struct {
	URN             resource.URN
	ID              string
	Inputs, Outputs resource.PropertyMap
}

// readItemResult is one object's answer in a batched read: an empty ID means it is gone.
type readItemResult struct {
	ID              string
	Inputs, Outputs resource.PropertyMap
	Err             error
}

// decodeRead is the typed request of a read of the object state holds as inM and outM (both empty: an import).
func decodeRead[I, O any](urn resource.URN, id string, inM, outM resource.PropertyMap) (ReadRequest[I, O], error) {
	req := ReadRequest[I, O]{URN: urn, ID: id, Import: len(inM) == 0 && len(outM) == 0}
	var err error
	if req.Inputs, err = decodeInputs[I](inM, "inputs"); err != nil {
		return req, err
	}
	if req.Outputs, err = decodeInputs[O](outM, "outputs"); err != nil {
		return req, err
	}
	return req, nil
}

// encodeRead turns a typed read's answer into property maps, as the engine expects them.
func encodeRead[I, O any](req ReadRequest[I, O], resp ReadResponse[I, O], inM, outM resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap, error) {
	if resp.ID == "" {
		return "", nil, nil, nil
	}
	ins, err := resource.MapFromGo(resp.Inputs)
	if err != nil {
		return "", nil, nil, fmt.Errorf("encode inputs: %w", err)
	}
	outs, err := resource.MapFromGo(resp.Outputs)
	if err != nil {
		return "", nil, nil, fmt.Errorf("encode outputs: %w", err)
	}
	// Typed Go values cannot leave a property absent: drop the zero values of properties the state did not
	// have, or a read would look like a change.
	if !req.Import {
		ins, outs = pruneAddedZeros(inM, ins), pruneAddedZeros(outM, outs)
	}
	return resp.ID, restoreSecrets(inM, ins), restoreSecrets(outM, outs), nil
}

type resourceType[I, O any] struct {
	token    string
	doc      string
	impl     Creator[I, O]
	settings resourceSettings
}

// NewResource declares resource type token (pkg:module:Type) with input type I and output type O, implemented by
// impl. impl may also implement Reader, Updater, Deleter, Checker and Differ.
func NewResource[I, O any](token, description string, impl Creator[I, O], opts ...ResourceOption) Resource {
	r := &resourceType[I, O]{token: token, doc: description, impl: impl}
	for _, o := range opts {
		o(&r.settings)
	}
	return r
}

func (r *resourceType[I, O]) Token() string { return r.token }

func (r *resourceType[I, O]) build(b *schemaBuilder) ResourceSchema {
	mod := moduleOf(r.token)
	return ResourceSchema{
		Description:         r.doc,
		Inputs:              b.properties(reflect.TypeOf((*I)(nil)).Elem(), mod, true),
		Outputs:             b.properties(reflect.TypeOf((*O)(nil)).Elem(), mod, false),
		DeleteBeforeReplace: r.settings.deleteBeforeReplace,
		Virtual:             r.settings.virtual,
	}
}

func decodeInputs[T any](m resource.PropertyMap, what string) (T, error) {
	var v T
	if err := resource.MapToGo(m, &v); err != nil {
		return v, fmt.Errorf("decode %s: %w", what, err)
	}
	return v, nil
}

func (r *resourceType[I, O]) ops() resourceOps {
	ops := resourceOps{
		inType:  reflect.TypeOf((*I)(nil)).Elem(),
		outType: reflect.TypeOf((*O)(nil)).Elem(),
	}
	if c, ok := r.impl.(Checker[I]); ok {
		ops.check = func(ctx context.Context, urn resource.URN, olds, news resource.PropertyMap) (resource.PropertyMap, []CheckFailure, error) {
			if news.ContainsUnknowns() {
				return news, nil, nil
			}
			in, err := decodeInputs[I](news, "inputs")
			if err != nil {
				return nil, nil, err
			}
			var old I
			if len(olds) > 0 && !olds.ContainsUnknowns() {
				old, _ = decodeInputs[I](olds, "old inputs")
			}
			checked, failures, err := c.Check(ctx, CheckRequest[I]{URN: urn, OldInputs: old, Inputs: in})
			if err != nil || len(failures) > 0 {
				return nil, failures, err
			}
			m, err := resource.MapFromGo(checked)
			if err != nil {
				return nil, nil, fmt.Errorf("encode checked inputs: %w", err)
			}
			return restoreSecrets(news, pruneAddedZeros(news, m)), nil, nil
		}
	}
	if d, ok := r.impl.(Differ[I, O]); ok {
		ops.diff = func(ctx context.Context, urn resource.URN, id string, oldIn, oldOut, news resource.PropertyMap, props map[string]Property) (DiffResponse, bool, error) {
			// In a preview some inputs may not be known yet. A typed Differ cannot hold them, so unknown strings
			// are shown to it as UnknownString (which differs from every real value) and other unknowns as
			// absent; afterwards every unknown input counts as changed whatever the Differ said.
			var unknown []string
			if news.ContainsUnknowns() {
				news = news.Copy()
				for _, k := range news.Keys() {
					if !news[k].ContainsUnknowns() {
						continue
					}
					unknown = append(unknown, k)
					if p, ok := props[k]; ok && p.Type == "string" && news[k].Unsecret().IsUnknown() {
						news[k] = resource.NewString(UnknownString)
					} else {
						delete(news, k)
					}
				}
			}
			oi, err := decodeInputs[I](oldIn, "old inputs")
			if err != nil {
				return DiffResponse{}, false, err
			}
			oo, err := decodeInputs[O](oldOut, "old outputs")
			if err != nil {
				return DiffResponse{}, false, err
			}
			ni, err := decodeInputs[I](news, "inputs")
			if err != nil {
				return DiffResponse{}, false, err
			}
			resp, err := d.Diff(ctx, DiffRequest[I, O]{URN: urn, ID: id, OldInputs: oi, OldOutputs: oo, Inputs: ni})
			if err != nil {
				return resp, true, err
			}
			for _, k := range unknown {
				if !contains(resp.Changed, k) {
					resp.Changed = append(resp.Changed, k)
					if props[k].ReplaceOnChanges {
						resp.Replaces = append(resp.Replaces, k)
					}
				}
			}
			resp.HasChanges = resp.HasChanges || len(unknown) > 0
			return resp, true, nil
		}
	}
	ops.create = func(ctx context.Context, urn resource.URN, in resource.PropertyMap, timeout time.Duration, token string) (string, resource.PropertyMap, error) {
		inputs, err := decodeInputs[I](in, "inputs")
		if err != nil {
			return "", nil, err
		}
		resp, cerr := r.impl.Create(ctx, CreateRequest[I]{URN: urn, Inputs: inputs, Timeout: timeout, IdempotencyToken: token,
			SecretInputs: secretKeys(in)})
		if resp.ID == "" {
			if cerr == nil {
				cerr = fmt.Errorf("provider returned no ID for the new object")
			}
			return "", nil, cerr
		}
		out, err := resource.MapFromGo(resp.Outputs)
		if err != nil {
			return resp.ID, nil, fmt.Errorf("encode outputs: %w", err)
		}
		return resp.ID, markSecret(restoreSecrets(in, out), resp.Secret), cerr
	}
	if rd, ok := r.impl.(Reader[I, O]); ok {
		ops.canRead = true
		ops.read = func(ctx context.Context, urn resource.URN, id string, inM, outM resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap, error) {
			req, err := decodeRead[I, O](urn, id, inM, outM)
			if err != nil {
				return "", nil, nil, err
			}
			resp, err := rd.Read(ctx, req)
			if err != nil {
				return "", nil, nil, err
			}
			return encodeRead(req, resp, inM, outM)
		}
	}
	if br, ok := r.impl.(BatchReader[I, O]); ok && ops.canRead {
		ops.readMany = func(ctx context.Context, items []readItem) []readItemResult {
			out := make([]readItemResult, len(items))
			reqs := make([]ReadRequest[I, O], 0, len(items))
			at := make([]int, 0, len(items))
			for i, it := range items {
				req, err := decodeRead[I, O](it.URN, it.ID, it.Inputs, it.Outputs)
				if err != nil {
					out[i].Err = err
					continue
				}
				reqs, at = append(reqs, req), append(at, i)
			}
			resps, errs := br.ReadMany(ctx, reqs)
			for j, i := range at {
				switch {
				case j < len(errs) && errs[j] != nil:
					out[i].Err = errs[j]
				case j >= len(resps):
					out[i].Err = fmt.Errorf("the provider answered %d of %d reads", len(resps), len(reqs))
				default:
					out[i].ID, out[i].Inputs, out[i].Outputs, out[i].Err = encodeRead(reqs[j], resps[j], items[i].Inputs, items[i].Outputs)
				}
			}
			return out
		}
	}
	if lk, ok := r.impl.(Looker[I, O]); ok {
		ops.lookup = func(ctx context.Context, urn resource.URN, token string, inM resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap, error) {
			in, err := decodeInputs[I](inM, "inputs")
			if err != nil {
				return "", nil, nil, err
			}
			resp, err := lk.Lookup(ctx, LookupRequest[I]{URN: urn, IdempotencyToken: token, Inputs: in})
			if err != nil || resp.ID == "" {
				return "", nil, nil, err
			}
			ins, err := resource.MapFromGo(resp.Inputs)
			if err != nil {
				return "", nil, nil, fmt.Errorf("encode inputs: %w", err)
			}
			outs, err := resource.MapFromGo(resp.Outputs)
			if err != nil {
				return "", nil, nil, fmt.Errorf("encode outputs: %w", err)
			}
			ins = pruneAddedZeros(inM, ins)
			return resp.ID, restoreSecrets(inM, ins), restoreSecrets(inM, outs), nil
		}
	}
	if u, ok := r.impl.(Updater[I, O]); ok {
		ops.canUpdate = true
		ops.update = func(ctx context.Context, urn resource.URN, id string, oldIn, oldOut, news resource.PropertyMap, timeout time.Duration) (resource.PropertyMap, error) {
			req := UpdateRequest[I, O]{URN: urn, ID: id, Timeout: timeout, SecretInputs: secretKeys(news)}
			var err error
			if req.OldInputs, err = decodeInputs[I](oldIn, "old inputs"); err != nil {
				return nil, err
			}
			if req.OldOutputs, err = decodeInputs[O](oldOut, "old outputs"); err != nil {
				return nil, err
			}
			if req.Inputs, err = decodeInputs[I](news, "inputs"); err != nil {
				return nil, err
			}
			resp, err := u.Update(ctx, req)
			if err != nil {
				return nil, err
			}
			out, err := resource.MapFromGo(resp.Outputs)
			if err != nil {
				return nil, fmt.Errorf("encode outputs: %w", err)
			}
			return markSecret(restoreSecrets(news, out), resp.Secret), nil
		}
	}
	if d, ok := r.impl.(Deleter[I, O]); ok {
		ops.delete = func(ctx context.Context, urn resource.URN, id string, inM, outM resource.PropertyMap, timeout time.Duration) error {
			req := DeleteRequest[I, O]{URN: urn, ID: id, Timeout: timeout, SecretInputs: secretKeys(inM)}
			var err error
			if req.Inputs, err = decodeInputs[I](inM, "inputs"); err != nil {
				return err
			}
			if req.Outputs, err = decodeInputs[O](outM, "outputs"); err != nil {
				return err
			}
			return d.Delete(ctx, req)
		}
	}
	return ops
}

// pruneAddedZeros drops from checked the properties the program did not set that came back as zero values only
// because typed Go fields cannot be absent: they carry no information and would bloat state and diffs.
func pruneAddedZeros(news, checked resource.PropertyMap) resource.PropertyMap {
	for k, v := range checked {
		if _, set := news[k]; set {
			continue
		}
		if isZero(v) {
			delete(checked, k)
		}
	}
	return checked
}

func isZero(v resource.PropertyValue) bool {
	v = v.Unsecret()
	switch v.Kind() {
	case resource.KindNull:
		return true
	case resource.KindBool:
		return !v.BoolValue()
	case resource.KindNumber:
		return v.NumberValue() == 0
	case resource.KindString:
		return v.StringValue() == ""
	case resource.KindList:
		return len(v.ListValue()) == 0
	case resource.KindMap:
		return len(v.MapValue()) == 0
	}
	return false
}

func secretKeys(m resource.PropertyMap) []string {
	var keys []string
	for _, k := range m.Keys() {
		if m[k].ContainsSecrets() {
			keys = append(keys, k)
		}
	}
	return keys
}

func markSecret(m resource.PropertyMap, names []string) resource.PropertyMap {
	for _, n := range names {
		if v, ok := m[n]; ok && !v.IsNull() {
			m[n] = resource.MakeSecret(v)
		}
	}
	return m
}

// UnknownString is what a typed Differ sees, during a preview, in place of a string input that is not known yet.
const UnknownString = "\x00<unknown>\x00"

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// restoreSecrets carries the secrets of in over to the same-named properties of out, which went through typed Go
// values that cannot hold secret marks. A property that came back unchanged gets in's value, secret marks and
// all, even when they are nested; one that changed and held a secret becomes secret as a whole.
func restoreSecrets(in, out resource.PropertyMap) resource.PropertyMap {
	if out == nil {
		return nil
	}
	for k, iv := range in {
		if !iv.ContainsSecrets() {
			continue
		}
		ov, ok := out[k]
		if !ok {
			continue
		}
		if ov.EqualIgnoringSecrets(iv) {
			out[k] = iv
		} else if !ov.IsSecret() {
			out[k] = resource.MakeSecret(ov)
		}
	}
	return out
}

// Function is a provider function ready to be served; build one with NewFunction.
type Function interface {
	Token() string
	build(b *schemaBuilder) FunctionSchema
	call(ctx context.Context, args resource.PropertyMap) (resource.PropertyMap, error)
}

type function[I, O any] struct {
	token string
	doc   string
	fn    func(ctx context.Context, args I) (O, error)
}

// NewFunction declares provider function token with argument type I and result type O.
func NewFunction[I, O any](token, description string, fn func(ctx context.Context, args I) (O, error)) Function {
	return &function[I, O]{token: token, doc: description, fn: fn}
}

func (f *function[I, O]) Token() string { return f.token }

func (f *function[I, O]) build(b *schemaBuilder) FunctionSchema {
	mod := moduleOf(f.token)
	return FunctionSchema{
		Description: f.doc,
		Inputs:      b.properties(reflect.TypeOf((*I)(nil)).Elem(), mod, true),
		Outputs:     b.properties(reflect.TypeOf((*O)(nil)).Elem(), mod, false),
	}
}

func (f *function[I, O]) call(ctx context.Context, args resource.PropertyMap) (resource.PropertyMap, error) {
	in, err := decodeInputs[I](args, "arguments")
	if err != nil {
		return nil, err
	}
	out, err := f.fn(ctx, in)
	if err != nil {
		return nil, err
	}
	return resource.MapFromGo(out)
}

// BuildSchema derives the provider's schema from its declarations. It fails when a declaration cannot be
// described (an unsupported Go type, a bad default, a duplicate or malformed token).
func (p Provider) BuildSchema() (Schema, error) {
	b := newSchemaBuilder(p.Name)
	s := Schema{
		SchemaVersion: SchemaVersion,
		Name:          p.Name,
		Version:       p.Version,
		Description:   p.Description,
		Resources:     map[string]ResourceSchema{},
	}
	if p.Config != nil {
		s.Config = b.properties(p.Config.typ, "index", true)
	}
	for _, r := range p.Resources {
		tok := r.Token()
		if err := resource.ValidateType(tok); err != nil || resource.Package(tok) != p.Name {
			return Schema{}, fmt.Errorf("resource token %q must be %s:<module>:<Type>", tok, p.Name)
		}
		if _, dup := s.Resources[tok]; dup {
			return Schema{}, fmt.Errorf("resource type %s declared twice", tok)
		}
		s.Resources[tok] = r.build(b)
	}
	for _, f := range p.Functions {
		tok := f.Token()
		if err := resource.ValidateType(tok); err != nil || resource.Package(tok) != p.Name {
			return Schema{}, fmt.Errorf("function token %q must be %s:<module>:<name>", tok, p.Name)
		}
		if s.Functions == nil {
			s.Functions = map[string]FunctionSchema{}
		}
		if _, dup := s.Functions[tok]; dup {
			return Schema{}, fmt.Errorf("function %s declared twice", tok)
		}
		s.Functions[tok] = f.build(b)
	}
	if len(b.types) > 0 {
		s.Types = b.types
	}
	if len(b.errors) > 0 {
		return Schema{}, fmt.Errorf("provider %s schema: %v", p.Name, b.errors)
	}
	return s, nil
}
