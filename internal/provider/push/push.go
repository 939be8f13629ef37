// Package push is the provider of configurations a request hands a node:
// POST /config on a DB-less node. It follows no source; each Push goes
// through the node's pipeline and answers with the pipeline's verdict.
package push

import (
	"context"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/pipeline"
)

// Provider pushes configurations into one pipeline.
type Provider struct {
	// Source names the provider in logs: "POST /config".
	Source string
	p      *pipeline.Pipeline
}

// New returns a provider pushing into p.
func New(source string, p *pipeline.Pipeline) *Provider { return &Provider{Source: source, p: p} }

// Name implements pipeline.Provider.
func (p *Provider) Name() string { return p.Source }

// Run implements pipeline.Provider: there is nothing to follow.
func (p *Provider) Run(ctx context.Context, _ pipeline.Sink) error {
	<-ctx.Done()
	return nil
}

// Push applies v; on error the running configuration keeps serving.
func (p *Provider) Push(ctx context.Context, v entity.Valid) error {
	return p.p.Apply(ctx, pipeline.Update{Config: v, Source: p.Source})
}
