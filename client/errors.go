package client

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrorKind sorts control-plane errors by what a caller can do about them.
type ErrorKind int

// Other is the zero value so an Error built without a kind reads as a
// plain failure rather than, say, a missing object.
const (
	Other            ErrorKind = iota // anything else (internal errors, cancellation)
	NotFound                          // the named object does not exist
	AlreadyExists                     // an object of that name exists already
	Invalid                           // the request was refused as malformed
	Precondition                      // valid, but not possible in the current state
	Unauthenticated                   // no credentials, or they were refused
	PermissionDenied                  // the key may not do this
	Unavailable                       // the controller could not be reached or did not answer in time
	Unsupported                       // the controller does not implement the call
)

func (k ErrorKind) String() string {
	switch k {
	case NotFound:
		return "not found"
	case AlreadyExists:
		return "already exists"
	case Invalid:
		return "invalid"
	case Precondition:
		return "refused"
	case Unauthenticated:
		return "not authorized"
	case PermissionDenied:
		return "permission denied"
	case Unavailable:
		return "unavailable"
	case Unsupported:
		return "not supported"
	}
	return "failed"
}

// Sentinels for errors.Is: errors.Is(err, client.ErrNotFound) holds for
// every *Error of kind NotFound, whatever its operation and message.
var (
	ErrNotFound         error = kindSentinel(NotFound)
	ErrAlreadyExists    error = kindSentinel(AlreadyExists)
	ErrInvalid          error = kindSentinel(Invalid)
	ErrPrecondition     error = kindSentinel(Precondition)
	ErrUnauthenticated  error = kindSentinel(Unauthenticated)
	ErrPermissionDenied error = kindSentinel(PermissionDenied)
	ErrUnavailable      error = kindSentinel(Unavailable)
	ErrUnsupported      error = kindSentinel(Unsupported)
)

type kindSentinel ErrorKind

func (s kindSentinel) Error() string { return ErrorKind(s).String() }

// Error is every error a Client returns. Error() reads as one sentence for
// a person: the operation, what went wrong, and the controller's own reason.
type Error struct {
	Kind ErrorKind
	// Op says what was attempted, e.g. `update app "my-app" in staging`.
	Op string
	// Msg is the reason, usually the controller's human message.
	Msg string
	// Addr is the controller's address, shown when it could not be reached.
	Addr string
	// Err is the underlying error (a gRPC status error, possibly joined
	// with the caller's context error).
	Err error
	// Retried is set when the call was tried again after the controller
	// could not be reached: the first try may have taken effect, so a
	// NotFound or AlreadyExists may be its own doing.
	Retried bool
}

func (e *Error) Error() string {
	s := e.reason()
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	return s
}

func (e *Error) reason() string {
	var head string
	switch e.Kind {
	case Unavailable:
		where := "the controller"
		if e.Addr != "" {
			where += " at " + e.Addr
		}
		if e.timedOut() {
			head = "no answer from " + where + " in time"
		} else {
			head = "cannot reach " + where
		}
	case Unauthenticated:
		head = "not authorized: the credentials were refused (check FAL_KEY, your fal profile's key or FAL_KEY_ID/FAL_KEY_SECRET, or run `fal auth login`)"
	case Unsupported:
		head = "not supported by this controller"
	case Other:
		head = otherHead(e.Err)
	default:
		head = e.Kind.String()
	}
	s := head + ": " + e.Msg
	switch {
	case e.Msg == "":
		s = head
	case head == "":
		s = e.Msg
	}
	if e.Retried && (e.Kind == NotFound || e.Kind == AlreadyExists) {
		s += " (asked again after the connection failed: the first try may have done it)"
	}
	return s
}

func (e *Error) timedOut() bool {
	return status.Code(e.Err) == codes.DeadlineExceeded || errors.Is(e.Err, context.DeadlineExceeded)
}

// otherHead names the few status codes worth a word of their own; for the
// rest the controller's message says enough.
func otherHead(err error) string {
	if err == nil {
		return ""
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	switch status.Code(err) {
	case codes.Canceled:
		return "canceled"
	case codes.Internal:
		return "internal error in the controller"
	case codes.ResourceExhausted:
		return "the controller is over its limits"
	case codes.Aborted:
		return "aborted"
	case codes.DataLoss:
		return "data loss in the controller"
	}
	return ""
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) and friends match on Kind.
func (e *Error) Is(target error) bool {
	s, ok := target.(kindSentinel)
	return ok && ErrorKind(s) == e.Kind
}

// KindOf returns the kind of err: the Kind of an *Error in its chain, else
// the kind its gRPC status code maps to. KindOf(nil) is Other.
func KindOf(err error) ErrorKind {
	if err == nil {
		return Other
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Unavailable
	}
	return kindOfCode(status.Code(err))
}

func kindOfCode(c codes.Code) ErrorKind {
	switch c {
	case codes.NotFound:
		return NotFound
	case codes.AlreadyExists:
		return AlreadyExists
	case codes.InvalidArgument, codes.OutOfRange:
		return Invalid
	case codes.FailedPrecondition:
		return Precondition
	case codes.Unauthenticated:
		return Unauthenticated
	case codes.PermissionDenied:
		return PermissionDenied
	case codes.Unavailable, codes.DeadlineExceeded:
		return Unavailable
	case codes.Unimplemented:
		return Unsupported
	}
	return Other
}

// rpcError turns an error from a gRPC call into an *Error for op. When the
// caller's own context ended the call, its error joins the chain so
// errors.Is(err, context.Canceled) holds.
func rpcError(ctx context.Context, op, addr string, err error) *Error {
	st := status.Convert(err)
	e := &Error{Kind: kindOfCode(st.Code()), Op: op, Msg: st.Message(), Err: err}
	if e.Kind == Unavailable {
		e.Addr = addr
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		e.Err = errors.Join(err, ctxErr)
	}
	if e.Msg == context.Canceled.Error() || e.Msg == context.DeadlineExceeded.Error() {
		// gRPC's own message for an ended context; the head says it better.
		e.Msg = ""
	}
	return e
}
