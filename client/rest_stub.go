package client

import "context"

// Placeholders until the REST client lands; each answers ErrUnsupported.

func (g *GRPC) RunnerLogs(ctx context.Context, id RunnerID, q LogQuery) (LogStream, error) {
	return nil, &Error{Kind: Unsupported, Op: "logs of runner " + string(id), Msg: "not implemented yet"}
}

func (g *GRPC) RunnerInfo(ctx context.Context, id RunnerID) (RunnerInfo, error) {
	return RunnerInfo{}, &Error{Kind: Unsupported, Op: "runner " + string(id), Msg: "not implemented yet"}
}

func (g *GRPC) QueueSize(ctx context.Context, env, app string) (QueueSize, error) {
	return QueueSize{}, &Error{Kind: Unsupported, Op: "queue of " + app, Msg: "not implemented yet"}
}

func (g *GRPC) CurrentUser(ctx context.Context) (User, error) {
	return User{}, &Error{Kind: Unsupported, Op: "current user", Msg: "not implemented yet"}
}
