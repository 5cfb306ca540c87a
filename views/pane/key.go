package pane

import (
	"fmt"

	"github.com/faldash/faldash/client"
)

// Kind is what a pane shows.
type Kind int

const (
	Environments Kind = iota
	Apps              // of an environment
	Runners           // of an app
	Secrets           // of an environment
	Runner            // one runner's detail
)

func (k Kind) String() string {
	switch k {
	case Environments:
		return "environments"
	case Apps:
		return "apps"
	case Runners:
		return "runners"
	case Secrets:
		return "secrets"
	case Runner:
		return "runner"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Scope is what a pane is of. Only the fields its Kind needs are set, so
// that Keys compare equal exactly when they name the same pane. Names are
// the server's raw names: they identify, they are never drawn as they are.
type Scope struct {
	Env    string
	App    string
	Runner client.RunnerID
}

// Key names one pane: the cache of panes and the origin of every fetch are
// keyed by it.
type Key struct {
	Kind  Kind
	Scope Scope
}

// EnvironmentsKey is the list of environments.
func EnvironmentsKey() Key { return Key{Kind: Environments} }

// AppsKey is the list of apps of env.
func AppsKey(env string) Key { return Key{Kind: Apps, Scope: Scope{Env: env}} }

// RunnersKey is the list of runners of app in env.
func RunnersKey(env, app string) Key {
	return Key{Kind: Runners, Scope: Scope{Env: env, App: app}}
}

// SecretsKey is the list of secrets of env.
func SecretsKey(env string) Key { return Key{Kind: Secrets, Scope: Scope{Env: env}} }

// RunnerKey is the detail of one runner of app in env.
func RunnerKey(env, app string, id client.RunnerID) Key {
	return Key{Kind: Runner, Scope: Scope{Env: env, App: app, Runner: id}}
}

// Parent is the pane one level up, where Esc goes when there is no
// history: runner → runners → apps → environments, secrets → environments.
func (k Key) Parent() (Key, bool) {
	switch k.Kind {
	case Runner:
		return RunnersKey(k.Scope.Env, k.Scope.App), true
	case Runners:
		return AppsKey(k.Scope.Env), true
	case Apps, Secrets:
		return EnvironmentsKey(), true
	}
	return Key{}, false
}

// Origin says which request of which pane an answer belongs to. Gen grows
// with every request the root makes, so an answer is current only if its
// Origin equals the one of the request the root is waiting for.
type Origin struct {
	Key Key
	Gen uint64
}
