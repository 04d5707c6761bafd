package infra

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/infrago/infra/sdk/protocol"
	pb "github.com/infrago/infra/sdk/rpc/monitorpb"
)

// grpcMonitor is the Monitor backed by the engine's gRPC server.
type grpcMonitor struct {
	conn   *grpc.ClientConn
	client pb.ResourceMonitorClient
	token  string

	mu      sync.Mutex
	stream  pb.ResourceMonitor_RegisterClient
	waiters map[uint64]func(*pb.RegisterResponse, error)
	broken  error
}

func dialMonitorFromEnv() (*grpcMonitor, error) {
	addr := os.Getenv(protocol.EnvMonitor)
	if addr == "" {
		return nil, errors.New("this is an infra program and needs the engine: run it with `infra preview` or `infra up` " +
			"from the directory that holds Infra.yaml")
	}
	return dialMonitor(addr, os.Getenv(protocol.EnvMonitorToken))
}

func dialMonitor(addr, token string) (*grpcMonitor, error) {
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(256<<20), grpc.MaxCallSendMsgSize(256<<20)))
	if err != nil {
		return nil, fmt.Errorf("connect to the engine at %s: %w", addr, err)
	}
	return &grpcMonitor{conn: conn, client: pb.NewResourceMonitorClient(conn), token: token,
		waiters: map[uint64]func(*pb.RegisterResponse, error){}}, nil
}

func (m *grpcMonitor) withToken(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "infra-token", m.token)
}

func (m *grpcMonitor) ProgramInfo(ctx context.Context) (*pb.ProgramInfo, error) {
	return m.client.GetProgramInfo(m.withToken(ctx), &pb.GetProgramInfoRequest{})
}

func (m *grpcMonitor) Register(req *pb.RegisterRequest, done func(*pb.RegisterResponse, error)) {
	m.mu.Lock()
	if m.broken != nil {
		err := m.broken
		m.mu.Unlock()
		done(nil, err)
		return
	}
	if m.stream == nil {
		s, err := m.client.Register(m.withToken(context.Background()))
		if err != nil {
			m.mu.Unlock()
			done(nil, fmt.Errorf("open registration stream: %w", err))
			return
		}
		m.stream = s
		go m.receive(s)
	}
	m.waiters[req.GetId()] = done
	err := m.stream.Send(req)
	if err != nil {
		delete(m.waiters, req.GetId())
	}
	m.mu.Unlock()
	if err != nil {
		done(nil, fmt.Errorf("send registration: %w", err))
	}
}

func (m *grpcMonitor) receive(s pb.ResourceMonitor_RegisterClient) {
	for {
		resp, err := s.Recv()
		if err != nil {
			m.mu.Lock()
			m.broken = fmt.Errorf("lost the engine's registration stream: %w", err)
			ws := m.waiters
			m.waiters = map[uint64]func(*pb.RegisterResponse, error){}
			broken := m.broken
			m.mu.Unlock()
			for _, w := range ws {
				w(nil, broken)
			}
			return
		}
		m.mu.Lock()
		w := m.waiters[resp.GetId()]
		delete(m.waiters, resp.GetId())
		m.mu.Unlock()
		if w != nil {
			w(resp, nil)
		}
	}
}

func (m *grpcMonitor) RegisterOutputs(ctx context.Context, req *pb.RegisterOutputsRequest) error {
	_, err := m.client.RegisterOutputs(m.withToken(ctx), req)
	return err
}

func (m *grpcMonitor) Invoke(ctx context.Context, req *pb.InvokeRequest) (*pb.InvokeResponse, error) {
	return m.client.Invoke(m.withToken(ctx), req)
}

func (m *grpcMonitor) Log(ctx context.Context, req *pb.LogRequest) error {
	_, err := m.client.Log(m.withToken(ctx), req)
	return err
}

func (m *grpcMonitor) Close() error {
	m.mu.Lock()
	if m.stream != nil {
		_ = m.stream.CloseSend()
	}
	m.mu.Unlock()
	return m.conn.Close()
}

func (m *grpcMonitor) ReadStackOutputs(ctx *Context, req *pb.ReadStackOutputsRequest) (*pb.ReadStackOutputsResponse, error) {
	resp, err := m.client.ReadStackOutputs(m.withToken(ctx.base), req)
	return resp, engineMessage(err)
}

func (m *grpcMonitor) DecryptFile(ctx *Context, req *pb.DecryptFileRequest) (*pb.DecryptFileResponse, error) {
	resp, err := m.client.DecryptFile(m.withToken(ctx.base), req)
	return resp, engineMessage(err)
}

// engineMessage turns an engine's gRPC error into its message: the engine words its errors for people.
func engineMessage(err error) error {
	if err == nil {
		return nil
	}
	if st, ok := status.FromError(err); ok && st.Message() != "" {
		return errors.New(st.Message())
	}
	return err
}
