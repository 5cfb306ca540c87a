package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/faldash/faldash/localpb"
)

// RunnerLogs asks the local controller's own LocalController service,
// which shares the connection with fal's. The call returns once the
// controller has accepted it (so an unknown runner is an error here, not
// on the first Recv); the lines then flow through the LogStream until it
// ends or ctx does. Only the wait for that acceptance is bounded by the
// call timeout: a followed stream lasts as long as ctx.
func (g *GRPC) RunnerLogs(ctx context.Context, id RunnerID, tail int, follow bool) (LogStream, error) {
	op := fmt.Sprintf("logs of runner %q", id)
	if g.target.Kind == TargetCloud {
		return nil, &Error{Kind: Unsupported, Op: op, Msg: "fal cloud serves runner logs through its REST API, which faldash does not speak"}
	}
	if id == "" {
		return nil, invalid(op, errors.New("no runner id given"))
	}
	req := &localpb.RunnerLogsRequest{RunnerId: string(id), Tail: int32(min(max(tail, 0), math.MaxInt32)), Follow: follow}

	sctx, cancel := context.WithCancel(ctx)
	accepted := time.AfterFunc(g.callTimeout, cancel)
	stream, err := localpb.NewLocalControllerClient(g.conn).RunnerLogs(sctx, req)
	if err != nil {
		accepted.Stop()
		cancel()
		return nil, logsError(ctx, op, g.target.Addr, err)
	}
	// Header returns no metadata only when the stream is already over;
	// Recv then says how it ended.
	md, _ := stream.Header()
	timedOut := !accepted.Stop()
	if timedOut {
		cancel()
		return nil, &Error{Kind: Unavailable, Op: op, Addr: g.target.Addr, Err: context.DeadlineExceeded}
	}
	ls := &logStream{ctx: ctx, op: op, addr: g.target.Addr, recv: stream.Recv, cancel: cancel}
	if md == nil {
		if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
			cancel()
			return nil, logsError(ctx, op, g.target.Addr, err)
		}
		ls.done = true
		cancel()
	}
	return ls, nil
}

// logsError is rpcError with a plainer word for a controller without the
// service (fal cloud, or a controller whose runtime keeps no output).
func logsError(ctx context.Context, op, addr string, err error) *Error {
	e := rpcError(ctx, op, addr, err)
	if status.Code(err) == codes.Unimplemented {
		e.Msg = "this controller does not serve runner logs"
	}
	return e
}

// logStream turns the service's messages into LogLines.
type logStream struct {
	ctx    context.Context
	op     string
	addr   string
	recv   func() (*localpb.RunnerLogLine, error)
	cancel context.CancelFunc
	done   bool
}

func (s *logStream) Recv() (LogLine, error) {
	if s.done {
		return LogLine{}, io.EOF
	}
	m, err := s.recv()
	if err != nil {
		s.done = true
		s.cancel()
		if errors.Is(err, io.EOF) {
			return LogLine{}, io.EOF
		}
		return LogLine{}, logsError(s.ctx, s.op, s.addr, err)
	}
	return LogLine{
		Time:    timeFromPB(m.GetTime()),
		Source:  "user",
		Level:   m.GetStream(),
		Message: m.GetLine(),
	}, nil
}
