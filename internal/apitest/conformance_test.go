package apitest

// The conformance test speaks to the local controller with messages built by
// hand from WIRE.md's field numbers (protowire), and decodes its answers the
// same way. If controller.proto had a transcription mistake, the generated
// code on both sides would agree with each other and hide it; this test
// would not.

import (
	"bytes"
	"context"
	"io"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protowire"
)

// rawCodec sends and receives message bytes as they are. Its name is
// "proto" so the server decodes them with its ordinary codec.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

func (rawCodec) Name() string { return "proto" }

var _ encoding.CodecV2 = rawCodec{}

// msg builds a message from fields appended in order.
type msg []byte

func (m msg) str(n protowire.Number, s string) msg {
	m = protowire.AppendTag(m, n, protowire.BytesType)
	return protowire.AppendString(m, s)
}

func (m msg) varint(n protowire.Number, v uint64) msg {
	m = protowire.AppendTag(m, n, protowire.VarintType)
	return protowire.AppendVarint(m, v)
}

func (m msg) sub(n protowire.Number, sub msg) msg {
	m = protowire.AppendTag(m, n, protowire.BytesType)
	return protowire.AppendBytes(m, sub)
}

// fields decodes one message level: field number to its values, each a
// uint64 (varint), a uint32/uint64 (fixed) or a []byte (length-delimited).
type fields map[protowire.Number][]any

func decode(t *testing.T, b []byte) fields {
	t.Helper()
	out := fields{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		var v any
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			v, n = protowire.ConsumeFixed32(b)
		case protowire.Fixed64Type:
			v, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			t.Fatalf("field %d: unexpected wire type %d", num, typ)
		}
		if n < 0 {
			t.Fatalf("field %d: %v", num, protowire.ParseError(n))
		}
		out[num] = append(out[num], v)
		b = b[n:]
	}
	return out
}

func (f fields) str(t *testing.T, n protowire.Number) string {
	t.Helper()
	vs := f[n]
	if len(vs) != 1 {
		t.Fatalf("field %d: want one value, have %d", n, len(vs))
	}
	b, ok := vs[0].([]byte)
	if !ok {
		t.Fatalf("field %d is not length-delimited", n)
	}
	return string(b)
}

func (f fields) sub(t *testing.T, n protowire.Number) fields {
	t.Helper()
	return decode(t, []byte(f.str(t, n)))
}

func (f fields) subs(t *testing.T, n protowire.Number) []fields {
	t.Helper()
	var out []fields
	for _, v := range f[n] {
		out = append(out, decode(t, v.([]byte)))
	}
	return out
}

// varint returns field n as a varint; absent means 0 (proto3 default), and
// present reports whether it was on the wire.
func (f fields) varint(t *testing.T, n protowire.Number) (v uint64, present bool) {
	t.Helper()
	vs := f[n]
	if len(vs) == 0 {
		return 0, false
	}
	v, ok := vs[len(vs)-1].(uint64)
	if !ok {
		t.Fatalf("field %d is not a varint", n)
	}
	return v, true
}

type rawConn struct {
	t    *testing.T
	conn *grpc.ClientConn
	ctx  context.Context
}

const method = "/controller.IsolateController/"

func (c rawConn) call(name string, req msg) fields {
	c.t.Helper()
	var resp []byte
	in := []byte(req)
	if err := c.conn.Invoke(c.ctx, method+name, &in, &resp, grpc.ForceCodecV2(rawCodec{})); err != nil {
		c.t.Fatalf("%s: %v", name, err)
	}
	return decode(c.t, resp)
}

func (c rawConn) stream(name string, req msg) []fields {
	c.t.Helper()
	desc := &grpc.StreamDesc{StreamName: name, ServerStreams: true}
	st, err := c.conn.NewStream(c.ctx, desc, method+name, grpc.ForceCodecV2(rawCodec{}))
	if err != nil {
		c.t.Fatalf("%s: %v", name, err)
	}
	in := []byte(req)
	if err := st.SendMsg(&in); err != nil {
		c.t.Fatalf("%s send: %v", name, err)
	}
	if err := st.CloseSend(); err != nil {
		c.t.Fatal(err)
	}
	var out []fields
	for {
		var b []byte
		err := st.RecvMsg(&b)
		if err == io.EOF {
			return out
		}
		if err != nil {
			c.t.Fatalf("%s recv: %v", name, err)
		}
		out = append(out, decode(c.t, b))
	}
}

func TestWireConformance(t *testing.T) {
	ctl := startController(t)
	conn, err := grpc.NewClient(ctl.addr, grpc.WithTransportCredentials(localCreds()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx := metadata.AppendToOutgoingContext(t.Context(), "auth-key-id", ctl.keyID, "auth-key", ctl.keySecret)
	c := rawConn{t: t, conn: conn, ctx: ctx}

	// ListEnvironments: 1 environments rep EnvironmentInfo{1 name, 3 is_default, 4 created_at}.
	envs := c.call("ListEnvironments", nil).subs(t, 1)
	if len(envs) != 1 || envs[0].str(t, 1) != "main" {
		t.Fatalf("want only main, got %d environments", len(envs))
	}
	if d, _ := envs[0].varint(t, 3); d != 1 {
		t.Fatal("main is not marked is_default (field 3)")
	}
	if secs, _ := envs[0].sub(t, 4).varint(t, 1); secs == 0 {
		t.Fatal("created_at (field 4) has no seconds")
	}

	// CreateEnvironment: 1 name, 2 description -> 1 environment.
	created := c.call("CreateEnvironment", msg(nil).str(1, "staging").str(2, "pre-prod")).sub(t, 1)
	if created.str(t, 1) != "staging" || created.str(t, 2) != "pre-prod" {
		t.Fatal("CreateEnvironment answered another environment")
	}
	if d, _ := created.varint(t, 3); d != 0 {
		t.Fatal("staging is marked default")
	}

	// SetSecret: 1 name, 2 value, 3 environment_name, 4 default_exposed.
	const value = "s3cr3t-value-never-returned"
	c.call("SetSecret", msg(nil).str(1, "HF_TOKEN").str(2, value).str(3, "staging").varint(4, 1))
	c.call("SetSecret", msg(nil).str(1, "HF_TOKEN").str(2, "main-value").str(3, "main"))

	// ListSecrets: 1 environment_name -> 1 secrets rep Secret{1 name, 2 created_time, 3 env, 4 default_exposed}.
	var rawSecrets []byte
	in := []byte(msg(nil).str(1, "staging"))
	if err := conn.Invoke(ctx, method+"ListSecrets", &in, &rawSecrets, grpc.ForceCodecV2(rawCodec{})); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(rawSecrets, []byte(value)) {
		t.Fatal("ListSecrets returned a secret value")
	}
	secrets := decode(t, rawSecrets).subs(t, 1)
	if len(secrets) != 1 || secrets[0].str(t, 1) != "HF_TOKEN" || secrets[0].str(t, 3) != "staging" {
		t.Fatalf("ListSecrets(staging) = %d secrets", len(secrets))
	}
	if exp, present := secrets[0].varint(t, 4); !present || exp != 1 {
		t.Fatal("default_exposed (field 4) lost")
	}
	if _, ok := secrets[0][2]; !ok {
		t.Fatal("created_time (field 2) missing")
	}

	// RegisterApplication: 2 machine_requirements{10 min, 9 max, 6 max_multiplexing, 2 keep_alive},
	// 21 entrypoint, 5 application_name (the full alias, as fal's SDK
	// sends it), 15 environment_name; streams
	// 1 logs rep Log{1 message}, 2 result{1 application_id}, 3 service_urls{2 run}.
	reqs := msg(nil).varint(10, 0).varint(9, 2).varint(6, 4).varint(2, 30)
	results := c.stream("RegisterApplication", msg(nil).
		sub(2, reqs).str(21, "sleep 1000").str(5, "my-app--staging").str(15, "staging"))
	var revision, run string
	logs := 0
	for _, r := range results {
		for _, l := range r.subs(t, 1) {
			if l.str(t, 1) == "" {
				t.Fatal("a Log without message (field 1)")
			}
			logs++
		}
		if _, ok := r[2]; ok {
			revision = r.sub(t, 2).str(t, 1)
		}
		if _, ok := r[3]; ok {
			run = r.sub(t, 3).str(t, 2)
		}
	}
	if logs == 0 || revision == "" {
		t.Fatalf("RegisterApplication streamed %d logs and revision %q", logs, revision)
	}
	if want := "/my-app--staging"; len(run) < len(want) || run[len(run)-len(want):] != want {
		t.Fatalf("service_urls.run = %q, want it to end in %s", run, want)
	}

	// ListAliases: 1 environment_name -> 1 aliases rep AliasInfo.
	aliases := c.call("ListAliases", msg(nil).str(1, "staging")).subs(t, 1)
	if len(aliases) != 1 {
		t.Fatalf("ListAliases(staging) = %d aliases", len(aliases))
	}
	a := aliases[0]
	if a.str(t, 1) != "my-app--staging" || a.str(t, 2) != revision || a.str(t, 16) != "staging" {
		t.Fatalf("AliasInfo alias/revision/environment_name (1/2/16) = %q/%q/%q", a.str(t, 1), a.str(t, 2), a.str(t, 16))
	}
	for _, want := range []struct {
		n    protowire.Number
		name string
		v    uint64
	}{{4, "max_concurrency", 2}, {5, "max_multiplexing", 4}, {6, "keep_alive", 30}, {8, "min_concurrency", 0}} {
		if got, _ := a.varint(t, want.n); got != want.v {
			t.Errorf("AliasInfo.%s (field %d) = %d, want %d", want.name, want.n, got, want.v)
		}
	}

	// UpdateApplication: 1 application_name (full alias), 5 min, 4 max,
	// 10 concurrency_buffer, 13 environment_name -> 1 alias_info.
	upd := c.call("UpdateApplication", msg(nil).str(1, "my-app--staging").
		varint(5, 1).varint(4, 3).varint(10, 1).str(13, "staging")).sub(t, 1)
	for _, want := range []struct {
		n    protowire.Number
		name string
		v    uint64
	}{{8, "min_concurrency", 1}, {4, "max_concurrency", 3}, {13, "concurrency_buffer", 1}, {5, "max_multiplexing", 4}, {6, "keep_alive", 30}} {
		if got, _ := upd.varint(t, want.n); got != want.v {
			t.Errorf("after update, AliasInfo.%s (field %d) = %d, want %d", want.name, want.n, got, want.v)
		}
	}

	// ListAliasRunners: 1 alias, 4 environment_name -> 1 runners rep RunnerInfo.
	// Fields of each runner, when there are any: 1 runner_id, 7 alias, 6 revision.
	for _, r := range c.call("ListAliasRunners", msg(nil).str(1, "my-app--staging").str(4, "staging")).subs(t, 1) {
		if r.str(t, 1) == "" || r.str(t, 7) != "my-app--staging" || r.str(t, 6) != revision {
			t.Errorf("RunnerInfo id/alias/revision (1/7/6) = %q/%q/%q", r.str(t, 1), r.str(t, 7), r.str(t, 6))
		}
	}
}
