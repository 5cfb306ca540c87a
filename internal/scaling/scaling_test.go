package scaling

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func base() Settings {
	return Settings{MinConcurrency: 0, MaxConcurrency: 2, MaxMultiplexing: 1, KeepAlive: 10}
}

func TestApplyChangesOnlySetFields(t *testing.T) {
	cur := base()
	cur.RequestTimeout = Int(30)
	cur.Regions = []string{"us-east"}
	got := Spec{MinConcurrency: Int(1), ConcurrencyBuffer: Int(2)}.Apply(cur)
	if got.MinConcurrency != 1 || *got.ConcurrencyBuffer != 2 {
		t.Fatalf("set fields not applied: %+v", got)
	}
	if got.MaxConcurrency != 2 || got.KeepAlive != 10 || *got.RequestTimeout != 30 || got.Regions[0] != "us-east" {
		t.Fatalf("unset fields changed: %+v", got)
	}
	// The result must not alias the spec's storage.
	spec := Spec{ScalingDelay: Int(5), MachineTypes: []string{"GPU-A100"}}
	out := spec.Apply(cur)
	*spec.ScalingDelay = 99
	spec.MachineTypes[0] = "x"
	if *out.ScalingDelay != 5 || out.MachineTypes[0] != "GPU-A100" {
		t.Fatal("Apply shares memory with the spec")
	}
	if !(Spec{}).IsEmpty() || spec.IsEmpty() {
		t.Fatal("IsEmpty is wrong")
	}
}

// A huge list is refused in one short message that gives the limit, not
// one message per entry.
func TestValidatePlacementsHugeList(t *testing.T) {
	list := make([]string, 100000)
	for i := range list {
		list[i] = "GPU\u0085" + strings.Repeat("x", 10)
	}
	err := Spec{MachineTypes: list}.Apply(base()).Validate()
	if err == nil || len(err.Error()) > 200 || !strings.Contains(err.Error(), fmt.Sprint(MaxPlacements)) {
		t.Fatalf("Validate = %.300v", err)
	}
	err = ValidatePlacements([]string{"ok", "a b", "\x1b[31m", strings.Repeat("x", 1000)})
	if err == nil || !strings.Contains(err.Error(), `"a b"`) || !strings.Contains(err.Error(), "2 more") || strings.Contains(err.Error(), "\x1b") {
		t.Fatalf("ValidatePlacements = %v", err)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		spec   Spec
		fields []string // fields the error must name; none = valid
	}{
		{"unchanged", Spec{}, nil},
		{"min up to max", Spec{MinConcurrency: Int(2)}, nil},
		{"min above max", Spec{MinConcurrency: Int(3)}, []string{"min_concurrency"}},
		{"negative min", Spec{MinConcurrency: Int(-1)}, []string{"min_concurrency"}},
		{"negative max", Spec{MaxConcurrency: Int(-1)}, []string{"max_concurrency"}},
		{"zero multiplexing", Spec{MaxMultiplexing: Int(0)}, []string{"max_multiplexing"}},
		{"percent over 100", Spec{ConcurrencyBufferPerc: Int(101)}, []string{"concurrency_buffer_perc"}},
		{"percent 100", Spec{ConcurrencyBufferPerc: Int(100)}, nil},
		{"negative keep alive", Spec{KeepAlive: Int(-5)}, []string{"keep_alive"}},
		{"huge max", Spec{MaxConcurrency: Int(MaxRunners + 1)}, []string{"max_concurrency"}},
		{"bad machine", Spec{MachineTypes: []string{"GPU A100"}}, []string{"machine_types"}},
		{"empty region", Spec{Regions: []string{""}}, []string{"valid_regions"}},
		{"two problems", Spec{KeepAlive: Int(-1), StartupTimeout: Int(-1)}, []string{"keep_alive", "startup_timeout"}},
		{"machine names", Spec{MachineTypes: []string{"GPU-H100", "cpu_2.large", "XS"}, Regions: []string{"us-east", "eu-west-1"}}, nil},
		{"C1 control in machine", Spec{MachineTypes: []string{"GPU\u0085A100"}}, []string{"machine_types"}},
		{"no-break space in region", Spec{Regions: []string{"us\u00a0east"}}, []string{"valid_regions"}},
		{"ideographic space", Spec{Regions: []string{"us\u3000east"}}, []string{"valid_regions"}},
		{"bidi override", Spec{MachineTypes: []string{"\u202eGPU"}}, []string{"machine_types"}},
		{"look-alike letter", Spec{MachineTypes: []string{"GPU-Н100"}}, []string{"machine_types"}},
		{"long name", Spec{Regions: []string{strings.Repeat("r", MaxPlacementLen+1)}}, []string{"valid_regions"}},
		{"most names", Spec{MachineTypes: slices.Repeat([]string{"M"}, MaxPlacements)}, nil},
		{"too many names", Spec{MachineTypes: slices.Repeat([]string{"M"}, MaxPlacements+1)}, []string{"machine_types"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.spec.Apply(base()).Validate()
			if len(c.fields) == 0 {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error")
			}
			for _, f := range c.fields {
				if !strings.Contains(err.Error(), f+":") {
					t.Errorf("error %q does not name %s", err, f)
				}
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Errorf("error is not a *FieldError: %T", err)
			}
		})
	}
}
