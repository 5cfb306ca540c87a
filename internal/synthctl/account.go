package synthctl

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/names"
)

// account is the synthetic account's environments, apps and secrets.
type account struct {
	envs    []string // main first
	created time.Time
	apps    map[string][]*app // by environment, in listing order
	byAlias map[string]*app   // by full alias
	secrets int
}

// app is one app of the account, with its runners oldest first.
type app struct {
	name, env string
	alias     string   // the full alias, as listings carry it
	revisions []string // current first
	big       bool
	runners   []*runner
}

func newAccount(f *fleet, cfg Config) account {
	now := cfg.Now()
	acc := account{
		created: now.Add(-90 * 24 * time.Hour).Truncate(time.Second),
		apps:    map[string][]*app{},
		byAlias: map[string]*app{},
		secrets: cfg.Secrets,
	}
	for i := range cfg.Envs {
		acc.envs = append(acc.envs, envName(i))
	}
	add := func(name, env string, n int, big bool) {
		a := &app{name: name, env: env, alias: names.Alias(name, env), revisions: []string{f.uuid(), f.uuid()}, big: big}
		a.runners = make([]*runner, n)
		for i := range a.runners {
			st := falpb.RunnerInfo_IDLE
			if big {
				st = f.pickState()
			}
			a.runners[i] = f.newRunner(a, st, f.age(), now)
		}
		acc.apps[env] = append(acc.apps[env], a)
		acc.byAlias[a.alias] = a
	}
	add(cfg.App, names.DefaultEnvironment, cfg.Runners, true)
	for i := 1; i < cfg.Apps; i++ {
		add(fmt.Sprintf("small-app-%d", i), names.DefaultEnvironment, cfg.SmallRunners, false)
	}
	for _, env := range acc.envs[1:] {
		add("small-app", env, cfg.SmallRunners, false)
	}
	return acc
}

func envName(i int) string {
	switch i {
	case 0:
		return names.DefaultEnvironment
	case 1:
		return "staging"
	case 2:
		return "dev"
	}
	return fmt.Sprintf("env-%d", i)
}

func (acc *account) hasEnv(env string) bool {
	for _, e := range acc.envs {
		if e == env {
			return true
		}
	}
	return false
}

func (acc *account) environments() []*falpb.EnvironmentInfo {
	out := make([]*falpb.EnvironmentInfo, len(acc.envs))
	for i, e := range acc.envs {
		desc := "synthetic environment " + e
		out[i] = &falpb.EnvironmentInfo{
			Name:        e,
			Description: &desc,
			IsDefault:   e == names.DefaultEnvironment,
			CreatedAt:   timestamppb.New(acc.created.Add(time.Duration(i) * time.Hour)),
		}
	}
	return out
}

func (acc *account) aliasInfo(a *app) *falpb.AliasInfo {
	live := 0
	for _, r := range a.runners {
		if r.state != falpb.RunnerInfo_TERMINATED {
			live++
		}
	}
	env := a.env
	buffer, timeout := int32(2), int32(600)
	return &falpb.AliasInfo{
		Alias:             a.alias,
		Revision:          a.revisions[0],
		AuthMode:          falpb.ApplicationAuthMode_PRIVATE,
		MaxConcurrency:    int32(max(len(a.runners)+len(a.runners)/10, 10)),
		MaxMultiplexing:   maxMultiplexing,
		KeepAlive:         int32(keepAlive / time.Second),
		ActiveRunners:     int32(live),
		MinConcurrency:    int32(len(a.runners) / 2),
		MachineTypes:      []string{"GPU-H100", "GPU-A100"},
		ValidRegions:      []string{"us-east", "eu-west"},
		ConcurrencyBuffer: &buffer,
		RequestTimeout:    &timeout,
		EnvironmentName:   &env,
	}
}

func (acc *account) revisionInfos(a *app) []*falpb.ApplicationInfo {
	out := make([]*falpb.ApplicationInfo, len(a.revisions))
	for i, rev := range a.revisions {
		env := a.env
		out[i] = &falpb.ApplicationInfo{
			ApplicationId:   rev,
			CreatedAt:       timestamppb.New(acc.created.Add(time.Duration(len(a.revisions)-i) * 24 * time.Hour)),
			MaxConcurrency:  int32(max(len(a.runners), 10)),
			MaxMultiplexing: maxMultiplexing,
			KeepAlive:       int32(keepAlive / time.Second),
			MachineTypes:    []string{"GPU-H100"},
			EnvironmentName: &env,
		}
	}
	return out
}

func (acc *account) secretInfos(env string) []*falpb.Secret {
	out := make([]*falpb.Secret, acc.secrets)
	for i := range out {
		e, exposed := env, i%2 == 0
		out[i] = &falpb.Secret{
			Name:            fmt.Sprintf("SYNTH_SECRET_%d", i+1),
			CreatedTime:     timestamppb.New(acc.created.Add(time.Duration(i) * time.Minute)),
			EnvironmentName: &e,
			DefaultExposed:  &exposed,
		}
	}
	return out
}
