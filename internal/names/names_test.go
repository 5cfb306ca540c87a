package names

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAlias(t *testing.T) {
	cases := []struct{ app, env, alias string }{
		{"my-app", "", "my-app"},
		{"my-app", "main", "my-app"},
		{"my-app", "staging", "my-app--staging"},
		{"a", "dev-2", "a--dev-2"},
	}
	for _, c := range cases {
		if got := Alias(c.app, c.env); got != c.alias {
			t.Errorf("Alias(%q, %q) = %q, want %q", c.app, c.env, got, c.alias)
		}
		if got := SplitAlias(c.alias, c.env); got != c.app {
			t.Errorf("SplitAlias(%q, %q) = %q, want %q", c.alias, c.env, got, c.app)
		}
	}
	// The bare name with an environment is accepted as the bare name.
	if got := SplitAlias("my-app", "staging"); got != "my-app" {
		t.Errorf("SplitAlias(bare) = %q", got)
	}
	// A suffix naming another environment is not stripped.
	if got := SplitAlias("my-app--dev", "staging"); got != "my-app--dev" {
		t.Errorf("SplitAlias(other env) = %q", got)
	}
	if got := EndpointURL("u", "my-app", "staging"); got != "https://fal.run/u/my-app--staging" {
		t.Errorf("EndpointURL = %q", got)
	}
}

// wantValid wants validate, named name, to accept every one of ok and
// refuse every one of bad.
func wantValid(t *testing.T, name string, validate func(string) error, ok, bad []string) {
	t.Helper()
	for _, n := range ok {
		if err := validate(n); err != nil {
			t.Errorf("%s(%q) = %v, want nil", name, n, err)
		}
	}
	for _, n := range bad {
		if err := validate(n); err == nil {
			t.Errorf("%s(%q) = nil, want an error", name, n)
		}
	}
}

func TestValidateEnvironment(t *testing.T) {
	ok := []string{"main", "staging", "dev-2", "a", "a1-b2-c3", strings.Repeat("a", MaxEnvironmentLen)}
	bad := []string{"", "Main", "2dev", "-dev", "dev-", "dev--x", "dev_x", "dev x", "dév",
		strings.Repeat("a", MaxEnvironmentLen+1), "dev\x1b[31m"}
	wantValid(t, "ValidateEnvironment", ValidateEnvironment, ok, bad)
	if err := ValidateApp(strings.Repeat("a", MaxAppLen)); err != nil {
		t.Errorf("ValidateApp(max len) = %v", err)
	}
	if err := ValidateApp("my-app--staging"); err == nil {
		t.Error("ValidateApp accepted a full alias")
	}
}

func TestValidateSecret(t *testing.T) {
	ok := []string{"HF_TOKEN", "_X", "api_key", "A1", "fal_key", "PORTS", "MY_FAL_KEY", "HF_HOME_2"}
	bad := []string{"", "1A", "A-B", "A B", "FAL_KEY", "HF_HOME", "É", strings.Repeat("A", MaxSecretLen+1),
		"PORT", "FAL_", "FAL_ANYTHING", "FAL_RUNNER_STATE"}
	wantValid(t, "ValidateSecret", ValidateSecret, ok, bad)
}

func TestValidateSecretReservedNamesItself(t *testing.T) {
	for _, n := range []string{"PORT", "FAL_KEY", "FAL_NEW_THING", "HF_HOME"} {
		err := ValidateSecret(n)
		if err == nil || !strings.Contains(err.Error(), `"`+n+`"`) || !strings.Contains(err.Error(), "reserved") {
			t.Errorf("ValidateSecret(%q) = %v, want a reserved-name error naming it", n, err)
		}
	}
}

func TestValidateSecretValue(t *testing.T) {
	if err := ValidateSecretValue("TOKEN", strings.Repeat("x", MaxSecretValue)); err != nil {
		t.Errorf("a value at the limit: %v", err)
	}
	for _, v := range []string{"top\x00secret", strings.Repeat("s", MaxSecretValue+1)} {
		err := ValidateSecretValue("TOKEN", v)
		if err == nil {
			t.Errorf("ValidateSecretValue(%d bytes) = nil", len(v))
			continue
		}
		if !strings.Contains(err.Error(), `"TOKEN"`) {
			t.Errorf("the error does not name the secret: %v", err)
		}
		if strings.Contains(err.Error(), "top") || strings.Contains(err.Error(), "sss") {
			t.Errorf("the error holds the value: %v", err)
		}
	}
}

func TestValidateDescription(t *testing.T) {
	ok := []string{"", "Pre-production, mirrors main", "ステージング環境", strings.Repeat("é", MaxDescriptionLen),
		"עברית \u200f(RTL)", "emoji 👩\u200d💻"}
	for _, d := range ok {
		if err := ValidateDescription(d); err != nil {
			t.Errorf("ValidateDescription(%q) = %v", d, err)
		}
	}
	bad := []string{strings.Repeat("x", MaxDescriptionLen+1), "a\nb", "\x1b[2J", "a\tb", "del\x7f",
		"c1 \u0085 next line", "csi \u009b31m", "\u202eevil", "\u202aembed", "\u2066isolate", "\u2069", "line\u2028sep", "\xff"}
	for _, d := range bad {
		err := ValidateDescription(d)
		if err == nil {
			t.Errorf("ValidateDescription(%q) = nil", d)
			continue
		}
		for _, r := range err.Error() {
			if unsafeRune(r) != "" {
				t.Errorf("the error for %q echoes %U raw: %q", d, r, err)
			}
		}
	}
}

// A valid name must be safe to put in an alias, a URL path and a table
// cell, and Alias/SplitAlias must round-trip it.
func FuzzValidateEnvironment(f *testing.F) {
	for _, s := range []string{"main", "staging", "a--b", "-", "A", "x\x00", "dév"} {
		f.Add(s, "my-app")
	}
	f.Fuzz(func(t *testing.T, env, app string) {
		if ValidateEnvironment(env) != nil {
			return
		}
		if env == "" || len(env) > MaxEnvironmentLen || strings.Contains(env, "--") ||
			strings.HasPrefix(env, "-") || strings.HasSuffix(env, "-") {
			t.Fatalf("accepted %q", env)
		}
		for _, r := range env {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Fatalf("accepted %q with %q", env, r)
			}
		}
		if ValidateApp(app) == nil {
			if got := SplitAlias(Alias(app, env), env); got != app {
				t.Fatalf("SplitAlias(Alias(%q, %q)) = %q", app, env, got)
			}
		}
	})
}

func FuzzValidateSecret(f *testing.F) {
	for _, s := range []string{"HF_TOKEN", "1A", "FAL_KEY", "a b", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if ValidateSecret(name) != nil {
			return
		}
		if !utf8.ValidString(name) || name == "" || len(name) > MaxSecretLen || IsPlatformVariable(name) {
			t.Fatalf("accepted %q", name)
		}
		if strings.ContainsAny(name, "=\x00 -") || name[0] >= '0' && name[0] <= '9' {
			t.Fatalf("accepted %q", name)
		}
	})
}

func TestValidateUser(t *testing.T) {
	for _, ok := range []string{"local", "alice", "Team_1", "a.b-c", strings.Repeat("u", MaxUserLen)} {
		if err := ValidateUser(ok); err != nil {
			t.Errorf("ValidateUser(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a b", "a/b", "é", "a\x1b[31m", "a\n", strings.Repeat("u", MaxUserLen+1)} {
		if err := ValidateUser(bad); err == nil {
			t.Errorf("ValidateUser(%q) accepted", bad)
		}
	}
}
