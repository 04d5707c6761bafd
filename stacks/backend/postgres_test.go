package backend_test

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/infrago/infra/stacks/backend"
	"github.com/infrago/infra/stacks/backend/backendtest"
)

func TestPostgresConformance(t *testing.T) {
	t.Parallel()
	pg := backendtest.StartPostgres(t)
	backendtest.Run(t, func(t *testing.T) backend.Store {
		// Every store has a schema of its own in the one database.
		return openTest(t, pg.NewSchema(t))
	})
}

// TestPostgresSharedSchema checks that two stores on one database, as two infra processes would have, see each
// other's stacks and locks, and that the tables are created once even by stores starting together.
func TestPostgresSharedSchema(t *testing.T) {
	t.Parallel()
	pg := backendtest.StartPostgres(t)
	url := pg.NewSchema(t)
	ctx := context.Background()
	stores := make([]backend.Store, 4)
	errs := make(chan error, len(stores))
	for i := range stores {
		stores[i] = openTest(t, url)
		t.Cleanup(func() { stores[i].(io.Closer).Close() })
		go func(s backend.Store) {
			_, err := s.ListStacks(ctx, "")
			errs <- err
		}(stores[i])
	}
	for range stores {
		if err := <-errs; err != nil {
			t.Fatalf("stores preparing the tables at once: %v", err)
		}
	}
	ref := backend.StackRef{Project: "p", Stack: "dev"}
	if err := stores[0].CreateStack(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := stores[1].Lock(ctx, ref, backend.CurrentHolder("infra up"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := stores[2].Lock(ctx, ref, backend.CurrentHolder("infra up"), time.Minute); !errors.Is(err, backend.ErrLocked) {
		t.Fatalf("a lock taken through another connection: %v", err)
	}
}

// TestPostgresPasswordNeverShown opens URLs holding a password and checks that neither URL() nor any error shows
// it.
func TestPostgresPasswordNeverShown(t *testing.T) {
	t.Parallel()
	const secret = "Sup3r-s3cret-pw"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, raw := range []string{
		"postgres://infra:" + secret + "@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=5",
		"postgresql://infra@127.0.0.1:1/postgres?password=" + secret + "&sslmode=disable",
		"postgres://infra:" + secret + "@127.0.0.1:1/postgres?sslmode=nonsense",
		"postgres://infra:" + secret + "@127.0.0.1:notaport/postgres",
	} {
		s, err := backend.Open(ctx, raw, t.TempDir())
		if err != nil {
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("Open shows the password: %v", err)
			}
			continue
		}
		if strings.Contains(s.URL(), secret) || !strings.Contains(s.URL(), "127.0.0.1:1") {
			t.Fatalf("URL() = %q", s.URL())
		}
		_, err = s.ListStacks(ctx, "")
		if err == nil {
			t.Fatalf("nobody listens on port 1, yet listing worked")
		}
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("an error shows the password: %v", err)
		}
		if !strings.Contains(err.Error(), "check that the server is up") || !strings.Contains(err.Error(), "postgres") {
			t.Fatalf("the error must name the backend and say what to check: %v", err)
		}
		s.(io.Closer).Close()
	}
}

// TestPostgresErrors checks the errors of a database that is reachable but wrong.
func TestPostgresErrors(t *testing.T) {
	t.Parallel()
	pg := backendtest.StartPostgres(t)
	ctx := context.Background()
	s := openTest(t, strings.Replace(pg.URL(), "/postgres?", "/nosuchdb?", 1))
	defer s.(io.Closer).Close()
	_, err := s.ListStacks(ctx, "")
	if err == nil || !strings.Contains(err.Error(), "check that the database exists") {
		t.Fatalf("a missing database: %v", err)
	}
}

// TestPostgresLeastPrivilege checks that once the tables exist, a user that may only read and write them (the
// grants docs/state.md gives) can use the backend: nothing needs to create tables again.
func TestPostgresLeastPrivilege(t *testing.T) {
	t.Parallel()
	pg := backendtest.StartPostgres(t)
	adminURL := pg.NewSchema(t)
	ctx := context.Background()
	admin := openTest(t, adminURL)
	defer admin.(io.Closer).Close()
	ref := backend.StackRef{Project: "p", Stack: "dev"}
	if err := admin.CreateStack(ctx, ref); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	conn, err := pgx.Connect(ctx, pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		"CREATE ROLE infra_app LOGIN",
		"GRANT USAGE ON SCHEMA " + schema + " TO infra_app",
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO infra_app",
		"GRANT USAGE, UPDATE ON ALL SEQUENCES IN SCHEMA " + schema + " TO infra_app",
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	u.User = url.User("infra_app")
	app := openTest(t, u.String())
	defer app.(io.Closer).Close()
	l, err := app.Lock(ctx, ref, backend.CurrentHolder("infra up"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.AppendJournal(ctx, ref, l.Token(), 0, []byte("j\n")); err != nil {
		t.Fatal(err)
	}
	if err := app.WriteState(ctx, ref, l.Token(), []byte("s"), backend.UpdateInfo{Version: 1}); err != nil {
		t.Fatal(err)
	}
	if err := app.CreateStack(ctx, backend.StackRef{Project: "p", Stack: "prod"}); err != nil {
		t.Fatal(err)
	}
	if ss, err := app.ListStacks(ctx, "p"); err != nil || len(ss) != 2 {
		t.Fatalf("list: %+v %v", ss, err)
	}
	// Without those grants, the error says what to check.
	if _, err := conn.Exec(ctx, "REVOKE ALL ON ALL TABLES IN SCHEMA "+schema+" FROM infra_app"); err != nil {
		t.Fatal(err)
	}
	_, err = app.ListStacks(ctx, "p")
	if err == nil || !strings.Contains(err.Error(), "check the user's privileges") {
		t.Fatalf("a user without grants: %v", err)
	}
}
