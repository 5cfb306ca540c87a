package confine

// Options configure a Launcher.
type Options struct {
	// Hidden are the directories no runner may read or write at all: the
	// controller's data directory, and the root of the runners' own
	// directories (each runner is then given its own back with Command's
	// writable list).
	Hidden []string
	// NoNamespaces runs the shim as a subreaper even where the kernel
	// allows PID namespaces, as it runs where it does not.
	NoNamespaces bool
}
