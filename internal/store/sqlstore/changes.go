package sqlstore

import (
	"context"
	"sync"
)

// broadcaster fans revisions out to Changes subscribers. Each subscriber has
// a one-slot channel that always holds the latest unread revision, so a slow
// reader skips intermediate revisions instead of blocking writers.
type broadcaster struct {
	mu     sync.Mutex
	last   int64
	subs   map[chan int64]struct{}
	closed bool
	done   chan struct{}
	wg     sync.WaitGroup
}

func newBroadcaster() *broadcaster {
	return &broadcaster{subs: map[chan int64]struct{}{}, done: make(chan struct{})}
}

// publish delivers rev unless a revision at least as new was already sent.
func (b *broadcaster) publish(rev int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if rev <= b.last || b.closed {
		return
	}
	b.last = rev
	for ch := range b.subs {
		select {
		case <-ch: // drop the unread older revision
		default:
		}
		ch <- rev // cannot block: the slot is empty and only publish sends
	}
}

// subscribe returns a channel closed when ctx ends or the broadcaster closes.
func (b *broadcaster) subscribe(ctx context.Context) <-chan int64 {
	ch := make(chan int64, 1)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(ch)
		return ch
	}
	b.subs[ch] = struct{}{}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		select {
		case <-ctx.Done():
		case <-b.done:
		}
		b.mu.Lock()
		delete(b.subs, ch)
		close(ch)
		b.mu.Unlock()
	}()
	return ch
}

// close ends every subscription and waits for their goroutines.
func (b *broadcaster) close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	close(b.done)
	b.mu.Unlock()
	b.wg.Wait()
}
