package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/infrago/infra/sdk/codegen"
)

// planChanges compares the desired files with the tree under root. A desired file is written when it is
// missing or differs; a file in one of the scopes is removed when it carries the generated header but is not
// desired. A file that would be overwritten but was not generated is an error: it is someone's
// hand-written code.
func planChanges(root string, want map[string][]byte, scopes []scope) (plan, error) {
	var p plan
	paths := make([]string, 0, len(want))
	for f := range want {
		paths = append(paths, f)
	}
	sort.Strings(paths)
	for _, f := range paths {
		have, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			p.write = append(p.write, f)
		case err != nil:
			return plan{}, fmt.Errorf("read %s: %w", f, err)
		case !bytes.Equal(have, want[f]):
			if !codegen.IsGenerated(have) {
				return plan{}, fmt.Errorf("%s exists but was not generated (it has no generated-code header); move it "+
					"out of the way or rename what generates it", f)
			}
			p.write = append(p.write, f)
		}
	}
	for _, sc := range scopes {
		dir := filepath.Join(root, filepath.FromSlash(sc.dir))
		err := filepath.WalkDir(dir, func(full string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && full == dir {
					return fs.SkipDir // nothing generated yet
				}
				return err
			}
			if d.IsDir() {
				if full != dir && !sc.recursive {
					return fs.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			rel, err := filepath.Rel(root, full)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if _, ok := want[rel]; ok {
				return nil
			}
			b, err := os.ReadFile(full)
			if err != nil {
				return err
			}
			if codegen.IsGenerated(b) {
				p.remove = append(p.remove, rel)
			}
			return nil
		})
		if err != nil {
			return plan{}, fmt.Errorf("look for stale generated files in %s: %w", sc.dir, err)
		}
	}
	sort.Strings(p.remove)
	return p, nil
}

// apply carries out the plan: it writes the changed files and removes the stale ones, then removes the
// directories that removal left empty (a module that no longer exists).
func (p plan) apply(root string, want map[string][]byte) error {
	for _, f := range p.write {
		full := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", f, err)
		}
		if err := writeAtomic(full, want[f]); err != nil {
			return fmt.Errorf("write %s: %w", f, err)
		}
	}
	dirs := map[string]bool{}
	for _, f := range p.remove {
		if err := os.Remove(filepath.Join(root, filepath.FromSlash(f))); err != nil {
			return fmt.Errorf("remove stale %s: %w", f, err)
		}
		dirs[path.Dir(f)] = true
	}
	// Deepest first, so that a parent emptied by removing its children goes too.
	var ds []string
	for d := range dirs {
		ds = append(ds, d)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(ds)))
	for _, d := range ds {
		full := filepath.Join(root, filepath.FromSlash(d))
		if entries, err := os.ReadDir(full); err == nil && len(entries) == 0 {
			if err := os.Remove(full); err != nil {
				return fmt.Errorf("remove empty directory %s: %w", d, err)
			}
		}
	}
	return nil
}

// writeAtomic replaces a file through a temporary file in the same directory, so that an interrupted run
// never leaves a half-written source file behind.
func writeAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".gen-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
