package proxy

import "sync"

// bufferPool recycles ReverseProxy's 32 KiB copy buffers, which would
// otherwise be allocated per response. Each Proxy owns one.
type bufferPool struct{ pool sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.pool.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.pool.Put(&buf) }
