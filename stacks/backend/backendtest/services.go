package backendtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// RequireServicesEnv names the variable that turns a missing test server into a failure instead of a skip.
// scripts/test-services.sh sets it, so that `make test` cannot pass without exercising every backend.
const RequireServicesEnv = "INFRA_TEST_REQUIRE_SERVICES"

// unavailable skips the test because a server it needs is not installed, or fails it under `make test`.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(RequireServicesEnv) != "" {
		t.Fatalf("%s (%s is set: scripts/test-services.sh should have provided it)", msg, RequireServicesEnv)
	}
	t.Skip(msg + "; `make test` provides it through scripts/test-services.sh")
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// process is a server started for a test, its output kept for the failure message.
type process struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when the process exits
	err  error         // its exit status, once done is closed
}

// start runs cmd in the background. The server is killed if the test binary dies, so none is left behind.
func start(name string, cmd *exec.Cmd) (*process, error) {
	p := &process{name: name, cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// waitReady polls ready until it succeeds, the process exits or timeout passes.
func (p *process) waitReady(timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited (%v) before it was ready:\n%s", p.name, p.err, p.out.String())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s was not ready after %s (%v):\n%s", p.name, timeout, err, p.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop asks the server to shut down with sig and kills it if it is still running after grace.
func (p *process) stop(sig os.Signal, grace time.Duration) {
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a process's stdout and stderr.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
