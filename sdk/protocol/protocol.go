// Package protocol holds what the CLI, the engine and a user's program agree on besides the gRPC definitions in
// sdk/rpc: the environment variables the engine starts a program with, and the usage report a benchmarked run
// asks each process for. It imports only the standard library, so the program SDK (sdk/infra) can use it without
// pulling in anything of the engine's.
package protocol

const (
	// EnvMonitor names the address of the engine's resource monitor, which a program dials.
	EnvMonitor = "INFRA_MONITOR"
	// EnvMonitorToken names the secret a program presents to the monitor.
	EnvMonitorToken = "INFRA_MONITOR_TOKEN"
)
