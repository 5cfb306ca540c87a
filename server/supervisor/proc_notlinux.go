//go:build !linux

package supervisor

// Without Linux's waitid(WNOWAIT) the leader is reaped before its group
// is cleaned up; the group is still signalled, at a small risk that its
// id was reused in between.
const canPeekExit = false

func waitExited(int) {}
