// Package depcheck holds the test that keeps the dependency rules of the architecture true (docs: DESIGN §2):
// the program SDK and the generated bindings stay free of the engine, stacks, providers and sops; the engine
// knows no provider and no CLI; providers know neither engine nor stacks; stacks know no engine; and
// sdk/resource imports nothing of ours. It has no code of its own: run `go test ./internal/depcheck`.
package depcheck
