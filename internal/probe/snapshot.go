package main

import (
	"bytes"
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/faldash/faldash/falpb"
)

// snapshot is everything the controller's listings show (environments,
// and each one's apps, revisions and secrets), minus what moves on its
// own (runner counts, rolling flags): two equal snapshots around a
// refused call mean it changed nothing a client can see.
func (t *Target) snapshot(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(t.Admin(ctx), callTimeout)
	defer cancel()
	cl := t.Client()
	var out bytes.Buffer
	add := func(m proto.Message, err error) error {
		if err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		out.Write(b)
		return err
	}
	envs, err := cl.ListEnvironments(ctx, &falpb.ListEnvironmentsRequest{})
	if err := add(envs, err); err != nil {
		return nil, err
	}
	for _, e := range envs.GetEnvironments() {
		env := proto.String(e.GetName())
		aliases, err := cl.ListAliases(ctx, &falpb.ListAliasesRequest{EnvironmentName: env})
		for _, a := range aliases.GetAliases() {
			a.ActiveRunners, a.IsRolling = 0, false
		}
		if err := add(aliases, err); err != nil {
			return nil, err
		}
		revs, err := cl.ListApplications(ctx, &falpb.ListApplicationsRequest{EnvironmentName: env})
		for _, r := range revs.GetApplications() {
			r.ActiveRunners = 0
		}
		if err := add(revs, err); err != nil {
			return nil, err
		}
		secrets, err := cl.ListSecrets(ctx, &falpb.ListSecretsRequest{EnvironmentName: env})
		if err := add(secrets, err); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), nil
}
