// Package graph is a directed acyclic graph of things that depend on each other, with a topological order that
// reports cycles by their path and a parallel walk that runs each node as soon as what it waits for is done —
// forwards (dependencies first, for creates) or in reverse (dependents first, for deletes).
package graph

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
)

// Graph holds nodes of type K and "depends on" edges between them.
type Graph[K comparable] struct {
	keys  []K
	index map[K]int
	deps  [][]int // deps[i]: the nodes node i depends on
	less  func(a, b K) bool
}

// New returns an empty graph. less orders nodes wherever a choice is free, so results are deterministic.
func New[K comparable](less func(a, b K) bool) *Graph[K] {
	return &Graph[K]{index: map[K]int{}, less: less}
}

// Add adds a node (again is a no-op).
func (g *Graph[K]) Add(k K) {
	if _, ok := g.index[k]; ok {
		return
	}
	g.index[k] = len(g.keys)
	g.keys = append(g.keys, k)
	g.deps = append(g.deps, nil)
}

// Has reports whether k is a node.
func (g *Graph[K]) Has(k K) bool {
	_, ok := g.index[k]
	return ok
}

// Len is the number of nodes.
func (g *Graph[K]) Len() int { return len(g.keys) }

// Depend records that k depends on on. Both are added if missing.
func (g *Graph[K]) Depend(k, on K) {
	g.Add(k)
	g.Add(on)
	i, j := g.index[k], g.index[on]
	for _, d := range g.deps[i] {
		if d == j {
			return
		}
	}
	g.deps[i] = append(g.deps[i], j)
}

// CycleError reports a dependency cycle; Path starts and ends with the same node.
type CycleError[K comparable] struct {
	Path []K
}

func (e *CycleError[K]) Error() string {
	parts := make([]string, len(e.Path))
	for i, k := range e.Path {
		parts[i] = fmt.Sprint(k)
	}
	return "dependency cycle: " + strings.Join(parts, " → ")
}

// Sort returns the nodes with every node after all it depends on, or a *CycleError.
func (g *Graph[K]) Sort() ([]K, error) {
	n := len(g.keys)
	state := make([]uint8, n) // 0 new, 1 on stack, 2 done
	out := make([]K, 0, n)
	var stack []int
	order := g.sortedIndexes()
	var cyc []K
	var visit func(i int) bool
	visit = func(i int) bool {
		state[i] = 1
		stack = append(stack, i)
		ds := append([]int(nil), g.deps[i]...)
		sort.Slice(ds, func(a, b int) bool { return g.less(g.keys[ds[a]], g.keys[ds[b]]) })
		for _, d := range ds {
			switch state[d] {
			case 1:
				s := len(stack) - 1
				for stack[s] != d {
					s--
				}
				for _, x := range stack[s:] {
					cyc = append(cyc, g.keys[x])
				}
				cyc = append(cyc, g.keys[d])
				return false
			case 0:
				if !visit(d) {
					return false
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[i] = 2
		out = append(out, g.keys[i])
		return true
	}
	for _, i := range order {
		if state[i] == 0 && !visit(i) {
			return nil, &CycleError[K]{Path: cyc}
		}
	}
	return out, nil
}

func (g *Graph[K]) sortedIndexes() []int {
	idx := make([]int, len(g.keys))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return g.less(g.keys[idx[a]], g.keys[idx[b]]) })
	return idx
}

// Walk runs fn on every node, at most parallel at a time, each as soon as the nodes it waits for are done:
// its dependencies, or with reverse its dependents. After a failure no new node starts (nodes in flight
// finish); the failures are returned joined. A cycle is reported before anything runs.
func (g *Graph[K]) Walk(ctx context.Context, reverse bool, parallel int, fn func(ctx context.Context, k K) error) error {
	return g.WalkWith(ctx, WalkOptions{Reverse: reverse, Parallel: parallel}, fn)
}

// WalkOptions adjust WalkWith.
type WalkOptions struct {
	Reverse  bool
	Parallel int
	// ContinueOnError keeps starting nodes after a failure: only the nodes that wait, directly or not, for a
	// failed node are skipped.
	ContinueOnError bool
}

// WalkWith is Walk with options.
func (g *Graph[K]) WalkWith(ctx context.Context, o WalkOptions, fn func(ctx context.Context, k K) error) error {
	reverse, parallel := o.Reverse, o.Parallel
	if _, err := g.Sort(); err != nil {
		return err
	}
	if parallel < 1 {
		parallel = 1
	}
	n := len(g.keys)
	// waitsOn[i] counts the unfinished nodes i waits for; next[i] are the nodes waiting for i.
	waitsOn := make([]int, n)
	next := make([][]int, n)
	for i, ds := range g.deps {
		for _, d := range ds {
			if reverse {
				waitsOn[d]++
				next[i] = append(next[i], d)
			} else {
				waitsOn[i]++
				next[d] = append(next[d], i)
			}
		}
	}
	var (
		mu      sync.Mutex
		ready   []int
		running int
		failed  bool
		errs    []error
		wake    = make(chan struct{}, 1)
		ctxDone = ctx.Done()
	)
	for _, i := range g.sortedIndexes() {
		if waitsOn[i] == 0 {
			ready = append(ready, i)
		}
	}
	signal := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	for {
		mu.Lock()
		if ctx.Err() != nil && ctxDone != nil {
			ctxDone = nil // noted once; from now on only finishing nodes wake the loop
			failed = true
			errs = append(errs, ctx.Err())
		}
		for !failed && running < parallel && len(ready) > 0 {
			i := ready[0]
			ready = ready[1:]
			running++
			go func(i int) {
				err := g.call(ctx, fn, g.keys[i])
				mu.Lock()
				running--
				if err != nil {
					// Without ContinueOnError nothing new starts; with it, only what waits for this node is
					// skipped (its count never reaches zero).
					failed = failed || !o.ContinueOnError
					errs = append(errs, err)
				} else {
					for _, j := range next[i] {
						waitsOn[j]--
						if waitsOn[j] == 0 {
							ready = append(ready, j)
						}
					}
				}
				mu.Unlock()
				signal()
			}(i)
		}
		finished := running == 0 && (failed || len(ready) == 0)
		mu.Unlock()
		if finished {
			break
		}
		select {
		case <-wake:
		case <-ctxDone:
		}
	}
	return errors.Join(errs...)
}

// PanicError is a panic in the function a walk ran on one node: a bug, which fails that node like an error
// instead of ending the process, so that what the walk completed is still recorded. Stack is the panicking
// goroutine's stack, for a crash report.
type PanicError struct {
	// Node names the node the function was working on.
	Node string
	// Value is what was passed to panic.
	Value any
	// Stack is the stack of the goroutine that panicked.
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error while working on %s: %v (this is a bug in infra)", e.Node, e.Value)
}

// call runs fn on key, turning a panic into a *PanicError.
func (g *Graph[K]) call(ctx context.Context, fn func(context.Context, K) error, key K) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Node: fmt.Sprint(key), Value: v, Stack: debug.Stack()}
		}
	}()
	return fn(ctx, key)
}
