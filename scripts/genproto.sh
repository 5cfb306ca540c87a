#!/usr/bin/env bash
# Regenerates the committed Go code of a .proto with pinned plugin versions,
# so the output only changes when the .proto or a pin changes. Run from the
# directory holding the .proto (go generate does): genproto.sh FILE.proto.
# protoc comes from Debian's protobuf-compiler; it is installed when missing.
set -euo pipefail

PROTOC_GEN_GO=v1.36.11
PROTOC_GEN_GO_GRPC=v1.5.1

[ $# -eq 1 ] || { echo "usage: genproto.sh FILE.proto" >&2; exit 2; }

if ! command -v protoc >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq protobuf-compiler
fi

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
GOBIN="$bin" go install "google.golang.org/protobuf/cmd/protoc-gen-go@${PROTOC_GEN_GO}"
GOBIN="$bin" go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@${PROTOC_GEN_GO_GRPC}"

PATH="$bin:$PATH" protoc \
  --go_out=. --go_opt=paths=source_relative \
  --go-grpc_out=. --go-grpc_opt=paths=source_relative \
  "$1"
