package server

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultListen is where `faldash serve` listens unless told otherwise:
// loopback only, on a fixed port so clients can be pointed at it once.
const DefaultListen = "127.0.0.1:7777"

// Listen opens the controller's listener. addr is "host:port" (TCP) or a
// unix socket, written "unix:/path" or as a plain path ("/run/x.sock",
// "./x.sock"). TCP hosts other than loopback ("localhost", 127.0.0.0/8,
// ::1) are refused unless allowRemote: by default the controller speaks
// plaintext, as fal's SDK expects of a local controller, so it must not
// face a network by accident (localctl adds TLS for one that should). A stale socket file left by a crashed controller is
// replaced; a live one is not.
func Listen(addr string, allowRemote bool) (net.Listener, error) {
	if path, ok := socketPath(addr); ok {
		return listenUnix(path)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: want host:port or a unix socket path: %w", addr, err)
	}
	if !allowRemote && !isLoopback(host) {
		return nil, fmt.Errorf("listen address %q is not loopback; pass --allow-remote (with --tls-cert and --tls-key) to expose it on purpose", addr)
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return lis, nil
}

func socketPath(addr string) (string, bool) {
	if rest, ok := strings.CutPrefix(addr, "unix:"); ok {
		// gRPC writes absolute sockets as unix:///path.
		if strings.HasPrefix(rest, "///") {
			rest = rest[2:]
		}
		return rest, true
	}
	if strings.ContainsRune(addr, '/') || strings.HasSuffix(addr, ".sock") {
		return addr, true
	}
	return "", false
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func listenUnix(path string) (net.Listener, error) {
	if path == "" {
		return nil, errors.New("listen: empty unix socket path")
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("listen on %s: the file exists and is not a socket", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("listen on %s: another process is serving on this socket", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("remove stale socket %s: %w", path, err)
		}
	}
	lis, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	// The key guards every call, but there is no reason for other users
	// even to connect.
	if err := os.Chmod(path, 0o600); err != nil {
		lis.Close()
		return nil, fmt.Errorf("restrict socket %s: %w", path, err)
	}
	return lis, nil
}

// DefaultDataDir is where the local controller keeps its state:
// $XDG_DATA_HOME/faldash, else ~/.local/share/faldash.
func DefaultDataDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "faldash"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the data directory: %w (set XDG_DATA_HOME or pass --data)", err)
	}
	return filepath.Join(home, ".local", "share", "faldash"), nil
}
