package store

import (
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/faldash/faldash/internal/scaling"
)

// scalingColumns are the scaling columns shared by revisions and aliases,
// in the order scalingArgs and scalingScan use.
const scalingColumns = `min_concurrency, max_concurrency, max_multiplexing, keep_alive,
	concurrency_buffer, concurrency_buffer_perc, scaling_delay_seconds,
	request_timeout, startup_timeout, machine_types, valid_regions`

// scalingAssign is scalingColumns as "col = ?" pairs for an UPDATE.
const scalingAssign = `min_concurrency = ?, max_concurrency = ?, max_multiplexing = ?, keep_alive = ?,
	concurrency_buffer = ?, concurrency_buffer_perc = ?, scaling_delay_seconds = ?,
	request_timeout = ?, startup_timeout = ?, machine_types = ?, valid_regions = ?`

func scalingArgs(s scaling.Settings) ([]any, error) {
	machines, err := jsonList(s.MachineTypes)
	if err != nil {
		return nil, err
	}
	regions, err := jsonList(s.Regions)
	if err != nil {
		return nil, err
	}
	return []any{
		s.MinConcurrency, s.MaxConcurrency, s.MaxMultiplexing, s.KeepAlive,
		nullInt(s.ConcurrencyBuffer), nullInt(s.ConcurrencyBufferPerc), nullInt(s.ScalingDelay),
		nullInt(s.RequestTimeout), nullInt(s.StartupTimeout), machines, regions,
	}, nil
}

// scalingScan collects the scaling columns of a row; call settings after
// the row's Scan.
type scalingScan struct {
	s                                    scaling.Settings
	buffer, perc, delay, request, starts sql.NullInt64
	machines, regions                    string
}

func (c *scalingScan) dest() []any {
	return []any{
		&c.s.MinConcurrency, &c.s.MaxConcurrency, &c.s.MaxMultiplexing, &c.s.KeepAlive,
		&c.buffer, &c.perc, &c.delay, &c.request, &c.starts, &c.machines, &c.regions,
	}
}

func (c *scalingScan) settings() (scaling.Settings, error) {
	s := c.s
	s.ConcurrencyBuffer = optInt(c.buffer)
	s.ConcurrencyBufferPerc = optInt(c.perc)
	s.ScalingDelay = optInt(c.delay)
	s.RequestTimeout = optInt(c.request)
	s.StartupTimeout = optInt(c.starts)
	var err error
	if s.MachineTypes, err = parseList(c.machines); err != nil {
		return s, fmt.Errorf("machine_types: %w", err)
	}
	if s.Regions, err = parseList(c.regions); err != nil {
		return s, fmt.Errorf("valid_regions: %w", err)
	}
	return s, nil
}

func nullInt(v *int) any {
	if v == nil {
		return nil
	}
	return int64(*v)
}

func optInt(v sql.NullInt64) *int {
	if !v.Valid {
		return nil
	}
	n := int(v.Int64)
	return &n
}

func jsonList(l []string) (string, error) {
	if len(l) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(l)
	if err != nil {
		return "", fmt.Errorf("encode list: %w", err)
	}
	return string(b), nil
}

// parseList decodes a JSON list; an empty list comes back nil, as it went
// in from a Settings that never had one.
func parseList(s string) ([]string, error) {
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, err
	}
	if len(l) == 0 {
		return nil, nil
	}
	return l, nil
}
