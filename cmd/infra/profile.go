package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// profiling holds the developer switches --cpuprofile, --memprofile and --trace.
type profiling struct {
	cpu, mem, trace string
	files           []*os.File
}

func (a *app) startProfiling() error {
	p := &a.profile
	if p.cpu != "" {
		f, err := os.Create(p.cpu)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		p.files = append(p.files, f)
		// The program and the providers profile themselves next to it.
		os.Setenv("INFRA_PROGRAM_CPUPROFILE", p.cpu+".program")
		os.Setenv("INFRA_PROVIDER_CPUPROFILE", p.cpu+".provider")
	}
	if p.trace != "" {
		f, err := os.Create(p.trace)
		if err != nil {
			return fmt.Errorf("--trace: %w", err)
		}
		if err := trace.Start(f); err != nil {
			f.Close()
			return fmt.Errorf("--trace: %w", err)
		}
		p.files = append(p.files, f)
	}
	return nil
}

func (a *app) stopProfiling() error {
	p := &a.profile
	if p.cpu != "" {
		pprof.StopCPUProfile()
	}
	if p.trace != "" {
		trace.Stop()
	}
	for _, f := range p.files {
		f.Close()
	}
	p.files = nil
	if p.mem != "" {
		f, err := os.Create(p.mem)
		if err != nil {
			return fmt.Errorf("--memprofile: %w", err)
		}
		defer f.Close()
		runtime.GC()
		if err := pprof.WriteHeapProfile(f); err != nil {
			return fmt.Errorf("--memprofile: %w", err)
		}
	}
	return nil
}
