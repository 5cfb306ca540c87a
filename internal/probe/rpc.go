package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/faldash/faldash/falpb"
)

// callTimeout bounds one call of the probe.
const callTimeout = 20 * time.Second

// maxEcho is the longest error message a refusal may carry: anything
// longer quotes back more of the input than a person needs.
const maxEcho = 1 << 10

// rpcCase is one bad input to the gRPC API.
type rpcCase struct {
	// name says what is sent, for a note; it is quoted when shown.
	name string
	// call makes the call with ctx, which carries the admin key unless
	// md is set.
	call func(ctx context.Context, cl falpb.IsolateControllerClient) error
	// md, when not nil, is the call's whole metadata instead of the
	// admin key (an empty MD sends no key).
	md metadata.MD
	// want are the codes a right refusal may have.
	want []codes.Code
	// says must be part of the message, when set.
	says string
	// hides must not be part of the message (a secret's value).
	hides string
}

// refuse is the common shape: INVALID_ARGUMENT saying says.
func refuse(name string, says string, call func(context.Context, falpb.IsolateControllerClient) error) rpcCase {
	return rpcCase{name: name, call: call, want: []codes.Code{codes.InvalidArgument}, says: says}
}

// runRPC tries each case against t, with a snapshot of the listings
// before and after, and counts it in tl.
func (t *Target) runRPC(ctx context.Context, tl *Tally, cases []rpcCase) {
	cl := t.Client()
	for _, c := range cases {
		before, err := t.snapshot(ctx)
		if err != nil {
			tl.Check(c.name, false, "%v", err)
			continue
		}
		cctx := t.Admin(ctx)
		if c.md != nil {
			cctx = metadata.NewOutgoingContext(ctx, c.md)
		}
		cctx, cancel := context.WithTimeout(cctx, callTimeout)
		err = c.call(cctx, cl)
		cancel()
		after, serr := t.snapshot(ctx)
		var problems []string
		if p := judgeStatus(c, err); p != "" {
			problems = append(problems, p)
		}
		switch {
		case serr != nil:
			problems = append(problems, serr.Error())
		case !bytes.Equal(before, after):
			problems = append(problems, "the listings changed")
		}
		tl.Check(Quote(c.name), len(problems) == 0, "%s", strings.Join(problems, "; "))
	}
}

// judgeStatus says what is wrong with err as the answer to c, "" when
// nothing is.
func judgeStatus(c rpcCase, err error) string {
	if err == nil {
		return "accepted"
	}
	st := status.Convert(err)
	msg := st.Message()
	var problems []string
	if !slices.Contains(c.want, st.Code()) {
		problems = append(problems, fmt.Sprintf("refused with %s, want %s", st.Code(), codeList(c.want)))
	}
	problems = append(problems, judgeEcho(msg)...)
	if c.says != "" && !strings.Contains(msg, c.says) {
		problems = append(problems, fmt.Sprintf("the message does not say %q", c.says))
	}
	if c.hides != "" && strings.Contains(msg, c.hides) {
		problems = append(problems, "the message shows the secret's value")
	}
	if len(problems) > 0 {
		return strings.Join(problems, "; ") + ": " + Quote(msg)
	}
	return ""
}

// judgeEcho checks a message the server sent about bad input.
func judgeEcho(msg string) []string {
	var problems []string
	if Unsafe(msg) {
		problems = append(problems, "unsafe echo (control or bidi characters raw)")
	}
	if len(msg) > maxEcho {
		problems = append(problems, fmt.Sprintf("a message of %d bytes", len(msg)))
	}
	return problems
}

func codeList(cs []codes.Code) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.String()
	}
	return strings.Join(s, " or ")
}

// register sends a deploy and reads its stream to the end.
func register(ctx context.Context, cl falpb.IsolateControllerClient, req *falpb.RegisterApplicationRequest) (string, error) {
	stream, err := cl.RegisterApplication(ctx, req)
	if err != nil {
		return "", err
	}
	var rev string
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			if rev == "" {
				return "", errors.New("the deploy ended without a revision")
			}
			return rev, nil
		}
		if err != nil {
			return "", err
		}
		if id := m.GetResult().GetApplicationId(); id != "" {
			rev = id
		}
	}
}

// fixture is an environment of a section's own with one app (no runner)
// and one secret, for the calls that need something to aim at.
type fixture struct {
	env, app, alias, rev string
}

// newFixture creates a fixture; remove deletes it.
func (t *Target) newFixture(ctx context.Context, prefix string) (*fixture, error) {
	ctx, cancel := context.WithTimeout(t.Admin(ctx), callTimeout)
	defer cancel()
	cl := t.Client()
	f := &fixture{env: t.Name(prefix), app: "app"}
	f.alias = f.app + "--" + f.env
	if _, err := cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{Name: f.env}); err != nil {
		return nil, fmt.Errorf("create environment %s: %w", f.env, err)
	}
	rev, err := register(ctx, cl, &falpb.RegisterApplicationRequest{
		ApplicationName: proto.String(f.app), EnvironmentName: proto.String(f.env),
		Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "exec sleep 1000"},
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("deploy %s: %w", f.alias, err), f.remove(ctx, t))
	}
	f.rev = rev
	if _, err := cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "TOKEN", Value: proto.String("fixture"), EnvironmentName: proto.String(f.env)}); err != nil {
		return nil, errors.Join(fmt.Errorf("set a secret: %w", err), f.remove(ctx, t))
	}
	return f, nil
}

func (f *fixture) remove(ctx context.Context, t *Target) error {
	ctx, cancel := context.WithTimeout(t.Admin(ctx), callTimeout)
	defer cancel()
	_, err := t.Client().DeleteEnvironment(ctx, &falpb.DeleteEnvironmentRequest{Name: f.env})
	return err
}

// withFixture runs fn with a fresh fixture and removes it after; a setup
// or removal failure is one misbehaved case.
func (t *Target) withFixture(ctx context.Context, tl *Tally, prefix string, fn func(*fixture)) {
	f, err := t.newFixture(ctx, prefix)
	if err != nil {
		tl.Check("set up", false, "%v", err)
		return
	}
	fn(f)
	if err := f.remove(ctx, t); err != nil {
		tl.Check("clean up", false, "delete environment %s: %v", f.env, err)
	}
}
