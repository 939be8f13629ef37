// Package clusterpb is the generated protobuf and gRPC code of the hybrid-mode
// protocol (proto/gantry/cluster/v1/cluster.proto). The generated files are
// committed so building Gantry never needs protoc.
//
// Regenerate after editing the .proto (needs `apt-get install -y
// protobuf-compiler` and `go install
// google.golang.org/protobuf/cmd/protoc-gen-go@latest
// google.golang.org/grpc/cmd/protoc-gen-go-grpc@latest`):
//
//	go generate ./internal/cluster/clusterpb
package clusterpb

//go:generate protoc -I ../../../proto --go_out=. --go_opt=module=github.com/gantryhq/gantry/internal/cluster/clusterpb --go-grpc_out=. --go-grpc_opt=module=github.com/gantryhq/gantry/internal/cluster/clusterpb gantry/cluster/v1/cluster.proto
