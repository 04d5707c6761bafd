package protocol

import (
	"path/filepath"
	"runtime"
	"testing"
)

func TestParseVmHWM(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"Name:\tinfra\nVmPeak:\t  900 kB\nVmHWM:\t   1234 kB\nVmRSS:\t 1000 kB\n", 1234 * 1024},
		{"Name:\tinfra\n", 0},
		{"VmHWM:\n", 0},
		{"VmHWM:\t  -5 kB\n", 0},
		{"VmHWM:\t  x kB\n", 0},
	} {
		if got := parseVmHWM([]byte(tc.in)); got != tc.want {
			t.Errorf("parseVmHWM(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestProgramReportRoundTrip(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("peak memory is read from /proc")
	}
	path := filepath.Join(t.TempDir(), "usage.json")
	t.Setenv(EnvReport, path)
	WriteProgramReport()
	if got := ReadProgramReport(path); got <= 0 {
		t.Fatalf("the program's report gave %d bytes, want its peak memory", got)
	}
	if got := ReadProgramReport(path); got != 0 {
		t.Fatalf("a report is read once, then removed; the second read gave %d", got)
	}
}

func FuzzParseVmHWM(f *testing.F) {
	f.Add([]byte("VmHWM:\t   1234 kB\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if parseVmHWM(b) < 0 {
			t.Fatal("negative peak")
		}
	})
}
