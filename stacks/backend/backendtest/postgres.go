package backendtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresBinEnv names the variable holding PostgreSQL's bin directory (the one with initdb and postgres).
const PostgresBinEnv = "INFRA_TEST_PG_BIN"

// Postgres is a private PostgreSQL cluster started for a test on a loopback port.
type Postgres struct {
	// Port is the server's TCP port on 127.0.0.1; the superuser is "infra", with trust authentication.
	Port    int
	schemas atomic.Int64
}

// StartPostgres creates a cluster with initdb in a temporary directory, starts it on a free loopback port (its
// unix socket in that directory too), and stops and deletes it when the test ends. Run as root, initdb and the
// server run as the postgres user, as PostgreSQL requires. The bin directory is $INFRA_TEST_PG_BIN, or the newest
// /usr/lib/postgresql/*/bin; without one the test is skipped.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	bin := os.Getenv(PostgresBinEnv)
	if bin == "" {
		dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
		sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) < pgMajor(dirs[j]) })
		if len(dirs) > 0 {
			bin = dirs[len(dirs)-1]
		}
	}
	if _, err := os.Stat(filepath.Join(bin, "initdb")); bin == "" || err != nil {
		unavailable(t, "PostgreSQL is not available: set %s to the directory holding initdb and postgres (e.g. /usr/lib/postgresql/15/bin)", PostgresBinEnv)
	}
	dir, cred := pgDir(t)
	data, sockets := filepath.Join(dir, "data"), filepath.Join(dir, "sockets")
	if err := os.Mkdir(sockets, 0o700); err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		if err := os.Chown(sockets, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "infra", "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // another process may take the free port before the server does
		port := freePort(t)
		cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", sockets,
			"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=400", "-c", "fsync=off", "-c", "full_page_writes=off")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		cmd.Dir = dir
		p, err := start("postgres", cmd)
		if err != nil {
			t.Fatal(err)
		}
		pg := &Postgres{Port: port}
		err = p.waitReady(60*time.Second, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			conn, err := pgx.Connect(ctx, pg.url("postgres", ""))
			if err != nil {
				return err
			}
			return conn.Close(ctx)
		})
		if err != nil {
			p.stop(syscall.SIGKILL, time.Second)
			lastErr = err
			continue
		}
		// SIGINT is PostgreSQL's fast shutdown: roll back what is open, stop at once.
		t.Cleanup(func() { p.stop(syscall.SIGINT, 10*time.Second) })
		return pg
	}
	t.Fatal(lastErr)
	return nil
}

// pgMajor is the major version in a /usr/lib/postgresql/N/bin path, for sorting.
func pgMajor(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// pgDir makes the cluster's directory. PostgreSQL refuses to run as root: then the directory belongs to the
// postgres user, and cred runs initdb and the server as that user (like `runuser -u postgres`, but the kernel
// still kills the server if the test binary dies).
func pgDir(t testing.TB) (string, *syscall.Credential) {
	t.Helper()
	dir, err := os.MkdirTemp("", "infra-pg-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() != 0 {
		return dir, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		unavailable(t, "PostgreSQL cannot run as root and there is no postgres user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	return dir, &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

func (p *Postgres) url(db, searchPath string) string {
	u := fmt.Sprintf("postgres://infra@127.0.0.1:%d/%s?sslmode=disable", p.Port, db)
	if searchPath != "" {
		u += "&search_path=" + searchPath
	}
	return u
}

// URL returns the postgres:// URL of the cluster's postgres database.
func (p *Postgres) URL() string { return p.url("postgres", "") }

// NewSchema creates an empty schema and returns a postgres:// URL whose search_path selects it: a database of
// its own, as far as a backend can tell, at a fraction of the cost of one.
func (p *Postgres) NewSchema(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("test_%d", p.schemas.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, p.URL())
	if err != nil {
		t.Fatalf("connect to the test PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("create schema %s: %v", name, err)
	}
	return p.url("postgres", name)
}
