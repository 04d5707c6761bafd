#!/bin/sh
# Regenerates the Go code for the protocol definitions in this directory. Run through `make proto`.
set -eu
cd "$(dirname "$0")"
PATH="$(go env GOPATH)/bin:$PATH"
protoc -I . \
  --go_out=. --go_opt=module=github.com/infrago/infra/sdk/rpc \
  --go-grpc_out=. --go-grpc_opt=module=github.com/infrago/infra/sdk/rpc \
  property.proto monitor.proto provider.proto
