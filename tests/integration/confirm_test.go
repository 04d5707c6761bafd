package integration

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infrago/infra/internal/pty"
)

// TestDestroyQuestionLeftUnanswered: `infra destroy` at a terminal previews, asks, and gets the end of input
// instead of an answer (Ctrl-D). The command ends with an error at once, and leaves no provider process running, no
// lock held and the stack as it was.
func TestDestroyQuestionLeftUnanswered(t *testing.T) {
	t.Parallel()
	p := newProject(t)
	p.setSpec(spec{Resources: []res{{Name: "a"}, {Name: "b", DependsOn: []string{"a"}}}})
	p.mustRun("up", "--yes")

	master, tty, err := pty.Open(120, 40)
	if err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd, _, _ := p.command(ctx, nil, "destroy")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	// A person's terminal, not CI.
	cmd.Env = slices.DeleteFunc(cmd.Env, func(kv string) bool { return strings.HasPrefix(kv, "CI=") })
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var mu sync.Mutex
	var shown bytes.Buffer
	asked := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		once := sync.Once{}
		for {
			n, err := master.Read(buf)
			mu.Lock()
			shown.Write(buf[:n])
			if strings.Contains(shown.String(), "Do you want to delete these resources?") {
				once.Do(func() { close(asked) })
			}
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-asked:
	case <-time.After(commandTimeout / 2):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("destroy never asked:\n%s", shown.String())
	}
	closed := time.Now()
	// End of input (Ctrl-D) instead of an answer: the question cannot be answered.
	if _, err := master.Write([]byte{4}); err != nil {
		t.Fatal(err)
	}
	waitErr := cmd.Wait()
	t.Logf("destroy ended %s after the end of input: %v", time.Since(closed), waitErr)
	master.Close()
	if waitErr == nil {
		t.Fatal("destroy succeeded without an answer")
	}
	pollUntil(t, 10*time.Second, "the providers of the unanswered destroy to stop", func() bool { return len(p.providerPIDs()) == 0 })
	// The lock is free and nothing was deleted.
	r := p.mustRun("up", "--yes")
	if s := p.state(); len(s.things()) != 2 {
		t.Fatalf("the unanswered destroy changed the stack:\n%s", r)
	}
}
