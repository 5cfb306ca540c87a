package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"

	"github.com/faldash/faldash/falpb"
)

// Timeouts of one call when DialOptions leaves them open.
const (
	DefaultCallTimeout = 15 * time.Second
	// A deploy streams build logs until the revision is registered, which
	// on fal can take minutes.
	DefaultDeployTimeout = 10 * time.Minute
)

// maxRecvMsgSize bounds one answer. A ListRunners of a large account can
// hold 100,000 runners of a few hundred bytes each (ids, alias, revision,
// machine type, lease metadata), tens of MiB, far over gRPC's 4 MiB
// default; 256 MiB leaves room for several times that while still bounding
// a runaway answer.
const maxRecvMsgSize = 256 << 20

// keepaliveParams are fal's channel settings (isolate_proto
// configuration.py): a ping every 30 s even between calls, so load
// balancers and NATs never see the connection idle, and 10 minutes for
// the answer before the connection counts as dead.
var keepaliveParams = keepalive.ClientParameters{
	Time:                30 * time.Second,
	Timeout:             10 * time.Minute,
	PermitWithoutStream: true,
}

// DialOptions says which controller to talk to and how.
type DialOptions struct {
	// Addr is host:port (a host alone means port 443), `unix:/path`, or an
	// absolute socket path.
	Addr string
	// Credentials is a fal key, sent as fal's key metadata; Auth, when
	// set, takes its place.
	Credentials Credentials
	// Auth supplies each call's credentials (a key, or a signed-in user's
	// token and team).
	Auth Authenticator
	Kind TargetKind
	// User is the account's nickname, when known (for endpoint URLs).
	User string
	// GatewayURL is where a local controller serves its apps over HTTP
	// (e.g. http://127.0.0.1:7778); empty for fal cloud.
	GatewayURL string
	// RESTURL is the base URL of fal's REST API for this controller
	// (https://rest.alpha.fal.ai, or a local controller's http://ADDR);
	// empty: the calls that need it answer ErrUnsupported.
	RESTURL string
	// Account is who calls act as, for the header (see Target.Account).
	Account string
	// CallTimeout bounds each unary call; 0 means DefaultCallTimeout.
	CallTimeout time.Duration
	// Insecure overrides the transport choice: by default unix sockets and
	// loopback hosts get plaintext and everything else TLS.
	Insecure *bool
	// RootCAs, when set, are the authorities a controller's certificate
	// must chain to (gRPC and REST), in place of the system's (which
	// honour SSL_CERT_FILE). Setting them asks for TLS on loopback too,
	// unless Insecure says otherwise: a controller with its own
	// certificate (`faldash serve --tls-cert`).
	RootCAs *x509.CertPool
}

// GRPC is the Client that speaks fal's control-plane protocol, to fal cloud
// or to a local controller alike.
type GRPC struct {
	conn          *grpc.ClientConn
	rpc           falpb.IsolateControllerClient
	target        Target
	callTimeout   time.Duration
	deployTimeout time.Duration
	retry         retryPolicy
	listingHint   listingHint   // the size of a runner in the last listing
	auth          Authenticator // nil: calls carry no credentials
	announced     *announcement // what the controller said about itself
	rest          restState     // fal's REST API (rest.go)
}

var _ Client = (*GRPC)(nil)

// Dial prepares a client for opts.Addr. It does not wait for a connection:
// a controller that cannot be reached shows up on the first call as an
// Unavailable error naming the address.
func Dial(opts DialOptions) (*GRPC, error) {
	op := fmt.Sprintf("connect to %s", opts.Addr)
	target, addr, err := grpcTarget(opts.Addr)
	if err != nil {
		return nil, &Error{Kind: Invalid, Op: op, Msg: err.Error(), Err: err}
	}
	plaintext := IsPlaintextAddr(addr) && opts.RootCAs == nil
	if opts.Insecure != nil {
		plaintext = *opts.Insecure
	}
	var transport credentials.TransportCredentials
	if plaintext {
		transport = insecure.NewCredentials()
	} else {
		// nil RootCAs means the system's roots.
		transport = credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12, RootCAs: opts.RootCAs})
	}
	announced := &announcement{}
	dialOpts := []grpc.DialOption{
		grpc.WithTransportCredentials(transport),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxRecvMsgSize)),
		grpc.WithUserAgent("faldash"),
		grpc.WithKeepaliveParams(keepaliveParams),
		grpc.WithChainUnaryInterceptor(announced.unary),
		grpc.WithChainStreamInterceptor(announced.stream),
	}
	auth := opts.Auth
	if auth == nil && !opts.Credentials.IsZero() {
		auth = KeyAuth(opts.Credentials)
	}
	if auth != nil {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(perRPC{auth}))
	}
	conn, err := grpc.NewClient(target, dialOpts...)
	if err != nil {
		return nil, &Error{Kind: Invalid, Op: op, Msg: err.Error(), Err: err}
	}
	timeout := opts.CallTimeout
	if timeout <= 0 {
		timeout = DefaultCallTimeout
	}
	return &GRPC{
		conn:          conn,
		rpc:           falpb.NewIsolateControllerClient(conn),
		target:        Target{Kind: opts.Kind, Addr: addr, User: opts.User, GatewayURL: opts.GatewayURL, RESTURL: opts.RESTURL, Account: opts.Account},
		auth:          auth,
		announced:     announced,
		callTimeout:   timeout,
		deployTimeout: max(timeout, DefaultDeployTimeout),
		retry:         defaultRetry,
		rest:          restState{roots: opts.RootCAs},
	}, nil
}

// grpcTarget turns an address into a gRPC target and the address shown to
// people: host:port normalized, a socket path as given.
func grpcTarget(addr string) (target, shown string, err error) {
	addr = strings.TrimSpace(addr)
	switch {
	case addr == "":
		return "", "", fmt.Errorf("no controller address given")
	case strings.HasPrefix(addr, "unix:"):
		if strings.TrimPrefix(addr, "unix:") == "" {
			return "", "", fmt.Errorf("%q names no socket path", addr)
		}
		return addr, addr, nil
	case strings.HasPrefix(addr, "/"):
		return "unix://" + addr, addr, nil
	}
	hostPort, err := NormalizeHost(addr)
	if err != nil {
		return "", "", err
	}
	return "dns:///" + hostPort, hostPort, nil
}

// Authenticator supplies the credentials one call carries: fal's key
// metadata, or a signed-in user's bearer token (and a team's user id). It
// is asked on every call, so a token refreshed mid-session is picked up.
type Authenticator interface {
	// GRPCMetadata is the metadata of one gRPC call.
	GRPCMetadata(ctx context.Context) (map[string]string, error)
	// HTTPHeader is the headers of one REST call.
	HTTPHeader(ctx context.Context) (http.Header, error)
}

// KeyAuth authenticates with a fal key: auth-key/auth-key-id metadata on
// gRPC, `Authorization: Key id:secret` on REST.
func KeyAuth(c Credentials) Authenticator { return keyAuth{creds: c} }

type keyAuth struct{ creds Credentials }

func (k keyAuth) GRPCMetadata(context.Context) (map[string]string, error) {
	return map[string]string{
		"auth-key":    k.creds.KeySecret,
		"auth-key-id": k.creds.KeyID,
	}, nil
}

func (k keyAuth) HTTPHeader(context.Context) (http.Header, error) {
	return http.Header{"Authorization": {"Key " + k.creds.KeyID + ":" + k.creds.KeySecret}}, nil
}

// perRPC hands an Authenticator to gRPC. It does not demand transport
// security because the local controller is reached over plaintext
// loopback, exactly as fal's SDK does in its test mode.
type perRPC struct{ a Authenticator }

func (p perRPC) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	return p.a.GRPCMetadata(ctx)
}

func (perRPC) RequireTransportSecurity() bool { return false }

// Target says what this client talks to. What a faldash controller
// announced with its first answer (its gateway, or that it has none, and
// its account) replaces what Dial was told. A User still unknown is
// filled in once fal's /users/current has named the account (any call
// that needs it asks), so endpoint URLs carry the real nickname.
func (g *GRPC) Target() Target {
	t := g.announced.apply(g.target)
	if t.User == "" {
		t.User = g.rest.nickname()
	}
	return t
}

// Close releases the connection.
func (g *GRPC) Close() error { return g.conn.Close() }
