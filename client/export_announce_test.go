package client

import "google.golang.org/grpc/metadata"

// LearnForTest is t after an answer whose header was md.
func LearnForTest(t Target, md metadata.MD) Target {
	var a announcement
	a.learn(md)
	return a.apply(t)
}
