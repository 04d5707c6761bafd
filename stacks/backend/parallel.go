package backend

import (
	"context"
	"sync"
)

// maxParallel bounds the requests one operation has in flight: enough to hide a remote store's latency when it
// reads a long history or journal, few enough not to be throttled.
const maxParallel = 16

// forEach runs fn for 0..n-1 with at most maxParallel calls at once and returns the first error; after an error
// the remaining calls are skipped.
func forEach(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	if n == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	sem := make(chan struct{}, maxParallel)
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, i); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
					cancel()
				}
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		// The caller's context ended before every call ran.
		return ctx.Err()
	}
	return firstErr
}
