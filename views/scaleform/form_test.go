package scaleform

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/pane"
)

func app() client.App {
	return client.App{Name: "api", Env: "dev", Scaling: scaling.Settings{
		MinConcurrency: 1, MaxConcurrency: 4, MaxMultiplexing: 2, KeepAlive: 60,
		ConcurrencyBuffer: scaling.Int(1), StartupTimeout: scaling.Int(600),
		MachineTypes: []string{"GPU-A100"},
	}}
}

func form(t *testing.T) (*Form, *fakeclient.Client) {
	t.Helper()
	now := panetest.Now
	fc := fakeclient.New(client.Target{})
	fc.SetApps("dev", app())
	return New(panetest.Deps(fc, &now), "dev", app()), fc
}

// set replaces the text of field i.
func set(f *Form, i int, text string) {
	f.focus = i
	f.Update(tea.KeyMsg{Type: tea.KeyEnd})
	f.Update(tea.KeyMsg{Type: tea.KeyCtrlU})
	for _, r := range text {
		f.Update(uitest.Key(string(r)))
	}
}

func index(name string) int {
	return slices.IndexFunc(defs, func(d def) bool { return d.name == name })
}

func TestPrefilledAndUnchanged(t *testing.T) {
	f, _ := form(t)
	for name, want := range map[string]string{
		"min_concurrency": "1", "max_concurrency": "4", "max_multiplexing": "2", "keep_alive": "60",
		"concurrency_buffer": "1", "concurrency_buffer_perc": "", "startup_timeout": "600", "machine_types": "GPU-A100",
	} {
		if got := f.fields[index(name)].Ed.Value(); got != want {
			t.Errorf("%s prefilled with %q, want %q", name, got, want)
		}
	}
	if !f.Spec().IsEmpty() || f.invalid {
		t.Errorf("an untouched form changes %v (invalid %v)", f.Changes(), f.invalid)
	}
	for _, name := range []string{"max_multiplexing", "startup_timeout", "machine_types"} {
		if f.fields[index(name)].Mark == "" {
			t.Errorf("%s is not marked as reset on deploy", name)
		}
	}
	if f.fields[index("min_concurrency")].Mark != "" {
		t.Error("min_concurrency is marked as reset on deploy")
	}
}

func TestOnlyChangedFieldsAreSent(t *testing.T) {
	f, _ := form(t)
	set(f, index("max_concurrency"), "8")
	set(f, index("concurrency_buffer_perc"), "25")
	set(f, index("machine_types"), "GPU-A100, GPU-H100 ")
	set(f, index("keep_alive"), "60") // retyped, same value
	sp := f.Spec()
	if sp.MaxConcurrency == nil || *sp.MaxConcurrency != 8 || sp.ConcurrencyBufferPerc == nil || *sp.ConcurrencyBufferPerc != 25 ||
		!slices.Equal(sp.MachineTypes, []string{"GPU-A100", "GPU-H100"}) {
		t.Errorf("spec %+v", sp)
	}
	if sp.MinConcurrency != nil || sp.KeepAlive != nil || sp.ConcurrencyBuffer != nil || sp.Regions != nil || sp.StartupTimeout != nil {
		t.Errorf("spec sets unchanged fields: %+v", sp)
	}
	if got := f.Changes(); !slices.Equal(got, []string{"max_concurrency", "concurrency_buffer_perc", "machine_types"}) {
		t.Errorf("changes %v", got)
	}
	v := f.View()
	for _, want := range []string{"4 → 8", "- → 25", "GPU-A100 → GPU-A100,GPU-H100"} {
		if !strings.Contains(v, want) {
			t.Errorf("diff lacks %q:\n%s", want, v)
		}
	}
}

func TestFieldErrors(t *testing.T) {
	for _, tc := range []struct {
		field, text, want string
	}{
		{"min_concurrency", "", "required"},
		{"min_concurrency", "two", `"two" is not a whole number`},
		{"min_concurrency", "9", "above max_concurrency"},
		{"max_multiplexing", "0", "between 1 and"},
		{"concurrency_buffer_perc", "150", "between 0 and 100"},
		{"concurrency_buffer", "", "fal can't unset it"},
		{"keep_alive", "-5", "between 0 and"},
		{"machine_types", "", "fal can't clear this list"},
	} {
		f, fc := form(t)
		set(f, index(tc.field), tc.text)
		if got := f.fields[index(tc.field)].Err; !strings.Contains(got, tc.want) {
			t.Errorf("%s = %q: error %q, want %q", tc.field, tc.text, got, tc.want)
		}
		if cmd := f.Update(uitest.Key("enter")); cmd != nil || len(fc.Calls()) != 0 {
			t.Errorf("%s = %q: enter sent something", tc.field, tc.text)
		}
	}
}

func TestSubmitAndAnswers(t *testing.T) {
	f, fc := form(t)
	set(f, index("min_concurrency"), "2")
	msgs := panetest.Msgs(f.Update(uitest.Key("enter")))
	if len(msgs) != 1 {
		t.Fatalf("enter gave %#v", msgs)
	}
	task := msgs[0].(pane.Task)
	fc.Fail("UpdateApp", errors.New("quota exceeded"))
	refused := task.Run(context.Background())
	fc.Fail("UpdateApp", nil)
	out := task.Run(context.Background())
	call := fc.CallsTo("UpdateApp")[0]
	if call.App != "api" || call.Env != "dev" || *call.Spec.MinConcurrency != 2 || call.Spec.MaxConcurrency != nil {
		t.Errorf("UpdateApp %+v", call)
	}
	if f.Update(uitest.Key("x")); f.fields[index("min_concurrency")].Ed.Value() != "2" {
		t.Error("a key edited the form while it was applying")
	}

	if cmd := f.Update(refused.Reply); cmd != nil {
		t.Error("a refusal closed the form")
	}
	if !strings.Contains(f.View(), "quota exceeded") {
		t.Errorf("the refusal is not shown:\n%s", f.View())
	}
	msgs = panetest.Msgs(f.Update(out.Reply))
	if len(msgs) != 1 || msgs[0] != (pane.CloseModal{}) {
		t.Errorf("a good answer gave %#v", msgs)
	}
	if msgs := panetest.Msgs(f.Update(tea.KeyMsg{Type: tea.KeyEsc})); len(msgs) != 1 || msgs[0] != (pane.CloseModal{}) {
		t.Errorf("esc gave %#v", msgs)
	}
}
