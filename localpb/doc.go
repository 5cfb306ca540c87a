// Package localpb holds the local controller's own gRPC service (runner
// logs, which fal's protocol lacks) and the Go code generated from
// local.proto.
package localpb

//go:generate bash ../scripts/genproto.sh local.proto
