package infra_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/infrago/infra/sdk/infra"
	"github.com/infrago/infra/sdk/resource"
	pb "github.com/infrago/infra/sdk/rpc/monitorpb"
	"github.com/infrago/infra/sdk/rpc/propertypb"
)

const (
	testProject = "proj"
	testStack   = "dev"
	thingType   = "test:index:Thing"
)

// mockMonitor plays the engine: it answers every registration from its own goroutine with the inputs as outputs
// plus a computed "arn" (unknown in a preview, where custom resources also get no ID).
type mockMonitor struct {
	skipped []string // resources the program reported it could not register
	info    *pb.ProgramInfo
	preview bool

	clock atomic.Int64

	mu       sync.Mutex
	regs     []*pb.RegisterRequest
	byName   map[string]*pb.RegisterRequest
	received map[string]int64 // when each registration arrived
	answered map[string]int64 // when each was answered
	outputs  []*pb.RegisterOutputsRequest
	logs     []*pb.LogRequest
	closed   bool
	// fail makes the engine answer a registration with an error.
	fail map[string]string
	// gate holds the answer to a registration until the channel is closed.
	gate map[string]chan struct{}
	// extra adds outputs to a registration's answer.
	extra map[string]resource.PropertyMap
}

func newMock(config resource.PropertyMap) *mockMonitor {
	return &mockMonitor{
		info: &pb.ProgramInfo{Project: testProject, Stack: testStack, Config: propertypb.FromMap(config),
			ConfigFile: "Infra.dev.yaml", Parallel: 4},
		byName: map[string]*pb.RegisterRequest{}, received: map[string]int64{}, answered: map[string]int64{},
		fail: map[string]string{}, gate: map[string]chan struct{}{}, extra: map[string]resource.PropertyMap{},
	}
}

func (m *mockMonitor) ProgramInfo(context.Context) (*pb.ProgramInfo, error) {
	m.info.DryRun = m.preview
	return m.info, nil
}

func (m *mockMonitor) Register(req *pb.RegisterRequest, done func(*pb.RegisterResponse, error)) {
	if req.GetSkipReason() != "" {
		// The program telling the engine it could not register a resource: not a registration.
		m.mu.Lock()
		m.skipped = append(m.skipped, req.GetName())
		m.mu.Unlock()
		go done(&pb.RegisterResponse{Id: req.GetId(), Error: "skipped"}, nil)
		return
	}
	m.mu.Lock()
	m.regs = append(m.regs, req)
	m.byName[req.GetName()] = req
	m.received[req.GetName()] = m.clock.Add(1)
	gate := m.gate[req.GetName()]
	failMsg := m.fail[req.GetName()]
	extra := m.extra[req.GetName()]
	m.mu.Unlock()
	go func() {
		if gate != nil {
			<-gate
		}
		m.mu.Lock()
		m.answered[req.GetName()] = m.clock.Add(1)
		m.mu.Unlock()
		if failMsg != "" {
			done(&pb.RegisterResponse{Id: req.GetId(), Error: failMsg}, nil)
			return
		}
		parentType := ""
		if req.GetParent() != "" {
			parentType = resource.URN(req.GetParent()).QualifiedType()
		}
		urn := resource.NewURN(testStack, testProject, parentType, req.GetType(), req.GetName())
		ins, err := propertypb.ToMap(req.GetInputs())
		if err != nil {
			done(nil, err)
			return
		}
		outs := ins.Copy()
		id := ""
		if req.GetCustom() {
			outs["arn"] = resource.NewString("arn:" + req.GetName())
			id = "id-" + req.GetName()
			if m.preview {
				outs["arn"] = resource.Unknown()
				id = ""
			}
		}
		for k, v := range extra {
			outs[k] = v
		}
		done(&pb.RegisterResponse{Id: req.GetId(), Urn: string(urn), ResourceId: id, Outputs: propertypb.FromMap(outs)}, nil)
	}()
}

func (m *mockMonitor) RegisterOutputs(_ context.Context, req *pb.RegisterOutputsRequest) error {
	m.mu.Lock()
	m.outputs = append(m.outputs, req)
	m.mu.Unlock()
	return nil
}

func (m *mockMonitor) Invoke(_ context.Context, req *pb.InvokeRequest) (*pb.InvokeResponse, error) {
	return &pb.InvokeResponse{Result: req.GetArgs()}, nil
}

func (m *mockMonitor) Log(_ context.Context, req *pb.LogRequest) error {
	m.mu.Lock()
	m.logs = append(m.logs, req)
	m.mu.Unlock()
	return nil
}

func (m *mockMonitor) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	return nil
}

// req returns the registration of name, failing the test when there is none.
func (m *mockMonitor) req(t *testing.T, name string) *pb.RegisterRequest {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.byName[name]
	if !ok {
		t.Fatalf("%s was never registered (registered: %v)", name, m.names())
	}
	return r
}

func (m *mockMonitor) registered(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.byName[name]
	return ok
}

func (m *mockMonitor) names() []string {
	var out []string
	for _, r := range m.regs {
		out = append(out, r.GetName())
	}
	sort.Strings(out)
	return out
}

func (m *mockMonitor) errorLogs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, l := range m.logs {
		if l.GetSeverity() == pb.Severity_SEVERITY_ERROR {
			out = append(out, l.GetMessage())
		}
	}
	return out
}

// inputs decodes a registration's inputs.
func inputs(t *testing.T, r *pb.RegisterRequest) resource.PropertyMap {
	t.Helper()
	m, err := propertypb.ToMap(r.GetInputs())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// run runs program against mon and fails the test if it does not return within 10 seconds.
func run(t *testing.T, mon *mockMonitor, program func(*infra.Context) error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- infra.RunErr(program, infra.WithMonitor(mon)) }()
	select {
	case err := <-done:
		mon.mu.Lock()
		closed := mon.closed
		mon.mu.Unlock()
		if !closed {
			t.Errorf("RunErr did not close the monitor")
		}
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("the program did not finish in 10s (it hangs)")
		return nil
	}
}

// Thing is a hand-written binding of test:index:Thing, the way generated ones look.
type Thing struct {
	infra.CustomResourceState
	Arn   infra.Output[string]
	Value infra.Output[string]
	Token infra.Output[string]
}

func newThing(ctx *infra.Context, name string, props infra.Props, opts ...infra.ResourceOption) (*Thing, error) {
	reg, err := ctx.RegisterResource(thingType, name, props, opts...)
	if err != nil {
		return nil, err
	}
	return &Thing{CustomResourceState: reg.CustomState(), Arn: infra.OutputProp[string](reg, "arn"),
		Value: infra.OutputProp[string](reg, "value"), Token: infra.OutputProp[string](reg, "token")}, nil
}

// Site is a component.
type Site struct {
	infra.ComponentResourceState
}

func urnOf(name string) string {
	return string(resource.NewURN(testStack, testProject, "", thingType, name))
}

func fmtMap(m resource.PropertyMap) string { return fmt.Sprint(resource.NewMap(m)) }

func toMap(o *pb.RegisterOutputsRequest) (resource.PropertyMap, error) {
	return propertypb.ToMap(o.GetOutputs())
}
