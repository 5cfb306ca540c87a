// Package apitest holds the tests that exercise the client and the local
// controller together over a real gRPC connection, and the conformance
// test that checks the controller against WIRE.md's field numbers without
// going through the generated code.
package apitest
