package main

import (
	"context"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/names"
)

func init() {
	Register(Section{Name: "descriptions", Quick: true, Run: probeDescriptions})
}

// badDescriptions hold what a dashboard must never be handed to draw: C0
// and C1 controls, DEL, bidi embeddings, overrides and isolates, line
// separators, and lengths past the limit (one of them 400 KB).
var badDescriptions = []string{
	"bell\a", "new\nline", "esc \x1b[2J", "tab\tinside", "del\x7f", "nul\x00",
	"c1 next line \u0085", "c1 csi \u009b31m", "c1 osc \u009d0;title\u009c", "c1 \u0080 first",
	"lre \u202a", "rle \u202b", "pdf \u202c", "lro \u202d", "rlo \u202eevil",
	"lri \u2066", "rli \u2067", "fsi \u2068", "pdi \u2069",
	"line sep \u2028", "para sep \u2029",
	strings.Repeat("d", names.MaxDescriptionLen+1), strings.Repeat("é", names.MaxDescriptionLen+1),
	strings.Repeat("d", 400<<10),
}

// probeDescriptions creates environments with bad descriptions; each must
// be refused and leave no environment behind.
func probeDescriptions(ctx context.Context, t *Target) (int, int, []string) {
	var tl Tally
	var cases []rpcCase
	var made []string
	for _, d := range badDescriptions {
		d := d
		name := t.Name("desc")
		made = append(made, name)
		cases = append(cases, refuse("CreateEnvironment description "+d, "description", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
			_, err := cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{Name: name, Description: proto.String(d)})
			return err
		}))
	}
	t.runRPC(ctx, &tl, cases)
	// Environments a misbehaving controller created anyway.
	for _, name := range made {
		_, _ = t.Client().DeleteEnvironment(t.Admin(ctx), &falpb.DeleteEnvironmentRequest{Name: name})
	}
	return tl.Result()
}
