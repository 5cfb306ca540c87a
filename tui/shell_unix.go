//go:build unix

package tui

import (
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
)

// followResizes calls resized on every change of the terminal's size
// until the returned function stops it.
func followResizes(resized func()) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGWINCH)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-sigs:
				resized()
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
		<-finished
	}
}
