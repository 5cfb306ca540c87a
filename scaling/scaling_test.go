package scaling

import (
	"errors"
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
