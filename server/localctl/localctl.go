// Package localctl assembles a complete local fal controller: the gRPC
// controller (package server), the runner supervisor that runs its apps,
// the HTTP gateway that serves them and fal's REST API (package
// server/rest), each on its own listener, started and stopped in the order
// that loses no request. `faldash serve`, the demo and the TUI's embedded
// controller all start one through it, and it leaves the addresses in the
// data directory (see ReadEndpoints) for a dashboard that finds the
// directory held by another process.
package localctl

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/faldash/faldash/internal/atomicfile"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/gateway"
	"github.com/faldash/faldash/server/rest"
	"github.com/faldash/faldash/server/supervisor"
)

// DefaultGateway is where the gateway listens unless told otherwise: next
// to the controller's DefaultListen port, loopback only.
const DefaultGateway = "127.0.0.1:7778"

// DefaultREST is where fal's REST API listens unless told otherwise: the
// port after the gateway's, loopback only.
const DefaultREST = "127.0.0.1:7779"

// Off in Options.Gateway or Options.REST runs no such listener.
const Off = "off"

// GatewayOff in Options.Gateway runs no gateway.
const GatewayOff = Off

// shutdownGrace bounds how long Close lets requests in flight through the
// gateway or the REST API finish before it cuts them off.
const shutdownGrace = 5 * time.Second

// Options say where and how to run the controller.
type Options struct {
	// DataDir holds the controller's state (required).
	DataDir string
	// Listen is the controller's address (see server.Listen); "" means
	// server.DefaultListen.
	Listen string
	// Gateway is the gateway's host:port; "" means DefaultGateway and Off
	// none.
	Gateway string
	// REST is the REST API's host:port; "" means DefaultREST and Off none.
	// The REST API also answers HTTP/1 requests on Listen, where fal's CLI
	// sends some of its REST calls.
	REST string
	// AllowRemote allows non-loopback addresses for every listener. It
	// needs TLS, or Insecure.
	AllowRemote bool
	// TLS, when set, serves every TCP listener over TLS with its
	// certificate (see LoadTLS): gRPC and the REST API on Listen, the REST
	// API, and the gateway. A unix socket stays plaintext.
	TLS *tls.Config
	// Insecure allows AllowRemote without TLS, with a warning: keys and
	// app traffic then cross the network in the clear.
	Insecure bool
	// User is the account nickname; "" means server.DefaultUser.
	User string
	// MainDescription is server.Config's: main's description, when it
	// has none.
	MainDescription string
	// Logger gets the controller's, supervisor's, gateway's and REST
	// API's logs; nil discards.
	Logger *slog.Logger
	// Supervisor tunes the runner supervisor; ControllerAddr is filled in.
	Supervisor supervisor.Config
}

// Controller is a running local controller with its supervisor, gateway
// and REST API.
type Controller struct {
	ctl        *server.Controller
	sup        *supervisor.Supervisor
	addr       string
	gatewayURL string
	restURL    string
	gw         *http.Server
	rest       *rest.Server

	errs      chan error
	serving   sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Start opens the controller's state, starts its runners and serves the
// controller, the gateway and the REST API. Close stops them.
func Start(opts Options) (*Controller, error) {
	if opts.Listen == "" {
		opts.Listen = server.DefaultListen
	}
	if opts.Gateway == "" {
		opts.Gateway = DefaultGateway
	}
	if opts.REST == "" {
		opts.REST = DefaultREST
	}
	if opts.User == "" {
		opts.User = server.DefaultUser
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := checkRemote(opts); err != nil {
		return nil, err
	}
	tlsCfg := serverTLS(opts.TLS)

	// Every listener opens before the controller does, so deploy results
	// can name the gateway's real port, even one the system chose, and a
	// busy port fails Start before any runner starts.
	var lis, gwLis, restLis net.Listener
	closeAll := func() {
		for _, l := range []net.Listener{lis, gwLis, restLis} {
			if l != nil {
				l.Close()
			}
		}
	}
	lis, err := server.Listen(opts.Listen, opts.AllowRemote)
	if err != nil {
		return nil, err
	}
	if opts.Gateway != Off {
		if gwLis, err = listenTCP("gateway", opts.Gateway, opts.AllowRemote); err != nil {
			closeAll()
			return nil, err
		}
	}
	if opts.REST != Off {
		if restLis, err = listenTCP("rest api", opts.REST, opts.AllowRemote); err != nil {
			closeAll()
			return nil, err
		}
	}
	if opts.AllowRemote && tlsCfg == nil {
		log.Warn("serving without TLS (--insecure): keys and app traffic cross the network in the clear; anyone on the path can read the admin key")
	}
	c := &Controller{addr: lis.Addr().String(), errs: make(chan error, 4)}
	if gwLis != nil {
		c.gatewayURL = scheme(tlsCfg) + gwLis.Addr().String()
	}
	if restLis != nil {
		c.restURL = scheme(tlsCfg) + restLis.Addr().String()
	}
	cfg := opts.Supervisor
	cfg.ControllerAddr = c.addr
	c.sup = supervisor.New(cfg)
	c.ctl, err = server.Open(server.Config{
		DataDir:         opts.DataDir,
		User:            opts.User,
		MainDescription: opts.MainDescription,
		GatewayURL:      c.gatewayURL,
		Logger:          log,
		Runtime:         c.sup,
	})
	if err != nil {
		closeAll()
		return nil, err
	}

	// A unix socket stays plaintext: it never leaves the machine, and
	// neither faldash's client nor fal's speaks TLS over one.
	lisTLS := tlsCfg
	if lis.Addr().Network() == "unix" {
		lisTLS = nil
	}
	grpcLis := secure(lis, lisTLS)
	if restLis != nil {
		var httpLis net.Listener
		grpcLis, httpLis = split(lis, lisTLS)
		c.rest = rest.New(rest.Options{Auth: c.ctl, User: opts.User, Runners: c.sup, Queues: c.sup, Logger: log})
		restLis := secure(restLis, tlsCfg)
		c.serve(func() error { return c.rest.Serve(restLis) })
		c.serve(func() error { return c.rest.Serve(httpLis) })
	}
	c.serve(func() error { return c.ctl.Serve(grpcLis) })
	if gwLis != nil {
		c.gw = &http.Server{
			Handler:           gateway.New(c.sup, opts.User, gateway.Options{Logger: log, Keys: accountKeys{c.ctl, opts.User}}),
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		}
		gwLis := secure(gwLis, tlsCfg)
		c.serve(func() error {
			if err := c.gw.Serve(gwLis); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("gateway on %s: %w", gwLis.Addr(), err)
			}
			return nil
		})
	}
	if err := writeEndpoints(c.ctl.DataDir(), c.Endpoints()); err != nil {
		return nil, errors.Join(err, c.Close())
	}
	return c, nil
}

// accountKeys shows the gateway the controller's keyring: every key a
// local controller accepts, its admin key and its runners' keys alike,
// belongs to its one account, so each may call that account's private
// apps (a runner's read-only key is refused every write on the
// controller all the same).
type accountKeys struct {
	ctl     *server.Controller
	account string
}

func (k accountKeys) KeyOwner(id, secret string) (string, bool) {
	if _, ok := k.ctl.Authenticate(id, secret); !ok {
		return "", false
	}
	return k.account, true
}

// serve runs fn on its own goroutine, reporting its error on Err.
func (c *Controller) serve(fn func() error) {
	c.serving.Add(1)
	go func() {
		defer c.serving.Done()
		if err := fn(); err != nil {
			c.errs <- err
		}
	}()
}

// listenTCP opens a TCP listener for what; like the controller's, it
// stays on loopback unless allowRemote.
func listenTCP(what, addr string, allowRemote bool) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%s address %q: want host:port (or %q for none): %w", what, addr, Off, err)
	}
	ip := net.ParseIP(host)
	if !allowRemote && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("%s address %q is not loopback; pass --allow-remote (with --tls-cert and --tls-key) to expose it on purpose", what, addr)
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: listen on %s: %w", what, addr, err)
	}
	return lis, nil
}

// Addr is the controller's address (host:port or socket path).
func (c *Controller) Addr() string { return c.addr }

// GatewayURL is the gateway's base URL, "" when it is off.
func (c *Controller) GatewayURL() string { return c.gatewayURL }

// RESTURL is the REST API's base URL, "" when it is off.
func (c *Controller) RESTURL() string { return c.restURL }

// Endpoints are the controller's addresses, as written to its data
// directory.
func (c *Controller) Endpoints() Endpoints {
	return Endpoints{GRPC: c.addr, REST: c.restURL, Gateway: c.gatewayURL}
}

// Server is the gRPC controller (its admin key, key file and data
// directory).
func (c *Controller) Server() *server.Controller { return c.ctl }

// Supervisor is the runner supervisor.
func (c *Controller) Supervisor() *supervisor.Supervisor { return c.sup }

// Err delivers the error of a listener that failed on its own; nothing
// is sent when Close stops them.
func (c *Controller) Err() <-chan error { return c.errs }

// Close removes the endpoints file, then stops the REST API (ending its
// log streams) and the gateway, answering requests still queued for a
// runner with 503 and letting those being served finish for a few
// seconds, then the controller, which stops every runner. It is safe to
// call more than once.
func (c *Controller) Close() error {
	c.closeOnce.Do(func() {
		errs := []error{removeEndpoints(c.ctl.DataDir())}
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if c.rest != nil {
			errs = append(errs, c.rest.Close(ctx))
		}
		// Requests still queued for a runner get 503 now: the gateway's
		// shutdown then waits for those being served, not for a runner to
		// free up for callers that may be gone (seconds, for the demo).
		c.sup.RefuseRequests()
		if c.gw != nil {
			if err := c.gw.Shutdown(ctx); err != nil {
				// Requests still waiting for a runner: cut them off.
				errs = append(errs, c.gw.Close())
			}
		}
		errs = append(errs, c.ctl.Close())
		c.serving.Wait()
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}

// EndpointsFile is the file in the data directory that holds a running
// controller's addresses.
const EndpointsFile = "endpoints.json"

// Endpoints are where a controller serves: GRPC is its address (host:port
// or a unix socket), REST and Gateway are base URLs, "" when off.
type Endpoints struct {
	GRPC    string `json:"grpc"`
	REST    string `json:"rest"`
	Gateway string `json:"gateway"`
}

// ReadEndpoints reads the addresses of the controller that holds dir. The
// file exists only while one does; without it the error wraps
// fs.ErrNotExist.
func ReadEndpoints(dir string) (Endpoints, error) {
	var e Endpoints
	b, err := os.ReadFile(filepath.Join(dir, EndpointsFile))
	if err != nil {
		return e, fmt.Errorf("read the controller's endpoints: %w", err)
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return Endpoints{}, fmt.Errorf("read the controller's endpoints in %s: %w", filepath.Join(dir, EndpointsFile), err)
	}
	if e.GRPC == "" {
		return Endpoints{}, fmt.Errorf("read the controller's endpoints in %s: no grpc address", filepath.Join(dir, EndpointsFile))
	}
	return e, nil
}

// writeEndpoints replaces the endpoints file in one step, owner-only,
// so a reader never sees half of it.
func writeEndpoints(dir string, e Endpoints) error {
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return fmt.Errorf("write endpoints: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, EndpointsFile), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write endpoints: %w", err)
	}
	return nil
}

func removeEndpoints(dir string) error {
	if err := os.Remove(filepath.Join(dir, EndpointsFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove endpoints: %w", err)
	}
	return nil
}
