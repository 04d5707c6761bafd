package program

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// ExitReported is the exit status of a program that has already reported its failure through the engine.
const ExitReported = 32

// ExitError is a program that exited with a failure.
type ExitError struct {
	Code int
	// Reported is true when the program already told the engine why.
	Reported bool
	// Stderr holds the last lines the program wrote to stderr.
	Stderr []string
	Signal string
}

func (e *ExitError) Error() string {
	if e.Signal != "" {
		return fmt.Sprintf("the program was killed by signal %s", e.Signal)
	}
	return fmt.Sprintf("the program exited with status %d", e.Code)
}

// RunOptions configure a program run.
type RunOptions struct {
	// Dir is the working directory: the program's directory, so relative paths in it work.
	Dir string
	// Env is added to the engine's own environment.
	Env []string
	// Output receives every line the program prints, with the stream it came from.
	Output func(stream, line string)
}

// Run runs the program binary and waits for it. A cancelled ctx stops it (SIGTERM, then SIGKILL after 5s).
func Run(ctx context.Context, bin string, opts RunOptions) error {
	cmd := exec.Command(bin)
	cmd.Dir = opts.Dir
	cmd.Env = append(os.Environ(), opts.Env...)
	cmd.SysProcAttr = procAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the program: %w", err)
	}
	var tail []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	pump := func(stream string, r io.Reader) {
		defer wg.Done()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
		for sc.Scan() {
			line := sc.Text()
			if stream == "stderr" {
				mu.Lock()
				tail = append(tail, line)
				if len(tail) > 50 {
					tail = tail[len(tail)-50:]
				}
				mu.Unlock()
			}
			if opts.Output != nil {
				opts.Output(stream, line)
			}
		}
	}
	wg.Add(2)
	go pump("stdout", stdout)
	go pump("stderr", stderr)

	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			}
		case <-done:
		}
	}()
	wg.Wait()
	err = cmd.Wait()
	close(done)
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("run the program: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	out := &ExitError{Code: ee.ExitCode(), Stderr: append([]string(nil), tail...)}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		out.Signal = ws.Signal().String()
	}
	out.Reported = out.Code == ExitReported
	return out
}
