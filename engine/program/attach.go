package program

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/infrago/infra/sdk/protocol"
)

// Attach runs an attached program (see protocol.AttachReady): it tells the program where the engine is by
// writing an AttachReady line to w, built from env (the EnvMonitor and EnvMonitorToken values a started program
// would get), then waits for the program's AttachDone line on r. A failure the program reported is an
// *ExitError with Reported set; one it did not is an error with its message. A cancelled ctx returns at once:
// the caller's process is its own, and the engine's shutdown closes the program's connection.
func Attach(ctx context.Context, w io.Writer, r io.Reader, env []string) error {
	var ready protocol.AttachReady
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case protocol.EnvMonitor:
			ready.Monitor = v
		case protocol.EnvMonitorToken:
			ready.Token = v
		}
	}
	b, err := json.Marshal(ready)
	if err != nil {
		return err
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("tell the attached program where the engine is: %w", err)
	}
	type answer struct {
		done protocol.AttachDone
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), 2<<20)
		if !sc.Scan() {
			err := sc.Err()
			if err == nil {
				err = io.EOF
			}
			ch <- answer{err: fmt.Errorf("the attached program ended without saying how it finished (%w)", err)}
			return
		}
		d, err := protocol.DecodeAttachDone(sc.Bytes())
		ch <- answer{done: d, err: err}
	}()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case a := <-ch:
		switch {
		case a.err != nil:
			return a.err
		case a.done.Error == "":
			return nil
		case a.done.Reported:
			return &ExitError{Code: ExitReported, Reported: true}
		}
		return errors.New(a.done.Error)
	}
}
