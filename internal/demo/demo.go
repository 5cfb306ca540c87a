// Package demo runs faldash's demo: a throwaway local controller in a
// temporary directory, seeded through the real client with environments,
// secrets and apps on the built-in sample runner, and a synthetic traffic
// generator whose rate rises and falls so the runners visibly scale up and
// down. Close removes everything.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/confine"
	"github.com/faldash/faldash/server/localctl"
	"github.com/faldash/faldash/server/supervisor"
)

// Options configure a demo; Exe is required.
type Options struct {
	// Exe is the faldash binary: the apps run `<Exe> sample-runner ...`.
	Exe string
	// Logger gets the controller's logs; nil discards.
	Logger *slog.Logger
	// Listen, Gateway and REST are the controller's, gateway's and REST
	// API's addresses (loopback only; localctl.Off for no gateway or REST
	// API); "" means a free port, so a demo runs beside `faldash serve`.
	Listen, Gateway, REST string
	// User is the account nickname; "" means server.DefaultUser.
	User string
	// TimeScale multiplies the sample runners' setup delays and latencies;
	// 0 means 1. Tests make the demo quick with a small one.
	TimeScale float64
	// Traffic shapes the synthetic load.
	Traffic TrafficOptions
	// NoTraffic runs no generator.
	NoTraffic bool
	// Supervisor tunes the runner supervisor (back-off, grace, ...); its
	// RunnerDir defaults to one inside the demo's directory.
	Supervisor supervisor.Config
	// TempDir is where the demo's directory is made, and where those of
	// earlier demos that were killed are removed; "" means os.TempDir().
	TempDir string
}

// Demo is a running demo.
type Demo struct {
	dir   string
	owner *os.File // the lock that marks dir as in use
	user  string
	ctl   *localctl.Controller
	creds client.Credentials

	stopTraffic context.CancelFunc
	trafficDone chan struct{}
	traffic     trafficCounters
	trafficErr  error

	closeOnce sync.Once
	closeErr  error
}

// Start creates the temporary directory, starts the controller, seeds it
// and starts the traffic. ctx bounds the seeding and the traffic; Close
// ends the demo either way.
func Start(ctx context.Context, opts Options) (_ *Demo, err error) {
	if opts.Exe == "" {
		return nil, errors.New("demo: no faldash binary to run the sample runner with")
	}
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.Gateway == "" {
		opts.Gateway = "127.0.0.1:0"
	}
	if opts.REST == "" {
		opts.REST = "127.0.0.1:0"
	}
	if opts.TimeScale <= 0 {
		opts.TimeScale = 1
	}
	if opts.User == "" {
		opts.User = server.DefaultUser
	}
	// Demos killed before their Close left their directories behind.
	removed, err := sweep(opts.TempDir)
	if err != nil && opts.Logger != nil {
		opts.Logger.Warn("demo: directories of earlier demos not removed", "error", err)
	}
	if len(removed) > 0 && opts.Logger != nil {
		opts.Logger.Info("demo: removed the directories of earlier demos that were killed", "dirs", removed)
	}
	dir, owner, err := makeDir(opts.TempDir)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	d := &Demo{dir: dir, owner: owner, user: opts.User}
	if opts.Supervisor.RunnerDir == "" {
		opts.Supervisor.RunnerDir = filepath.Join(dir, "runners")
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, d.Close())
		}
	}()

	d.ctl, err = localctl.Start(localctl.Options{
		DataDir:         filepath.Join(dir, "data"),
		Listen:          opts.Listen,
		Gateway:         opts.Gateway,
		REST:            opts.REST,
		User:            opts.User,
		MainDescription: mainDescription,
		Logger:          opts.Logger,
		Supervisor:      opts.Supervisor,
	})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	id, secret := d.ctl.Server().AdminKey()
	d.creds = client.Credentials{KeyID: id, KeySecret: secret}
	c, err := d.Dial()
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	defer c.Close()
	if err := seed(ctx, c, opts.Exe, opts.TimeScale); err != nil {
		return nil, err
	}

	tctx, cancel := context.WithCancel(ctx)
	d.stopTraffic = cancel
	d.trafficDone = make(chan struct{})
	if opts.NoTraffic {
		close(d.trafficDone)
		return d, nil
	}
	var targets []string
	for _, a := range apps {
		if a.Traffic {
			targets = append(targets, d.ctl.GatewayURL()+"/"+opts.User+"/"+names.Alias(a.Name, a.Env))
		}
	}
	// The demo's apps are private, as fal's are by default: the traffic
	// calls them with the controller's key, as their owner would.
	traffic := opts.Traffic
	traffic.Key = d.creds
	go func() {
		defer close(d.trafficDone)
		d.trafficErr = runTraffic(tctx, targets, traffic, &d.traffic)
	}()
	return d, nil
}

// Dial returns a new client for the demo controller, holding its admin
// key.
func (d *Demo) Dial() (*client.GRPC, error) {
	return client.Dial(client.DialOptions{
		Addr:        d.ctl.Addr(),
		Credentials: d.creds,
		Kind:        client.TargetDemo,
		User:        d.user,
		GatewayURL:  d.ctl.GatewayURL(),
		RESTURL:     d.ctl.RESTURL(),
	})
}

// Addr is the controller's address.
func (d *Demo) Addr() string { return d.ctl.Addr() }

// GatewayURL is the gateway's base URL.
func (d *Demo) GatewayURL() string { return d.ctl.GatewayURL() }

// RESTURL is the REST API's base URL, "" when it is off.
func (d *Demo) RESTURL() string { return d.ctl.RESTURL() }

// User is the account nickname in the apps' endpoint URLs.
func (d *Demo) User() string { return d.user }

// Credentials are the controller's admin key.
func (d *Demo) Credentials() client.Credentials { return d.creds }

// KeyFile is the admin key's file (inside Dir, so gone after Close).
func (d *Demo) KeyFile() string { return d.ctl.Server().KeyFile() }

// Isolation says how the demo's runners are isolated on this system.
func (d *Demo) Isolation() confine.Status { return d.ctl.Supervisor().Isolation() }

// Dir is the temporary directory Close removes.
func (d *Demo) Dir() string { return d.dir }

// TrafficStats counts the generator's requests so far.
func (d *Demo) TrafficStats() TrafficStats { return d.traffic.snapshot() }

// Err delivers a listener's failure.
func (d *Demo) Err() <-chan error { return d.ctl.Err() }

// Close stops the traffic, then the controller and its runners, and
// removes the temporary directory. It is safe to call more than once.
func (d *Demo) Close() error {
	d.closeOnce.Do(func() {
		var errs []error
		if d.stopTraffic != nil {
			d.stopTraffic()
			<-d.trafficDone
			errs = append(errs, d.trafficErr)
		}
		if d.ctl != nil {
			errs = append(errs, d.ctl.Close())
		}
		if err := os.RemoveAll(d.dir); err != nil {
			errs = append(errs, fmt.Errorf("demo: remove %s: %w", d.dir, err))
		}
		d.owner.Close()
		d.closeErr = errors.Join(errs...)
	})
	return d.closeErr
}
