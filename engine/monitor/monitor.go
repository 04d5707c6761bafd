// Package monitor is the gRPC server a program talks to: it authenticates the program by the token the engine
// gave it, turns registrations into deployment calls, runs them concurrently, and answers each on the stream as
// soon as it is done.
package monitor

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/infrago/infra/engine/deploy"
	"github.com/infrago/infra/engine/events"
	"github.com/infrago/infra/sdk/resource"
	pb "github.com/infrago/infra/sdk/rpc/monitorpb"
	"github.com/infrago/infra/sdk/rpc/propertypb"
	"github.com/infrago/infra/stacks/state"
)

// Target is what registrations are delivered to; *deploy.Deployment implements it.
type Target interface {
	Register(ctx context.Context, reg *deploy.Registration) (*deploy.Result, error)
	SetComponentOutputs(urn resource.URN, outs resource.PropertyMap) error
	SetStackOutputs(outs resource.PropertyMap)
	Invoke(ctx context.Context, token string, args resource.PropertyMap, ref resource.ProviderRef) (resource.PropertyMap, []string, error)
	Diagnose(sev events.Severity, urn resource.URN, msg string)
}

// Services are what the monitor offers programs besides registrations; either may be nil.
type Services struct {
	// StackOutputs reads another stack's outputs ("stack" or "project/stack").
	StackOutputs func(ctx context.Context, name string) (resource.PropertyMap, error)
	// DecryptFile decrypts a sops file (path relative to the program's directory) into plain values.
	DecryptFile func(ctx context.Context, path, format string) (map[string]any, error)
	// Secret is told every secret value handed to the program, so that no display shows it.
	Secret func(resource.PropertyValue)
}

// Server is a running monitor.
type Server struct {
	pb.UnimplementedResourceMonitorServer

	services Services
	target   Target
	info     *pb.ProgramInfo
	token    string
	// work is the context registrations run in: the engine's, not the program's, so that a program that dies
	// does not cut off provider operations halfway.
	work context.Context

	lis    net.Listener
	srv    *grpc.Server
	flight sync.WaitGroup
}

// Start serves a monitor for target on a loopback port.
func Start(work context.Context, target Target, info *pb.ProgramInfo, services Services) (*Server, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start the resource monitor: %w", err)
	}
	var tok [24]byte
	_, _ = rand.Read(tok[:])
	s := &Server{target: target, info: info, token: hex.EncodeToString(tok[:]), work: work, lis: lis, services: services}
	s.srv = grpc.NewServer(
		grpc.MaxRecvMsgSize(256<<20), grpc.MaxSendMsgSize(256<<20),
		grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if err := s.auth(ctx); err != nil {
				return nil, err
			}
			return unaryRecovering(ctx, req, h)
		}),
		grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			if err := s.auth(ss.Context()); err != nil {
				return err
			}
			return h(srv, ss)
		}),
	)
	pb.RegisterResourceMonitorServer(s.srv, s)
	go s.srv.Serve(lis)
	return s, nil
}

// Addr is the address programs dial.
func (s *Server) Addr() string { return s.lis.Addr().String() }

// Token is the secret a program must present.
func (s *Server) Token() string { return s.token }

// Drain waits until every registration received has been answered.
func (s *Server) Drain() { s.flight.Wait() }

// Close stops the server after in-flight registrations are done.
func (s *Server) Close() {
	s.flight.Wait()
	s.srv.Stop()
}

func (s *Server) auth(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	got := md.Get("infra-token")
	if len(got) != 1 || subtle.ConstantTimeCompare([]byte(got[0]), []byte(s.token)) != 1 {
		return status.Error(codes.Unauthenticated, "wrong or missing monitor token")
	}
	return nil
}

// GetProgramInfo implements the monitor protocol.
func (s *Server) GetProgramInfo(context.Context, *pb.GetProgramInfoRequest) (*pb.ProgramInfo, error) {
	return s.info, nil
}

// Register implements the monitor protocol: each request runs on its own goroutine and is answered when done.
func (s *Server) Register(stream pb.ResourceMonitor_RegisterServer) error {
	var sendMu sync.Mutex
	var local sync.WaitGroup
	var sendErr error
	for {
		req, err := stream.Recv()
		if err != nil {
			local.Wait()
			if errors.Is(err, context.Canceled) || status.Code(err) == codes.Canceled {
				return nil
			}
			if sendErr != nil {
				return sendErr
			}
			return nil
		}
		s.flight.Add(1)
		local.Add(1)
		go func() {
			defer s.flight.Done()
			defer local.Done()
			resp := s.registerSafely(req)
			sendMu.Lock()
			defer sendMu.Unlock()
			if err := stream.Send(resp); err != nil && sendErr == nil {
				sendErr = err
			}
		}()
	}
}

// registerSafely answers a registration; a panic in the engine while doing so (a bug) fails this registration
// with an error the program reports, and the run fails, instead of ending the process.
func (s *Server) registerSafely(req *pb.RegisterRequest) (resp *pb.RegisterResponse) {
	defer func() {
		if v := recover(); v != nil {
			msg := fmt.Sprintf("internal error while registering %s %q: %v (this is a bug in infra)", req.GetType(), req.GetName(), v)
			s.target.Diagnose(events.SevError, "", msg)
			resp = &pb.RegisterResponse{Id: req.GetId(), Error: msg}
		}
	}()
	return s.register(req)
}

// unaryRecovering runs a unary handler, answering a panic in it (a bug) with codes.Internal.
func unaryRecovering(ctx context.Context, req any, h grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if v := recover(); v != nil {
			resp, err = nil, status.Errorf(codes.Internal, "internal error in infra: %v (this is a bug in infra)", v)
		}
	}()
	return h(ctx, req)
}

func (s *Server) register(req *pb.RegisterRequest) *pb.RegisterResponse {
	reg, err := translate(req)
	if err != nil {
		s.target.Diagnose(events.SevError, "", err.Error())
		return &pb.RegisterResponse{Id: req.GetId(), Error: err.Error()}
	}
	res, err := s.target.Register(s.work, reg)
	if err != nil {
		return &pb.RegisterResponse{Id: req.GetId(), Error: err.Error()}
	}
	return &pb.RegisterResponse{Id: req.GetId(), Urn: string(res.URN), ResourceId: res.ID, Outputs: propertypb.FromMap(res.Outputs)}
}

func translate(req *pb.RegisterRequest) (*deploy.Registration, error) {
	inputs, err := propertypb.ToMap(req.GetInputs())
	if err != nil {
		return nil, fmt.Errorf("%s %q: malformed inputs: %w", req.GetType(), req.GetName(), err)
	}
	reg := &deploy.Registration{
		Type: req.GetType(), Name: req.GetName(), Parent: resource.URN(req.GetParent()), Custom: req.GetCustom(),
		Inputs: inputs, Provider: resource.ProviderRef(req.GetProvider()), Protect: req.GetProtect(),
		IgnoreChanges: req.GetIgnoreChanges(), ReplaceOnChanges: req.GetReplaceOnChanges(),
		RetainOnDelete: req.GetRetainOnDelete(), ImportID: req.GetImportId(),
		SkipReason: req.GetSkipReason(), ParentUnknown: req.GetParentUnknown(),
	}
	for _, d := range req.GetDependencies() {
		reg.Dependencies = append(reg.Dependencies, resource.URN(d))
	}
	if len(req.GetPropertyDependencies()) > 0 {
		reg.PropertyDependencies = map[string][]resource.URN{}
		for k, v := range req.GetPropertyDependencies() {
			for _, u := range v.GetUrns() {
				reg.PropertyDependencies[k] = append(reg.PropertyDependencies[k], resource.URN(u))
			}
		}
	}
	switch req.GetDeleteBeforeReplace() {
	case pb.Tristate_TRISTATE_TRUE:
		t := true
		reg.DeleteBeforeReplace = &t
	case pb.Tristate_TRISTATE_FALSE:
		f := false
		reg.DeleteBeforeReplace = &f
	}
	for _, a := range req.GetAliases() {
		reg.Aliases = append(reg.Aliases, deploy.Alias{URN: resource.URN(a.GetUrn()), Name: a.GetName(), Type: a.GetType(),
			Parent: resource.URN(a.GetParent()), NoParent: a.GetNoParent(), Stack: a.GetStack(), Project: a.GetProject()})
	}
	if ct := req.GetCustomTimeouts(); ct != nil && (ct.GetCreate() > 0 || ct.GetUpdate() > 0 || ct.GetDelete() > 0) {
		reg.Timeouts = &state.Timeouts{Create: ct.GetCreate(), Update: ct.GetUpdate(), Delete: ct.GetDelete()}
	}
	return reg, nil
}

// RegisterOutputs implements the monitor protocol.
func (s *Server) RegisterOutputs(_ context.Context, req *pb.RegisterOutputsRequest) (*pb.RegisterOutputsResponse, error) {
	outs, err := propertypb.ToMap(req.GetOutputs())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "malformed outputs: %v", err)
	}
	if req.GetUrn() == "" {
		s.target.SetStackOutputs(outs)
		return &pb.RegisterOutputsResponse{}, nil
	}
	if err := s.target.SetComponentOutputs(resource.URN(req.GetUrn()), outs); err != nil {
		return nil, status.Error(codes.FailedPrecondition, err.Error())
	}
	return &pb.RegisterOutputsResponse{}, nil
}

// Invoke implements the monitor protocol.
func (s *Server) Invoke(ctx context.Context, req *pb.InvokeRequest) (*pb.InvokeResponse, error) {
	args, err := propertypb.ToMap(req.GetArgs())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "malformed arguments: %v", err)
	}
	out, failures, err := s.target.Invoke(s.work, req.GetToken(), args, resource.ProviderRef(req.GetProvider()))
	if err != nil {
		return nil, status.Error(codes.Unknown, err.Error())
	}
	resp := &pb.InvokeResponse{Result: propertypb.FromMap(out)}
	for _, f := range failures {
		resp.Failures = append(resp.Failures, &pb.CheckFailure{Reason: f})
	}
	return resp, nil
}

// Log implements the monitor protocol.
func (s *Server) Log(_ context.Context, req *pb.LogRequest) (*pb.LogResponse, error) {
	sev := events.SevInfo
	switch req.GetSeverity() {
	case pb.Severity_SEVERITY_DEBUG:
		sev = events.SevDebug
	case pb.Severity_SEVERITY_WARNING:
		sev = events.SevWarning
	case pb.Severity_SEVERITY_ERROR:
		sev = events.SevError
	}
	s.target.Diagnose(sev, resource.URN(req.GetUrn()), req.GetMessage())
	return &pb.LogResponse{}, nil
}

// ReadStackOutputs implements the monitor protocol.
func (s *Server) ReadStackOutputs(ctx context.Context, req *pb.ReadStackOutputsRequest) (*pb.ReadStackOutputsResponse, error) {
	if s.services.StackOutputs == nil {
		return nil, status.Error(codes.Unimplemented, "stack references are not available in this run")
	}
	outs, err := s.services.StackOutputs(ctx, req.GetName())
	if err != nil {
		return nil, status.Error(codes.Unknown, err.Error())
	}
	if s.services.Secret != nil {
		for _, v := range outs {
			if v.ContainsSecrets() {
				s.services.Secret(v)
			}
		}
	}
	return &pb.ReadStackOutputsResponse{Outputs: propertypb.FromMap(outs)}, nil
}

// DecryptFile implements the monitor protocol: every value goes back as a secret.
func (s *Server) DecryptFile(ctx context.Context, req *pb.DecryptFileRequest) (*pb.DecryptFileResponse, error) {
	if s.services.DecryptFile == nil {
		return nil, status.Error(codes.Unimplemented, "decrypting files is not available in this run")
	}
	vals, err := s.services.DecryptFile(ctx, req.GetPath(), req.GetFormat())
	if err != nil {
		return nil, status.Error(codes.Unknown, err.Error())
	}
	m, err := resource.MapFromGo(vals)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "convert the values of %s: %v", req.GetPath(), err)
	}
	for k, v := range m {
		m[k] = secretLeaves(v)
		if s.services.Secret != nil {
			s.services.Secret(m[k])
		}
	}
	return &pb.DecryptFileResponse{Values: propertypb.FromMap(m)}, nil
}

// secretLeaves marks every scalar in v secret, keeping the structure readable so a program can address paths.
func secretLeaves(v resource.PropertyValue) resource.PropertyValue {
	switch v.Kind() {
	case resource.KindMap:
		m := resource.PropertyMap{}
		for k, e := range v.MapValue() {
			m[k] = secretLeaves(e)
		}
		return resource.NewMap(m)
	case resource.KindList:
		l := make([]resource.PropertyValue, len(v.ListValue()))
		for i, e := range v.ListValue() {
			l[i] = secretLeaves(e)
		}
		return resource.NewList(l)
	}
	return resource.MakeSecret(v)
}
