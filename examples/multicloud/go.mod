module github.com/infrago/infra/examples/multicloud

go 1.26.8

require (
	github.com/infrago/infra v0.0.0
	github.com/infrago/infra/components/webcluster v0.0.0
)

require (
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20261026165753-2ffab32bce7e // indirect
	google.golang.org/grpc v1.85.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

// Inside the infra repository the example is built against the SDK and the component beside it; a team's own
// project requires released versions instead (see README.md).
replace (
	github.com/infrago/infra => ../..
	github.com/infrago/infra/components/webcluster => ../../components/webcluster
)
