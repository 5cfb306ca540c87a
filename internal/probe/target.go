package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/faldash/faldash/server/localctl"
)

// localTarget starts a fresh local controller in a temporary directory,
// on free loopback ports; cleanup stops it and removes the directory.
func localTarget() (*Target, func(), error) {
	dir, err := os.MkdirTemp("", "faldash-probe-")
	if err != nil {
		return nil, nil, err
	}
	ctl, err := localctl.Start(localctl.Options{
		DataDir: filepath.Join(dir, "data"),
		Listen:  "127.0.0.1:0",
		Gateway: "127.0.0.1:0",
		REST:    "127.0.0.1:0",
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	t, err := dial(ctl.Addr(), ctl.RESTURL(), ctl.GatewayURL())
	if err != nil {
		ctl.Close()
		os.RemoveAll(dir)
		return nil, nil, err
	}
	t.KeyID, t.KeySecret = ctl.Server().AdminKey()
	t.User = "local"
	t.DataDir = ctl.Server().DataDir()
	t.InProcess = true
	t.Binary = builder(filepath.Join(dir, "bin"))
	return t, func() {
		t.Conn.Close()
		ctl.Close()
		os.RemoveAll(dir)
	}, nil
}

// remoteTarget probes a running controller with the admin key in keyFile.
func remoteTarget(addr, restURL, gatewayURL, keyFile, user string) (*Target, error) {
	if keyFile == "" {
		return nil, errors.New("-addr needs -key-file (the controller's admin.key)")
	}
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	id, secret, ok := strings.Cut(strings.TrimSpace(string(b)), ":")
	if !ok {
		return nil, fmt.Errorf("%s: want id:secret", keyFile)
	}
	t, err := dial(addr, restURL, gatewayURL)
	if err != nil {
		return nil, err
	}
	t.KeyID, t.KeySecret, t.User = id, secret, user
	return t, nil
}

func dial(addr, restURL, gatewayURL string) (*Target, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return &Target{GRPC: addr, Conn: conn, REST: restURL, Gateway: gatewayURL}, nil
}

// builder returns a function that builds faldash into dir the first time
// it is called.
func builder(dir string) func() (string, error) {
	var once sync.Once
	var path string
	var err error
	return func() (string, error) {
		once.Do(func() {
			path = filepath.Join(dir, "faldash")
			cmd := exec.Command("go", "build", "-o", path, "github.com/faldash/faldash")
			if out, berr := cmd.CombinedOutput(); berr != nil {
				err = fmt.Errorf("build faldash: %v\n%s", berr, out)
			}
		})
		return path, err
	}
}
