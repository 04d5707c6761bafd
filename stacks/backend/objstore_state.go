package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ReadState implements Store.
func (s *objectStore) ReadState(ctx context.Context, ref StackRef) ([]byte, int64, error) {
	h, _, err := s.readHead(ctx, ref)
	if err != nil || h.Version == 0 {
		return nil, 0, err
	}
	data, _, err := s.blobs.get(ctx, s.historyKey(ref, h.Version, ".json"))
	if errors.Is(err, errBlobNotFound) {
		return nil, 0, fmt.Errorf("%s: the current state of stack %s (version %d) is missing: find the last good version with "+
			"`infra stack history` and restore it with `infra stack restore --version N`", s.url, ref, h.Version)
	}
	if err != nil {
		return nil, 0, s.fail(err, "read the state of stack %s (version %d)", ref, h.Version)
	}
	return data, h.Version, nil
}

// WriteState implements Store. The snapshot and its description go into the history first; the head moves last
// and only if nobody moved it since it was read, so a crash at any point leaves either the old version (with its
// journal) or the new one current, and of two writers only one can win.
func (s *objectStore) WriteState(ctx context.Context, ref StackRef, fence int64, data []byte, info UpdateInfo) error {
	h, tag, err := s.readHead(ctx, ref)
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	wctx, cancel, err := s.fence(ctx, ref, fence)
	if err != nil {
		return err
	}
	defer cancel()
	if info.Version <= h.Version {
		return fmt.Errorf("%w: version %d is current, this run wrote on top of an older version and tried to write %d; run again",
			ErrConflict, h.Version, info.Version)
	}
	meta, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("write the history of %s: %w", ref, err)
	}
	if err := s.blobs.put(wctx, s.historyKey(ref, info.Version, ".json"), data); err != nil {
		return s.leaseOr(wctx, s.fail(err, "write the state of stack %s", ref))
	}
	if err := s.blobs.put(wctx, s.historyKey(ref, info.Version, ".info.json"), append(meta, '\n')); err != nil {
		return s.leaseOr(wctx, s.fail(err, "write the history of stack %s", ref))
	}
	next := encodeHead(head{Version: info.Version, Resources: info.Resources, Updated: s.now().UTC()})
	if _, err := s.putIfOrSame(wctx, s.key(ref, headObject), next, tag); err != nil {
		if errors.Is(err, errPrecondition) {
			return fmt.Errorf("%w: another run wrote a new version of stack %s while this one was writing version %d; run again",
				ErrConflict, ref, info.Version)
		}
		return s.leaseOr(wctx, s.fail(err, "write the state of stack %s", ref))
	}
	// Journals of older versions are folded into this snapshot now. Failing to delete them loses nothing: they
	// are never read again, and the next write retries.
	_ = s.retireJournals(ctx, ref, info.Version)
	return nil
}

// putIfOrSame is putIf that also succeeds when the object already holds exactly data: a client that retries a
// conditional write whose answer was lost gets a precondition failure for its own first attempt.
func (s *objectStore) putIfOrSame(ctx context.Context, key string, data []byte, tag string) (string, error) {
	newTag, err := s.blobs.putIf(ctx, key, data, tag)
	if !errors.Is(err, errPrecondition) {
		return newTag, err
	}
	cur, curTag, gerr := s.blobs.get(ctx, key)
	if gerr == nil && bytes.Equal(cur, data) {
		return curTag, nil
	}
	return "", err
}

// History implements Store.
func (s *objectStore) History(ctx context.Context, ref StackRef) ([]UpdateInfo, error) {
	if _, _, err := s.readHead(ctx, ref); err != nil {
		return nil, err
	}
	infos, err := s.historyInfos(ctx, ref)
	if err != nil {
		return nil, err
	}
	out := make([]UpdateInfo, 0, len(infos))
	for _, u := range infos {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version > out[j].Version })
	return out, nil
}

// historyInfos reads every update's description, by version.
func (s *objectStore) historyInfos(ctx context.Context, ref StackRef) (map[int64]UpdateInfo, error) {
	prefix := s.key(ref, "history/")
	keys, _, err := s.blobs.list(ctx, prefix, "/")
	if err != nil {
		return nil, s.fail(err, "read the history of stack %s", ref)
	}
	var infoKeys []string
	var versions []int64
	for _, k := range keys {
		if v, ok := parsePadded(strings.TrimPrefix(k, prefix), ".info.json"); ok {
			infoKeys = append(infoKeys, k)
			versions = append(versions, v)
		}
	}
	blobs, err := s.readAll(ctx, infoKeys)
	if err != nil {
		return nil, s.fail(err, "read the history of stack %s", ref)
	}
	out := make(map[int64]UpdateInfo, len(blobs))
	for i, b := range blobs {
		u, err := decodeInfo(b)
		if err != nil {
			return nil, fmt.Errorf("%s: read the history of stack %s: %s: %w", s.url, ref, infoKeys[i], err)
		}
		u.Version = versions[i] // the key is authoritative: it is what ReadHistory and PruneHistory use
		out[u.Version] = u
	}
	return out, nil
}

// ReadHistory implements Store.
func (s *objectStore) ReadHistory(ctx context.Context, ref StackRef, version int64) ([]byte, error) {
	if err := checkRef(ref); err != nil {
		return nil, err
	}
	if version < 1 {
		return nil, fmt.Errorf("version %d of stack %s: %w", version, ref, ErrNotFound)
	}
	data, _, err := s.blobs.get(ctx, s.historyKey(ref, version, ".json"))
	if errors.Is(err, errBlobNotFound) {
		return nil, fmt.Errorf("version %d of stack %s: %w", version, ref, ErrNotFound)
	}
	if err != nil {
		return nil, s.fail(err, "read version %d of stack %s", version, ref)
	}
	return data, nil
}

// PruneHistory implements Store.
func (s *objectStore) PruneHistory(ctx context.Context, ref StackRef, keep int) error {
	h, _, err := s.readHead(ctx, ref)
	if err != nil {
		return err
	}
	hist, err := s.History(ctx, ref)
	if err != nil {
		return err
	}
	var doomed []string
	for i, u := range hist {
		if i < keep || u.Version == h.Version {
			continue
		}
		// The description goes first: a version without one is not listed, so an interrupted prune never
		// shows a version whose snapshot is gone.
		doomed = append(doomed, s.historyKey(ref, u.Version, ".info.json"))
	}
	if err := s.blobs.delete(ctx, doomed...); err != nil {
		return s.fail(err, "prune the history of stack %s", ref)
	}
	for i := range doomed {
		doomed[i] = strings.TrimSuffix(doomed[i], ".info.json") + ".json"
	}
	if err := s.blobs.delete(ctx, doomed...); err != nil {
		return s.fail(err, "prune the history of stack %s", ref)
	}
	return nil
}
