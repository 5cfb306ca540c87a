package localctl

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"
)

// alpn is what every TLS listener offers. On the gRPC port it also
// decides the protocol: h2 is gRPC (gRPC clients, fal's included, ask for
// it), http/1.1 is the REST API (what fal's CLI asks for, through httpx).
var alpn = []string{"h2", "http/1.1"}

// LoadTLS reads a PEM certificate (chain) and its private key for
// Options.TLS. A certificate that is not valid now is refused, since no
// client would accept it.
func LoadTLS(certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls certificate %s with key %s: %w", certFile, keyFile, err)
	}
	leaf := cert.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("tls certificate %s: %w", certFile, err)
		}
	}
	now := time.Now()
	switch {
	case now.Before(leaf.NotBefore):
		return nil, fmt.Errorf("tls certificate %s is not valid before %s", certFile, leaf.NotBefore.UTC().Format(time.RFC3339))
	case now.After(leaf.NotAfter):
		return nil, fmt.Errorf("tls certificate %s expired on %s", certFile, leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// serverTLS is cfg as the listeners use it: TLS 1.2 at least, offering
// alpn. nil stays nil (plaintext).
func serverTLS(cfg *tls.Config) *tls.Config {
	if cfg == nil {
		return nil
	}
	cfg = cfg.Clone()
	cfg.NextProtos = alpn
	cfg.MinVersion = max(cfg.MinVersion, tls.VersionTLS12)
	return cfg
}

// checkRemote refuses to face a network in the clear: AllowRemote needs
// TLS, or Insecure to say so on purpose.
func checkRemote(opts Options) error {
	if opts.AllowRemote && opts.TLS == nil && !opts.Insecure {
		return errors.New("--allow-remote without --tls-cert and --tls-key would send keys and app traffic across the network in the clear; give a certificate, or pass --insecure to do it anyway")
	}
	return nil
}

// secure wraps lis in TLS when cfg is set.
func secure(lis net.Listener, cfg *tls.Config) net.Listener {
	if cfg == nil {
		return lis
	}
	return tls.NewListener(lis, cfg)
}

// scheme is the URL scheme of a listener served with cfg.
func scheme(cfg *tls.Config) string {
	if cfg == nil {
		return "http://"
	}
	return "https://"
}
