// Package file is the declarative-file provider of a DB-less node: it
// loads declarative_config at start and again on every Reload (SIGHUP).
package file

import (
	"context"
	"log/slog"

	"github.com/gantryhq/gantry/internal/declarative"
	"github.com/gantryhq/gantry/internal/pipeline"
)

// Provider loads one declarative file.
type Provider struct {
	Path    string
	Options declarative.Options
	Logger  *slog.Logger

	reload chan struct{}
}

// New returns a provider of the file at path, checking plugin configs
// with opts.
func New(path string, opts declarative.Options, log *slog.Logger) *Provider {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Provider{Path: path, Options: opts, Logger: log, reload: make(chan struct{}, 1)}
}

// Name implements pipeline.Provider.
func (p *Provider) Name() string { return "declarative_config " + p.Path }

// Initial implements pipeline.Starter: it loads and applies the file; its
// error, which names the file and lists every problem with its place in
// the document, stops start-up.
func (p *Provider) Initial(ctx context.Context, sink pipeline.Sink) error {
	return sink.Reload(ctx, p.load)
}

func (p *Provider) load(context.Context) (pipeline.Update, error) {
	v, err := declarative.LoadFileValid(p.Path, p.Options)
	return pipeline.Update{Config: v, Source: p.Name()}, err
}

// Reload asks for the file to be read again; a file with errors is logged
// and the running configuration keeps serving.
func (p *Provider) Reload() {
	select {
	case p.reload <- struct{}{}:
	default:
	}
}

// Run implements pipeline.Provider: it reloads the file on every Reload.
func (p *Provider) Run(ctx context.Context, sink pipeline.Sink) error {
	pipeline.Follow(ctx, p.reload, p.Logger, p.Name(), p.load, sink)
	return nil
}
