package main

import (
	"encoding/json"
	"os"
	"sync"
	"syscall"

	"github.com/infrago/infra/engine/plugin"
)

// usage collects the peak memory of the processes a command ran, for the benchmarks: with INFRA_BENCH_REPORT
// set to a file, the command writes them there as JSON when it exits.
type usage struct {
	mu         sync.Mutex
	programRSS int64
	hosts      []*plugin.Host
}

func (u *usage) program(bytes int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.programRSS = max(u.programRSS, bytes)
}

func (u *usage) host(h *plugin.Host) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.hosts = append(u.hosts, h)
}

// writeReport writes the report if INFRA_BENCH_REPORT asks for one.
func (u *usage) writeReport() {
	path := os.Getenv("INFRA_BENCH_REPORT")
	if path == "" {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	var self syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	var providers int64
	for _, h := range u.hosts {
		providers = max(providers, h.PeakRSS())
	}
	b, _ := json.Marshal(map[string]int64{
		"cliPeakRSS":      int64(self.Maxrss) * 1024,
		"programPeakRSS":  u.programRSS,
		"providerPeakRSS": providers,
	})
	_ = os.WriteFile(path, b, 0o644)
}
