package store

import "errors"

// Sentinel errors. Store methods wrap them in sentences that name the thing
// concerned ("environment \"dev\" does not exist"), so the controller can
// pick a gRPC code with errors.Is and pass the whole message on to a person.
var (
	ErrNotFound  = errors.New("does not exist")
	ErrExists    = errors.New("already exists")
	ErrInUse     = errors.New("is in use")
	ErrProtected = errors.New("cannot be deleted")
)
