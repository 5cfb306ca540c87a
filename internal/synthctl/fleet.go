package synthctl

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/faldash/faldash/falpb"
)

// keepAlive is the synthetic apps' keep_alive: how long an idle runner's
// countdown starts from.
const keepAlive = 300 * time.Second

// maxMultiplexing bounds a running runner's in-flight requests.
const maxMultiplexing = 4

// runner is one synthetic runner. Its metadata is kept encoded: it changes
// only when the runner does, and re-encoding 100k Structs on every listing
// would make the controller, not the dashboard, what a measurement sees.
type runner struct {
	id          string
	app         *app
	revision    string
	machineType string
	state       falpb.RunnerInfo_State
	inFlight    int32
	startedAt   time.Time // zero: no process yet
	expiresAt   time.Time // zero: not counting down
	replacement falpb.RunnerInfo_ReplaceState
	leases      []lease
	lost        bool   // running but no longer present in its group
	metadata    []byte // external_metadata as a whole field, tag included
}

type lease struct {
	requestID string
	caller    string
	leasedAt  time.Time
}

// metadataField is external_metadata's field number, from the generated
// descriptor so that the pre-encoded bytes can never name another field.
var metadataField = (&falpb.RunnerInfo{}).ProtoReflect().Descriptor().Fields().ByName("external_metadata").Number()

// stateMix is the share of each state in a busy app's fleet, in tenths of
// a percent.
var stateMix = []struct {
	state falpb.RunnerInfo_State
	per   int
}{
	{falpb.RunnerInfo_RUNNING, 600},
	{falpb.RunnerInfo_IDLE, 250},
	{falpb.RunnerInfo_PENDING, 40},
	{falpb.RunnerInfo_SETUP, 40},
	{falpb.RunnerInfo_DOCKER_PULL, 10},
	{falpb.RunnerInfo_DRAINING, 30},
	{falpb.RunnerInfo_FAILURE_DELAY, 20},
	{falpb.RunnerInfo_TERMINATING, 10},
}

// fleet makes runners from one random stream, so the same seed and the
// same sequence of calls give the same runners.
type fleet struct {
	rng      *rand.Rand
	requests uint64
}

func newFleet(seed uint64) *fleet {
	return &fleet{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (f *fleet) uuid() string {
	hi, lo := f.rng.Uint64(), f.rng.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x",
		hi>>32, (hi>>16)&0xffff, hi&0x0fff, 0x8000|(lo>>48)&0x3fff, lo&0xffffffffffff)
}

func (f *fleet) pickState() falpb.RunnerInfo_State {
	n := f.rng.IntN(1000)
	for _, m := range stateMix {
		if n < m.per {
			return m.state
		}
		n -= m.per
	}
	return falpb.RunnerInfo_RUNNING
}

// age is how long a new fleet's runner has been up, as in an app that
// scales with its traffic: a tenth under a minute, half under an hour,
// the rest up to two days.
func (f *fleet) age() time.Duration {
	switch n := f.rng.IntN(100); {
	case n < 10:
		return time.Duration(f.rng.IntN(60)) * time.Second
	case n < 60:
		return time.Duration(60+f.rng.IntN(3540)) * time.Second
	}
	return time.Duration(3600+f.rng.IntN(2*86400-3600)) * time.Second
}

// newRunner is a runner of a in state st, up for age at now: most on
// the current revision, some still on the previous one.
func (f *fleet) newRunner(a *app, st falpb.RunnerInfo_State, age time.Duration, now time.Time) *runner {
	r := &runner{id: f.uuid(), app: a, revision: a.revisions[0], machineType: "GPU-H100"}
	if f.rng.IntN(10) == 0 {
		r.revision = a.revisions[len(a.revisions)-1]
	}
	if f.rng.IntN(8) == 0 {
		r.machineType = "GPU-A100"
	}
	if st != falpb.RunnerInfo_PENDING {
		r.startedAt = now.Add(-age)
	}
	f.enter(r, st, now)
	return r
}

// enter moves r to st with the in-flight count, leases and countdown that
// state has, and re-encodes its metadata.
func (f *fleet) enter(r *runner, st falpb.RunnerInfo_State, now time.Time) {
	r.state = st
	r.inFlight, r.leases, r.expiresAt, r.lost = 0, nil, time.Time{}, false
	r.replacement = falpb.RunnerInfo_NO_REPLACE
	switch st {
	case falpb.RunnerInfo_RUNNING:
		f.lease(r, now)
		r.lost = f.rng.IntN(100) == 0
	case falpb.RunnerInfo_IDLE:
		r.expiresAt = now.Add(time.Duration(1+f.rng.IntN(int(keepAlive/time.Second))) * time.Second)
	case falpb.RunnerInfo_DRAINING:
		if f.rng.IntN(3) == 0 {
			r.replacement = falpb.RunnerInfo_WILL_REPLACE
		}
		if f.rng.IntN(2) == 0 {
			f.lease(r, now)
		}
	case falpb.RunnerInfo_PENDING:
		r.startedAt = time.Time{}
	default:
		if r.startedAt.IsZero() {
			r.startedAt = now
		}
	}
	r.metadata = f.encodeMetadata(r)
}

// lease gives r between one and maxMultiplexing requests in flight, one
// lease each, except that now and then one request has no lease, as fal
// shows a request it lost track of.
func (f *fleet) lease(r *runner, now time.Time) {
	r.inFlight = int32(1 + f.rng.IntN(maxMultiplexing))
	n := int(r.inFlight)
	if f.rng.IntN(50) == 0 {
		n--
	}
	r.leases = make([]lease, n)
	for i := range r.leases {
		f.requests++
		r.leases[i] = lease{
			requestID: f.uuid(),
			caller:    fmt.Sprintf("github|%d", 10_000_000+f.rng.IntN(5000)),
			leasedAt:  now.Add(-time.Duration(f.rng.IntN(30_000)) * time.Millisecond),
		}
	}
}

// encodeMetadata is r's external_metadata as fal fills it: the leases and,
// on a serving runner, whether it is present in its group (fal's CLI takes
// an absent one as present); a pending runner has none.
func (f *fleet) encodeMetadata(r *runner) []byte {
	if r.state == falpb.RunnerInfo_PENDING {
		return nil
	}
	leases := make([]*structpb.Value, len(r.leases))
	for i, l := range r.leases {
		leases[i] = structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
			"request_id":      structpb.NewStringValue(l.requestID),
			"caller_user_id":  structpb.NewStringValue(l.caller),
			"leased_at_epoch": structpb.NewNumberValue(float64(l.leasedAt.UnixNano()) / 1e9),
		}})
	}
	md := &structpb.Struct{Fields: map[string]*structpb.Value{
		"leases": structpb.NewListValue(&structpb.ListValue{Values: leases}),
	}}
	if r.state == falpb.RunnerInfo_RUNNING || r.state == falpb.RunnerInfo_IDLE {
		md.Fields["present_in_group"] = structpb.NewBoolValue(!r.lost)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(md)
	if err != nil {
		panic(fmt.Sprintf("synthctl: encode metadata: %v", err)) // a Struct of strings, numbers and bools always encodes
	}
	field := protowire.AppendTag(nil, metadataField, protowire.BytesType)
	return protowire.AppendBytes(field, b)
}

// change moves r one step along a runner's life, so that something the
// dashboard shows (state, in-flight count, leases) differs afterwards.
func (f *fleet) change(r *runner, now time.Time) {
	n := f.rng.IntN(10)
	switch r.state {
	case falpb.RunnerInfo_RUNNING:
		switch {
		case n < 5:
			f.enter(r, falpb.RunnerInfo_RUNNING, now) // new requests, new leases
		case n < 9:
			f.enter(r, falpb.RunnerInfo_IDLE, now)
		default:
			f.enter(r, falpb.RunnerInfo_DRAINING, now)
		}
	case falpb.RunnerInfo_IDLE:
		f.enter(r, falpb.RunnerInfo_RUNNING, now)
	case falpb.RunnerInfo_PENDING:
		f.enter(r, falpb.RunnerInfo_SETUP, now)
	case falpb.RunnerInfo_SETUP:
		if n < 2 {
			f.enter(r, falpb.RunnerInfo_FAILURE_DELAY, now)
		} else {
			f.enter(r, falpb.RunnerInfo_IDLE, now)
		}
	case falpb.RunnerInfo_DOCKER_PULL:
		f.enter(r, falpb.RunnerInfo_SETUP, now)
	case falpb.RunnerInfo_FAILURE_DELAY:
		f.enter(r, falpb.RunnerInfo_PENDING, now)
	case falpb.RunnerInfo_DRAINING:
		f.enter(r, falpb.RunnerInfo_TERMINATING, now)
	default:
		// A terminating runner comes back as a fresh one in its slot, so
		// the fleet's mix stays that of a busy app.
		*r = *f.newRunner(r.app, falpb.RunnerInfo_PENDING, 0, now)
	}
}

// churn changes about frac of rs (each runner at most once), ends removed
// of them and starts added new pending ones at the end, as a listing
// after a poll interval of a busy app finds.
func (f *fleet) churn(a *app, c Churn, now time.Time) {
	rs := a.runners
	if k := int(c.Fraction*float64(len(rs)) + 0.5); k > 0 {
		for _, i := range f.sample(len(rs), k) {
			f.change(rs[i], now)
		}
	}
	if c.Removed > 0 && len(rs) > 0 {
		gone := f.sample(len(rs), min(c.Removed, len(rs)))
		slices.Sort(gone)
		kept := rs[:0]
		for i, r := range rs {
			if len(gone) > 0 && gone[0] == i {
				gone = gone[1:]
				continue
			}
			kept = append(kept, r)
		}
		clear(rs[len(kept):])
		rs = kept
	}
	for range c.Added {
		rs = append(rs, f.newRunner(a, falpb.RunnerInfo_PENDING, 0, now))
	}
	a.runners = rs
}

// sample picks k distinct indexes below n: a partial Fisher-Yates shuffle
// for large k, rejection for small.
func (f *fleet) sample(n, k int) []int {
	if k >= n {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	if k*4 < n {
		seen := make(map[int]bool, k)
		out := make([]int, 0, k)
		for len(out) < k {
			i := f.rng.IntN(n)
			if !seen[i] {
				seen[i] = true
				out = append(out, i)
			}
		}
		return out
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	for i := range k {
		j := i + f.rng.IntN(n-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	return idx[:k]
}

// info is r as a listing carries it at now.
func (r *runner) info(now time.Time) *falpb.RunnerInfo {
	st := r.state
	out := &falpb.RunnerInfo{
		RunnerId:         r.id,
		InFlightRequests: r.inFlight,
		Revision:         r.revision,
		Alias:            r.app.alias,
		State:            &st,
		Replacement:      r.replacement,
		MachineType:      r.machineType,
	}
	if !r.startedAt.IsZero() {
		out.Uptime = float32(max(now.Sub(r.startedAt), 0).Seconds())
	}
	if !r.expiresAt.IsZero() {
		left := int32(max((r.expiresAt.Sub(now)+time.Second-1)/time.Second, 0))
		out.ExpirationCountdown = &left
	}
	if r.metadata != nil {
		// Encoded once per change: proto carries unknown bytes through
		// Marshal unchanged, and a client reads them as the field.
		out.ProtoReflect().SetUnknown(protoreflect.RawFields(r.metadata))
	}
	return out
}
