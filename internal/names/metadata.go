package names

// Header metadata a faldash controller adds to its answers to callers
// with a valid key. A dashboard started with --host on another machine
// cannot read the controller's data directory, so what it needs to build
// endpoint URLs and its header travels with the answers themselves.
// Header metadata rather than a new method or message field: fal's
// clients ignore header keys they do not know, so the protocol stays
// fal's, and no extra call is made.
const (
	// GatewayMetadata is the base URL apps are served at
	// (`http://127.0.0.1:7778`), or NoGateway.
	GatewayMetadata = "faldash-gateway"
	// UserMetadata is the account nickname in endpoint URLs and in
	// FAL_APP_NAME.
	UserMetadata = "faldash-user"
	// NoGateway is GatewayMetadata's value when the controller serves its
	// apps nowhere (`faldash serve --gateway off`).
	NoGateway = "none"
)
