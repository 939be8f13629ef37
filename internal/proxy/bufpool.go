package proxy

import (
	"sync"
	"unsafe"
)

// copyBufferSize is the size of ReverseProxy's copy buffers.
const copyBufferSize = 32 << 10

// bufferPool recycles ReverseProxy's 32 KiB copy buffers, which would
// otherwise be allocated per response. Each Proxy owns one. It pools the
// buffers' first-byte pointers: putting a pointer in the pool costs
// nothing, where boxing a slice (or a pointer to a new slice header)
// would allocate on every response.
type bufferPool struct{ pool sync.Pool }

func (b *bufferPool) Get() []byte {
	if p, ok := b.pool.Get().(*byte); ok {
		return unsafe.Slice(p, copyBufferSize)
	}
	return make([]byte, copyBufferSize)
}

func (b *bufferPool) Put(buf []byte) {
	if cap(buf) == copyBufferSize {
		b.pool.Put(unsafe.SliceData(buf[:1]))
	}
}
