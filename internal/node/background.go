package node

import "context"

// Background is the Start and Stop of a component that runs one function
// until Stop: Go starts it with a context that outlives the start-up
// context and ends at Stop, which waits for it to return (or for its own
// deadline). The zero value is ready; a Background runs one function once.
type Background struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Go runs fn in a goroutine with a context Stop cancels.
func (b *Background) Go(ctx context.Context, fn func(ctx context.Context)) {
	ctx, b.cancel = context.WithCancel(context.WithoutCancel(ctx))
	b.done = make(chan struct{})
	go func() {
		defer close(b.done)
		fn(ctx)
	}()
}

// Stop cancels the function's context and waits until it returns or ctx ends.
func (b *Background) Stop(ctx context.Context) error {
	b.cancel()
	select {
	case <-b.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
