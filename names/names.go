// Package names holds fal's naming rules: which environment, app and secret
// names are valid, and how an app's alias carries its environment
// (`my-app--staging`). The client, the local controller and the TUI's forms
// all use these, so a name is judged the same way everywhere.
package names

import (
	"fmt"
	"strings"
)

// DefaultEnvironment is fal's default environment. Its apps' aliases carry
// no suffix and it can never be deleted.
const DefaultEnvironment = "main"

// EnvSeparator joins an app name and its environment in a full alias.
const EnvSeparator = "--"

// Length limits. fal does not document its own; these are generous for
// people and small enough to keep a table column and an alias readable.
const (
	MaxEnvironmentLen = 32
	MaxAppLen         = 63
	MaxSecretLen      = 128
	MaxDescriptionLen = 256
)

// Env returns the environment an empty name means: fal treats an unset
// environment_name as main.
func Env(name string) string {
	if name == "" {
		return DefaultEnvironment
	}
	return name
}

// IsDefault reports whether env (empty meaning main) is the default one.
func IsDefault(env string) bool { return Env(env) == DefaultEnvironment }

// Alias returns the full alias of app in env: the bare name in main,
// `app--env` elsewhere.
func Alias(app, env string) string {
	if IsDefault(env) {
		return app
	}
	return app + EnvSeparator + env
}

// SplitAlias undoes Alias for an alias seen in env: it strips a `--env`
// suffix that names env and returns the bare app name. An alias without the
// suffix is taken as the bare name (fal's SDK accepts both).
func SplitAlias(alias, env string) string {
	if IsDefault(env) {
		return alias
	}
	if bare, ok := strings.CutSuffix(alias, EnvSeparator+env); ok && bare != "" {
		return bare
	}
	return alias
}

// EndpointURL is the public URL of app in env for user on fal cloud.
func EndpointURL(user, app, env string) string {
	return "https://fal.run/" + user + "/" + Alias(app, env)
}

// ValidateEnvironment checks an environment name: 1 to MaxEnvironmentLen
// lowercase letters, digits and single hyphens, starting with a letter and
// not ending with a hyphen. A double hyphen is refused because it would make
// `app--env` aliases ambiguous.
func ValidateEnvironment(name string) error {
	return validateSlug("environment", name, MaxEnvironmentLen)
}

// ValidateApp checks an app name with the environment rules and a longer
// limit; it may not contain `--` either, since that separates the
// environment in an alias.
func ValidateApp(name string) error {
	return validateSlug("app", name, MaxAppLen)
}

func validateSlug(what, name string, max int) error {
	switch {
	case name == "":
		return fmt.Errorf("%s name is empty", what)
	case len(name) > max:
		return fmt.Errorf("%s name %q is longer than %d characters", what, name, max)
	case strings.Contains(name, "--"):
		return fmt.Errorf("%s name %q contains \"--\", which separates the environment in an alias", what, name)
	case name[0] < 'a' || name[0] > 'z':
		return fmt.Errorf("%s name %q must start with a lowercase letter", what, name)
	case name[len(name)-1] == '-':
		return fmt.Errorf("%s name %q must not end with a hyphen", what, name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("%s name %q may hold only lowercase letters, digits and hyphens, not %q", what, name, r)
		}
	}
	return nil
}

// ValidateSecret checks a secret name: it becomes an environment variable
// of every runner, so it must be a portable variable name (a letter or
// underscore, then letters, digits and underscores), at most MaxSecretLen.
// Lowercase is allowed, as fal allows it.
func ValidateSecret(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("secret name is empty")
	case len(name) > MaxSecretLen:
		return fmt.Errorf("secret name %q is longer than %d characters", name, MaxSecretLen)
	}
	for i, r := range name {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_'
		if !letter && !(i > 0 && r >= '0' && r <= '9') {
			return fmt.Errorf("secret name %q must be an environment variable name: letters, digits and underscores, not starting with a digit", name)
		}
	}
	if IsPlatformVariable(name) {
		return fmt.Errorf("secret name %q is reserved: fal sets it in every runner", name)
	}
	return nil
}

// ValidateDescription bounds an environment's description.
func ValidateDescription(d string) error {
	if len(d) > MaxDescriptionLen {
		return fmt.Errorf("description is longer than %d characters", MaxDescriptionLen)
	}
	for _, r := range d {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("description may not hold control characters")
		}
	}
	return nil
}

// PlatformVariables are the variables fal injects into every runner
// process. A secret of the same name would shadow them, so it is refused.
var PlatformVariables = []string{
	"FAL_KEY", "FAL_APP_NAME", "FAL_APP_ID", "FAL_USER_NICKNAME",
	"FAL_JOB_ID", "FAL_HOST", "FAL_RUNNER_STATE", "HF_HOME",
}

// IsPlatformVariable reports whether name is one of PlatformVariables.
func IsPlatformVariable(name string) bool {
	for _, v := range PlatformVariables {
		if v == name {
			return true
		}
	}
	return false
}
