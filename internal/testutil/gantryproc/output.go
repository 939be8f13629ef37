package gantryproc

import (
	"bytes"
	"sync"
)

// Output collects a process's output, across restarts, while the test
// reads it.
type Output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p; the process's stdout and stderr both write here.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

// String returns everything written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}
