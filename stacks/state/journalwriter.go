package state

import (
	"context"
	"errors"
	"sync"
)

// AppendFunc durably appends one batch of journal lines; it is backend.Store.AppendJournal with the stack, the
// fencing token and the base version bound.
type AppendFunc func(ctx context.Context, batch []byte) error

// JournalWriter writes journal records with group commit: records handed in while a batch is being written wait
// and go together in the next one, so concurrent steps share one durable write (one fsync, one object, one
// transaction) instead of paying one each.
type JournalWriter struct {
	codec  Codec
	append AppendFunc

	mu      sync.Mutex
	seq     int64
	queue   []queued
	writing bool
	err     error // the first failure: the journal is unusable after it
	idle    *sync.Cond
	written int64 // bytes appended
}

type queued struct {
	line []byte
	done chan error
}

// NewJournalWriter returns a writer that numbers records after lastSeq (the highest sequence number already in
// the journal) and appends through fn.
func NewJournalWriter(codec Codec, lastSeq int64, fn AppendFunc) *JournalWriter {
	w := &JournalWriter{codec: codec, append: fn, seq: lastSeq}
	w.idle = sync.NewCond(&w.mu)
	return w
}

// ErrJournalFailed is wrapped by every write after the journal could not be written: the run must stop, since
// what it does next could not be recorded.
var ErrJournalFailed = errors.New("the journal could not be written")

// Write appends rec and, if wait is set, returns once it is durable. Records are numbered in the order Write is
// called.
func (w *JournalWriter) Write(ctx context.Context, rec JournalRecord, wait bool) error {
	w.mu.Lock()
	if w.err != nil {
		err := w.err
		w.mu.Unlock()
		return err
	}
	w.seq++
	rec.Seq = w.seq
	line, err := w.codec.MarshalRecord(rec)
	if err != nil {
		w.mu.Unlock()
		return err
	}
	q := queued{line: line}
	if wait {
		q.done = make(chan error, 1)
	}
	w.queue = append(w.queue, q)
	if !w.writing {
		w.writing = true
		go w.flushLoop()
	}
	w.mu.Unlock()
	if !wait {
		return nil
	}
	select {
	case err := <-q.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// flushLoop writes batches until the queue is empty.
func (w *JournalWriter) flushLoop() {
	for {
		w.mu.Lock()
		batch := w.queue
		w.queue = nil
		if len(batch) == 0 {
			w.writing = false
			w.idle.Broadcast()
			w.mu.Unlock()
			return
		}
		failed := w.err
		w.mu.Unlock()
		var err error
		if failed != nil {
			err = failed
		} else {
			size := 0
			for _, q := range batch {
				size += len(q.line)
			}
			buf := make([]byte, 0, size)
			for _, q := range batch {
				buf = append(buf, q.line...)
			}
			// The append is never cancelled halfway by a caller's context: a record either makes it whole or
			// the journal is declared broken.
			if aerr := w.append(context.Background(), buf); aerr != nil {
				err = errors.Join(ErrJournalFailed, aerr)
			}
			w.mu.Lock()
			if err != nil && w.err == nil {
				w.err = err
			}
			if err == nil {
				w.written += int64(size)
			}
			w.mu.Unlock()
		}
		for _, q := range batch {
			if q.done != nil {
				q.done <- err
			}
		}
	}
}

// Flush waits until every record written so far is durable and returns the journal's failure, if any.
func (w *JournalWriter) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.writing || len(w.queue) > 0 {
		w.idle.Wait()
	}
	return w.err
}

// BytesWritten is how many bytes the writer appended.
func (w *JournalWriter) BytesWritten() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.written
}

// LastSeq returns the highest sequence number in a set of records (0 for none).
func LastSeq(records []JournalRecord) int64 {
	var max int64
	for _, r := range records {
		if r.Seq > max {
			max = r.Seq
		}
	}
	return max
}
