package backend

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// pgSchemaVersion is the version of the tables below. A database written by a newer infra is refused rather than
// written with an older idea of its tables.
const pgSchemaVersion = 1

// pgSchema creates the tables. Tables are named plainly: give infra a database of its own, or a schema of its own
// with ?search_path=NAME in the URL.
//
//	stacks     one row per stack: its current version and what a listing shows
//	snapshots  every version's snapshot and description (the history); the current one is stacks.current
//	journal    journal batches, per base version, in the order of seq
//	locks      at most one row per stack: holder, fencing token, lease end
var pgSchema = []string{
	`CREATE TABLE stacks (
		project   text NOT NULL,
		stack     text NOT NULL,
		current   bigint NOT NULL DEFAULT 0,
		resources integer NOT NULL DEFAULT 0,
		updated   timestamptz,
		PRIMARY KEY (project, stack))`,
	`CREATE TABLE snapshots (
		project text NOT NULL,
		stack   text NOT NULL,
		version bigint NOT NULL,
		data    bytea NOT NULL,
		info    jsonb NOT NULL,
		PRIMARY KEY (project, stack, version),
		FOREIGN KEY (project, stack) REFERENCES stacks ON DELETE CASCADE)`,
	`CREATE TABLE journal (
		project text NOT NULL,
		stack   text NOT NULL,
		base    bigint NOT NULL,
		seq     bigserial NOT NULL,
		batch   bytea NOT NULL,
		PRIMARY KEY (project, stack, base, seq),
		FOREIGN KEY (project, stack) REFERENCES stacks ON DELETE CASCADE)`,
	`CREATE TABLE locks (
		project text NOT NULL,
		stack   text NOT NULL,
		token   bigint NOT NULL,
		holder  jsonb NOT NULL,
		expires timestamptz NOT NULL,
		PRIMARY KEY (project, stack),
		FOREIGN KEY (project, stack) REFERENCES stacks ON DELETE CASCADE)`,
	`CREATE SEQUENCE lock_tokens`,
}

// ensureSchema creates the tables on first use and refuses a database whose tables are newer than this infra.
// Two runs doing it at once are serialised by an advisory lock, so neither sees half-created tables.
func (p *postgresStore) ensureSchema(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ready {
		return nil
	}
	var found int
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('infra backend schema'))`); err != nil {
			return err
		}
		// Look before creating: CREATE TABLE IF NOT EXISTS would need the privilege to create tables even when
		// they exist, and a user that only reads and writes them must be able to work.
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass('infra_schema') IS NOT NULL`).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM infra_schema`).Scan(&found)
		}
		for _, stmt := range append([]string{`CREATE TABLE infra_schema (version integer NOT NULL)`}, pgSchema...) {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO infra_schema (version) VALUES ($1)`, pgSchemaVersion)
		return err
	})
	if err != nil {
		return p.fail(err, "prepare the database's tables")
	}
	if found > pgSchemaVersion {
		return fmt.Errorf("%s: the database's tables are of version %d, written by a newer infra; upgrade infra", p.url, found)
	}
	p.ready = true
	return nil
}
