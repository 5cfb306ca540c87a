// Package e2e runs the real faldash binary in a pseudo-terminal against a
// real local controller with real runner processes, as a person would.
package e2e
