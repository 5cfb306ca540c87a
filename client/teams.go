package client

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// archivedReason is the lock_reason of an archived account; fal leaves
// those out of the accounts one can act as.
const archivedReason = "This account has been archived. Please contact support@fal.ai."

// userJSON is an account as /users/current and /users/teams describe it.
type userJSON struct {
	Nickname   string `json:"nickname"`
	UserID     string `json:"user_id"`
	FullName   string `json:"full_name"`
	IsPersonal bool   `json:"is_personal"`
	LockReason string `json:"lock_reason"`
}

func (u userJSON) user() User {
	return User{Nickname: u.Nickname, UserID: u.UserID, FullName: u.FullName, IsPersonal: u.IsPersonal}
}

// ListTeams returns the accounts the signed-in user can act as (GET
// /users/teams), archived ones left out, the personal account first and
// the rest by nickname, as fal lists them.
func ListTeams(ctx context.Context, hc *http.Client, restURL string, auth Authenticator) ([]User, error) {
	var raw []userJSON
	if err := getJSON(ctx, hc, restURL, "/users/teams", auth, &raw); err != nil {
		return nil, err
	}
	var out []User
	for _, a := range raw {
		if a.LockReason != archivedReason {
			out = append(out, a.user())
		}
	}
	slices.SortStableFunc(out, func(a, b User) int {
		if a.IsPersonal != b.IsPersonal {
			if a.IsPersonal {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Nickname, b.Nickname)
	})
	return out, nil
}

// findTeam picks the account named team (case-insensitively, as fal does),
// or the personal account for "". Not finding it is an error that lists
// the accounts there are.
func findTeam(accounts []User, team string) (User, error) {
	for _, a := range accounts {
		if team == "" && a.IsPersonal || team != "" && strings.EqualFold(a.Nickname, team) {
			return a, nil
		}
	}
	if team == "" {
		return User{}, fmt.Errorf("fal lists no personal account for the signed-in user")
	}
	nicks := make([]string, len(accounts))
	for i, a := range accounts {
		nicks[i] = a.Nickname
	}
	if len(nicks) == 0 {
		return User{}, fmt.Errorf("team %q not found: the signed-in user has no accounts", team)
	}
	return User{}, fmt.Errorf("team %q not found; the signed-in user can act as: %s", team, strings.Join(nicks, ", "))
}

// currentUser asks fal's REST API who the credentials belong to (GET
// /users/current).
func currentUser(ctx context.Context, hc *http.Client, restURL string, auth Authenticator) (User, error) {
	var u userJSON
	if err := getJSON(ctx, hc, restURL, "/users/current", auth, &u); err != nil {
		return User{}, err
	}
	return u.user(), nil
}

// getJSON GETs base+path with auth's headers and decodes the JSON answer.
// A non-2xx answer is an error with fal's `detail` text.
func getJSON(ctx context.Context, hc *http.Client, base, path string, auth Authenticator, out any) error {
	op := "GET " + base + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	h, err := auth.HTTPHeader(ctx)
	if err != nil {
		return err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	resp, err := httpClient(hc).Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s: reading the answer: %w", op, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Detail any `json:"detail"`
		}
		msg := resp.Status
		if json.Unmarshal(body, &e) == nil && e.Detail != nil {
			msg += ": " + fmt.Sprint(e.Detail)
		}
		return fmt.Errorf("%s: %s", op, msg)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s: the answer is not the JSON expected: %w", op, err)
	}
	return nil
}

// teamAuth acts as a team: base's credentials plus the team's user id, in
// the metadata and header fal's SDK adds for it.
type teamAuth struct {
	base   Authenticator
	userID string
}

func (t teamAuth) GRPCMetadata(ctx context.Context) (map[string]string, error) {
	md, err := t.base.GRPCMetadata(ctx)
	if err != nil {
		return nil, err
	}
	out := maps.Clone(md)
	out["fal-user-id"] = t.userID
	return out, nil
}

func (t teamAuth) HTTPHeader(ctx context.Context) (http.Header, error) {
	h, err := t.base.HTTPHeader(ctx)
	if err != nil {
		return nil, err
	}
	h = h.Clone()
	h.Set("X-Fal-User-Id", t.userID)
	return h, nil
}
