package server

import (
	"context"

	"github.com/gantryhq/gantry/internal/declarative"
	"github.com/gantryhq/gantry/internal/entity"
)

// ConfigSource gives a node its entities. The node calls Load at start (an
// error stops start-up) and again on every reload: SIGHUP, or a change a
// Watcher reports. A failed reload keeps the running config.
//
// DB-less nodes use FileSource; a traditional node adds a store-backed source
// (Load = store.Export, Watch = store.Changes) without touching the node.
type ConfigSource interface {
	// Describe names the source in logs: "declarative_config /etc/gantry.yaml".
	Describe() string
	Load(ctx context.Context) (*entity.Config, error)
}

// DigestSource is a ConfigSource whose configurations already passed
// cfg.Validate and come with their cfg.Digest(), so the node's build
// neither validates nor hashes them again: FileSource (the declarative
// loader validates) and a data plane's agent (dp.Source) are ones.
type DigestSource interface {
	ConfigSource
	LoadDigest(ctx context.Context) (*entity.Config, entity.Digest, error)
}

// Watcher is a ConfigSource that notices changes by itself. Watch calls
// changed (which must not block for long) after each change, until ctx ends.
type Watcher interface {
	Watch(ctx context.Context, changed func()) error
}

// FileSource loads a declarative file: the DB-less source.
type FileSource struct {
	Path    string
	Options declarative.Options
}

// Describe implements ConfigSource.
func (f *FileSource) Describe() string { return "declarative_config " + f.Path }

// Load reads and validates the file; the error lists every problem with its
// place in the document.
func (f *FileSource) Load(ctx context.Context) (*entity.Config, error) {
	// LoadFile's errors already name the file.
	return declarative.LoadFile(f.Path, f.Options)
}

// LoadDigest implements DigestSource: the loader has validated the file.
func (f *FileSource) LoadDigest(ctx context.Context) (*entity.Config, entity.Digest, error) {
	cfg, err := f.Load(ctx)
	if err != nil {
		return nil, entity.Digest{}, err
	}
	return cfg, cfg.Digest(), nil
}

// EmptySource serves no entities: a DB-less node without declarative_config
// (every request gets 404 and /status/ready answers 503 until a config arrives).
type EmptySource struct{}

// Describe implements ConfigSource.
func (EmptySource) Describe() string { return "empty configuration" }

// Load implements ConfigSource.
func (EmptySource) Load(context.Context) (*entity.Config, error) { return &entity.Config{}, nil }

// fixedSource hands over a configuration pushed to the node (POST /config,
// a data plane's agent) with what its caller knows of it.
type fixedSource struct {
	cfg   *entity.Config
	known known
}

func (f fixedSource) Describe() string { return "pushed configuration" }

func (f fixedSource) Load(context.Context) (*entity.Config, error) { return f.cfg, nil }

// loadKnown loads src with what it knows of the config, so the build does
// not work it out again.
func loadKnown(ctx context.Context, src ConfigSource) (*entity.Config, known, error) {
	switch s := src.(type) {
	case fixedSource:
		return s.cfg, s.known, nil
	case DigestSource:
		cfg, d, err := s.LoadDigest(ctx)
		return cfg, known{digest: d, validated: true}, err
	}
	cfg, err := src.Load(ctx)
	return cfg, known{}, err
}
