package tui

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
)

const secretValue = "hf_s3cr3t-VALUE"

func TestSetSecret(t *testing.T) {
	var log bytes.Buffer
	h := started(t, seeded(), Config{Env: "staging", Debug: &log})
	h.key("4", "n")
	h.typeText("NEW_TOKEN")
	h.key("enter") // to the value
	h.typeText(secretValue)
	h.viewContains(strings.Repeat("•", len(secretValue)))
	h.viewLacks(secretValue)
	if find(reflect.ValueOf(h.m), secretValue) == "" {
		t.Fatal("find does not see the value in the form's editor: it would miss it later too")
	}
	h.key("enter")

	call := called(t, h.fc, "SetSecret", 1)[0]
	if call.Env != "staging" || call.App != "NEW_TOKEN" || call.ValueDigest != fakeclient.Digest(secretValue) {
		t.Fatalf("SetSecret %+v, want NEW_TOKEN in staging with the value typed", call)
	}
	if h.modalOpen() {
		t.Fatal("form open after the secret was set")
	}
	h.viewContains("✓ set secret NEW_TOKEN in staging", "NEW_TOKEN")
	h.viewLacks(secretValue)
	if strings.Contains(log.String(), secretValue) || strings.Contains(log.String(), "hf_") {
		t.Errorf("the debug log holds the value:\n%s", log.String())
	}
	if !strings.Contains(log.String(), "key (hidden: typed into a secret value)") || !strings.Contains(log.String(), "key N") {
		t.Errorf("the debug log lacks the masked and the plain keys:\n%s", log.String())
	}
	if path := find(reflect.ValueOf(h.m), secretValue); path != "" {
		t.Errorf("the model still holds the value at %s", path)
	}
}

func TestSetSecretNotExposedByDefault(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("4", "n")
	h.typeText("NEW_TOKEN")
	h.key("enter") // to the value
	h.typeText("v")
	h.viewContains("tab next field")
	h.viewLacks("other field")
	h.key("tab") // to the option
	h.viewContains("[ ] not exposed by default", "Every runner of an app in staging receives it.")
	h.key(" ")
	h.viewContains("[x] not exposed by default", "No runner receives it: only apps that list it in their secrets")
	h.viewLacks("Every runner")
	h.key("enter")
	call := called(t, h.fc, "SetSecret", 1)[0]
	if call.Exposed == nil || *call.Exposed {
		t.Fatalf("SetSecret sent exposed %v, want false", call.Exposed)
	}
}

// The box shows the exposure the secret will have, and it is sent as
// shown, as fal's CLI does: leaving it to the controller would leave a new
// secret to fal's account default, which the form cannot show.
func TestSetSecretSendsTheExposureShown(t *testing.T) {
	for _, tc := range []struct {
		name    string
		exposed bool
	}{
		{"NEW_TOKEN", true}, // new: exposed
		{"HF_TOKEN", true},  // exposed now
		{"DB_URL", false},   // not exposed now: overwriting keeps it so
	} {
		h := started(t, seeded(), Config{Env: "staging"})
		h.key("4", "n")
		h.typeText(tc.name)
		box := "[x] not exposed by default"
		if tc.exposed {
			box = "[ ] not exposed by default"
		}
		h.viewContains(box)
		h.key("enter")
		h.typeText("v")
		h.key("enter")
		if h.modalOpen() {
			h.key("y") // overwrite
		}
		call := called(t, h.fc, "SetSecret", 1)[0]
		if call.Exposed == nil || *call.Exposed != tc.exposed {
			t.Errorf("%s: SetSecret sent exposed %v, want %v", tc.name, call.Exposed, tc.exposed)
		}
	}
}

func TestSetSecretOnFalCloudSaysWhoReceivesIt(t *testing.T) {
	fc := fakeclient.New(client.Target{Kind: client.TargetCloud, Addr: "api.alpha.fal.ai:443", User: "alice"})
	envs, _ := seeded().ListEnvironments(t.Context())
	fc.SetEnvironments(envs...)
	h := started(t, fc, Config{Env: "staging"})
	h.key("4", "n")
	h.viewContains("Every runner of an app in staging receives it, unless the app")
	h.key("tab", "tab", " ")
	h.viewContains("Only runners of apps in staging that list it in")
}

func TestSetSecretPutsTheCursorOnIt(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("4") // the cursor on HF_TOKEN, the first row
	h.key("n")
	h.typeText("AAA_TOKEN")
	h.key("enter")
	h.typeText("v")
	h.key("enter")
	h.settle()
	h.viewContains("▌+ AAA_TOKEN")
	h.viewLacks("▌  HF_TOKEN")
}

func TestSetSecretOverwriteAsksFirst(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("4", "n")
	h.typeText("HF_TOKEN")
	h.viewContains("exists in staging: setting it overwrites it")
	h.key("tab")
	h.typeText(secretValue)
	h.key("enter")
	h.viewContains("HF_TOKEN exists in staging: overwrite its value?")
	h.key("n")
	called(t, h.fc, "SetSecret", 0)
	if !h.modalOpen() {
		t.Fatal("n closed the form: the value typed would be lost")
	}
	h.key("enter", "y")
	call := called(t, h.fc, "SetSecret", 1)[0]
	if call.App != "HF_TOKEN" || call.ValueDigest != fakeclient.Digest(secretValue) {
		t.Errorf("SetSecret %+v", call)
	}
}

func TestSetSecretRefusedStaysOpenWithoutTheValue(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.fc.Fail("SetSecret", &client.Error{Kind: client.PermissionDenied, Op: "set secret", Msg: "key may not write secrets"})
	h.key("4", "n")
	h.typeText("NEW_TOKEN")
	h.key("tab")
	h.typeText(secretValue)
	h.key("enter")
	called(t, h.fc, "SetSecret", 1)
	if !h.modalOpen() {
		t.Fatal("form closed on a refusal")
	}
	h.viewContains("key may not write secrets", "type the value again")
	if path := find(reflect.ValueOf(h.m), secretValue); path != "" {
		t.Errorf("the model still holds the value at %s", path)
	}
	// The name is kept: typing the value again and Enter retries.
	h.typeText("again")
	h.key("enter")
	called(t, h.fc, "SetSecret", 2)
}

func TestSecretNameChecked(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("4", "n")
	h.typeText("FAL_KEY")
	h.viewContains("is reserved: fal sets it in every runner")
	h.key("tab")
	h.typeText("v")
	h.key("enter")
	called(t, h.fc, "SetSecret", 0)
}

func TestUnsetSecret(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("4") // HF_TOKEN, then DB_URL
	h.key("d")
	h.viewContains("Unset secret HF_TOKEN in staging?")
	h.key("enter", "x") // neither answers
	h.key("n")
	called(t, h.fc, "UnsetSecret", 0)
	if h.modalOpen() {
		t.Fatal("n left the question open")
	}
	h.key("down", "d", "y")
	call := called(t, h.fc, "UnsetSecret", 1)[0]
	if call.Env != "staging" || call.App != "DB_URL" {
		t.Errorf("UnsetSecret %+v", call)
	}
	h.viewContains("✓ unset secret DB_URL in staging", "1 secret")
}

func TestRunnerEnvironment(t *testing.T) {
	cloud := seeded()
	h := started(t, cloud, Config{Env: "staging"})
	h.key("e") // on my-app
	h.viewContains("What a runner of my-app--staging receives",
		"FAL_KEY             ••••••••",
		"FAL_APP_NAME        local/my-app--staging",
		"FAL_APP_ID          a1b2c3d4-0000-4000-8000-000000000002",
		"FAL_USER_NICKNAME   local",
		"FAL_JOB_ID          <runner id>",
		"FAL_HOST            127.0.0.1:7070",
		"FAL_RUNNER_STATE    SETUP → RUNNING → TERMINATING",
		"HF_HOME",
		"Exposed by default: every runner of an app receives these.",
		"HF_TOKEN            ••••••••",
		"Not exposed by default: no runner receives these",
		"DB_URL              not received")
	if v := h.view(); strings.Index(v, "HF_TOKEN ") > strings.Index(v, "Not exposed by default") {
		t.Errorf("the exposed secret is listed with the others:\n%s", v)
	}
	called(t, h.fc, "ListSecrets", 1)
	h.key("esc")
	if h.modalOpen() {
		t.Fatal("esc left the view open")
	}

	// From the secrets, for any app of the environment.
	h.key("4", "e")
	h.viewContains("What a runner of an app in staging receives", "FAL_APP_NAME        local/<app>--staging", "HF_TOKEN")

	// On fal cloud the account's nickname and the API host.
	fc := fakeclient.New(client.Target{Kind: client.TargetCloud, Addr: "api.alpha.fal.ai:443", User: "alice"})
	envs, _ := cloud.ListEnvironments(t.Context())
	fc.SetEnvironments(envs...)
	apps, _ := cloud.ListApps(t.Context(), "main")
	fc.SetApps("main", apps...)
	h = newHarness(t, fc, Config{Env: "main"})
	h.settle()
	h.key("e")
	h.viewContains("FAL_APP_NAME        alice/my-app ", "FAL_HOST            api.alpha.fal.ai:443", "FAL_USER_NICKNAME   alice", "none")
	h.viewLacks("PORT")
}

// find returns the path at which v holds s (as a string or as runes), or
// "". It reads unexported fields too, and follows pointers, interfaces,
// slices and maps, but not functions: what a command's closure holds is
// not the model's.
func find(v reflect.Value, s string) string {
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value, path string) string
	walk = func(v reflect.Value, path string) string {
		switch v.Kind() {
		case reflect.String:
			if strings.Contains(v.String(), s) {
				return path
			}
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return ""
			}
			if v.Kind() == reflect.Pointer {
				if seen[v.Pointer()] {
					return ""
				}
				seen[v.Pointer()] = true
			}
			return walk(v.Elem(), path)
		case reflect.Struct:
			for i := range v.NumField() {
				if p := walk(v.Field(i), path+"."+v.Type().Field(i).Name); p != "" {
					return p
				}
			}
		case reflect.Slice, reflect.Array:
			if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Int32 {
				// Runes, up to the capacity: an editor's spare room counts.
				full := v.Slice(0, v.Cap())
				rs := make([]rune, full.Len())
				for i := range rs {
					rs[i] = rune(full.Index(i).Int())
				}
				if strings.Contains(string(rs), s) {
					return path
				}
				return ""
			}
			for i := range v.Len() {
				if p := walk(v.Index(i), path+"[]"); p != "" {
					return p
				}
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				if p := walk(it.Key(), path+"{k}"); p != "" {
					return p
				}
				if p := walk(it.Value(), path+"{}"); p != "" {
					return p
				}
			}
		}
		return ""
	}
	return walk(v, "m")
}
