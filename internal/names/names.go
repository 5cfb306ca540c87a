// Package names holds fal's naming rules: which environment, app and secret
// names are valid, and how an app's alias carries its environment
// (`my-app--staging`). The client, the local controller and the TUI's forms
// all use these, so a name is judged the same way everywhere.
package names

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// DefaultEnvironment is fal's default environment. Its apps' aliases carry
// no suffix and it can never be deleted.
const DefaultEnvironment = "main"

// EnvSeparator joins an app name and its environment in a full alias.
const EnvSeparator = "--"

// Length limits. fal does not document its own; these are generous for
// people and small enough to keep a table column and an alias readable.
// Names are ASCII, so their limits are bytes; MaxDescriptionLen counts
// characters, as the dashboard's form does.
const (
	MaxEnvironmentLen = 32
	MaxAppLen         = 63
	MaxSecretLen      = 128
	MaxDescriptionLen = 256
)

// MaxSecretValue bounds a secret's value in bytes. Secrets become
// environment variables of every runner; Linux refuses to start a process
// with one variable over 128 KiB, and the whole environment block is
// limited too, so a large file belongs elsewhere.
const MaxSecretValue = 64 << 10

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
		// Not quoted back: a name of any length could be sent.
		return fmt.Errorf("%s name of %d characters is longer than %d", what, len(name), max)
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

// MaxUserLen bounds an account nickname.
const MaxUserLen = 64

// ValidateUser checks a local controller's account nickname (`faldash
// serve --user`): it is a segment of every endpoint URL and travels in
// header metadata, so it is 1 to MaxUserLen ASCII letters, digits, '-',
// '_' and '.', not starting with '.' (no "..").
func ValidateUser(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("user name is empty")
	case len(name) > MaxUserLen:
		return fmt.Errorf("user name of %d characters is longer than %d", len(name), MaxUserLen)
	case name[0] == '.':
		return fmt.Errorf("user name %q must not start with a dot", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("user name %q may hold only letters, digits, '-', '_' and '.', not %q", name, r)
		}
	}
	return nil
}

// ValidateSecret checks a secret name: it becomes an environment variable
// of every runner, so it must be a portable variable name (a letter or
// underscore, then letters, digits and underscores), at most MaxSecretLen,
// and not one the platform sets in every runner (see ReservedSecret), which
// would silently win over the secret. Lowercase is allowed, as fal allows
// it.
func ValidateSecret(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("secret name is empty")
	case len(name) > MaxSecretLen:
		return fmt.Errorf("secret name of %d characters is longer than %d", len(name), MaxSecretLen)
	}
	for i, r := range name {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_'
		if !letter && !(i > 0 && r >= '0' && r <= '9') {
			return fmt.Errorf("secret name %q must be an environment variable name: letters, digits and underscores, not starting with a digit", name)
		}
	}
	if why := ReservedSecret(name); why != "" {
		return fmt.Errorf("secret name %q is reserved: %s, which would silently win over the secret", name, why)
	}
	return nil
}

// ValidateSecretValue checks the value of secret name. The error names the
// secret and never holds the value.
func ValidateSecretValue(name, value string) error {
	switch {
	case len(value) > MaxSecretValue:
		return fmt.Errorf("value of secret %q is %d bytes, over the limit of %d", name, len(value), MaxSecretValue)
	case strings.IndexByte(value, 0) >= 0:
		// exec refuses an environment entry with a NUL byte, so every
		// runner of the environment would fail to start.
		return fmt.Errorf("value of secret %q holds a NUL byte, which no environment variable can carry", name)
	}
	return nil
}

// ReservedSecret says why name cannot be a secret's name, or "" when it
// can: every runner gets a variable of that name from the platform, so the
// secret would never be seen. Names are case-sensitive, as environment
// variables are.
func ReservedSecret(name string) string {
	switch {
	case name == "PORT":
		return "the local controller sets PORT in every runner to the port it must serve on"
	case IsPlatformVariable(name):
		return "fal sets it in every runner"
	case strings.HasPrefix(name, "FAL_"):
		return "fal sets FAL_ variables in every runner"
	}
	return ""
}

// ValidateDescription checks an environment's description: at most
// MaxDescriptionLen characters of text that is safe to draw (see
// ValidateText).
func ValidateDescription(d string) error {
	if n := utf8.RuneCountInString(d); n > MaxDescriptionLen {
		return fmt.Errorf("description is %d characters long, over the limit of %d", n, MaxDescriptionLen)
	}
	return ValidateText("description", d)
}

// ValidateText checks free text the controller keeps and dashboards draw:
// valid UTF-8 without control characters (C0, DEL and C1), bidi
// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069: they
// reorder the text drawn after them, so a line can read differently from
// what it holds), or the line and paragraph separators U+2028 and U+2029
// (a line break to some renderers). The implicit marks U+200E, U+200F and
// U+061C stay allowed: they only set the direction of the neutral
// characters next to them, cannot reorder text past them, and right-to-left
// writers need them. what names the text in the error, which quotes the
// character by its code point, never raw.
func ValidateText(what, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", what)
	}
	for _, r := range s {
		if kind := unsafeRune(r); kind != "" {
			return fmt.Errorf("%s may not hold %U (%s)", what, r, kind)
		}
	}
	return nil
}

// unsafeRune names the kind of r when ValidateText refuses it, else "".
func unsafeRune(r rune) string {
	switch {
	case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f:
		return "a control character"
	case r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
		return "a bidi control, which reorders the text after it"
	case r == 0x2028 || r == 0x2029:
		return "a line or paragraph separator"
	}
	return ""
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
