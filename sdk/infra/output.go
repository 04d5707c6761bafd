package infra

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/infrago/infra/sdk/resource"
)

// URN is a resource's unique name in its stack; see resource.URN.
type URN = resource.URN

// Input is a value a resource argument accepts: an Output[T] from another resource, or a plain value made with
// Val (or String, Int, Bool, Float64). A nil Input is an argument left unset.
type Input[T any] interface {
	ToOutput() Output[T]
}

// AnyOutput is implemented by every Output[T]; it is what Export and Sprintf accept.
type AnyOutput interface {
	outputState() *outputState
}

// Output is a value that becomes available once the resources it comes from have been registered with the
// engine. Besides its value it carries whether the value is known (in a preview, outputs of resources yet to be
// created are not), whether it is secret, and which resources it depends on. Transform it with Apply, ApplyErr,
// Apply2, Apply3 or All; the function you pass runs once the value is known and never runs on an unknown value.
type Output[T any] struct {
	s *outputState
}

// ToOutput returns o; it makes every Output[T] an Input[T].
func (o Output[T]) ToOutput() Output[T] { return o }

func (o Output[T]) outputState() *outputState {
	if o.s == nil {
		var zero T
		return resolvedState(zero, false)
	}
	return o.s
}

// String refuses to reveal the value: outputs are asynchronous, and printing one is almost always a mistake.
// Use Apply to get at the value.
func (o Output[T]) String() string {
	return "Output[" + reflect.TypeOf((*T)(nil)).Elem().String() + "]"
}

// outputState is the untyped heart of an Output: it resolves exactly once.
type outputState struct {
	ctx *Context // the context that tracks work on this output; nil for plain values

	mu       sync.Mutex
	resolved bool
	value    any
	known    bool
	secret   bool
	deps     []URN
	err      error
	waiters  []func()

	// Where the value comes from, so that a dependency cycle can be reported with its path.
	producer *registration  // resolved by this registration
	sources  []*outputState // resolved from these outputs (Apply, All, a bound Deferred)
	label    string         // what made this output, for messages
}

func resolvedState(value any, secret bool) *outputState {
	return &outputState{resolved: true, value: value, known: true, secret: secret}
}

// resolve settles the output and runs its waiters. Waiters must not block: they schedule work.
func (s *outputState) resolve(value any, known, secret bool, deps []URN, err error) {
	s.mu.Lock()
	if s.resolved {
		s.mu.Unlock()
		return
	}
	s.resolved, s.value, s.known, s.secret, s.deps, s.err = true, value, known, secret, deps, err
	ws := s.waiters
	s.waiters = nil
	s.mu.Unlock()
	for _, w := range ws {
		w()
	}
}

// onResolved runs w once the output is resolved: at once if it already is.
func (s *outputState) onResolved(w func()) {
	s.mu.Lock()
	if s.resolved {
		s.mu.Unlock()
		w()
		return
	}
	s.waiters = append(s.waiters, w)
	s.mu.Unlock()
}

// result returns the settled fields; only valid once resolved.
func (s *outputState) result() (value any, known, secret bool, deps []URN, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.value, s.known, s.secret, s.deps, s.err
}

func (s *outputState) isResolved() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resolved
}

// whenAll runs task once every state is resolved. With a context the task runs as tracked work on its own
// goroutine; without one (plain values, all resolved already) it runs inline.
func whenAll(ctx *Context, states []*outputState, task func()) {
	if len(states) == 0 {
		ctx.spawn(task)
		return
	}
	var mu sync.Mutex
	remaining := len(states)
	for _, s := range states {
		s.onResolved(func() {
			mu.Lock()
			remaining--
			last := remaining == 0
			mu.Unlock()
			if last {
				ctx.spawn(task)
			}
		})
	}
}

func contextOf(states ...*outputState) *Context {
	for _, s := range states {
		if s.ctx != nil {
			return s.ctx
		}
	}
	return nil
}

func newDerived(label string, sources ...*outputState) *outputState {
	return &outputState{ctx: contextOf(sources...), sources: sources, label: label}
}

// Val makes a known, plain Output from a value.
func Val[T any](v T) Output[T] { return Output[T]{s: resolvedState(v, false)} }

// String makes a known string Output.
func String(v string) Output[string] { return Val(v) }

// Int makes a known int Output.
func Int(v int) Output[int] { return Val(v) }

// Float64 makes a known float64 Output.
func Float64(v float64) Output[float64] { return Val(v) }

// Bool makes a known bool Output.
func Bool(v bool) Output[bool] { return Val(v) }

// ToOutput turns an Input into an Output; a nil Input gives the zero value.
func ToOutput[T any](in Input[T]) Output[T] {
	if in == nil {
		return Val(*new(T))
	}
	return in.ToOutput()
}

// AsAny turns a typed input into an Output[any], for arguments that accept any value (such as data.Data's
// value).
func AsAny[T any](o Output[T]) Output[any] {
	return Apply(o, func(v T) any { return v })
}

// Secret marks a value as secret: it is encrypted in state and shown as [secret]. Anything computed from it with
// Apply stays secret.
func Secret[T any](o Output[T]) Output[T] {
	src := o.outputState()
	out := newDerived("Secret", src)
	whenAll(src.ctx, []*outputState{src}, func() {
		v, known, _, deps, err := src.result()
		out.resolve(v, known, true, deps, err)
	})
	return Output[T]{s: out}
}

// Unsecret removes the secret mark. Use it only for values that are safe to show.
func Unsecret[T any](o Output[T]) Output[T] {
	src := o.outputState()
	out := newDerived("Unsecret", src)
	whenAll(src.ctx, []*outputState{src}, func() {
		v, known, _, deps, err := src.result()
		out.resolve(v, known, false, deps, err)
	})
	return Output[T]{s: out}
}

// Apply returns an Output holding f of o's value. f runs once o is known; if o is not known (preview) f does not
// run and the result is not known either. Secretness and dependencies carry over.
func Apply[T, U any](o Output[T], f func(T) U) Output[U] {
	return ApplyErr(o, func(v T) (U, error) { return f(v), nil })
}

// ApplyErr is Apply for a function that can fail; the error fails the resources that use the result.
func ApplyErr[T, U any](o Output[T], f func(T) (U, error)) Output[U] {
	src := o.outputState()
	out := newDerived("Apply", src)
	whenAll(src.ctx, []*outputState{src}, func() {
		v, known, secret, deps, err := src.result()
		if err != nil || !known {
			out.resolve(nil, false, secret, deps, err)
			return
		}
		r, ferr := f(as[T](v))
		if ferr != nil {
			ferr = &applyError{err: ferr}
		}
		out.resolve(r, true, secret, deps, ferr)
	})
	return Output[U]{s: out}
}

// Apply2 combines two outputs of any types.
func Apply2[A, B, U any](a Output[A], b Output[B], f func(A, B) U) Output[U] {
	return applyN("Apply2", []*outputState{a.outputState(), b.outputState()}, func(vs []any) (any, error) {
		return f(as[A](vs[0]), as[B](vs[1])), nil
	}, func(o *outputState) Output[U] { return Output[U]{s: o} })
}

// Apply3 combines three outputs of any types.
func Apply3[A, B, C, U any](a Output[A], b Output[B], c Output[C], f func(A, B, C) U) Output[U] {
	return applyN("Apply3", []*outputState{a.outputState(), b.outputState(), c.outputState()}, func(vs []any) (any, error) {
		return f(as[A](vs[0]), as[B](vs[1]), as[C](vs[2])), nil
	}, func(o *outputState) Output[U] { return Output[U]{s: o} })
}

// All collects outputs of one type into an Output of a slice.
func All[T any](outs ...Output[T]) Output[[]T] {
	states := make([]*outputState, len(outs))
	for i, o := range outs {
		states[i] = o.outputState()
	}
	return applyN("All", states, func(vs []any) (any, error) {
		l := make([]T, len(vs))
		for i, v := range vs {
			l[i] = as[T](v)
		}
		return l, nil
	}, func(o *outputState) Output[[]T] { return Output[[]T]{s: o} })
}

func applyN[R any](label string, states []*outputState, f func([]any) (any, error), wrap func(*outputState) R) R {
	out := newDerived(label, states...)
	whenAll(out.ctx, states, func() {
		vals := make([]any, len(states))
		knownAll, secretAny := true, false
		var deps []URN
		for i, s := range states {
			v, known, secret, d, err := s.result()
			if err != nil {
				out.resolve(nil, false, secret, d, err)
				return
			}
			vals[i] = v
			knownAll = knownAll && known
			secretAny = secretAny || secret
			deps = append(deps, d...)
		}
		deps = dedupURNs(deps)
		if !knownAll {
			out.resolve(nil, false, secretAny, deps, nil)
			return
		}
		r, err := f(vals)
		out.resolve(r, true, secretAny, deps, err)
	})
	return wrap(out)
}

// Sprintf formats like fmt.Sprintf once every Output among args is known.
func Sprintf(format string, args ...any) Output[string] {
	var states []*outputState
	var idx []int
	for i, a := range args {
		if o, ok := a.(AnyOutput); ok {
			states = append(states, o.outputState())
			idx = append(idx, i)
		}
	}
	return applyN("Sprintf", states, func(vs []any) (any, error) {
		resolved := append([]any(nil), args...)
		for j, i := range idx {
			resolved[i] = vs[j]
		}
		return fmt.Sprintf(format, resolved...), nil
	}, func(o *outputState) Output[string] { return Output[string]{s: o} })
}

// Deferred makes an Output whose value is supplied later by calling resolve with another Output. It lets a
// program refer to a value before the resource that produces it is declared. If the value ends up depending on
// itself, the run fails with the cycle's path instead of hanging.
func Deferred[T any](ctx *Context) (Output[T], func(Output[T])) {
	out := &outputState{ctx: ctx, label: "Deferred"}
	ctx.deferredMade(out)
	var once sync.Once
	return Output[T]{s: out}, func(src Output[T]) {
		once.Do(func() {
			s := src.outputState()
			out.mu.Lock()
			out.sources = []*outputState{s}
			out.mu.Unlock()
			s.onResolved(func() {
				v, known, secret, deps, err := s.result()
				out.resolve(v, known, secret, deps, err)
			})
		})
	}
}

// applyError is the failure of a function given to ApplyErr. Nothing else reports it: the first registration
// (or component output) that needs the value does, once, however many resources use it.
type applyError struct {
	err  error
	once sync.Once
}

func (e *applyError) Error() string { return e.err.Error() }
func (e *applyError) Unwrap() error { return e.err }

// unreportedApply returns the failed Apply behind err the first time it is asked about it, nil otherwise.
func unreportedApply(err error) *applyError {
	var ae *applyError
	if !errors.As(err, &ae) {
		return nil
	}
	first := false
	ae.once.Do(func() { first = true })
	if !first {
		return nil
	}
	return ae
}

func dedupURNs(urns []URN) []URN {
	if len(urns) < 2 {
		return urns
	}
	seen := make(map[URN]bool, len(urns))
	out := urns[:0:0]
	for _, u := range urns {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func joinPath(parts []string) string { return strings.Join(parts, " → ") }

// as converts a resolved value to T; a nil value is T's zero value.
func as[T any](v any) T {
	if v == nil {
		var zero T
		return zero
	}
	return v.(T)
}

// Ptr returns a pointer to v: handy for optional fields of plain structs in resource arguments.
func Ptr[T any](v T) *T { return &v }
