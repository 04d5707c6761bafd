package infra

import (
	"os"
	"runtime/pprof"
)

// EnvCPUProfile names a file the program writes a CPU profile to: `infra --cpuprofile F` sets it to
// F.program, for developers measuring the SDK.
const EnvCPUProfile = "INFRA_PROGRAM_CPUPROFILE"

func startProfile() (stop func()) {
	path := os.Getenv(EnvCPUProfile)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
