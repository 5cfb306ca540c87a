package server

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/server/store"
)

// ListAliases lists the apps of one environment (main when unset), each
// with its full alias.
func (s *service) ListAliases(ctx context.Context, req *falpb.ListAliasesRequest) (*falpb.ListAliasesResult, error) {
	env, err := envName(req.EnvironmentName)
	if err != nil {
		return nil, err
	}
	if err := s.requireEnv(ctx, env); err != nil {
		return nil, err
	}
	aliases, err := s.st.Aliases(ctx, env)
	if err != nil {
		return nil, toStatus(err)
	}
	byAlias, _ := s.activeRunners(RunnerFilter{Env: env})
	out := &falpb.ListAliasesResult{}
	for _, a := range aliases {
		out.Aliases = append(out.Aliases, aliasInfo(a, byAlias[a.Ref.Alias()], s.rolling(a.Ref)))
	}
	return out, nil
}

// ListApplications lists the revisions of one app (every app when
// application_name is unset) in an environment, newest first.
func (s *service) ListApplications(ctx context.Context, req *falpb.ListApplicationsRequest) (*falpb.ListApplicationsResult, error) {
	env, err := envName(req.EnvironmentName)
	if err != nil {
		return nil, err
	}
	app := ""
	if name := req.GetApplicationName(); name != "" {
		ref, err := appRef(name, &env)
		if err != nil {
			return nil, err
		}
		app = ref.App
	}
	if err := s.requireEnv(ctx, env); err != nil {
		return nil, err
	}
	revs, err := s.st.Revisions(ctx, env, app)
	if err != nil {
		return nil, toStatus(err)
	}
	_, byRevision := s.activeRunners(RunnerFilter{Env: env})
	out := &falpb.ListApplicationsResult{}
	for _, r := range revs {
		out.Applications = append(out.Applications, applicationInfo(r, byRevision[r.ID]))
	}
	return out, nil
}

// UpdateApplication changes the scaling fields the request sets and keeps
// the others. The merged settings must pass scaling.Settings.Validate; if
// they do not, the answer is INVALID_ARGUMENT naming every bad field and
// nothing changes.
func (s *service) UpdateApplication(ctx context.Context, req *falpb.UpdateApplicationRequest) (*falpb.UpdateApplicationResult, error) {
	ref, err := s.existingEnvRef(ctx, req.GetApplicationName(), req.EnvironmentName)
	if err != nil {
		return nil, err
	}
	spec := specFromUpdate(req)
	var a store.Alias
	if spec.IsEmpty() {
		a, err = s.st.Alias(ctx, ref)
	} else {
		a, err = s.st.UpdateAlias(ctx, ref, func(a *store.Alias) error {
			next := spec.Apply(a.Scaling)
			if err := next.Validate(); err != nil {
				return invalidSettings("", err)
			}
			a.Scaling = next
			return nil
		})
	}
	if err != nil {
		return nil, toStatus(err)
	}
	if !spec.IsEmpty() {
		s.runtimeCall(ctx, "scaled", ref, s.rtChanged)
	}
	return &falpb.UpdateApplicationResult{AliasInfo: s.aliasInfo(a)}, nil
}

// RolloutApplication has the Runtime replace the app's runners with fresh
// ones of its current revision. Without a Runtime there is nothing to
// replace, and an existing app answers OK.
func (s *service) RolloutApplication(ctx context.Context, req *falpb.RolloutApplicationRequest) (*falpb.RolloutApplicationResult, error) {
	ref, err := s.existingApp(ctx, req.GetApplicationName(), req.EnvironmentName)
	if err != nil {
		return nil, err
	}
	if s.rt != nil {
		if err := s.rt.Rollout(ctx, ref, req.GetForce()); err != nil {
			return nil, toStatus(err)
		}
	}
	return &falpb.RolloutApplicationResult{}, nil
}

// SetAlias points an alias at a revision of the same environment. A new
// alias takes the revision's settings and auth mode; an existing one keeps
// its own. auth_mode, when set, applies either way. deployment_strategy is
// validated; how runners change over is the Runtime's business.
func (s *service) SetAlias(ctx context.Context, req *falpb.SetAliasRequest) (*falpb.SetAliasResult, error) {
	ref, err := s.existingEnvRef(ctx, req.GetAlias(), req.EnvironmentName)
	if err != nil {
		return nil, err
	}
	if err := checkID("revision", req.GetRevision()); err != nil {
		return nil, err
	}
	if err := validAuthMode(req.AuthMode); err != nil {
		return nil, err
	}
	if err := validStrategy(req.DeploymentStrategy); err != nil {
		return nil, err
	}
	a, err := s.st.PointAlias(ctx, ref, req.GetRevision(), func(old *store.Alias, rev store.Revision) (store.Alias, error) {
		a := store.Alias{AuthMode: rev.AuthMode, Scaling: rev.Scaling}
		if old != nil {
			a = *old
		}
		if req.AuthMode != nil {
			a.AuthMode = int32(*req.AuthMode)
		}
		return a, nil
	})
	if err != nil {
		return nil, toStatus(err)
	}
	s.runtimeCall(ctx, "alias set", ref, s.rtChanged)
	return &falpb.SetAliasResult{AliasInfo: s.aliasInfo(a)}, nil
}

// DeleteAlias removes an app's alias (its revisions stay) and has the
// Runtime stop its runners.
func (s *service) DeleteAlias(ctx context.Context, req *falpb.DeleteAliasRequest) (*falpb.DeleteAliasResult, error) {
	ref, err := s.existingEnvRef(ctx, req.GetAlias(), req.EnvironmentName)
	if err != nil {
		return nil, err
	}
	rev, err := s.st.DeleteAlias(ctx, ref)
	if err != nil {
		return nil, toStatus(err)
	}
	s.runtimeCall(ctx, "alias deleted", ref, s.rtRemoved)
	return &falpb.DeleteAliasResult{Revision: rev}, nil
}

// DeleteApplication deletes one revision, which no alias may point at.
func (s *service) DeleteApplication(ctx context.Context, req *falpb.DeleteApplicationRequest) (*falpb.DeleteApplicationResult, error) {
	if err := checkID("application_id", req.GetApplicationId()); err != nil {
		return nil, err
	}
	if err := s.st.DeleteRevision(ctx, req.GetApplicationId()); err != nil {
		return nil, toStatus(err)
	}
	return &falpb.DeleteApplicationResult{}, nil
}

// maxIDLen bounds the ids calls name: revisions and runners have UUIDs
// (36 bytes).
const maxIDLen = 64

// checkID refuses an id no revision or runner could have, before it is
// looked up, so an error never quotes back a huge or hostile string.
func checkID(field, id string) error {
	if id == "" {
		return status.Errorf(codes.InvalidArgument, "no %s given", field)
	}
	if !ValidID(id) {
		return status.Errorf(codes.InvalidArgument, "%s is not an id: %s", field, IDRule)
	}
	return nil
}

// IDRule says what ValidID takes, for an error message.
var IDRule = fmt.Sprintf("ids are 1 to %d letters, digits, '-' and '_'", maxIDLen)

// ValidID reports whether id could be a revision's or a runner's: the
// REST API checks job ids with it too.
func ValidID(id string) bool {
	return id != "" && len(id) <= maxIDLen && !strings.ContainsFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	})
}

// existingEnvRef resolves an alias-scoped call's app and checks that its
// environment exists, so a missing environment is named as such.
func (s *service) existingEnvRef(ctx context.Context, alias string, env *string) (AppRef, error) {
	ref, err := appRef(alias, env)
	if err != nil {
		return AppRef{}, err
	}
	if err := s.requireEnv(ctx, ref.Env); err != nil {
		return AppRef{}, err
	}
	return ref, nil
}

// existingApp is existingEnvRef for calls on an app that must exist: an
// unknown one is NOT_FOUND.
func (s *service) existingApp(ctx context.Context, alias string, env *string) (AppRef, error) {
	ref, err := s.existingEnvRef(ctx, alias, env)
	if err != nil {
		return AppRef{}, err
	}
	if _, err := s.st.Alias(ctx, ref); err != nil {
		return AppRef{}, toStatus(err)
	}
	return ref, nil
}

func (s *service) aliasInfo(a store.Alias) *falpb.AliasInfo {
	byAlias, _ := s.activeRunners(RunnerFilter{App: &a.Ref})
	return aliasInfo(a, byAlias[a.Ref.Alias()], s.rolling(a.Ref))
}

func (s *service) rolling(ref AppRef) bool { return s.rt != nil && s.rt.Rolling(ref) }

// activeRunners counts the runners matching f that are serving or able to
// (everything but pending and ended ones), by full alias and by revision.
func (s *service) activeRunners(f RunnerFilter) (byAlias, byRevision map[string]int) {
	byAlias, byRevision = map[string]int{}, map[string]int{}
	if s.rt == nil {
		return byAlias, byRevision
	}
	for _, r := range s.rt.Runners(f) {
		switch r.GetState() {
		case falpb.RunnerInfo_PENDING, falpb.RunnerInfo_TERMINATED, falpb.RunnerInfo_DEAD:
			continue
		}
		byAlias[r.GetAlias()]++
		byRevision[r.GetRevision()]++
	}
	return byAlias, byRevision
}
