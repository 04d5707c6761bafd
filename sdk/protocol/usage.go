package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

// EnvReport names the file a benchmarked `infra` command writes its usage report to. Processes it starts
// (programs) write theirs beside it, to the same path with a suffix, since only they know their peak.
const EnvReport = "INFRA_BENCH_REPORT"

// PeakRSS is the peak resident memory of process pid (0: this process) in bytes, read from the VmHWM line of
// /proc/<pid>/status. Unlike the rusage a parent collects on wait, it counts only the process's own address
// space, not the parent's memory at the fork. It is 0 where /proc does not tell (other systems, an exited
// process).
func PeakRSS(pid int) int64 {
	path := "/proc/self/status"
	if pid > 0 {
		path = fmt.Sprintf("/proc/%d/status", pid)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return parseVmHWM(b)
}

func parseVmHWM(status []byte) int64 {
	for _, line := range bytes.Split(status, []byte("\n")) {
		rest, ok := bytes.CutPrefix(line, []byte("VmHWM:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) == 0 {
			return 0
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil || kb < 0 {
			return 0
		}
		return kb * 1024
	}
	return 0
}

// WriteProgramReport records this process's peak memory as the program's, when a benchmark asked for reports.
func WriteProgramReport() {
	path := os.Getenv(EnvReport)
	if path == "" {
		return
	}
	b, _ := json.Marshal(map[string]int64{"peakRSS": PeakRSS(0)})
	_ = os.WriteFile(path+".program", b, 0o644)
}

// ReadProgramReport returns the peak memory the program recorded for the report at path, and removes its file.
func ReadProgramReport(path string) int64 {
	b, err := os.ReadFile(path + ".program")
	if err != nil {
		return 0
	}
	_ = os.Remove(path + ".program")
	var r struct {
		PeakRSS int64 `json:"peakRSS"`
	}
	if json.Unmarshal(b, &r) != nil {
		return 0
	}
	return r.PeakRSS
}
