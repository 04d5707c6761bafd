// Package plugin hosts provider plugins: it finds the binary for a package (a provider built into infra, served
// by re-executing the infra binary, or an external infra-provider-NAME), starts it through hashicorp/go-plugin
// with its handshake and AutoMTLS, checks the protocol version and wraps the client so that every call speaks in
// property maps and every failure names the provider. A provider that crashes or hangs yields an error, never a
// hang.
package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/infrago/infra/sdk/protocol"
	"github.com/infrago/infra/sdk/provider"
	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

// HostOptions configures where providers come from.
type HostOptions struct {
	// Builtins are the providers compiled into this binary, and BuiltinCommand makes the command that serves
	// one of them (normally `infra provider serve NAME`).
	Builtins       []string
	BuiltinCommand func(name string) *exec.Cmd
	// PluginPath lists directories searched for infra-provider-NAME binaries before the built-ins.
	PluginPath []string
	// Pins are per-provider overrides from the project: an explicit binary path and/or a required SHA-256.
	Pins map[string]Pin
	// Log receives provider log output; nil discards it.
	Log io.Writer
	// LogLevel is the hclog level of provider logs passed to Log ("warn" when empty).
	LogLevel string
	// StartTimeout bounds a plugin's start-up (default 30s).
	StartTimeout time.Duration
}

// Pin is a project's requirement for one provider binary.
type Pin struct {
	Path   string
	SHA256 string
}

// Host starts provider plugins and stops them all on Close.
type Host struct {
	opts HostOptions

	mu        sync.Mutex
	instances []*Provider
	closed    bool
	// warm are instances started ahead of need (Prestart), one per package, taken by the next Start.
	warm map[string]*warmStart
	// peakRSS is the largest peak resident memory of a provider process seen at Close, in bytes.
	peakRSS atomic.Int64
}

// PeakRSS is the largest peak resident memory, in bytes, of the provider processes this host stopped (0 where
// the system does not tell).
func (h *Host) PeakRSS() int64 { return h.peakRSS.Load() }

// NewHost returns a host with the given options.
func NewHost(opts HostOptions) *Host {
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 30 * time.Second
	}
	return &Host{opts: opts}
}

// ErrNotFound is wrapped by the error for a package no provider can be found for.
var ErrNotFound = errors.New("provider not found")

// Has reports whether a provider for package pkg can be found (built in, pinned in Infra.yaml, or a binary on
// the plugin path), without starting or verifying it.
func (h *Host) Has(pkg string) bool {
	_, _, err := h.find(pkg)
	return err == nil
}

// locate finds the command serving package pkg, checking a pinned binary against its checksum.
func (h *Host) locate(pkg string) (*exec.Cmd, string, error) {
	path, builtin, err := h.find(pkg)
	if err != nil {
		return nil, "", err
	}
	if builtin {
		return h.opts.BuiltinCommand(pkg), "built-in", nil
	}
	if err := verifyPin(pkg, path, h.opts.Pins[pkg].SHA256); err != nil {
		return nil, "", err
	}
	return exec.Command(path), path, nil
}

// find looks for package pkg's provider: the path Infra.yaml pins, an infra-provider-NAME binary on the plugin
// path, a built-in (builtin is then true), or a binary on $PATH, in that order.
func (h *Host) find(pkg string) (path string, builtin bool, err error) {
	if pin, ok := h.opts.Pins[pkg]; ok && pin.Path != "" {
		return pin.Path, false, nil
	}
	name := "infra-provider-" + pkg
	var searched []string
	for _, dir := range h.opts.PluginPath {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, name)
		searched = append(searched, dir)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, false, nil
		}
	}
	if slices.Contains(h.opts.Builtins, pkg) && h.opts.BuiltinCommand != nil {
		if h.opts.Pins[pkg].SHA256 != "" {
			return "", false, fmt.Errorf("providers.%s.sha256 in Infra.yaml pins a binary, but %s is built into infra and no external "+
				"infra-provider-%s binary was found to check the pin against (searched %s); remove the pin to use the built-in "+
				"provider, or set providers.%s.path to the binary you pinned", pkg, pkg, pkg, strings.Join(searched, ", "), pkg)
		}
		return "", true, nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, false, nil
	}
	searched = append(searched, "$PATH")
	builtins := append([]string(nil), h.opts.Builtins...)
	sort.Strings(builtins)
	return "", false, fmt.Errorf("%w: no provider for package %q: it is not built in (built-ins: %s) and no %s binary was found in %s; "+
		"install the provider binary in one of those directories (INFRA_PLUGIN_PATH adds more) or set providers.%s.path in Infra.yaml",
		ErrNotFound, pkg, strings.Join(builtins, ", "), name, strings.Join(searched, ", "), pkg)
}

func verifyPin(pkg, path, want string) error {
	if want == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("provider %s: open %s: %w", pkg, path, err)
	}
	defer f.Close()
	hash := sha256.New()
	if _, err := io.Copy(hash, f); err != nil {
		return fmt.Errorf("provider %s: read %s: %w", pkg, path, err)
	}
	got := hex.EncodeToString(hash.Sum(nil))
	if !strings.EqualFold(got, strings.TrimPrefix(want, "sha256:")) {
		return fmt.Errorf("provider %s: %s has SHA-256 %s but Infra.yaml pins %s; install the pinned build, or update providers.%s.sha256 if you meant to upgrade",
			pkg, path, got, want, pkg)
	}
	return nil
}

// warmStart is an instance starting, or started, ahead of need.
type warmStart struct {
	done chan struct{}
	p    *Provider
	err  error
}

// Prestart starts an instance of pkg's provider in the background, for the next Start of pkg to take: a run
// that will need a provider (its state says so) starts it while the program starts, instead of after the
// program asks for it. Errors are left for that Start, which then starts an instance itself.
func (h *Host) Prestart(pkg string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.warm[pkg] != nil {
		return
	}
	if h.warm == nil {
		h.warm = map[string]*warmStart{}
	}
	w := &warmStart{done: make(chan struct{})}
	h.warm[pkg] = w
	go func() {
		defer close(w.done)
		w.p, w.err = h.start(context.Background(), pkg)
	}()
}

// Start launches a new instance of the provider for pkg and completes the handshake (or takes the one Prestart
// began). Every configured provider instance is its own process.
func (h *Host) Start(ctx context.Context, pkg string) (*Provider, error) {
	h.mu.Lock()
	w := h.warm[pkg]
	delete(h.warm, pkg)
	h.mu.Unlock()
	if w != nil {
		select {
		case <-w.done:
			if w.err == nil {
				return w.p, nil
			}
			// A failed warm start is retried here, so that the error comes from the start that needed it.
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return h.start(ctx, pkg)
}

func (h *Host) start(ctx context.Context, pkg string) (*Provider, error) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, errors.New("plugin host is closed")
	}
	h.mu.Unlock()
	cmd, where, err := h.locate(pkg)
	if err != nil {
		return nil, err
	}
	tail := newTail(64)
	logOut := io.Writer(tail)
	if h.opts.Log != nil {
		logOut = io.MultiWriter(tail, h.opts.Log)
	}
	level := h.opts.LogLevel
	if level == "" {
		level = "warn"
	}
	cmd.Env = append(os.Environ(), "INFRA_PROVIDER_LOG="+level)
	bindToParent(cmd)
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  provider.HandshakeConfig(),
		Plugins:          goplugin.PluginSet{provider.PluginName: &provider.GRPCPlugin{}},
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		AutoMTLS:         true,
		StartTimeout:     h.opts.StartTimeout,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name: "provider-" + pkg, Output: logOut, Level: hclog.LevelFromString(level),
		}),
		Stderr: tail,
		GRPCDialOptions: []grpc.DialOption{
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(256<<20), grpc.MaxCallSendMsgSize(256<<20)),
		},
	})
	p := &Provider{pkg: pkg, where: where, client: client, tail: tail}
	rpcClient, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("start provider %s (%s): %w%s", pkg, where, err, tail.suffix())
	}
	raw, err := rpcClient.Dispense(provider.PluginName)
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("start provider %s (%s): %w", pkg, where, err)
	}
	p.rpc = raw.(pb.ResourceProviderClient)
	hctx, cancel := context.WithTimeout(ctx, h.opts.StartTimeout)
	defer cancel()
	hs, err := p.rpc.Handshake(hctx, &pb.HandshakeRequest{ProtocolVersion: provider.ProtocolVersion})
	if err != nil {
		client.Kill()
		return nil, p.wrap("handshake", "", err)
	}
	if hs.GetProtocolVersion() != provider.ProtocolVersion {
		client.Kill()
		return nil, fmt.Errorf("provider %s (%s) speaks protocol version %d, but this infra speaks %d: install a provider release built for this infra version",
			pkg, where, hs.GetProtocolVersion(), provider.ProtocolVersion)
	}
	if hs.GetName() != pkg {
		client.Kill()
		return nil, fmt.Errorf("provider binary %s says it is provider %q, not %q", where, hs.GetName(), pkg)
	}
	p.version = hs.GetVersion()
	p.checkOnCreate = slices.Contains(hs.GetFeatures(), provider.FeatureCheckOnCreate)
	sresp, err := p.rpc.GetSchema(hctx, &pb.GetSchemaRequest{})
	if err != nil {
		client.Kill()
		return nil, p.wrap("read the schema of", "", err)
	}
	schema, err := provider.UnmarshalSchema(sresp.GetSchemaJson())
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("provider %s (%s): %w", pkg, where, err)
	}
	p.schema = &schema
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		client.Kill()
		return nil, errors.New("plugin host is closed")
	}
	h.instances = append(h.instances, p)
	return p, nil
}

// Cancel asks every running provider to stop its in-flight operations (the protocol's Cancel), all at once,
// each within timeout. A provider that does not answer is left to the cancellation of the calls themselves.
func (h *Host) Cancel(timeout time.Duration) {
	h.mu.Lock()
	instances := slices.Clone(h.instances)
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			_ = p.Cancel(ctx)
		}()
	}
	wg.Wait()
}

// Close stops every provider instance.
func (h *Host) Close() {
	h.mu.Lock()
	instances := h.instances
	h.instances = nil
	h.closed = true
	h.mu.Unlock()
	for _, p := range instances {
		if rc := p.client.ReattachConfig(); rc != nil {
			if rss := protocol.PeakRSS(rc.Pid); rss > h.peakRSS.Load() {
				h.peakRSS.Store(rss)
			}
		}
	}
	var wg sync.WaitGroup
	for _, p := range instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.client.Kill()
		}()
	}
	wg.Wait()
}

// tail keeps the last lines a provider wrote, for error messages.
type tail struct {
	mu    sync.Mutex
	lines []string
	max   int
	part  []byte
}

func newTail(max int) *tail { return &tail{max: max} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.part = append(t.part, p...)
	for {
		i := strings.IndexByte(string(t.part), '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(t.part[:i]), "\r")
		t.part = t.part[i+1:]
		if strings.TrimSpace(line) == "" {
			continue
		}
		t.lines = append(t.lines, line)
		if len(t.lines) > t.max {
			t.lines = t.lines[len(t.lines)-t.max:]
		}
	}
	return len(p), nil
}

// last returns up to n of the last lines.
func (t *tail) last(n int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.lines
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return append([]string(nil), l...)
}

func (t *tail) suffix() string {
	l := t.last(10)
	if len(l) == 0 {
		return ""
	}
	return "\n  provider output:\n    " + strings.Join(l, "\n    ")
}
