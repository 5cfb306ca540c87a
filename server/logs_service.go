package server

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/faldash/faldash/localpb"
)

// logsService is the local controller's own LocalController service. It
// shares the controller's gRPC server, so the same key checks and logging
// apply to it as to fal's calls.
type logsService struct {
	localpb.UnimplementedLocalControllerServer
	src RunnerLogSource
}

// registerLocal adds the LocalController service when the Runtime keeps
// runner output; without one the method stays unregistered, so a client
// sees UNIMPLEMENTED, exactly as from fal cloud.
func registerLocal(srv *grpc.Server, rt Runtime) {
	src, ok := rt.(RunnerLogSource)
	if !ok {
		return
	}
	localpb.RegisterLocalControllerServer(srv, &logsService{src: src})
}

// RunnerLogs sends the kept lines one message each, then with follow the
// new ones until the runner's output ends (a clean end of stream) or the
// caller goes away.
func (s *logsService) RunnerLogs(req *localpb.RunnerLogsRequest, stream grpc.ServerStreamingServer[localpb.RunnerLogLine]) error {
	id := req.GetRunnerId()
	if id == "" {
		return status.Error(codes.InvalidArgument, "runner_id is required")
	}
	ctx := stream.Context()
	kept, more, err := s.src.RunnerLogs(ctx, id, int(req.GetTail()), req.GetFollow())
	if err != nil {
		return toStatus(err)
	}
	// Headers now tell the client the runner exists, even when no line is
	// kept yet and a follow may wait long for the first one.
	if err := stream.SendHeader(metadata.MD{}); err != nil {
		return err
	}
	for _, e := range kept {
		if err := stream.Send(logLineToPB(e)); err != nil {
			return err
		}
	}
	if more == nil {
		return nil
	}
	for {
		select {
		case <-ctx.Done():
			return toStatus(ctx.Err())
		case e, ok := <-more:
			if !ok {
				return nil
			}
			if err := stream.Send(logLineToPB(e)); err != nil {
				return err
			}
		}
	}
}

func logLineToPB(e LogEntry) *localpb.RunnerLogLine {
	return &localpb.RunnerLogLine{Time: timestamppb.New(e.Time), Stream: e.Stream, Line: e.Line}
}
