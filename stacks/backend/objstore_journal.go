package backend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

func (s *objectStore) journalPrefix(ref StackRef, base int64) string {
	return s.key(ref, "journal/"+padded(base)+"/")
}

// AppendJournal implements Store. Each batch is its own object, created only if its sequence number is free, so
// a batch is durable once the store acknowledged it and no batch ever overwrites another.
func (s *objectStore) AppendJournal(ctx context.Context, ref StackRef, fence int64, base int64, batch []byte) error {
	if err := checkRef(ref); err != nil {
		return err
	}
	if base < 0 {
		return fmt.Errorf("append to the journal of %s: invalid base version %d", ref, base)
	}
	wctx, cancel, err := s.fence(ctx, ref, fence)
	if err != nil {
		return err
	}
	defer cancel()
	jk := journalKey{ref: ref, base: base}
	for attempt := 0; ; attempt++ {
		seq, err := s.nextSeq(wctx, jk)
		if err != nil {
			return s.leaseOr(wctx, s.fail(err, "append to the journal of stack %s", ref))
		}
		_, err = s.putIfOrSame(wctx, s.journalPrefix(ref, base)+padded(seq)+".jsonl", batch, "")
		if err == nil {
			return nil
		}
		if !errors.Is(err, errPrecondition) || attempt >= 3 {
			return s.leaseOr(wctx, s.fail(err, "append to the journal of stack %s", ref))
		}
		// Another writer used this number (a run whose lease ended, still finishing a request): learn the
		// journal's end again and take the next free number.
		s.mu.Lock()
		delete(s.seqs, jk)
		s.mu.Unlock()
	}
}

// nextSeq reserves the next sequence number of a journal. Numbers are handed out under the mutex, so concurrent
// appends from one process get distinct numbers in the order they were called.
func (s *objectStore) nextSeq(ctx context.Context, jk journalKey) (int64, error) {
	s.mu.Lock()
	next, known := s.seqs[jk]
	if known {
		s.seqs[jk] = next + 1
		s.mu.Unlock()
		return next, nil
	}
	s.mu.Unlock()
	// Learn where the journal ends. The listing runs unlocked; if two appends race here, the second one to
	// take the mutex uses the number the first one stored.
	seqs, err := s.journalSeqs(ctx, jk.ref, jk.base)
	if err != nil {
		return 0, err
	}
	first := int64(1)
	if len(seqs) > 0 {
		first = seqs[len(seqs)-1] + 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, ok := s.seqs[jk]; ok && n > first {
		first = n
	}
	s.seqs[jk] = first + 1
	return first, nil
}

// journalSeqs lists the sequence numbers of a journal's batches, in order.
func (s *objectStore) journalSeqs(ctx context.Context, ref StackRef, base int64) ([]int64, error) {
	prefix := s.journalPrefix(ref, base)
	keys, _, err := s.blobs.list(ctx, prefix, "/")
	if err != nil {
		return nil, err
	}
	var seqs []int64
	for _, k := range keys {
		if n, ok := parsePadded(strings.TrimPrefix(k, prefix), ".jsonl"); ok {
			seqs = append(seqs, n)
		}
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	return seqs, nil
}

// ReadJournal implements Store.
func (s *objectStore) ReadJournal(ctx context.Context, ref StackRef, base int64) ([]byte, error) {
	if err := checkRef(ref); err != nil {
		return nil, err
	}
	seqs, err := s.journalSeqs(ctx, ref, base)
	if err != nil {
		return nil, s.fail(err, "read the journal of stack %s", ref)
	}
	keys := make([]string, len(seqs))
	for i, n := range seqs {
		keys[i] = s.journalPrefix(ref, base) + padded(n) + ".jsonl"
	}
	batches, err := s.readAll(ctx, keys)
	if err != nil {
		return nil, s.fail(err, "read the journal of stack %s", ref)
	}
	return bytes.Join(batches, nil), nil
}

// retireJournals deletes the journals of versions older than version.
func (s *objectStore) retireJournals(ctx context.Context, ref StackRef, version int64) error {
	prefix := s.key(ref, "journal/")
	_, bases, err := s.blobs.list(ctx, prefix, "/")
	if err != nil {
		return err
	}
	var doomed []string
	for _, b := range bases {
		base, ok := parsePadded(strings.TrimSuffix(strings.TrimPrefix(b, prefix), "/"), "")
		if !ok || base >= version {
			continue
		}
		keys, _, err := s.blobs.list(ctx, b, "")
		if err != nil {
			return err
		}
		doomed = append(doomed, keys...)
		s.mu.Lock()
		delete(s.seqs, journalKey{ref: ref, base: base})
		s.mu.Unlock()
	}
	return s.blobs.delete(ctx, doomed...)
}
