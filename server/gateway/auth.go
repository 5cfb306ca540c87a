package gateway

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/faldash/faldash/falpb"
)

// Keys tells the gateway whose a key is. A local controller's keys (its
// admin key and its runners' keys) all belong to its one account.
type Keys interface {
	// KeyOwner returns the account (fal's user id) the key id:secret
	// belongs to; ok is false for a key it does not accept.
	KeyOwner(id, secret string) (account string, ok bool)
}

// ParseAuthorization reads fal's `Key <id>:<secret>`, or `Bearer
// <id>:<secret>` (a local controller has no sign-in, so its bearer tokens
// are its keys). The scheme's case does not matter, as HTTP has it.
func ParseAuthorization(h string) (id, secret string, ok bool) {
	scheme, cred, found := strings.Cut(strings.TrimSpace(h), " ")
	if !found || !(strings.EqualFold(scheme, "Key") || strings.EqualFold(scheme, "Bearer")) {
		return "", "", false
	}
	id, secret, found = strings.Cut(strings.TrimSpace(cred), ":")
	return id, secret, found && id != "" && secret != ""
}

// caller is who sent a request, as its Authorization header shows.
type caller struct {
	// account is the key's owner; "" when the request carries no key the
	// gateway accepts.
	account string
	// refusal says why the credentials sent were not accepted; "" when
	// none were sent or they were.
	refusal string
}

// id is the caller as runners and leases see it.
func (c caller) id() string {
	if c.account == "" {
		return AnonymousCaller
	}
	return c.account
}

// identify reads req's credentials. Only the key decides who the caller
// is: nothing else a caller sends can claim an identity.
func (g *gateway) identify(req *http.Request) caller {
	h := req.Header.Get("Authorization")
	if h == "" {
		return caller{}
	}
	id, secret, ok := ParseAuthorization(h)
	if !ok {
		return caller{refusal: "malformed credentials: want Authorization: Key <key_id>:<key_secret> (or Bearer <key_id>:<key_secret>)"}
	}
	if g.keys == nil {
		return caller{refusal: "invalid credentials: this gateway accepts no keys"}
	}
	account, ok := g.keys.KeyOwner(id, secret)
	if !ok || account == "" {
		return caller{refusal: "invalid credentials: unknown key id or wrong key secret"}
	}
	return caller{account: account}
}

// admit applies alias's auth mode as fal's gateway does: a public app
// answers anyone, a shared one any valid key, a private one only keys of
// the account that owns it (the gateway's user). It returns why c may not
// call, or "" when it may.
func (g *gateway) admit(alias string, mode falpb.ApplicationAuthMode, c caller) string {
	switch {
	case mode == falpb.ApplicationAuthMode_PUBLIC:
		return ""
	case c.refusal != "":
		return c.refusal
	case c.account == "":
		return fmt.Sprintf("app %s is %s: send Authorization: Key <key_id>:<key_secret> with a key of %s",
			alias, strings.ToLower(mode.String()), g.user)
	case mode == falpb.ApplicationAuthMode_SHARED:
		return ""
	case c.account == g.user:
		return ""
	}
	return fmt.Sprintf("app %s is private to %s, and this key belongs to another account", alias, g.user)
}

// deniedError is a request the app's auth mode refuses; why is the
// detail of the 401.
type deniedError struct{ why string }

func (e *deniedError) Error() string { return e.why }
