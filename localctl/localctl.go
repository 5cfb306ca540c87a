// Package localctl assembles a complete local fal controller: the gRPC
// controller (package server), the runner supervisor that runs its apps,
// and the HTTP gateway that serves them, each on its own listener, started
// and stopped in the order that loses no request. `faldash serve`, the
// demo and the TUI's embedded controller all start one through it.
package localctl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/gateway"
	"github.com/faldash/faldash/server/supervisor"
)

// DefaultGateway is where the gateway listens unless told otherwise: next
// to the controller's DefaultListen port, loopback only.
const DefaultGateway = "127.0.0.1:7778"

// GatewayOff in Options.Gateway runs no gateway.
const GatewayOff = "off"

// gatewayShutdown bounds how long Close lets requests in flight through
// the gateway finish before it cuts them off.
const gatewayShutdown = 5 * time.Second

// Options say where and how to run the controller.
type Options struct {
	// DataDir holds the controller's state (required).
	DataDir string
	// Listen is the controller's address (see server.Listen); "" means
	// server.DefaultListen.
	Listen string
	// Gateway is the gateway's host:port; "" means DefaultGateway and
	// GatewayOff none.
	Gateway string
	// AllowRemote allows non-loopback addresses for both listeners.
	AllowRemote bool
	// User is the account nickname; "" means server.DefaultUser.
	User string
	// Logger gets the controller's, supervisor's and gateway's logs; nil
	// discards.
	Logger *slog.Logger
	// Supervisor tunes the runner supervisor; ControllerAddr is filled in.
	Supervisor supervisor.Config
}

// Controller is a running local controller with its supervisor and
// gateway.
type Controller struct {
	ctl        *server.Controller
	sup        *supervisor.Supervisor
	addr       string
	gatewayURL string
	gw         *http.Server

	errs      chan error
	serving   sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Start opens the controller's state, starts its runners and serves the
// controller and the gateway. Close stops them.
func Start(opts Options) (*Controller, error) {
	if opts.Listen == "" {
		opts.Listen = server.DefaultListen
	}
	if opts.Gateway == "" {
		opts.Gateway = DefaultGateway
	}
	if opts.User == "" {
		opts.User = server.DefaultUser
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	lis, err := server.Listen(opts.Listen, opts.AllowRemote)
	if err != nil {
		return nil, err
	}
	// The gateway listens before the controller opens so deploy results
	// can name its real port, even when it was chosen by the system.
	var gwLis net.Listener
	if opts.Gateway != GatewayOff {
		if gwLis, err = listenGateway(opts.Gateway, opts.AllowRemote); err != nil {
			lis.Close()
			return nil, err
		}
	}
	c := &Controller{addr: lis.Addr().String(), errs: make(chan error, 2)}
	if gwLis != nil {
		c.gatewayURL = "http://" + gwLis.Addr().String()
	}
	cfg := opts.Supervisor
	cfg.ControllerAddr = c.addr
	c.sup = supervisor.New(cfg)
	c.ctl, err = server.Open(server.Config{
		DataDir:    opts.DataDir,
		User:       opts.User,
		GatewayURL: c.gatewayURL,
		Logger:     log,
		Runtime:    c.sup,
	})
	if err != nil {
		lis.Close()
		if gwLis != nil {
			gwLis.Close()
		}
		return nil, err
	}

	c.serving.Add(1)
	go func() {
		defer c.serving.Done()
		if err := c.ctl.Serve(lis); err != nil {
			c.errs <- err
		}
	}()
	if gwLis != nil {
		c.gw = &http.Server{
			Handler:           gateway.New(c.sup, opts.User, gateway.Options{Logger: log}),
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		}
		c.serving.Add(1)
		go func() {
			defer c.serving.Done()
			if err := c.gw.Serve(gwLis); !errors.Is(err, http.ErrServerClosed) {
				c.errs <- fmt.Errorf("gateway on %s: %w", gwLis.Addr(), err)
			}
		}()
	}
	return c, nil
}

// listenGateway opens the gateway's TCP listener; like the controller's,
// it stays on loopback unless allowRemote, since it authenticates nobody.
func listenGateway(addr string, allowRemote bool) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("gateway address %q: want host:port (or %q for none): %w", addr, GatewayOff, err)
	}
	ip := net.ParseIP(host)
	if !allowRemote && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("gateway address %q is not loopback; the gateway checks no key, so pass --allow-remote to expose it on purpose", addr)
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("gateway: listen on %s: %w", addr, err)
	}
	return lis, nil
}

// Addr is the controller's address (host:port or socket path).
func (c *Controller) Addr() string { return c.addr }

// GatewayURL is the gateway's base URL, "" when it is off.
func (c *Controller) GatewayURL() string { return c.gatewayURL }

// Server is the gRPC controller (its admin key, key file and data
// directory).
func (c *Controller) Server() *server.Controller { return c.ctl }

// Supervisor is the runner supervisor.
func (c *Controller) Supervisor() *supervisor.Supervisor { return c.sup }

// Err delivers the error of a listener that failed on its own; nothing
// is sent when Close stops them.
func (c *Controller) Err() <-chan error { return c.errs }

// Close stops the gateway first, letting requests in flight finish for a
// few seconds, then the controller, which stops every runner. It is safe
// to call more than once.
func (c *Controller) Close() error {
	c.closeOnce.Do(func() {
		var errs []error
		if c.gw != nil {
			ctx, cancel := context.WithTimeout(context.Background(), gatewayShutdown)
			if err := c.gw.Shutdown(ctx); err != nil {
				// Requests still waiting for a runner: cut them off.
				errs = append(errs, c.gw.Close())
			}
			cancel()
		}
		errs = append(errs, c.ctl.Close())
		c.serving.Wait()
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}
