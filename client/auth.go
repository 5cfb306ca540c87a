package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Session is who faldash acts as on fal cloud and the credentials that say
// so on every call.
type Session struct {
	// Auth goes into DialOptions.Auth (and the REST calls).
	Auth Authenticator
	// Account is the account calls act as; its Nickname is "" when it
	// could not be learned (see AccountErr).
	Account User
	// AccountErr says why Account is unknown: fal's REST API could not be
	// asked. Calls still work; endpoint URLs lack the user name.
	AccountErr error
	// Warning is something to tell the user before starting, e.g. a team
	// ignored because a key is used ("" when there is nothing to say).
	Warning string
}

// ErrNoCredentials says no key and no sign-in were found.
var ErrNoCredentials = errors.New("no fal credentials: set FAL_KEY (or a profile key) or run `fal auth login`")

// Connect settles how to authenticate and as which account, as fal's SDK
// does (sdk.py get_credentials). team is the --team value; "" means the
// team saved by `fal team set`, else the personal account.
//
// Signed in: the token is made valid now (a refresh failure is an error
// that says to run `fal auth login`), the accounts come from GET
// /users/teams, and a team other than the personal account adds its user
// id to every call. An unknown team is an error listing the known ones.
//
// With a key: the key belongs to one account, so no team header is sent;
// the account comes from GET /users/current, and a team that is not the
// key's account yields a Warning, not an error.
//
// hc (nil: a client with a 30 s timeout) makes the REST and token calls.
func (c CloudConfig) Connect(ctx context.Context, team string, hc *http.Client) (Session, error) {
	team = strings.TrimSpace(team)
	if team == "" {
		team = c.Team
	}
	switch {
	case !c.Found:
		return Session{}, ErrNoCredentials
	case !c.SignedIn:
		return c.connectWithKey(ctx, team, hc), nil
	}

	tok := c.TokenAuth(hc)
	if _, err := tok.Token(ctx); err != nil {
		return Session{}, err
	}
	s := Session{Auth: tok}
	accounts, err := ListTeams(ctx, hc, c.RESTURL, tok)
	if err != nil {
		if team != "" {
			return Session{}, fmt.Errorf("look up team %q: %w", team, err)
		}
		s.AccountErr = err
		return s, nil
	}
	s.Account, err = findTeam(accounts, team)
	if err != nil {
		if team != "" {
			return Session{}, err
		}
		s.AccountErr = err
		return s, nil
	}
	if !s.Account.IsPersonal {
		s.Auth = teamAuth{base: tok, userID: s.Account.UserID}
	}
	return s, nil
}

func (c CloudConfig) connectWithKey(ctx context.Context, team string, hc *http.Client) Session {
	s := Session{Auth: KeyAuth(c.Credentials)}
	s.Account, s.AccountErr = currentUser(ctx, hc, c.RESTURL, s.Auth)
	if team == "" || (s.AccountErr == nil && strings.EqualFold(team, s.Account.Nickname)) {
		return s
	}
	owner := "its own account"
	if s.AccountErr == nil {
		owner = fmt.Sprintf("%s: %s - %s", s.Account.FullName, s.Account.Nickname, s.Account.UserID)
	}
	s.Warning = fmt.Sprintf("Ignoring team %q because a key is used (%s). The key belongs to %s.", team, c.KeySource, owner)
	return s
}
