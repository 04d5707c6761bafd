package graph

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func strLess(a, b string) bool { return a < b }

// build makes a graph from "node:dep,dep" specs, adding nodes in the order given.
func build(specs ...string) *Graph[string] {
	g := New(strLess)
	for _, s := range specs {
		name, deps, _ := strings.Cut(s, ":")
		g.Add(name)
		if deps == "" {
			continue
		}
		for _, d := range strings.Split(deps, ",") {
			g.Depend(name, d)
		}
	}
	return g
}

func TestBasics(t *testing.T) {
	t.Parallel()
	g := New(strLess)
	if g.Len() != 0 || g.Has("a") {
		t.Fatal("new graph not empty")
	}
	g.Add("a")
	g.Add("a")
	g.Depend("b", "a")
	g.Depend("b", "a")
	g.Depend("c", "b")
	if g.Len() != 3 || !g.Has("a") || !g.Has("b") || !g.Has("c") || g.Has("d") {
		t.Fatalf("Len = %d", g.Len())
	}
	if len(g.deps[g.index["b"]]) != 1 {
		t.Fatalf("duplicate edge recorded: %v", g.deps)
	}
	order, err := g.Sort()
	if err != nil || strings.Join(order, " ") != "a b c" {
		t.Fatalf("Sort = %v, %v", order, err)
	}
}

func TestSortOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		specs []string
		want  string
	}{
		{"empty", nil, ""},
		{"independent nodes sort by less", []string{"c", "a", "b"}, "a b c"},
		{"chain", []string{"c:b", "b:a", "a"}, "a b c"},
		{"diamond", []string{"d:b,c", "b:a", "c:a"}, "a b c d"},
		// Depth-first from each root in less order, dependencies in less order.
		{"dfs post-order", []string{"c:d", "d:b,a", "b", "a", "e"}, "a b d c e"},
		{"dependency before a smaller node", []string{"a:z", "b"}, "z a b"},
		{"wide", []string{"m:z,y,x", "n:x"}, "x y z m n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := build(tt.specs...)
			got, err := g.Sort()
			if err != nil {
				t.Fatal(err)
			}
			if s := strings.Join(got, " "); s != tt.want {
				t.Fatalf("Sort = %q, want %q", s, tt.want)
			}
			checkTopological(t, g, got)
		})
	}
}

func checkTopological(t *testing.T, g *Graph[string], order []string) {
	t.Helper()
	if len(order) != g.Len() {
		t.Fatalf("order has %d nodes, graph %d", len(order), g.Len())
	}
	pos := map[string]int{}
	for i, k := range order {
		if _, dup := pos[k]; dup {
			t.Fatalf("%s twice in %v", k, order)
		}
		pos[k] = i
	}
	for i, ds := range g.deps {
		for _, d := range ds {
			if pos[g.keys[d]] >= pos[g.keys[i]] {
				t.Fatalf("%s comes before its dependency %s in %v", g.keys[i], g.keys[d], order)
			}
		}
	}
}

// randomDAG builds a DAG over n nodes whose edges go from higher to lower numbers, adding nodes and edges in
// an order shuffled by seed.
func randomDAG(n int, density float64, seed int64) (*Graph[string], [][2]string) {
	r := rand.New(rand.NewSource(42)) // the same edges for every seed
	var edges [][2]string
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			if r.Float64() < density {
				edges = append(edges, [2]string{name(i), name(j)})
			}
		}
	}
	shuffle := rand.New(rand.NewSource(seed))
	nodes := make([]string, n)
	for i := range nodes {
		nodes[i] = name(i)
	}
	shuffle.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
	es := append([][2]string(nil), edges...)
	shuffle.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
	g := New(strLess)
	for _, k := range nodes {
		g.Add(k)
	}
	for _, e := range es {
		g.Depend(e[0], e[1])
	}
	return g, edges
}

func name(i int) string { return fmt.Sprintf("n%03d", i) }

func TestSortDeterministicTieBreaks(t *testing.T) {
	t.Parallel()
	var first []string
	for seed := int64(0); seed < 20; seed++ {
		g, _ := randomDAG(60, 0.08, seed)
		order, err := g.Sort()
		if err != nil {
			t.Fatal(err)
		}
		checkTopological(t, g, order)
		if seed == 0 {
			first = order
			continue
		}
		if strings.Join(order, " ") != strings.Join(first, " ") {
			t.Fatalf("insertion order %d changed the result:\n%v\n%v", seed, first, order)
		}
	}
}

func TestSortCycle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		specs []string
		path  string
	}{
		{"self loop", []string{"a:a"}, "a → a"},
		{"two nodes", []string{"a:b", "b:a"}, "a → b → a"},
		{"three nodes", []string{"c:a", "a:b", "b:c"}, "a → b → c → a"},
		{"cycle below an acyclic root", []string{"a:x", "x:y", "y:z", "z:x", "b"}, "x → y → z → x"},
		{"cycle after acyclic part", []string{"a", "b:a", "q:r", "r:s", "s:q,a"}, "q → r → s → q"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := build(tt.specs...)
			order, err := g.Sort()
			if order != nil {
				t.Fatalf("Sort returned an order with a cycle: %v", order)
			}
			var ce *CycleError[string]
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *CycleError", err)
			}
			if got := strings.Join(ce.Path, " → "); got != tt.path {
				t.Fatalf("cycle path %q, want %q", got, tt.path)
			}
			if ce.Path[0] != ce.Path[len(ce.Path)-1] {
				t.Fatalf("path does not start and end with the same node: %v", ce.Path)
			}
			// Each step of the path is a real edge.
			for i := 0; i+1 < len(ce.Path); i++ {
				from, to := g.index[ce.Path[i]], g.index[ce.Path[i+1]]
				found := false
				for _, d := range g.deps[from] {
					found = found || d == to
				}
				if !found {
					t.Fatalf("%s → %s is not an edge", ce.Path[i], ce.Path[i+1])
				}
			}
			if err.Error() != "dependency cycle: "+tt.path {
				t.Fatalf("Error() = %q", err.Error())
			}
			// Walk refuses before running anything.
			var ran atomic.Int32
			werr := g.Walk(context.Background(), false, 4, func(context.Context, string) error { ran.Add(1); return nil })
			if !errors.As(werr, &ce) || ran.Load() != 0 {
				t.Fatalf("Walk on a cycle: %v, ran %d", werr, ran.Load())
			}
		})
	}
}

// walkRecorder records when each node started and finished on one global clock.
type walkRecorder struct {
	clock        atomic.Int64
	mu           sync.Mutex
	start, end   map[string]int64
	running, max atomic.Int32
}

func newRecorder() *walkRecorder {
	return &walkRecorder{start: map[string]int64{}, end: map[string]int64{}}
}

func (r *walkRecorder) enter(k string) {
	n := r.running.Add(1)
	for {
		m := r.max.Load()
		if n <= m || r.max.CompareAndSwap(m, n) {
			break
		}
	}
	r.mu.Lock()
	if _, dup := r.start[k]; dup {
		panic("node " + k + " ran twice")
	}
	r.start[k] = r.clock.Add(1)
	r.mu.Unlock()
}

func (r *walkRecorder) leave(k string) {
	r.mu.Lock()
	r.end[k] = r.clock.Add(1)
	r.mu.Unlock()
	r.running.Add(-1)
}

func (r *walkRecorder) ran(k string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.start[k]
	return ok
}

func TestWalkOrder(t *testing.T) {
	t.Parallel()
	for _, reverse := range []bool{false, true} {
		for _, parallel := range []int{1, 8} {
			t.Run(fmt.Sprintf("reverse=%v/parallel=%d", reverse, parallel), func(t *testing.T) {
				t.Parallel()
				g, edges := randomDAG(80, 0.05, 7)
				rec := newRecorder()
				err := g.Walk(context.Background(), reverse, parallel, func(_ context.Context, k string) error {
					rec.enter(k)
					time.Sleep(time.Duration(len(k)%3) * 100 * time.Microsecond)
					rec.leave(k)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(rec.start) != 80 || len(rec.end) != 80 {
					t.Fatalf("ran %d nodes, want 80", len(rec.start))
				}
				for _, e := range edges {
					k, dep := e[0], e[1]
					first, then := dep, k // forwards: a dependency finishes before its dependent starts
					if reverse {
						first, then = k, dep
					}
					if rec.end[first] >= rec.start[then] {
						t.Fatalf("%s started (t=%d) before %s finished (t=%d)", then, rec.start[then], first, rec.end[first])
					}
				}
				if m := rec.max.Load(); m > int32(parallel) {
					t.Fatalf("max concurrency %d > %d", m, parallel)
				}
			})
		}
	}
}

func TestWalkMaxConcurrency(t *testing.T) {
	t.Parallel()
	for _, parallel := range []int{0, 1, 3, 8} {
		t.Run(fmt.Sprint(parallel), func(t *testing.T) {
			t.Parallel()
			want := int32(parallel)
			if want < 1 {
				want = 1
			}
			g := New(strLess)
			for i := 0; i < 40; i++ {
				g.Add(name(i))
			}
			// A second layer that depends on the first keeps the walk busy after the first wave.
			for i := 40; i < 60; i++ {
				g.Depend(name(i), name(i-40))
			}
			rec := newRecorder()
			err := g.Walk(context.Background(), false, parallel, func(_ context.Context, k string) error {
				rec.enter(k)
				// Hold the slot until the limit is reached (or a moment has passed), so the test sees the
				// limit itself and not just whatever the scheduler happened to overlap.
				deadline := time.Now().Add(50 * time.Millisecond)
				for rec.running.Load() < want && time.Now().Before(deadline) {
					time.Sleep(50 * time.Microsecond)
				}
				rec.leave(k)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := rec.max.Load(); got != want {
				t.Fatalf("max concurrency %d, want exactly %d", got, want)
			}
			if len(rec.end) != 60 {
				t.Fatalf("ran %d nodes", len(rec.end))
			}
		})
	}
}

func TestWalkFailure(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	t.Run("no new node after a failure", func(t *testing.T) {
		t.Parallel()
		g := build("a", "b", "c", "d", "e")
		rec := newRecorder()
		err := g.Walk(context.Background(), false, 1, func(_ context.Context, k string) error {
			rec.enter(k)
			defer rec.leave(k)
			if k == "b" {
				return boom
			}
			return nil
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Walk = %v, want boom", err)
		}
		if !rec.ran("a") || !rec.ran("b") || rec.ran("c") || rec.ran("d") || rec.ran("e") {
			t.Fatalf("ran %v; want only a and b", rec.start)
		}
	})
	for _, reverse := range []bool{false, true} {
		t.Run(fmt.Sprintf("in flight finish, dependents never run, reverse=%v", reverse), func(t *testing.T) {
			t.Parallel()
			// Build the edge each way so that "child" is what waits for "fail": forwards it depends on "fail",
			// in reverse "fail" depends on it.
			var g *Graph[string]
			if reverse {
				g = build("fail:child", "slow", "child", "zz")
			} else {
				g = build("fail", "slow", "child:fail", "zz")
			}
			rec := newRecorder()
			failed := make(chan struct{})
			var slowDone atomic.Bool
			err := g.Walk(context.Background(), reverse, 2, func(_ context.Context, k string) error {
				rec.enter(k)
				defer rec.leave(k)
				switch k {
				case "fail":
					defer close(failed)
					return boom
				case "slow":
					<-failed
					time.Sleep(20 * time.Millisecond)
					slowDone.Store(true)
				}
				return nil
			})
			if !errors.Is(err, boom) {
				t.Fatalf("Walk = %v", err)
			}
			if !slowDone.Load() {
				t.Fatalf("Walk returned before the node in flight finished")
			}
			if rec.ran("child") || rec.ran("zz") {
				t.Fatalf("ran %v after the failure", rec.start)
			}
		})
	}
	t.Run("several failures are joined", func(t *testing.T) {
		t.Parallel()
		g := build("a", "b")
		e1, e2 := errors.New("e1"), errors.New("e2")
		var both sync.WaitGroup
		both.Add(2)
		err := g.Walk(context.Background(), false, 2, func(_ context.Context, k string) error {
			both.Done()
			both.Wait() // both in flight before either fails
			if k == "a" {
				return e1
			}
			return e2
		})
		if !errors.Is(err, e1) || !errors.Is(err, e2) {
			t.Fatalf("Walk = %v, want both errors", err)
		}
	})
}

func TestWalkCancel(t *testing.T) {
	t.Parallel()
	t.Run("cancel while running", func(t *testing.T) {
		t.Parallel()
		g := build("a", "b", "c:a", "d:b")
		ctx, cancel := context.WithCancel(context.Background())
		rec := newRecorder()
		started := make(chan struct{}, 2)
		done := make(chan error, 1)
		go func() {
			done <- g.Walk(ctx, false, 2, func(ctx context.Context, k string) error {
				rec.enter(k)
				defer rec.leave(k)
				started <- struct{}{}
				if k == "a" {
					<-ctx.Done()
					return ctx.Err()
				}
				// b ignores the context but finishes a little later: it must still be waited for.
				<-ctx.Done()
				time.Sleep(10 * time.Millisecond)
				return nil
			})
		}()
		<-started
		<-started
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Walk = %v, want context.Canceled", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Walk did not return after cancellation")
		}
		if rec.ran("c") || rec.ran("d") {
			t.Fatalf("nodes started after cancellation: %v", rec.start)
		}
		if rec.running.Load() != 0 {
			t.Fatalf("Walk returned with %d nodes still running", rec.running.Load())
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var ran atomic.Int32
		err := build("a", "b").Walk(ctx, false, 4, func(context.Context, string) error { ran.Add(1); return nil })
		if !errors.Is(err, context.Canceled) || ran.Load() != 0 {
			t.Fatalf("Walk = %v, ran %d", err, ran.Load())
		}
	})
	t.Run("empty graph", func(t *testing.T) {
		t.Parallel()
		if err := New(strLess).Walk(context.Background(), true, 1, func(context.Context, string) error { return errors.New("x") }); err != nil {
			t.Fatal(err)
		}
	})
}

// TestWalkTurnsAPanicIntoAnError: a panic in the function on one node fails that node with a *PanicError that
// names it and keeps the stack; nodes that do not depend on it still run, and the walk returns.
func TestWalkTurnsAPanicIntoAnError(t *testing.T) {
	t.Parallel()
	g := New(func(a, b string) bool { return a < b })
	for _, k := range []string{"a", "b", "c"} {
		g.Add(k)
	}
	g.Depend("c", "a") // c depends on a
	var ran sync.Map
	err := g.WalkWith(context.Background(), WalkOptions{Parallel: 2, ContinueOnError: true}, func(_ context.Context, k string) error {
		ran.Store(k, true)
		if k == "a" {
			panic("a bug in the step of " + k)
		}
		return nil
	})
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Node != "a" || !strings.Contains(string(pe.Stack), "graph_test.go") ||
		!strings.Contains(pe.Error(), "bug in infra") {
		t.Fatalf("err = %v, want a *PanicError for a with its stack", err)
	}
	if _, ok := ran.Load("b"); !ok {
		t.Error("b, independent of a, did not run")
	}
	if _, ok := ran.Load("c"); ok {
		t.Error("c ran although a, which it depends on, failed")
	}
}
