package program

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/infrago/infra/sdk/protocol"
)

func TestAttach(t *testing.T) {
	t.Parallel()
	env := []string{protocol.EnvMonitor + "=127.0.0.1:5", protocol.EnvMonitorToken + "=tok"}
	tests := []struct {
		name, done string
		check      func(error) bool
	}{
		{"success", `{}` + "\n", func(err error) bool { return err == nil }},
		{"unreported failure", `{"error":"boom"}` + "\n", func(err error) bool { return err != nil && err.Error() == "boom" }},
		{"reported failure", `{"error":"boom","reported":true}` + "\n", func(err error) bool {
			var ee *ExitError
			return errors.As(err, &ee) && ee.Reported
		}},
		{"gone", "", func(err error) bool { return err != nil && strings.Contains(err.Error(), "without saying") }},
		{"garbage", "nope\n", func(err error) bool { return err != nil && strings.Contains(err.Error(), "not the JSON") }},
	}
	for _, tt := range tests {
		var w bytes.Buffer
		err := Attach(context.Background(), &w, strings.NewReader(tt.done), env)
		if !tt.check(err) {
			t.Errorf("%s: Attach = %v", tt.name, err)
		}
		r, derr := protocol.DecodeAttachReady(bytes.TrimSpace(w.Bytes()))
		if derr != nil || r.Monitor != "127.0.0.1:5" || r.Token != "tok" {
			t.Errorf("%s: wrote %q (%v)", tt.name, w.String(), derr)
		}
	}
	// A cancelled run does not wait for a program that never answers.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pr, _ := io.Pipe()
	if err := Attach(ctx, io.Discard, pr, env); !errors.Is(err, context.Canceled) {
		t.Errorf("Attach with a cancelled context = %v", err)
	}
}
