// Package falpb holds faldash's transcription of fal's control-plane
// protocol (controller.proto) and the Go code generated from it.
package falpb

//go:generate bash ../scripts/genproto.sh controller.proto
