package plugin

import (
	"context"
	"errors"
	"fmt"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/infrago/infra/sdk/provider"
	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/sdk/rpc/propertypb"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

// Provider is one running provider instance.
type Provider struct {
	pkg     string
	where   string
	version string
	client  process
	rpc     pb.ResourceProviderClient
	schema  *provider.Schema
	tail    *tail
	// checkOnCreate says the provider announced the check-on-create feature.
	checkOnCreate bool
}

// Package is the provider's package name.
func (p *Provider) Package() string { return p.pkg }

// Version is the version the provider reported.
func (p *Provider) Version() string { return p.version }

// Schema is the provider's schema.
func (p *Provider) Schema() *provider.Schema { return p.schema }

// Kill stops the provider process at once.
func (p *Provider) Kill() { p.client.Kill() }

// Exited reports whether the provider process has ended.
func (p *Provider) Exited() bool { return p.client.Exited() }

// process is what a Provider needs of its plugin process (*goplugin.Client is the real one).
type process interface {
	Exited() bool
	Kill()
	ReattachConfig() *goplugin.ReattachConfig
}

// CheckFailure is an input a provider rejected.
type CheckFailure struct {
	Property string
	Reason   string
}

// ErrCrashed is wrapped by errors from a provider whose process ended in the middle of a call.
var ErrCrashed = errors.New("provider process exited unexpectedly")

// ErrThrottled is wrapped by errors from a provider that refused a call because it is throttled (gRPC
// RESOURCE_EXHAUSTED): the operation did not happen and may be retried after a pause.
var ErrThrottled = errors.New("provider is throttled")

// ErrTimeout is wrapped by errors from a call that hit its deadline.
var ErrTimeout = errors.New("provider did not answer in time")

// wrap turns an RPC failure into an error that names the provider and says what happened.
func (p *Provider) wrap(what string, urn resource.URN, err error) error {
	target := ""
	if urn != "" {
		target = " " + string(urn)
	}
	st, _ := status.FromError(err)
	if st.Code() == codes.Unavailable || st.Code() == codes.Canceled || st.Code() == codes.Unknown && p.client.Exited() {
		// The process may be in the middle of exiting: give it a moment to be seen as gone.
		for i := 0; i < 50 && !p.client.Exited(); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		if p.client.Exited() {
			return fmt.Errorf("%w: provider %s (%s) exited while %s%s%s", ErrCrashed, p.pkg, p.where, what, target, p.tail.suffix())
		}
	}
	if st.Code() == codes.ResourceExhausted {
		return fmt.Errorf("%w: provider %s: %s", ErrThrottled, p.pkg, st.Message())
	}
	if st.Code() == codes.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: provider %s did not finish %s%s in time", ErrTimeout, p.pkg, what, target)
	}
	msg := st.Message()
	if msg == "" {
		msg = err.Error()
	}
	return fmt.Errorf("provider %s: %s", p.pkg, msg)
}

func failures(fs []*pb.CheckFailure) []CheckFailure {
	out := make([]CheckFailure, len(fs))
	for i, f := range fs {
		out[i] = CheckFailure{Property: f.GetProperty(), Reason: f.GetReason()}
	}
	return out
}

func toMap(m *propertypb.Map) (resource.PropertyMap, error) {
	pm, err := propertypb.ToMap(m)
	if err != nil {
		return nil, fmt.Errorf("provider sent a malformed property map: %w", err)
	}
	return pm, nil
}

// CheckConfig validates provider configuration.
func (p *Provider) CheckConfig(ctx context.Context, req CheckRequest) (resource.PropertyMap, []CheckFailure, error) {
	resp, err := p.rpc.CheckConfig(ctx, &pb.CheckRequest{Urn: string(req.URN), Olds: propertypb.FromMap(req.Olds), News: propertypb.FromMap(req.News)})
	if err != nil {
		return nil, nil, p.wrap("checking the configuration of", req.URN, err)
	}
	if len(resp.GetFailures()) > 0 {
		return nil, failures(resp.GetFailures()), nil
	}
	m, err := toMap(resp.GetInputs())
	return m, nil, err
}

// Configure gives the provider its configuration.
func (p *Provider) Configure(ctx context.Context, config resource.PropertyMap) error {
	if _, err := p.rpc.Configure(ctx, &pb.ConfigureRequest{Config: propertypb.FromMap(config)}); err != nil {
		return p.wrap("configuring", "", err)
	}
	return nil
}

// Check validates a resource's inputs and fills defaults.
func (p *Provider) Check(ctx context.Context, req CheckRequest) (resource.PropertyMap, []CheckFailure, error) {
	resp, err := p.rpc.Check(ctx, &pb.CheckRequest{Urn: string(req.URN), Type: req.Type, Olds: propertypb.FromMap(req.Olds), News: propertypb.FromMap(req.News)})
	if err != nil {
		return nil, nil, p.wrap("checking", req.URN, err)
	}
	if len(resp.GetFailures()) > 0 {
		return nil, failures(resp.GetFailures()), nil
	}
	m, err := toMap(resp.GetInputs())
	return m, nil, err
}

// DiffResult is what a provider's Diff says.
type DiffResult struct {
	// Changes is false when nothing differs.
	Changes             bool
	Changed             []string
	Replaces            []string
	DeleteBeforeReplace bool
}

// Diff compares state with new inputs.
func (p *Provider) Diff(ctx context.Context, req DiffRequest) (DiffResult, error) {
	resp, err := p.rpc.Diff(ctx, &pb.DiffRequest{Urn: string(req.URN), Type: req.Type, Id: req.ID, OldInputs: propertypb.FromMap(req.OldInputs),
		OldOutputs: propertypb.FromMap(req.OldOutputs), News: propertypb.FromMap(req.News), IgnoreChanges: req.IgnoreChanges})
	if err != nil {
		return DiffResult{}, p.wrap("diffing", req.URN, err)
	}
	r := DiffResult{
		Changed: resp.GetDiffs(), Replaces: resp.GetReplaces(), DeleteBeforeReplace: resp.GetDeleteBeforeReplace(),
	}
	switch resp.GetChanges() {
	case pb.DiffResponse_SOME:
		r.Changes = true
	case pb.DiffResponse_UNKNOWN:
		// The provider could not tell: fall back to comparing the inputs.
		r.Changed = resource.ChangedKeys(req.OldInputs, req.News)
		r.Changes = len(r.Changed) > 0
	}
	return r, nil
}

// Create makes a new object. A non-empty ID with initErrors means the object exists but is not ready.
func (p *Provider) Create(ctx context.Context, req CreateRequest) (CreateResult, error) {
	resp, err := p.rpc.Create(ctx, &pb.CreateRequest{Urn: string(req.URN), Type: req.Type, Properties: propertypb.FromMap(req.Inputs),
		Timeout: req.Timeout.Seconds(), IdempotencyToken: req.Token})
	if err != nil {
		return CreateResult{}, p.wrap("creating", req.URN, err)
	}
	if resp.GetId() == "" {
		return CreateResult{}, fmt.Errorf("provider %s returned no ID for the new object %s", p.pkg, req.URN)
	}
	outs, err := toMap(resp.GetProperties())
	return CreateResult{ID: resp.GetId(), Outputs: outs, InitErrors: resp.GetInitErrors()}, err
}

// CheckCreateResult is what a create that checked its inputs first produced: the failures that kept it from
// creating anything, or the checked inputs and the new object.
type CheckCreateResult struct {
	Failures   []CheckFailure
	Checked    resource.PropertyMap
	ID         string
	Outputs    resource.PropertyMap
	InitErrors []string
}

// CanCheckOnCreate says whether CheckAndCreate may be used.
func (p *Provider) CanCheckOnCreate() bool { return p.checkOnCreate }

// CheckAndCreate checks a new resource's unchecked inputs and creates it from them, in one call. It is for
// virtual types only: between the check and the create the engine records nothing.
func (p *Provider) CheckAndCreate(ctx context.Context, req CreateRequest) (CheckCreateResult, error) {
	resp, err := p.rpc.Create(ctx, &pb.CreateRequest{Urn: string(req.URN), Type: req.Type, Properties: propertypb.FromMap(req.Inputs),
		Timeout: req.Timeout.Seconds(), IdempotencyToken: req.Token, Check: true})
	if err != nil {
		return CheckCreateResult{}, p.wrap("creating", req.URN, err)
	}
	if len(resp.GetFailures()) > 0 {
		return CheckCreateResult{Failures: failures(resp.GetFailures())}, nil
	}
	if resp.GetId() == "" {
		return CheckCreateResult{}, fmt.Errorf("provider %s returned no ID for the new object %s", p.pkg, req.URN)
	}
	r := CheckCreateResult{ID: resp.GetId(), InitErrors: resp.GetInitErrors()}
	if r.Checked, err = toMap(resp.GetCheckedInputs()); err != nil {
		return CheckCreateResult{}, err
	}
	r.Outputs, err = toMap(resp.GetProperties())
	return r, err
}

// ReadResult is an object's live state; ID is empty when it no longer exists.
type ReadResult struct {
	ID      string
	Inputs  resource.PropertyMap
	Outputs resource.PropertyMap
}

// Read returns an object's live state.
func (p *Provider) Read(ctx context.Context, req ReadRequest) (ReadResult, error) {
	resp, err := p.rpc.Read(ctx, &pb.ReadRequest{Urn: string(req.URN), Type: req.Type, Id: req.ID, Inputs: propertypb.FromMap(req.Inputs),
		Properties: propertypb.FromMap(req.Outputs)})
	if err != nil {
		return ReadResult{}, p.wrap("reading", req.URN, err)
	}
	r := ReadResult{ID: resp.GetId()}
	if r.ID == "" {
		return r, nil
	}
	if r.Inputs, err = toMap(resp.GetInputs()); err != nil {
		return ReadResult{}, err
	}
	r.Outputs, err = toMap(resp.GetProperties())
	return r, err
}

// ErrReadManyUnsupported is returned by ReadMany when the provider predates batched reads: read one by one.
var ErrReadManyUnsupported = errors.New("the provider cannot read many objects at once")

// ReadMany reads objects of one type in one call. results[i] and errs[i] answer reqs[i]: an empty ID is an object
// that is gone, a non-nil errs[i] a read that failed. The error is for the call as a whole.
func (p *Provider) ReadMany(ctx context.Context, typ string, reqs []ReadRequest) (results []ReadResult, errs []error, err error) {
	preq := &pb.ReadManyRequest{Type: typ, Reads: make([]*pb.ReadRequest, len(reqs))}
	for i, r := range reqs {
		preq.Reads[i] = &pb.ReadRequest{Urn: string(r.URN), Type: typ, Id: r.ID, Inputs: propertypb.FromMap(r.Inputs),
			Properties: propertypb.FromMap(r.Outputs)}
	}
	resp, err := p.rpc.ReadMany(ctx, preq)
	if status.Code(err) == codes.Unimplemented {
		return nil, nil, fmt.Errorf("provider %s: %w", p.pkg, ErrReadManyUnsupported)
	}
	if err != nil {
		return nil, nil, p.wrap("reading objects of "+typ, "", err)
	}
	if got := len(resp.GetResults()); got != len(reqs) {
		return nil, nil, fmt.Errorf("provider %s answered %d of %d reads of %s", p.pkg, got, len(reqs), typ)
	}
	results, errs = make([]ReadResult, len(reqs)), make([]error, len(reqs))
	for i, res := range resp.GetResults() {
		if e := res.GetError(); e != "" {
			errs[i] = fmt.Errorf("provider %s reading %s: %s", p.pkg, reqs[i].URN, e)
			continue
		}
		r := ReadResult{ID: res.GetResponse().GetId()}
		if r.ID != "" {
			if r.Inputs, err = toMap(res.GetResponse().GetInputs()); err == nil {
				r.Outputs, err = toMap(res.GetResponse().GetProperties())
			}
			if err != nil {
				errs[i] = fmt.Errorf("provider %s reading %s: %w", p.pkg, reqs[i].URN, err)
				continue
			}
		}
		results[i] = r
	}
	return results, errs, nil
}

// ErrLookupUnsupported is returned by Lookup when the provider cannot look objects up by idempotency token.
var ErrLookupUnsupported = errors.New("the provider cannot look up objects by idempotency token")

// Lookup finds the object a create with the given idempotency token made; an empty ID means it made nothing.
func (p *Provider) Lookup(ctx context.Context, req LookupRequest) (ReadResult, error) {
	resp, err := p.rpc.Lookup(ctx, &pb.LookupRequest{Urn: string(req.URN), Type: req.Type, IdempotencyToken: req.Token, Inputs: propertypb.FromMap(req.Inputs)})
	if status.Code(err) == codes.Unimplemented {
		return ReadResult{}, fmt.Errorf("provider %s: %w", p.pkg, ErrLookupUnsupported)
	}
	if err != nil {
		return ReadResult{}, p.wrap("looking up", req.URN, err)
	}
	r := ReadResult{ID: resp.GetId()}
	if r.ID == "" {
		return r, nil
	}
	if r.Inputs, err = toMap(resp.GetInputs()); err != nil {
		return ReadResult{}, err
	}
	r.Outputs, err = toMap(resp.GetProperties())
	return r, err
}

// Update changes an object in place.
func (p *Provider) Update(ctx context.Context, req UpdateRequest) (UpdateResult, error) {
	resp, err := p.rpc.Update(ctx, &pb.UpdateRequest{Urn: string(req.URN), Type: req.Type, Id: req.ID, OldInputs: propertypb.FromMap(req.OldInputs),
		Olds: propertypb.FromMap(req.OldOutputs), News: propertypb.FromMap(req.News), Timeout: req.Timeout.Seconds(), IgnoreChanges: req.IgnoreChanges})
	if err != nil {
		return UpdateResult{}, p.wrap("updating", req.URN, err)
	}
	outs, err := toMap(resp.GetProperties())
	return UpdateResult{Outputs: outs, InitErrors: resp.GetInitErrors()}, err
}

// Delete removes an object.
func (p *Provider) Delete(ctx context.Context, req DeleteRequest) error {
	_, err := p.rpc.Delete(ctx, &pb.DeleteRequest{Urn: string(req.URN), Type: req.Type, Id: req.ID, Inputs: propertypb.FromMap(req.Inputs),
		Properties: propertypb.FromMap(req.Outputs), Timeout: req.Timeout.Seconds()})
	if err != nil {
		return p.wrap("deleting", req.URN, err)
	}
	return nil
}

// Invoke calls a provider function.
func (p *Provider) Invoke(ctx context.Context, token string, args resource.PropertyMap) (resource.PropertyMap, []CheckFailure, error) {
	resp, err := p.rpc.Invoke(ctx, &pb.InvokeRequest{Token: token, Args: propertypb.FromMap(args)})
	if err != nil {
		return nil, nil, p.wrap("calling "+token, "", err)
	}
	if len(resp.GetFailures()) > 0 {
		return nil, failures(resp.GetFailures()), nil
	}
	m, err := toMap(resp.GetResult())
	return m, nil, err
}

// Cancel asks the provider to stop its in-flight operations.
func (p *Provider) Cancel(ctx context.Context) error {
	if _, err := p.rpc.Cancel(ctx, &pb.CancelRequest{}); err != nil {
		return p.wrap("cancelling", "", err)
	}
	return nil
}
