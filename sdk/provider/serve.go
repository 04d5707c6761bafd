package provider

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/infrago/infra/sdk/rpc/providerpb"
)

// PluginName is the name under which the provider service is dispensed through go-plugin.
const PluginName = "provider"

// HandshakeConfig is the go-plugin handshake both the engine and every provider use. A binary started without the
// cookie (by a person, say) refuses to run as a plugin instead of hanging.
func HandshakeConfig() plugin.HandshakeConfig {
	return plugin.HandshakeConfig{
		ProtocolVersion:  ProtocolVersion,
		MagicCookieKey:   "INFRA_PROVIDER_PLUGIN",
		MagicCookieValue: "0e6e7a43-provider-protocol",
	}
}

// GRPCPlugin adapts the provider service to go-plugin. On the provider side Impl is set; on the engine side
// GRPCClient hands back a providerpb client.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl pb.ResourceProviderServer
}

// GRPCServer registers the provider service.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterResourceProviderServer(s, p.Impl)
	return nil
}

// GRPCClient returns a client for the provider service.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return pb.NewResourceProviderClient(c), nil
}

// Serve runs p as a plugin until the engine stops it. It is what a provider binary's main calls.
func Serve(p Provider) error {
	srv, err := NewServer(p)
	if err != nil {
		return fmt.Errorf("provider %s: %w", p.Name, err)
	}
	level := hclog.Warn
	if os.Getenv("INFRA_PROVIDER_LOG") != "" {
		level = hclog.LevelFromString(os.Getenv("INFRA_PROVIDER_LOG"))
	}
	if path := os.Getenv("INFRA_PROVIDER_CPUPROFILE"); path != "" {
		// Developers profiling the engine get the provider's profile too (one file per package).
		if f, err := os.Create(path + "." + p.Name); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer func() {
					pprof.StopCPUProfile()
					f.Close()
				}()
			}
		}
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: HandshakeConfig(),
		Plugins:         plugin.PluginSet{PluginName: &GRPCPlugin{Impl: srv}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			opts = append(opts, grpc.MaxRecvMsgSize(256<<20), grpc.MaxSendMsgSize(256<<20))
			return grpc.NewServer(opts...)
		},
		Logger: hclog.New(&hclog.LoggerOptions{Name: "provider-" + p.Name, Level: level, Output: os.Stderr, JSONFormat: true}),
	})
	return nil
}
