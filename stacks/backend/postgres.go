package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// postgresStore keeps stacks in a PostgreSQL database, in the tables of postgres_schema.go (created on first
// use). Every write runs in one transaction that also checks the fencing token with the lock row share-locked,
// so a run that lost its lock can never write: a takeover waits for the writes in progress, and writes after it
// see the new token. The database's clock alone decides leases, so hosts' clocks do not matter.
type postgresStore struct {
	pool *pgxpool.Pool
	url  string // redacted
	// secrets are the strings never to show in an error: the password, from the URL or the environment.
	secrets []string

	mu    sync.Mutex
	ready bool // the schema was checked
}

// postgresStore is a Store, and closable for programs that open many.
var (
	_ Store     = (*postgresStore)(nil)
	_ io.Closer = (*postgresStore)(nil)
)

// openPostgres returns the store of a postgres:// URL. The URL takes libpq's options (sslmode, sslrootcert,
// connect_timeout, search_path to use a schema of one's own...); the password should come from PGPASSWORD or
// ~/.pgpass rather than the URL. It does not connect: the first operation does.
func openPostgres(ctx context.Context, raw string) (Store, error) {
	display := redactURL(raw)
	cfg, err := pgxpool.ParseConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("backend URL %s: %w", display, redact(err, passwordsIn(raw)))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second // a wrong host must not hang a command
	}
	secrets := append(passwordsIn(raw), cfg.ConnConfig.Password)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", display, redact(err, secrets))
	}
	return &postgresStore{pool: pool, url: display, secrets: secrets}, nil
}

// URL implements Store.
func (p *postgresStore) URL() string { return p.url }

// Close closes the store's connections.
func (p *postgresStore) Close() error {
	p.pool.Close()
	return nil
}

// fail wraps an unexpected database error with the backend's URL, what was being done and what to check, with
// every secret removed from the text.
func (p *postgresStore) fail(err error, format string, args ...any) error {
	return redact(fmt.Errorf("%s: %s: %w%s", p.url, fmt.Sprintf(format, args...), err, pgHint(err)), p.secrets)
}

// pgHint says what to check for the usual causes of a database error.
func pgHint(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "28P01", "28000":
			return "; check the user and the password (PGPASSWORD or ~/.pgpass) and the server's pg_hba.conf"
		case "3D000":
			return "; check that the database exists (infra creates its tables, not the database)"
		case "42501":
			return "; check the user's privileges: it must read and write infra's tables, and create them the first time " +
				"(see the PostgreSQL section of docs/state.md)"
		}
		return ""
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ""
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return "; check that the server is up and reachable from here (host, port, network, firewall) and the sslmode"
	}
	return ""
}

// tx runs fn in a transaction after making sure the schema exists.
func (p *postgresStore) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	if err := p.ensureSchema(ctx); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, p.pool, fn)
}

// CreateStack implements Store.
func (p *postgresStore) CreateStack(ctx context.Context, ref StackRef) error {
	if err := checkRef(ref); err != nil {
		return err
	}
	if err := p.ensureSchema(ctx); err != nil {
		return err
	}
	tag, err := p.pool.Exec(ctx, `INSERT INTO stacks (project, stack) VALUES ($1, $2) ON CONFLICT DO NOTHING`, ref.Project, ref.Stack)
	if err != nil {
		return p.fail(err, "create stack %s", ref)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("stack %s already exists in %s", ref.Stack, p.url)
	}
	return nil
}

// ListStacks implements Store: one query on the stacks table, which keeps each stack's resource count and time of
// last update; snapshots are never read.
func (p *postgresStore) ListStacks(ctx context.Context, project string) ([]StackSummary, error) {
	if err := p.ensureSchema(ctx); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `SELECT project, stack, updated, resources FROM stacks
		WHERE $1 = '' OR project = $1 ORDER BY project, stack`, project)
	if err != nil {
		return nil, p.fail(err, "list stacks")
	}
	out := []StackSummary{}
	for rows.Next() {
		var s StackSummary
		var updated *time.Time
		if err := rows.Scan(&s.Project, &s.Name, &updated, &s.Resources); err != nil {
			return nil, p.fail(err, "list stacks")
		}
		if updated != nil {
			s.LastUpdate = *updated
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, p.fail(err, "list stacks")
	}
	return out, nil
}

// RemoveStack implements Store: its snapshots, journal and lock go with it (ON DELETE CASCADE).
func (p *postgresStore) RemoveStack(ctx context.Context, ref StackRef) error {
	if err := p.ensureSchema(ctx); err != nil {
		return err
	}
	tag, err := p.pool.Exec(ctx, `DELETE FROM stacks WHERE project = $1 AND stack = $2`, ref.Project, ref.Stack)
	if err != nil {
		return p.fail(err, "remove stack %s", ref)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("remove stack %s: %w in %s", ref, ErrNotFound, p.url)
	}
	return nil
}

// ReadState implements Store.
func (p *postgresStore) ReadState(ctx context.Context, ref StackRef) ([]byte, int64, error) {
	if err := p.ensureSchema(ctx); err != nil {
		return nil, 0, err
	}
	var version int64
	var data []byte
	var found bool
	err := p.pool.QueryRow(ctx, `SELECT s.current, h.data, h.version IS NOT NULL FROM stacks s
		LEFT JOIN snapshots h ON h.project = s.project AND h.stack = s.stack AND h.version = s.current
		WHERE s.project = $1 AND s.stack = $2`, ref.Project, ref.Stack).Scan(&version, &data, &found)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, fmt.Errorf("stack %s: %w in %s", ref, ErrNotFound, p.url)
	}
	if err != nil {
		return nil, 0, p.fail(err, "read the state of stack %s", ref)
	}
	if version == 0 {
		return nil, 0, nil
	}
	if data == nil {
		data = []byte{}
	}
	if !found {
		return nil, 0, fmt.Errorf("%s: the current state of stack %s (version %d) is missing: find the last good version with "+
			"`infra stack history` and restore it with `infra stack restore --version N`", p.url, ref, version)
	}
	return data, version, nil
}

// WriteState implements Store. One transaction checks the fence, checks that the version is new, stores the
// snapshot, moves the current pointer and retires older journals: it all happens or none of it does.
func (p *postgresStore) WriteState(ctx context.Context, ref StackRef, fence int64, data []byte, info UpdateInfo) error {
	meta, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("write the history of %s: %w", ref, err)
	}
	if data == nil {
		data = []byte{} // the column is NOT NULL: an empty snapshot is still a snapshot
	}
	var sentinel error
	err = p.tx(ctx, func(tx pgx.Tx) error {
		current, err := lockStackRow(ctx, tx, ref, "FOR NO KEY UPDATE")
		if err != nil {
			sentinel = err
			return err
		}
		if err := p.checkFence(ctx, tx, ref, fence); err != nil {
			sentinel = err
			return err
		}
		if info.Version <= current {
			sentinel = fmt.Errorf("%w: version %d is current, this run wrote on top of an older version and tried to write %d; run again",
				ErrConflict, current, info.Version)
			return sentinel
		}
		if _, err := tx.Exec(ctx, `INSERT INTO snapshots (project, stack, version, data, info) VALUES ($1, $2, $3, $4, $5::jsonb)`,
			ref.Project, ref.Stack, info.Version, data, string(meta)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE stacks SET current = $3, resources = $4, updated = now() WHERE project = $1 AND stack = $2`,
			ref.Project, ref.Stack, info.Version, info.Resources); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM journal WHERE project = $1 AND stack = $2 AND base < $3`, ref.Project, ref.Stack, info.Version)
		return err
	})
	if sentinel != nil {
		return sentinel
	}
	if err != nil {
		return p.fail(err, "write the state of stack %s", ref)
	}
	return nil
}

// lockStackRow locks the stack's row in the transaction and returns its current version; ErrNotFound if the
// stack does not exist. Every write takes the stack row before the lock row, so writers and removals queue in
// the same order and never deadlock.
func lockStackRow(ctx context.Context, tx pgx.Tx, ref StackRef, mode string) (int64, error) {
	var current int64
	err := tx.QueryRow(ctx, `SELECT current FROM stacks WHERE project = $1 AND stack = $2 `+mode, ref.Project, ref.Stack).Scan(&current)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("stack %s: %w", ref, ErrNotFound)
	}
	return current, err
}

// History implements Store.
func (p *postgresStore) History(ctx context.Context, ref StackRef) ([]UpdateInfo, error) {
	if err := p.ensureSchema(ctx); err != nil {
		return nil, err
	}
	if err := p.mustExist(ctx, ref); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `SELECT version, info FROM snapshots WHERE project = $1 AND stack = $2 ORDER BY version DESC`,
		ref.Project, ref.Stack)
	if err != nil {
		return nil, p.fail(err, "read the history of stack %s", ref)
	}
	out := []UpdateInfo{}
	for rows.Next() {
		var v int64
		var raw []byte
		if err := rows.Scan(&v, &raw); err != nil {
			return nil, p.fail(err, "read the history of stack %s", ref)
		}
		u, err := decodeInfo(raw)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: read the history of stack %s: version %d: %w", p.url, ref, v, err)
		}
		u.Version = v // the row's key is authoritative
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, p.fail(err, "read the history of stack %s", ref)
	}
	return out, nil
}

func (p *postgresStore) mustExist(ctx context.Context, ref StackRef) error {
	var one int
	err := p.pool.QueryRow(ctx, `SELECT 1 FROM stacks WHERE project = $1 AND stack = $2`, ref.Project, ref.Stack).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("stack %s: %w in %s", ref, ErrNotFound, p.url)
	}
	if err != nil {
		return p.fail(err, "read stack %s", ref)
	}
	return nil
}

// ReadHistory implements Store.
func (p *postgresStore) ReadHistory(ctx context.Context, ref StackRef, version int64) ([]byte, error) {
	if err := p.ensureSchema(ctx); err != nil {
		return nil, err
	}
	var data []byte
	err := p.pool.QueryRow(ctx, `SELECT data FROM snapshots WHERE project = $1 AND stack = $2 AND version = $3`,
		ref.Project, ref.Stack, version).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("version %d of stack %s: %w", version, ref, ErrNotFound)
	}
	if err != nil {
		return nil, p.fail(err, "read version %d of stack %s", version, ref)
	}
	return data, nil
}

// PruneHistory implements Store.
func (p *postgresStore) PruneHistory(ctx context.Context, ref StackRef, keep int) error {
	if err := p.ensureSchema(ctx); err != nil {
		return err
	}
	if err := p.mustExist(ctx, ref); err != nil {
		return err
	}
	_, err := p.pool.Exec(ctx, `DELETE FROM snapshots h WHERE h.project = $1 AND h.stack = $2
		AND h.version <> (SELECT current FROM stacks WHERE project = $1 AND stack = $2)
		AND h.version NOT IN (SELECT version FROM snapshots WHERE project = $1 AND stack = $2 ORDER BY version DESC LIMIT $3)`,
		ref.Project, ref.Stack, max(keep, 0))
	if err != nil {
		return p.fail(err, "prune the history of stack %s", ref)
	}
	return nil
}

// AppendJournal implements Store: the batch is durable when the transaction commits.
func (p *postgresStore) AppendJournal(ctx context.Context, ref StackRef, fence int64, base int64, batch []byte) error {
	var sentinel error
	err := p.tx(ctx, func(tx pgx.Tx) error {
		if _, err := lockStackRow(ctx, tx, ref, "FOR KEY SHARE"); err != nil {
			sentinel = err
			return err
		}
		if err := p.checkFence(ctx, tx, ref, fence); err != nil {
			sentinel = err
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO journal (project, stack, base, batch) VALUES ($1, $2, $3, $4)`,
			ref.Project, ref.Stack, base, batch)
		return err
	})
	if sentinel != nil {
		return sentinel
	}
	if err != nil {
		return p.fail(err, "append to the journal of stack %s", ref)
	}
	return nil
}

// ReadJournal implements Store.
func (p *postgresStore) ReadJournal(ctx context.Context, ref StackRef, base int64) ([]byte, error) {
	if err := p.ensureSchema(ctx); err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `SELECT batch FROM journal WHERE project = $1 AND stack = $2 AND base = $3 ORDER BY seq`,
		ref.Project, ref.Stack, base)
	if err != nil {
		return nil, p.fail(err, "read the journal of stack %s", ref)
	}
	var buf bytes.Buffer
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, p.fail(err, "read the journal of stack %s", ref)
		}
		buf.Write(b)
	}
	if err := rows.Err(); err != nil {
		return nil, p.fail(err, "read the journal of stack %s", ref)
	}
	if buf.Len() == 0 {
		return nil, nil
	}
	return buf.Bytes(), nil
}
