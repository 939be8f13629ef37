package testutil

import (
	"bytes"
	"sync"
)

// Buffer collects output written by another goroutine or process (a
// logger, a child's stdout) while the test reads it; a bytes.Buffer would
// race.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (o *Buffer) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

// String returns everything written so far.
func (o *Buffer) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}
