# The two commands a newcomer needs are `make demo` and `make test`; see README.md.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION) -X main.sdkDir=$(CURDIR)
STATICCHECK_VERSION ?= v0.8.2
# The lean binaries that serve the built-in providers (cmd/infra-builtin-*). bin/infra records their Go build
# IDs and serves each provider from its binary only when the file beside it has that ID; otherwise from itself.
BUILTINS := core aws gcp digitalocean
# Go modules of their own inside the repository, as a team's component and project would be: their tests run,
# and lint looks at them, in their directories.
MODULES := components/webcluster examples/multicloud

.PHONY: build test demo lint proto gen bench clean

## build: compile the CLI into bin/infra, and beside it the lean binaries that serve the built-in providers
build:
	$(GO) build -o bin/ $(BUILTINS:%=./cmd/infra-builtin-%)
	$(GO) build -ldflags "$(LDFLAGS) -X main.builtinBinaries=$$(for b in $(BUILTINS); do printf 'infra-builtin-%s=%s,' $$b "$$($(GO) tool buildid bin/infra-builtin-$$b)"; done)" -o bin/infra ./cmd/infra

## test: every test (the modules of the component and the multicloud example too), including the integration tests that drive bin/infra, the state backends against real servers (scripts/test-services.sh), and a check that generated code is fresh
test: build
	$(GO) run ./internal/gen -check
	GO=$(GO) sh scripts/test-services.sh $(GO) test -count=1 -timeout 25m ./...
	for m in $(MODULES); do (cd $$m && INFRA_BIN=$(CURDIR)/bin/infra $(GO) test -count=1 -timeout 10m ./...) || exit 1; done

## demo: the tour of the main job with no cloud account: the AWS, Google Cloud and DigitalOcean simulators in one process (infra sim all), the multicloud example's two stacks up (a web cluster on two clouds, their DNS zones delegated through a stack reference), the VM count changed and up again, and both destroyed
demo: build
	./examples/multicloud/demo.sh

## lint: formatting, go vet and staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	for m in $(MODULES); do (cd $$m && $(GO) vet ./... && $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...) || exit 1; done

## bench: whole-process benchmarks of bin/infra (create, preview, no-change up, update-all, destroy over wide, chain and fan stacks; the latency, refresh and display cases; the peers cases against terraform or tofu when one is on PATH), checked against the targets in docs/performance.md and written to bench/out/results.json; `make bench BENCH=wide:1000` runs one case. The full run (no BENCH) also runs the display renderers' Go benchmarks.
bench: build
	$(GO) run ./internal/bench -infra bin/infra $(if $(BENCH),-cases $(BENCH))
ifeq ($(BENCH),)
	$(GO) test -run '^$$' -bench . -benchmem ./display/
endif

## proto: regenerate the Go code of the protocol definitions in sdk/rpc (needs protoc)
proto:
	./sdk/rpc/generate.sh

## gen: regenerate the typed SDK bindings and provider docs from the providers' schemas
gen:
	$(GO) run ./internal/gen

clean:
	rm -rf bin
