// Package program builds a user's Go program once per source version and runs it against the engine. Builds
// are cached by a hash of the sources (the program's module, and any module it replaces with a local
// directory), so an unchanged program starts at once and preview and up never compile twice.
package program

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// BuildError is a program that did not compile; Output is the compiler's own message.
type BuildError struct {
	Dir    string
	Output string
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("the program in %s does not compile:\n%s", e.Dir, strings.TrimRight(e.Output, "\n"))
}

// Build compiles the Go program in dir (a main package) and returns the path of the binary, reusing a cached
// build when the sources have not changed. cacheDir holds the builds.
func Build(ctx context.Context, dir, cacheDir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if _, err := exec.LookPath("go"); err != nil {
		return "", fmt.Errorf("building the program needs the Go toolchain: install Go from https://go.dev/dl and make sure `go` is on PATH")
	}
	key, err := SourceKey(abs)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(cacheDir, key, "program")
	if st, err := os.Stat(bin); err == nil && st.Mode()&0o111 != 0 {
		now := time.Now()
		_ = os.Chtimes(filepath.Dir(bin), now, now) // keep recently used builds from being pruned
		return bin, nil
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", fmt.Errorf("create build cache %s: %w", cacheDir, err)
	}
	tmp := bin + ".tmp-" + fmt.Sprint(os.Getpid())
	cmd := exec.CommandContext(ctx, "go", "build", "-o", tmp, ".")
	cmd.Dir = abs
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if out.Len() == 0 {
			return "", fmt.Errorf("build the program in %s: %w", abs, err)
		}
		return "", &BuildError{Dir: abs, Output: out.String()}
	}
	if err := os.Rename(tmp, bin); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("store the program build: %w", err)
	}
	prune(cacheDir, 20)
	return bin, nil
}

// SourceKey hashes everything a build of the program in dir depends on that can change locally: the Go files,
// go.mod and go.sum of its module, of any directory its go.mod replaces modules with, and the toolchain.
func SourceKey(dir string) (string, error) {
	root, err := moduleRoot(dir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "v1 %s %s/%s %s %s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, os.Getenv("GOFLAGS"), os.Getenv("CGO_ENABLED"))
	rel, _ := filepath.Rel(root, dir)
	fmt.Fprintf(h, "main %s\n", filepath.ToSlash(rel))
	roots := []string{root}
	roots = append(roots, localReplaces(root)...)
	seen := map[string]bool{}
	for _, r := range roots {
		if seen[r] {
			continue
		}
		seen[r] = true
		if err := hashTree(h, r); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

func moduleRoot(dir string) (string, error) {
	d := dir
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("the program in %s is not in a Go module: run `go mod init <name>` there (or `infra new` to start a project)", dir)
		}
		d = parent
	}
}

// localReplaces returns the directories that go.mod in root replaces modules with.
func localReplaces(root string) []string {
	f, err := os.Open(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	inBlock := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "//"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		switch {
		case line == "replace (":
			inBlock = true
			continue
		case inBlock && line == ")":
			inBlock = false
			continue
		case strings.HasPrefix(line, "replace "):
			line = strings.TrimPrefix(line, "replace ")
		case !inBlock:
			continue
		}
		parts := strings.SplitN(line, "=>", 2)
		if len(parts) != 2 {
			continue
		}
		target := strings.Fields(strings.TrimSpace(parts[1]))
		if len(target) == 0 {
			continue
		}
		p := target[0]
		if strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") || filepath.IsAbs(p) {
			if !filepath.IsAbs(p) {
				p = filepath.Join(root, p)
			}
			out = append(out, filepath.Clean(p))
		}
	}
	return out
}

func hashTree(h hash.Hash, root string) error {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") || name == "go.mod" || name == "go.sum" || name == "go.work" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the program's sources in %s: %w", root, err)
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		sum := sha256.Sum256(b)
		fmt.Fprintf(h, "%s %x\n", f, sum)
	}
	return nil
}

// prune removes the least recently used builds beyond keep.
func prune(cacheDir string, keep int) {
	entries, err := os.ReadDir(cacheDir)
	if err != nil || len(entries) <= keep {
		return
	}
	type e struct {
		path string
		t    time.Time
	}
	var all []e
	for _, en := range entries {
		if info, err := en.Info(); err == nil && en.IsDir() {
			all = append(all, e{filepath.Join(cacheDir, en.Name()), info.ModTime()})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].t.After(all[j].t) })
	for _, x := range all[min(keep, len(all)):] {
		os.RemoveAll(x.path)
	}
}
