// Package codegen turns a provider schema into typed Go bindings for programs and a Markdown reference page.
//
// The bindings are what user programs import: for every resource a struct of Output fields, an Args struct of
// Input fields and a New<Resource> constructor; for every function a wrapper over infra.Invoke with plain
// argument and result structs; for every object type a plain struct; and a Provider resource for explicitly
// configured provider instances. The schema is the single source of truth, so the bindings are regenerated
// (`make gen`, which runs internal/gen) rather than edited.
//
// Layout, relative to the repository's sdk/ directory: the "index" module of provider P goes to P/ (Go package
// P), any other module M to P/M/ (Go package M). One file per resource or function, named after it in snake
// case, a types.go per package for object types, a doc.go per package and a provider.go in the index package.
// Every file starts with the Header line, which is also how internal/gen recognizes files it may delete.
package codegen
