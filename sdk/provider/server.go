package provider

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/infrago/infra/sdk/resource"
	"github.com/infrago/infra/sdk/rpc/propertypb"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

// ProtocolVersion is the version of provider.proto this kit speaks.
const ProtocolVersion = 1

// FeatureCheckOnCreate is the protocol feature of checking a create's inputs in the Create call itself.
const FeatureCheckOnCreate = "check-on-create"

// Server serves a Provider over the provider protocol. Serve runs one as a plugin; tests can use one directly.
type Server struct {
	pb.UnimplementedResourceProviderServer

	p         Provider
	schema    Schema
	schemaRaw []byte
	resources map[string]resourceOps
	functions map[string]Function

	// base is cancelled by Cancel; every operation's context derives from it as well as from its request.
	base   context.Context
	cancel context.CancelFunc

	mu         sync.Mutex
	configured bool
}

// NewServer prepares p to be served. It fails when p's schema cannot be built.
func NewServer(p Provider) (*Server, error) {
	s, err := p.BuildSchema()
	if err != nil {
		return nil, err
	}
	raw, err := MarshalSchema(s)
	if err != nil {
		return nil, err
	}
	base, cancel := context.WithCancel(context.Background())
	srv := &Server{p: p, schema: s, schemaRaw: raw, resources: map[string]resourceOps{}, functions: map[string]Function{},
		base: base, cancel: cancel}
	for _, r := range p.Resources {
		srv.resources[r.Token()] = r.ops()
	}
	for _, f := range p.Functions {
		srv.functions[f.Token()] = f
	}
	return srv, nil
}

// Schema is the schema the server was built with.
func (s *Server) Schema() Schema { return s.schema }

// opContext joins the request's context with the server's cancellation and an optional timeout.
func (s *Server) opContext(ctx context.Context, timeoutSeconds float64) (context.Context, context.CancelFunc, time.Duration) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.base, cancel)
	var timeout time.Duration
	if timeoutSeconds > 0 {
		timeout = time.Duration(timeoutSeconds * float64(time.Second))
		var tcancel context.CancelFunc
		ctx, tcancel = context.WithTimeout(ctx, timeout)
		inner := cancel
		cancel = func() { tcancel(); inner() }
	}
	return ctx, func() { stop(); cancel() }, timeout
}

func (s *Server) lookup(typ string) (resourceOps, error) {
	ops, ok := s.resources[typ]
	if !ok {
		return resourceOps{}, status.Errorf(codes.NotFound, "provider %s has no resource type %s", s.p.Name, typ)
	}
	return ops, nil
}

func toMap(m *propertypb.Map, what string) (resource.PropertyMap, error) {
	pm, err := propertypb.ToMap(m)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%s: %v", what, err)
	}
	return pm, nil
}

// ErrThrottled marks an error that says the cloud refused the request because of rate limits, after the
// provider's own retries: the operation did not happen. The engine then retries it later with less concurrency.
// Wrap it: fmt.Errorf("%w: %v", provider.ErrThrottled, err).
var ErrThrottled = errors.New("throttled")

func opError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrThrottled) {
		return status.Error(codes.ResourceExhausted, err.Error())
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return status.Error(codes.DeadlineExceeded, err.Error())
	}
	if errors.Is(err, context.Canceled) {
		return status.Error(codes.Canceled, err.Error())
	}
	return status.Error(codes.Unknown, err.Error())
}

func failuresPB(fs []CheckFailure) []*pb.CheckFailure {
	out := make([]*pb.CheckFailure, len(fs))
	for i, f := range fs {
		out[i] = &pb.CheckFailure{Property: f.Property, Reason: f.Reason}
	}
	return out
}

// Handshake implements the provider protocol.
func (s *Server) Handshake(_ context.Context, req *pb.HandshakeRequest) (*pb.HandshakeResponse, error) {
	return &pb.HandshakeResponse{ProtocolVersion: ProtocolVersion, Name: s.p.Name, Version: s.p.Version,
		Features: []string{FeatureCheckOnCreate}}, nil
}

// GetSchema implements the provider protocol.
func (s *Server) GetSchema(context.Context, *pb.GetSchemaRequest) (*pb.GetSchemaResponse, error) {
	return &pb.GetSchemaResponse{SchemaJson: s.schemaRaw}, nil
}

// CheckConfig implements the provider protocol.
func (s *Server) CheckConfig(_ context.Context, req *pb.CheckRequest) (*pb.CheckResponse, error) {
	news, err := toMap(req.GetNews(), "config")
	if err != nil {
		return nil, err
	}
	checked, failures := s.schema.CheckProperties(s.schema.Config, news)
	if len(failures) > 0 {
		return &pb.CheckResponse{Failures: failuresPB(failures)}, nil
	}
	return &pb.CheckResponse{Inputs: propertypb.FromMap(checked)}, nil
}

// Configure implements the provider protocol.
func (s *Server) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	cfg, err := toMap(req.GetConfig(), "config")
	if err != nil {
		return nil, err
	}
	if s.p.Config != nil {
		if cfg.ContainsUnknowns() {
			return nil, status.Error(codes.FailedPrecondition, "provider configuration holds values not known yet")
		}
		if err := s.p.Config.configure(ctx, cfg); err != nil {
			return nil, opError(fmt.Errorf("configure provider %s: %w", s.p.Name, err))
		}
	}
	s.mu.Lock()
	s.configured = true
	s.mu.Unlock()
	return &pb.ConfigureResponse{}, nil
}

// Check implements the provider protocol.
func (s *Server) Check(ctx context.Context, req *pb.CheckRequest) (*pb.CheckResponse, error) {
	ops, err := s.lookup(req.GetType())
	if err != nil {
		return nil, err
	}
	olds, err := toMap(req.GetOlds(), "olds")
	if err != nil {
		return nil, err
	}
	news, err := toMap(req.GetNews(), "news")
	if err != nil {
		return nil, err
	}
	checked, failures, err := s.check(ctx, ops, req.GetType(), resource.URN(req.GetUrn()), olds, news)
	if err != nil {
		return nil, err
	}
	if len(failures) > 0 {
		return &pb.CheckResponse{Failures: failuresPB(failures)}, nil
	}
	return &pb.CheckResponse{Inputs: propertypb.FromMap(checked)}, nil
}

// check validates and completes a resource's inputs against its schema, then runs the type's own check.
func (s *Server) check(ctx context.Context, ops resourceOps, typ string, urn resource.URN, olds, news resource.PropertyMap) (resource.PropertyMap, []CheckFailure, error) {
	rs := s.schema.Resources[typ]
	checked, failures := s.schema.CheckProperties(rs.Inputs, news)
	if len(failures) > 0 || ops.check == nil {
		return checked, failures, nil
	}
	ctx, cancel, _ := s.opContext(ctx, 0)
	defer cancel()
	c, failures, err := ops.check(ctx, urn, olds, checked)
	if err != nil {
		return nil, nil, opError(err)
	}
	return c, failures, nil
}

// Diff implements the provider protocol.
func (s *Server) Diff(ctx context.Context, req *pb.DiffRequest) (*pb.DiffResponse, error) {
	ops, err := s.lookup(req.GetType())
	if err != nil {
		return nil, err
	}
	oldIn, err := toMap(req.GetOldInputs(), "old inputs")
	if err != nil {
		return nil, err
	}
	oldOut, err := toMap(req.GetOldOutputs(), "old outputs")
	if err != nil {
		return nil, err
	}
	news, err := toMap(req.GetNews(), "news")
	if err != nil {
		return nil, err
	}
	rs := s.schema.Resources[req.GetType()]
	var resp DiffResponse
	handled := false
	if ops.diff != nil {
		ctx, cancel, _ := s.opContext(ctx, 0)
		defer cancel()
		resp, handled, err = ops.diff(ctx, resource.URN(req.GetUrn()), req.GetId(), oldIn, oldOut, news, rs.Inputs)
		if err != nil {
			return nil, opError(err)
		}
	}
	if !handled {
		resp = DiffInputs(rs.Inputs, oldIn, news, ops.canUpdate)
	}
	out := &pb.DiffResponse{
		Changes:             pb.DiffResponse_NONE,
		Replaces:            resp.Replaces,
		Diffs:               resp.Changed,
		DeleteBeforeReplace: resp.DeleteBeforeReplace || rs.DeleteBeforeReplace,
	}
	if resp.HasChanges {
		out.Changes = pb.DiffResponse_SOME
	}
	return out, nil
}

// Create implements the provider protocol.
func (s *Server) Create(ctx context.Context, req *pb.CreateRequest) (*pb.CreateResponse, error) {
	ops, err := s.lookup(req.GetType())
	if err != nil {
		return nil, err
	}
	in, err := toMap(req.GetProperties(), "properties")
	if err != nil {
		return nil, err
	}
	var checked *propertypb.Map
	if req.GetCheck() {
		c, failures, err := s.check(ctx, ops, req.GetType(), resource.URN(req.GetUrn()), nil, in)
		if err != nil {
			return nil, err
		}
		if len(failures) > 0 {
			return &pb.CreateResponse{Failures: failuresPB(failures)}, nil
		}
		in, checked = c, propertypb.FromMap(c)
	}
	ctx, cancel, timeout := s.opContext(ctx, req.GetTimeout())
	defer cancel()
	id, out, err := ops.create(ctx, resource.URN(req.GetUrn()), in, timeout, req.GetIdempotencyToken())
	if id == "" {
		return nil, opError(err)
	}
	resp := &pb.CreateResponse{Id: id, Properties: propertypb.FromMap(s.markSecrets(req.GetType(), in, out)), CheckedInputs: checked}
	if err != nil {
		resp.InitErrors = []string{err.Error()}
	}
	return resp, nil
}

// markSecrets applies the schema's secret outputs and carries the secretness of inputs to same-named outputs.
func (s *Server) markSecrets(typ string, in, out resource.PropertyMap) resource.PropertyMap {
	if out == nil {
		return nil
	}
	rs := s.schema.Resources[typ]
	for k, p := range rs.Outputs {
		if v, ok := out[k]; ok && p.Secret && !v.IsNull() {
			out[k] = resource.MakeSecret(v)
		}
	}
	return restoreSecrets(in, out)
}

// Read implements the provider protocol.
func (s *Server) Read(ctx context.Context, req *pb.ReadRequest) (*pb.ReadResponse, error) {
	ops, err := s.lookup(req.GetType())
	if err != nil {
		return nil, err
	}
	in, err := toMap(req.GetInputs(), "inputs")
	if err != nil {
		return nil, err
	}
	out, err := toMap(req.GetProperties(), "properties")
	if err != nil {
		return nil, err
	}
	if !ops.canRead {
		if len(in) == 0 && len(out) == 0 {
			return nil, status.Errorf(codes.Unimplemented, "resource type %s cannot be imported: its provider cannot read existing objects", req.GetType())
		}
		// Nothing to read: the object is what state says it is.
		return &pb.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
	}
	ctx, cancel, _ := s.opContext(ctx, 0)
	defer cancel()
	id, ins, outs, err := ops.read(ctx, resource.URN(req.GetUrn()), req.GetId(), in, out)
	if err != nil {
		return nil, opError(err)
	}
	return s.readAnswer(req.GetType(), in, out, id, ins, outs), nil
}

// readAnswer is the answer to a read of an object state held as in and out (both empty: an import).
func (s *Server) readAnswer(typ string, in, out resource.PropertyMap, id string, ins, outs resource.PropertyMap) *pb.ReadResponse {
	if id == "" {
		return &pb.ReadResponse{}
	}
	if len(in) == 0 && len(out) == 0 {
		// An import: typed Go values cannot leave a property absent, and a zero value of an input without a
		// default means the same as no value. Dropping them makes the imported inputs read like a program's.
		rs := s.schema.Resources[typ]
		for k, v := range ins {
			if p, ok := rs.Inputs[k]; ok && p.Default == nil && isZero(v) {
				delete(ins, k)
			}
		}
	}
	ins = restoreSecrets(in, ins)
	return &pb.ReadResponse{Id: id, Inputs: propertypb.FromMap(ins), Properties: propertypb.FromMap(s.markSecrets(typ, ins, outs))}
}

// readManyParallel bounds the reads a ReadMany runs at once for a resource that reads one object at a time.
const readManyParallel = 8

// ReadMany answers many reads of objects of one type: in one batch when the resource implements BatchReader,
// otherwise as that many reads run a few at a time. A read that fails carries its error; the others stand.
func (s *Server) ReadMany(ctx context.Context, req *pb.ReadManyRequest) (*pb.ReadManyResponse, error) {
	ops, err := s.lookup(req.GetType())
	if err != nil {
		return nil, err
	}
	reads := req.GetReads()
	results := make([]*pb.ReadManyResult, len(reads))
	items := make([]readItem, len(reads))
	for i, r := range reads {
		results[i] = &pb.ReadManyResult{}
		in, err := toMap(r.GetInputs(), "inputs")
		if err != nil {
			results[i].Error = err.Error()
			continue
		}
		out, err := toMap(r.GetProperties(), "properties")
		if err != nil {
			results[i].Error = err.Error()
			continue
		}
		items[i] = readItem{URN: resource.URN(r.GetUrn()), ID: r.GetId(), Inputs: in, Outputs: out}
	}
	ctx, cancel, _ := s.opContext(ctx, 0)
	defer cancel()
	answer := func(i int, res readItemResult) {
		if res.Err != nil {
			results[i].Error = opError(res.Err).Error()
			return
		}
		results[i].Response = s.readAnswer(req.GetType(), items[i].Inputs, items[i].Outputs, res.ID, res.Inputs, res.Outputs)
	}
	switch {
	case !ops.canRead:
		for i, r := range reads {
			if results[i].Error == "" {
				results[i].Response = &pb.ReadResponse{Id: r.GetId(), Properties: r.GetProperties(), Inputs: r.GetInputs()}
			}
		}
	case ops.readMany != nil:
		var idx []int
		var batch []readItem
		for i := range items {
			if results[i].Error == "" {
				idx, batch = append(idx, i), append(batch, items[i])
			}
		}
		for j, res := range ops.readMany(ctx, batch) {
			answer(idx[j], res)
		}
	default:
		sem := make(chan struct{}, readManyParallel)
		var wg sync.WaitGroup
		for i := range items {
			if results[i].Error != "" {
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func(i int) {
				defer func() { <-sem; wg.Done() }()
				var res readItemResult
				res.ID, res.Inputs, res.Outputs, res.Err = ops.read(ctx, items[i].URN, items[i].ID, items[i].Inputs, items[i].Outputs)
				answer(i, res)
			}(i)
		}
		wg.Wait()
	}
	return &pb.ReadManyResponse{Results: results}, nil
}

// Lookup implements the provider protocol.
func (s *Server) Lookup(ctx context.Context, req *pb.LookupRequest) (*pb.ReadResponse, error) {
	ops, err := s.lookup(req.GetType())
	if err != nil {
		return nil, err
	}
	if ops.lookup == nil {
		return nil, status.Errorf(codes.Unimplemented, "resource type %s cannot look up objects by idempotency token", req.GetType())
	}
	in, err := toMap(req.GetInputs(), "inputs")
	if err != nil {
		return nil, err
	}
	ctx, cancel, _ := s.opContext(ctx, 0)
	defer cancel()
	id, ins, outs, err := ops.lookup(ctx, resource.URN(req.GetUrn()), req.GetIdempotencyToken(), in)
	if err != nil {
		return nil, opError(err)
	}
	if id == "" {
		return &pb.ReadResponse{}, nil
	}
	return &pb.ReadResponse{Id: id, Inputs: propertypb.FromMap(ins), Properties: propertypb.FromMap(s.markSecrets(req.GetType(), ins, outs))}, nil
}

// Update implements the provider protocol.
func (s *Server) Update(ctx context.Context, req *pb.UpdateRequest) (*pb.UpdateResponse, error) {
	ops, err := s.lookup(req.GetType())
	if err != nil {
		return nil, err
	}
	if !ops.canUpdate {
		return nil, status.Errorf(codes.Unimplemented, "resource type %s cannot be updated in place", req.GetType())
	}
	oldIn, err := toMap(req.GetOldInputs(), "old inputs")
	if err != nil {
		return nil, err
	}
	olds, err := toMap(req.GetOlds(), "olds")
	if err != nil {
		return nil, err
	}
	news, err := toMap(req.GetNews(), "news")
	if err != nil {
		return nil, err
	}
	ctx, cancel, timeout := s.opContext(ctx, req.GetTimeout())
	defer cancel()
	out, err := ops.update(ctx, resource.URN(req.GetUrn()), req.GetId(), oldIn, olds, news, timeout)
	if err != nil {
		return nil, opError(err)
	}
	return &pb.UpdateResponse{Properties: propertypb.FromMap(s.markSecrets(req.GetType(), news, out))}, nil
}

// Delete implements the provider protocol.
func (s *Server) Delete(ctx context.Context, req *pb.DeleteRequest) (*pb.DeleteResponse, error) {
	ops, err := s.lookup(req.GetType())
	if err != nil {
		return nil, err
	}
	if ops.delete == nil {
		return &pb.DeleteResponse{}, nil
	}
	in, err := toMap(req.GetInputs(), "inputs")
	if err != nil {
		return nil, err
	}
	out, err := toMap(req.GetProperties(), "properties")
	if err != nil {
		return nil, err
	}
	ctx, cancel, timeout := s.opContext(ctx, req.GetTimeout())
	defer cancel()
	if err := ops.delete(ctx, resource.URN(req.GetUrn()), req.GetId(), in, out, timeout); err != nil {
		return nil, opError(err)
	}
	return &pb.DeleteResponse{}, nil
}

// Invoke implements the provider protocol.
func (s *Server) Invoke(ctx context.Context, req *pb.InvokeRequest) (*pb.InvokeResponse, error) {
	f, ok := s.functions[req.GetToken()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "provider %s has no function %s", s.p.Name, req.GetToken())
	}
	args, err := toMap(req.GetArgs(), "arguments")
	if err != nil {
		return nil, err
	}
	fs := s.schema.Functions[req.GetToken()]
	checked, failures := s.schema.CheckProperties(fs.Inputs, args)
	if len(failures) > 0 {
		return &pb.InvokeResponse{Failures: failuresPB(failures)}, nil
	}
	ctx, cancel, _ := s.opContext(ctx, 0)
	defer cancel()
	out, err := f.call(ctx, checked)
	if err != nil {
		return nil, opError(err)
	}
	return &pb.InvokeResponse{Result: propertypb.FromMap(out)}, nil
}

// Cancel implements the provider protocol: every in-flight and later operation's context is cancelled.
func (s *Server) Cancel(context.Context, *pb.CancelRequest) (*pb.CancelResponse, error) {
	s.cancel()
	return &pb.CancelResponse{}, nil
}
