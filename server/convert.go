package server

import (
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/server/store"
)

// defaultSettings are a new revision's scaling where its machine
// requirements leave a field unset, as fal's SDK defaults them: no runner
// kept warm (min 0), at most one runner (max 1), one request per runner at
// a time (max_multiplexing 1), and an idle runner kept for 10 seconds
// (keep_alive 10). Optional fields stay unset.
func defaultSettings() scaling.Settings {
	return scaling.Settings{MinConcurrency: 0, MaxConcurrency: 1, MaxMultiplexing: 1, KeepAlive: 10}
}

func intPtr(p *int32) *int {
	if p == nil {
		return nil
	}
	v := int(*p)
	return &v
}

// list keeps a repeated field only when it has items: proto3 cannot tell
// an empty list from an unset one, and fal reads empty as "keep".
func list(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return slices.Clone(l)
}

func specFromMachine(m *falpb.MachineRequirements) scaling.Spec {
	if m == nil {
		return scaling.Spec{}
	}
	return scaling.Spec{
		MinConcurrency:        intPtr(m.MinConcurrency),
		MaxConcurrency:        intPtr(m.MaxConcurrency),
		MaxMultiplexing:       intPtr(m.MaxMultiplexing),
		KeepAlive:             intPtr(m.KeepAlive),
		ConcurrencyBuffer:     intPtr(m.ConcurrencyBuffer),
		ConcurrencyBufferPerc: intPtr(m.ConcurrencyBufferPerc),
		ScalingDelay:          intPtr(m.ScalingDelaySeconds),
		RequestTimeout:        intPtr(m.RequestTimeout),
		StartupTimeout:        intPtr(m.StartupTimeout),
		MachineTypes:          list(m.MachineTypes),
		Regions:               list(m.ValidRegions),
	}
}

func specFromUpdate(r *falpb.UpdateApplicationRequest) scaling.Spec {
	return scaling.Spec{
		MinConcurrency:        intPtr(r.MinConcurrency),
		MaxConcurrency:        intPtr(r.MaxConcurrency),
		MaxMultiplexing:       intPtr(r.MaxMultiplexing),
		KeepAlive:             intPtr(r.KeepAlive),
		ConcurrencyBuffer:     intPtr(r.ConcurrencyBuffer),
		ConcurrencyBufferPerc: intPtr(r.ConcurrencyBufferPerc),
		ScalingDelay:          intPtr(r.ScalingDelaySeconds),
		RequestTimeout:        intPtr(r.RequestTimeout),
		StartupTimeout:        intPtr(r.StartupTimeout),
		MachineTypes:          list(r.MachineTypes),
		Regions:               list(r.ValidRegions),
	}
}

// i32 converts a validated setting; Validate bounds every value far below
// int32's range.
func i32(v int) int32 { return int32(v) }

func optI32(p *int) *int32 {
	if p == nil {
		return nil
	}
	v := int32(*p)
	return &v
}

func aliasInfo(a store.Alias, active int, rolling bool) *falpb.AliasInfo {
	s := a.Scaling
	return &falpb.AliasInfo{
		Alias:                 a.Ref.Alias(),
		Revision:              a.Revision,
		AuthMode:              falpb.ApplicationAuthMode(a.AuthMode),
		MaxConcurrency:        i32(s.MaxConcurrency),
		MaxMultiplexing:       i32(s.MaxMultiplexing),
		KeepAlive:             i32(s.KeepAlive),
		ActiveRunners:         i32(active),
		MinConcurrency:        i32(s.MinConcurrency),
		MachineTypes:          slices.Clone(s.MachineTypes),
		RequestTimeout:        optI32(s.RequestTimeout),
		StartupTimeout:        optI32(s.StartupTimeout),
		ValidRegions:          slices.Clone(s.Regions),
		ConcurrencyBuffer:     optI32(s.ConcurrencyBuffer),
		ConcurrencyBufferPerc: optI32(s.ConcurrencyBufferPerc),
		ScalingDelaySeconds:   optI32(s.ScalingDelay),
		EnvironmentName:       ptr(a.Ref.Env),
		IsRolling:             rolling,
	}
}

func applicationInfo(r store.Revision, active int) *falpb.ApplicationInfo {
	s := r.Scaling
	return &falpb.ApplicationInfo{
		ApplicationId:         r.ID,
		CreatedAt:             timestamppb.New(r.CreatedAt),
		MaxConcurrency:        i32(s.MaxConcurrency),
		MaxMultiplexing:       i32(s.MaxMultiplexing),
		KeepAlive:             i32(s.KeepAlive),
		ActiveRunners:         i32(active),
		MinConcurrency:        i32(s.MinConcurrency),
		MachineTypes:          slices.Clone(s.MachineTypes),
		RequestTimeout:        optI32(s.RequestTimeout),
		StartupTimeout:        optI32(s.StartupTimeout),
		ValidRegions:          slices.Clone(s.Regions),
		ConcurrencyBuffer:     optI32(s.ConcurrencyBuffer),
		ConcurrencyBufferPerc: optI32(s.ConcurrencyBufferPerc),
		ScalingDelaySeconds:   optI32(s.ScalingDelay),
		EnvironmentName:       ptr(r.Ref.Env),
	}
}
