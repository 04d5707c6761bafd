package backend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgHolder is the holder column of a lock row: who holds it. The token and the lease end have columns of their
// own, so that the database can compare them.
type pgHolder struct {
	User    string    `json:"user"`
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Time    time.Time `json:"time"`
}

func encodeHolder(l LockInfo) string {
	b, _ := json.Marshal(pgHolder{User: l.User, Host: l.Host, PID: l.PID, Command: l.Command, Time: l.Time.UTC()})
	return string(b)
}

// decodeHolder reads a lock row's holder, written by another run, maybe another version of infra.
func decodeHolder(data []byte, token int64, expires time.Time) (LockInfo, error) {
	var h pgHolder
	if err := decodeStrict(data, &h); err != nil {
		return LockInfo{}, fmt.Errorf("the lock's holder is damaged: %w", err)
	}
	return LockInfo{User: h.User, Host: h.Host, PID: h.PID, Command: h.Command, Time: h.Time, Token: token, Expires: expires}, nil
}

// leaseSeconds is a lease as the float the SQL below multiplies with an interval.
func leaseSeconds(d time.Duration) float64 { return d.Seconds() }

// checkFence fails with ErrFenced unless the stack's lock row holds token. The row stays share-locked until the
// transaction ends, so a takeover (which updates the row) waits for this write to commit.
func (p *postgresStore) checkFence(ctx context.Context, tx pgx.Tx, ref StackRef, token int64) error {
	cur, err := readLockRow(ctx, tx, ref, "FOR SHARE")
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: stack %s is not locked by this run any more (the lock was removed, e.g. by `infra stack unlock`); "+
			"this run must stop", ErrFenced, ref)
	}
	if err != nil {
		return p.fail(err, "check the lock of stack %s", ref)
	}
	if cur.Token != token {
		return fmt.Errorf("%w: stack %s is now held by %s; this run's lease expired and it must stop", ErrFenced, ref, cur)
	}
	return nil
}

// readLockRow reads the stack's lock row; pgx.ErrNoRows if it is not locked.
func readLockRow(ctx context.Context, q pgx.Tx, ref StackRef, mode string) (LockInfo, error) {
	var token int64
	var holder []byte
	var expires time.Time
	err := q.QueryRow(ctx, `SELECT token, holder, expires FROM locks WHERE project = $1 AND stack = $2 `+mode,
		ref.Project, ref.Stack).Scan(&token, &holder, &expires)
	if err != nil {
		return LockInfo{}, err
	}
	return decodeHolder(holder, token, expires)
}

// Lock implements Store. In one transaction: insert the lock row (the primary key lets only one run insert it);
// if a row exists, lock it, and take it over only if its lease ended by the database's clock.
func (p *postgresStore) Lock(ctx context.Context, ref StackRef, holder LockInfo, lease time.Duration) (Lock, error) {
	if err := p.ensureSchema(ctx); err != nil {
		return nil, err
	}
	for attempt := 0; attempt < 5; attempt++ {
		var got *pgLock
		var sentinel error
		retry := false
		err := p.tx(ctx, func(tx pgx.Tx) error {
			if _, err := lockStackRow(ctx, tx, ref, "FOR KEY SHARE"); err != nil {
				sentinel = fmt.Errorf("lock %w in %s", err, p.url)
				return sentinel
			}
			info := holder
			err := tx.QueryRow(ctx, `INSERT INTO locks (project, stack, token, holder, expires)
				VALUES ($1, $2, nextval('lock_tokens'), $3::jsonb, now() + $4 * interval '1 second')
				ON CONFLICT (project, stack) DO NOTHING RETURNING token, expires`,
				ref.Project, ref.Stack, encodeHolder(holder), leaseSeconds(lease)).Scan(&info.Token, &info.Expires)
			if err == nil {
				got = &pgLock{p: p, ref: ref, lease: lease, info: info}
				return nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			cur, err := readLockRow(ctx, tx, ref, "FOR UPDATE")
			if errors.Is(err, pgx.ErrNoRows) {
				retry = true // released between the insert and the select
				return nil
			}
			if err != nil {
				return err
			}
			var expired bool
			if err := tx.QueryRow(ctx, `SELECT $1::timestamptz <= now()`, cur.Expires).Scan(&expired); err != nil {
				return err
			}
			if !expired {
				sentinel = lockedError(ref, cur)
				return sentinel
			}
			err = tx.QueryRow(ctx, `UPDATE locks SET token = nextval('lock_tokens'), holder = $3::jsonb,
				expires = now() + $4 * interval '1 second' WHERE project = $1 AND stack = $2 RETURNING token, expires`,
				ref.Project, ref.Stack, encodeHolder(holder), leaseSeconds(lease)).Scan(&info.Token, &info.Expires)
			if err != nil {
				return err
			}
			got = &pgLock{p: p, ref: ref, lease: lease, info: info}
			return nil
		})
		switch {
		case sentinel != nil:
			return nil, sentinel
		case err != nil:
			return nil, p.fail(err, "lock stack %s", ref)
		case got != nil:
			return got, nil
		case !retry:
			return nil, fmt.Errorf("lock stack %s: no lock row was written", ref)
		}
	}
	return nil, fmt.Errorf("lock stack %s: the lock kept changing hands; try again", ref)
}

// Unlock implements Store.
func (p *postgresStore) Unlock(ctx context.Context, ref StackRef) (*LockInfo, error) {
	if err := p.ensureSchema(ctx); err != nil {
		return nil, err
	}
	var token int64
	var holder []byte
	var expires time.Time
	err := p.pool.QueryRow(ctx, `DELETE FROM locks WHERE project = $1 AND stack = $2 RETURNING token, holder, expires`,
		ref.Project, ref.Stack).Scan(&token, &holder, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, p.fail(err, "unlock stack %s", ref)
	}
	info, err := decodeHolder(holder, token, expires)
	if err != nil {
		return nil, nil // the damaged lock is gone, which is what was asked
	}
	return &info, nil
}

// pgLock is a lock held in PostgreSQL.
type pgLock struct {
	p     *postgresStore
	ref   StackRef
	lease time.Duration
	info  LockInfo
}

// Token implements Lock.
func (l *pgLock) Token() int64 { return l.info.Token }

// Renew implements Lock: the lease is extended only if the row still holds this run's token.
func (l *pgLock) Renew(ctx context.Context) error {
	var expires time.Time
	err := l.p.pool.QueryRow(ctx, `UPDATE locks SET expires = now() + $4 * interval '1 second'
		WHERE project = $1 AND stack = $2 AND token = $3 RETURNING expires`,
		l.ref.Project, l.ref.Stack, l.info.Token, leaseSeconds(l.lease)).Scan(&expires)
	if errors.Is(err, pgx.ErrNoRows) {
		var cur LockInfo
		rerr := pgx.BeginFunc(ctx, l.p.pool, func(tx pgx.Tx) error {
			var err error
			cur, err = readLockRow(ctx, tx, l.ref, "")
			return err
		})
		if rerr != nil {
			return fmt.Errorf("%w: the lock of stack %s was removed (e.g. by `infra stack unlock`); this run must stop", ErrFenced, l.ref)
		}
		return fmt.Errorf("%w: stack %s is now held by %s; this run's lease expired and it must stop", ErrFenced, l.ref, cur)
	}
	if err != nil {
		return l.p.fail(err, "renew the lock of stack %s", l.ref)
	}
	return nil
}

// Release implements Lock: only this run's own lock row is deleted.
func (l *pgLock) Release(ctx context.Context) error {
	_, err := l.p.pool.Exec(ctx, `DELETE FROM locks WHERE project = $1 AND stack = $2 AND token = $3`,
		l.ref.Project, l.ref.Stack, l.info.Token)
	if err != nil {
		return l.p.fail(err, "release the lock of stack %s", l.ref)
	}
	return nil
}
