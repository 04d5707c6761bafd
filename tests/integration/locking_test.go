package integration

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/infrago/infra/stacks/backend"
	"github.com/infrago/infra/stacks/backend/backendtest"
)

// The root credentials of the MinIO servers the locking tests start.
const minioAccessKey, minioSecretKey = "infra-test", "infra-test-secret"

// lockBackend is a state backend the locking tests run `infra` against: the URL for Infra.yaml and the
// environment the CLI needs to reach it.
type lockBackend struct {
	name string
	open func(t *testing.T) (url string, env []string)
}

func lockBackends() []lockBackend {
	return []lockBackend{
		{"file", func(t *testing.T) (string, []string) { return "", nil }},
		{"s3", func(t *testing.T) (string, []string) {
			m := backendtest.StartMinIO(t, minioAccessKey, minioSecretKey)
			// The test opens the store itself too, and the AWS SDK takes credentials from the environment only.
			// Every MinIO here has the same credentials, and the CLI's environment was fixed before the tests
			// started, so setting them in this process is safe while subtests run in parallel.
			os.Setenv("AWS_ACCESS_KEY_ID", m.AccessKey)
			os.Setenv("AWS_SECRET_ACCESS_KEY", m.SecretKey)
			os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			return m.URL("locking"), []string{"AWS_ACCESS_KEY_ID=" + m.AccessKey, "AWS_SECRET_ACCESS_KEY=" + m.SecretKey}
		}},
		{"gcs", func(t *testing.T) (string, []string) { return backendtest.StartFakeGCS(t).URL("locking"), nil }},
		{"postgres", func(t *testing.T) (string, []string) {
			return backendtest.StartPostgres(t).NewSchema(t), nil
		}},
	}
}

// newProjectOn creates a spec project whose state lives at backendURL ("" for the project's .infra/).
func newProjectOn(t *testing.T, backendURL string, env []string) *project {
	t.Helper()
	p, err := makeProject(t.TempDir(), "it", specDir())
	if err != nil {
		t.Fatal(err)
	}
	p.t = t
	p.env = append(p.env, env...)
	if backendURL != "" {
		rel, err := filepath.Rel(p.dir, specDir())
		if err != nil {
			t.Fatal(err)
		}
		if err := p.writeFile("Infra.yaml", fmt.Sprintf("name: it\nmain: %s\nbackend: %s\n", filepath.ToSlash(rel), backendURL)); err != nil {
			t.Fatal(err)
		}
	}
	p.mustRun("stack", "init", "dev")
	return p
}

// testLease is the lock lease of the locking tests' runs.
const testLease = 3 * time.Second

// TestTwoUpsAtOnce runs two `infra up` on one stack at once on every backend: one proceeds, the other is refused
// quickly with the holder's identity. A holder killed with SIGKILL stops blocking when its lease ends (in the
// file backend at once: its process is known to be gone); one on another host blocks the stack until then.
func TestTwoUpsAtOnce(t *testing.T) {
	t.Parallel()
	for _, b := range lockBackends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			url, env := b.open(t)
			// A short lease, renewed every third of it, so that the slow create below outlives several renewals.
			p := newProjectOn(t, url, append(env, "INFRA_LOCK_LEASE="+testLease.String()))
			p.setSpec(spec{Resources: []res{{Name: "slow", Value: "1", SleepMs: 3000}, {Name: "quick", Value: "1"}}})

			bg := p.start("up", "--yes")
			pollUntil(t, time.Minute, "the first up is creating", func() bool { return callIndex(p.calls(), "create", p.thing("slow")) >= 0 })
			start := time.Now()
			r := p.runCode(1, "up", "--yes")
			elapsed := time.Since(start)
			wantOutput(t, r, "stack dev is being updated by", fmt.Sprintf("(pid %d, `infra up`)", bg.cmd.Process.Pid), "infra stack unlock")
			t.Logf("%s: the second up was refused after %s", b.name, elapsed.Round(time.Millisecond))
			// The refusal comes from taking the lock, before the program is built or run (about 0.1 s on the build
			// machine): it must not wait for the holder's lease to run out. How fast it is belongs to the
			// benchmarks; on a loaded machine it can take a second.
			if elapsed >= testLease {
				t.Errorf("the second up took %s to be refused: it waited for the holder's lease (%s) instead of refusing at once", elapsed, testLease)
			}
			if r := bg.wait(t); r.code != 0 {
				t.Fatalf("the up holding the lock failed:\n%s", r)
			}
			if n := countCalls(p.calls(), "create", p.thing("slow")); n != 1 {
				t.Errorf("slow was created %d times", n)
			}

			// A holder killed with SIGKILL. In a project's own .infra/ its process is known to be gone, so the next
			// run takes the lock over at once; a shared backend cannot tell this host from another of the same
			// name (CI containers often share one), so there the lease decides.
			p.setSpec(spec{Resources: []res{{Name: "slow", Value: "2", SleepMs: 3000}, {Name: "quick", Value: "2"}}})
			bg = p.start("up", "--yes")
			pollUntil(t, time.Minute, "the second up is updating", func() bool { return callIndex(p.calls(), "update", p.thing("slow")) >= 0 })
			_ = syscall.Kill(bg.cmd.Process.Pid, syscall.SIGKILL)
			killed := time.Now()
			<-bg.done
			if url != "" {
				r := p.runCode(1, "up", "--yes")
				wantOutput(t, r, fmt.Sprintf("(pid %d, `infra up`)", bg.cmd.Process.Pid), "its lease ends at")
				time.Sleep(time.Until(killed.Add(testLease + 500*time.Millisecond)))
			}
			p.mustRun("up", "--yes")
			p.runCode(0, "preview", "--expect-no-changes")

			// A holder on another host cannot be checked for liveness: its lease decides.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			s, err := backend.Open(ctx, url, p.dir)
			if err != nil {
				t.Fatal(err)
			}
			if c, ok := s.(io.Closer); ok {
				defer c.Close()
			}
			const lease = testLease
			other := backend.LockInfo{User: "ci", Host: "runner-7", PID: 4242, Command: "infra up", Time: time.Now().UTC()}
			if _, err := s.Lock(ctx, backend.StackRef{Project: "it", Stack: "dev"}, other, lease); err != nil {
				t.Fatal(err)
			}
			taken := time.Now()
			r = p.runCode(1, "up", "--yes")
			wantOutput(t, r, "ci@runner-7", "(pid 4242, `infra up`)", "its lease ends at")
			time.Sleep(time.Until(taken.Add(lease + 500*time.Millisecond)))
			r = p.mustRun("up", "--yes")
			if strings.Contains(r.output(), "being updated by") {
				t.Errorf("the up after the lease ended still saw the lock:\n%s", r)
			}
		})
	}
}
