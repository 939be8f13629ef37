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

// EmptySource serves no entities: a DB-less node without declarative_config
// (every request gets 404 and /status/ready answers 503 until a config arrives).
type EmptySource struct{}

// Describe implements ConfigSource.
func (EmptySource) Describe() string { return "empty configuration" }

// Load implements ConfigSource.
func (EmptySource) Load(context.Context) (*entity.Config, error) { return &entity.Config{}, nil }

// fixedSource hands over a configuration pushed to the node (POST /config,
// a data plane's agent).
type fixedSource struct{ cfg *entity.Config }

func (f fixedSource) Describe() string { return "pushed configuration" }

func (f fixedSource) Load(context.Context) (*entity.Config, error) { return f.cfg, nil }
