// Package filelog is the file-log plugin: it appends one JSON line per
// request (Kong's log format, see plugin.LogEntry) to a file.
package filelog

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/gantryhq/gantry/internal/plugin"
)

// Priority is Kong's priority for file-log.
const Priority = 9

func init() {
	plugin.Register(plugin.New(plugin.Spec[Config]{
		Name: "file-log", Version: plugin.BundledVersion, Priority: Priority, Defaults: defaults,
		New: func(cfg *Config, env *plugin.Env) (plugin.Handler, error) {
			f := env.Shared.Get("file-log/"+cfg.Path, func() any { return &file{path: cfg.Path} }).(*file)
			return &Handler{cfg: cfg, file: f}, nil
		},
	}))
}

// Handler writes entries of one instance.
type Handler struct {
	cfg  *Config
	file *file
}

var _ plugin.Log = (*Handler)(nil)

// Log appends the request's entry; failures are logged, never fatal.
func (h *Handler) Log(ctx *plugin.Context) {
	b, err := json.Marshal(ctx.LogEntry())
	if err != nil {
		ctx.Logger().Error("file-log: encode entry", "error", err)
		return
	}
	if err := h.file.write(append(b, '\n'), h.cfg.Reopen); err != nil {
		ctx.Logger().Error("file-log: write", "path", h.cfg.Path, "error", err)
	}
}

// file is one log file, shared by every instance and snapshot writing to
// the same path, so lines never interleave. It is closed when the last
// snapshot writing to it retires, or at Registry.Close.
type file struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

// write appends one entry; with reopen the file is opened for this write
// only (for log rotation by renaming).
func (f *file) write(line []byte, reopen bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		fh, err := os.OpenFile(f.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("open: %w", err)
		}
		f.f = fh
	}
	_, err := f.f.Write(line)
	if reopen {
		if cerr := f.f.Close(); err == nil {
			err = cerr
		}
		f.f = nil
	}
	return err
}

// Close closes the file.
func (f *file) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return nil
	}
	err := f.f.Close()
	f.f = nil
	return err
}
