package httplog

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// queue batches entries and sends them from one goroutine that runs only
// while there is work: it starts on the first entry and ends when the
// queue is empty, so queues of removed plugin instances hold no goroutine.
// Close stops it and waits for it.
type queue struct {
	cfg     Queue
	send    func(ctx context.Context, batch [][]byte) error
	release func() // after the sender stopped (idle connections)
	logger  *slog.Logger

	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	entries [][]byte
	running bool
	closed  bool
}

func newQueue(cfg Queue, logger *slog.Logger, send func(context.Context, [][]byte) error, release func()) *queue {
	ctx, cancel := context.WithCancel(context.Background())
	return &queue{cfg: cfg, send: send, release: release, logger: logger, ctx: ctx, cancel: cancel}
}

// add enqueues one entry; a full queue drops it, as Kong's does.
func (q *queue) add(entry []byte) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	if len(q.entries) >= q.cfg.MaxEntries {
		q.logger.Warn("http-log: queue full, entry dropped", "max_entries", q.cfg.MaxEntries)
		return
	}
	q.entries = append(q.entries, entry)
	if !q.running {
		q.running = true
		q.wg.Add(1)
		go q.run()
	}
}

func (q *queue) run() {
	defer q.wg.Done()
	// A failing sender must not take the node down with it: the entries
	// are dropped, the next add starts a new sender.
	defer func() {
		if v := recover(); v != nil {
			q.mu.Lock()
			dropped := len(q.entries)
			q.entries, q.running = nil, false
			q.mu.Unlock()
			q.logger.Error("http-log: sender panicked, queued entries dropped", "panic", v, "entries", dropped)
		}
	}()
	for {
		q.coalesce()
		q.mu.Lock()
		n := min(len(q.entries), q.cfg.MaxBatchSize)
		batch := q.entries[:n:n]
		q.entries = q.entries[n:]
		q.mu.Unlock()
		if n > 0 {
			q.deliver(batch)
		}
		q.mu.Lock()
		if len(q.entries) == 0 || q.ctx.Err() != nil {
			q.running = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
	}
}

// coalesce waits up to max_coalescing_delay for a full batch.
func (q *queue) coalesce() {
	if q.cfg.MaxBatchSize <= 1 {
		return
	}
	deadline := time.Now().Add(seconds(q.cfg.MaxCoalescingDelay))
	for time.Now().Before(deadline) {
		q.mu.Lock()
		full := len(q.entries) >= q.cfg.MaxBatchSize
		q.mu.Unlock()
		if full || q.ctx.Err() != nil {
			return
		}
		select {
		case <-q.ctx.Done():
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// deliver sends a batch, retrying with exponential backoff until
// max_retry_time, then drops it with an error log.
func (q *queue) deliver(batch [][]byte) {
	delay := seconds(q.cfg.InitialRetryDelay)
	giveUp := time.Now().Add(seconds(q.cfg.MaxRetryTime))
	for {
		err := q.send(q.ctx, batch)
		if err == nil {
			return
		}
		if q.ctx.Err() != nil || time.Now().Add(delay).After(giveUp) {
			q.logger.Error("http-log: batch dropped", "entries", len(batch), "error", err)
			return
		}
		q.logger.Warn("http-log: send failed, retrying", "in", delay, "error", err)
		select {
		case <-q.ctx.Done():
		case <-time.After(delay):
		}
		delay = min(2*delay, seconds(q.cfg.MaxRetryDelay))
	}
}

// Close drops what is queued, stops sending and waits for the sender.
func (q *queue) Close() error {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cancel()
	q.wg.Wait()
	q.release()
	return nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
