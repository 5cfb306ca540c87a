package server

import (
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/server/store"
)

// FuzzUpdateApplication sends UpdateApplication with any mix of set
// fields and values. Every answer is either a refusal (INVALID_ARGUMENT or
// NOT_FOUND) that changed nothing, or OK with settings that are valid, that
// the store holds, and in which every unset field kept its value.
func FuzzUpdateApplication(f *testing.F) {
	h := start(f)
	createEnv(f, h, "staging")
	h.deploy("main", "my-app", nil)
	h.deploy("staging", "my-app", &falpb.MachineRequirements{MaxConcurrency: i32p(5)})

	f.Add("my-app", uint16(0), int32(0), int32(0), int32(0), int32(0), int32(0), int32(0), int32(0), int32(0), int32(0), "", "")
	f.Add("my-app--staging", uint16(0b11), int32(3), int32(2), int32(0), int32(0), int32(0), int32(0), int32(0), int32(0), int32(0), "GPU", "us,eu")
	f.Add("my-app", uint16(0x1ff), int32(-1), int32(1<<30), int32(0), int32(5), int32(101), int32(0), int32(-3), int32(7), int32(8), "a b", ",")
	f.Add("my-app", uint16(0b100), int32(0), int32(0), int32(0), int32(0), int32(0), int32(0), int32(0), int32(0), int32(0), "", "")
	f.Add("no-app", uint16(1), int32(1), int32(0), int32(0), int32(0), int32(0), int32(0), int32(0), int32(0), int32(0), "", "")
	f.Add("Bad--x", uint16(1), int32(1), int32(0), int32(0), int32(0), int32(0), int32(0), int32(0), int32(0), int32(0), "", "")

	f.Fuzz(func(t *testing.T, app string, set uint16, minC, maxC, mux, keep, buf, perc, delay, reqT, startT int32, machines, regions string) {
		if !utf8.ValidString(app) || !utf8.ValidString(machines) || !utf8.ValidString(regions) {
			t.Skip("proto strings are UTF-8; the client refuses to send others")
		}
		req := &falpb.UpdateApplicationRequest{ApplicationName: app}
		if set&(1<<9) != 0 {
			req.EnvironmentName = ptr("staging")
		}
		fields := []struct {
			dst **int32
			v   int32
		}{
			{&req.MinConcurrency, minC}, {&req.MaxConcurrency, maxC}, {&req.MaxMultiplexing, mux},
			{&req.KeepAlive, keep}, {&req.ConcurrencyBuffer, buf}, {&req.ConcurrencyBufferPerc, perc},
			{&req.ScalingDelaySeconds, delay}, {&req.RequestTimeout, reqT}, {&req.StartupTimeout, startT},
		}
		for i, fl := range fields {
			if set&(1<<i) != 0 {
				*fl.dst = i32p(fl.v)
			}
		}
		if machines != "" {
			req.MachineTypes = strings.Split(machines, ",")
		}
		if regions != "" {
			req.ValidRegions = strings.Split(regions, ",")
		}

		id, secret := h.ctl.AdminKey()
		ctx := withKey(t.Context(), id, secret)
		before := map[store.AppRef]store.Alias{}
		for _, env := range []string{"main", "staging"} {
			ref := store.AppRef{Env: env, App: "my-app"}
			before[ref] = must(h.ctl.st.Alias(ctx, ref)).get(t)
		}
		res, err := h.cl.UpdateApplication(ctx, req)
		if err != nil {
			if c := status.Code(err); c != codes.InvalidArgument && c != codes.NotFound {
				t.Fatalf("refused with %v: %v", c, err)
			}
			for ref, a := range before {
				if now := must(h.ctl.st.Alias(ctx, ref)).get(t); !sameAlias(now, a) {
					t.Fatalf("a refused update (%v) changed %v: %+v, was %+v", err, ref, now, a)
				}
			}
			return
		}

		info := res.GetAliasInfo()
		ref := store.AppRef{Env: info.GetEnvironmentName(), App: "my-app"}
		old, ok := before[ref]
		if !ok || info.GetAlias() != ref.Alias() {
			t.Fatalf("updated an unexpected alias %v", info)
		}
		now := must(h.ctl.st.Alias(ctx, ref)).get(t)
		if err := now.Scaling.Validate(); err != nil {
			t.Fatalf("accepted settings that are invalid: %v", err)
		}
		if got := aliasInfo(now, 0, false); got.GetMinConcurrency() != info.GetMinConcurrency() || got.GetMaxConcurrency() != info.GetMaxConcurrency() ||
			got.GetKeepAlive() != info.GetKeepAlive() || got.GetMaxMultiplexing() != info.GetMaxMultiplexing() {
			t.Fatalf("answered %v, stored %v", info, got)
		}
		want := specFromUpdate(req).Apply(old.Scaling)
		if !sameSettings(now.Scaling, want) {
			t.Fatalf("stored %+v, want %+v", now.Scaling, want)
		}
		// Only the targeted alias may change.
		for other, a := range before {
			if other != ref {
				if cur := must(h.ctl.st.Alias(ctx, other)).get(t); !sameAlias(cur, a) {
					t.Fatalf("updating %v changed %v", ref, other)
				}
			}
		}
	})
}
