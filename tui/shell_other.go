//go:build !unix

package tui

// followResizes does nothing: only Unix signals a terminal's new size.
func followResizes(func()) (stop func()) { return func() {} }
