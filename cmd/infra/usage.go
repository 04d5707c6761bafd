package main

import (
	"encoding/json"
	"os"
	"sync"

	"github.com/infrago/infra/engine/plugin"
	"github.com/infrago/infra/sdk/protocol"
)

// usage collects the peak memory of the processes a command ran, for the benchmarks: with INFRA_BENCH_REPORT
// set to a file, the command writes them there as JSON when it exits.
type usage struct {
	mu       sync.Mutex
	hosts    []*plugin.Host
	disabled bool
}

// disable keeps this process from writing a report.
func (u *usage) disable() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.disabled = true
}

func (u *usage) host(h *plugin.Host) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.hosts = append(u.hosts, h)
}

// writeReport writes the report if INFRA_BENCH_REPORT asks for one. The program wrote its own peak beside it
// (only a process knows its own peak once it has exited); the providers' were read when they were stopped.
func (u *usage) writeReport() {
	path := os.Getenv(protocol.EnvReport)
	if path == "" {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.disabled {
		return
	}
	var providers int64
	for _, h := range u.hosts {
		providers = max(providers, h.PeakRSS())
	}
	b, _ := json.Marshal(map[string]int64{
		"cliPeakRSS":      protocol.PeakRSS(0),
		"programPeakRSS":  protocol.ReadProgramReport(path),
		"providerPeakRSS": providers,
	})
	_ = os.WriteFile(path, b, 0o644)
}
