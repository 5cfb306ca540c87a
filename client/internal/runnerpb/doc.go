// Package runnerpb holds runner listings in their wire form with each
// runner's metadata still encoded (see runners.proto).
package runnerpb

//go:generate bash ../../../scripts/genproto.sh runners.proto
