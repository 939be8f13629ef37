package dp

import (
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/yield"
)

// cacheWriteDelay is how long after an apply the config cache file is
// written (docs/hybrid.md, "Config cache"). The answer to the control plane
// does not wait for the file: opening, writing and twice fsyncing it took
// a quarter of a data plane's CPU per delta, and with a hundred data planes
// on two cores every one of them waited for the others' writes before
// answering. Applies within the delay are written once, the last.
const cacheWriteDelay = 250 * time.Millisecond

// cacheFile writes the node's config cache to its prefix shortly after it
// changes, off the apply path; the file is replaced atomically
// (wire.WriteCache), so a crash leaves the previous cache or the new one.
type cacheFile struct {
	path    string
	log     *slog.Logger
	delay   time.Duration        // cacheWriteDelay
	written func(c *wire.Cached) // called with what the file holds after each write or removal

	mu      sync.Mutex // guards pending and timer
	pending *wire.Cached
	timer   *time.Timer

	writeMu sync.Mutex // one write at a time, the latest stored last
}

// store makes c the cache to write, within f.delay.
func (f *cacheFile) store(c *wire.Cached) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = c
	if f.timer == nil {
		// Apart: on a data plane's single P, writing and syncing the file
		// here would hold up requests as the apply would have.
		f.timer = time.AfterFunc(f.delay, func() { yield.Apart(func() { _ = f.flush() }) })
	}
}

// flush writes the pending cache now, if there is one, and returns that
// write's error. A failed write is logged; the next store writes the whole
// cache again.
func (f *cacheFile) flush() error {
	f.writeMu.Lock()
	defer f.writeMu.Unlock()
	f.mu.Lock()
	c := f.pending
	f.pending = nil
	if f.timer != nil {
		f.timer.Stop()
		f.timer = nil
	}
	f.mu.Unlock()
	if c == nil {
		return nil
	}
	err := wire.WriteCache(f.path, c)
	switch {
	case err != nil:
		f.log.Warn("cannot write the config cache; a restart without the control plane would not have this configuration", "error", err)
	case f.written != nil:
		f.written(c)
	}
	return err
}

// remove drops what is pending and deletes the file.
func (f *cacheFile) remove() error {
	f.writeMu.Lock()
	defer f.writeMu.Unlock()
	f.mu.Lock()
	f.pending = nil
	f.mu.Unlock()
	if err := os.Remove(f.path); err != nil && !os.IsNotExist(err) {
		return err
	}
	if f.written != nil {
		f.written(nil)
	}
	return nil
}
