// Package body is the one bounded way a request body is read on the
// request path, by the proxy's request buffering and by plugins alike.
//
// Two settings bound it. Limits.Max (proxy_max_body_size) caps the bytes
// read: past it a read fails with ErrTooLarge, having read at most Max+1
// bytes of the client's body, and the proxy answers 413. Limits.Memory
// (proxy_body_buffer_size) caps what is held in memory: a larger body is
// spilled to a temporary file, never held whole. A plugin asking for the
// body as bytes (plugin.Context.RequestBody) gets them only when the body
// fits in memory; a larger one still reaches the upstream intact, from the
// file, as Kong's get_raw_body returns nothing for a body nginx spilled.
//
// Bodies streamed to the upstream without buffering are capped by Limited,
// which fails with the same ErrTooLarge.
package body

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrTooLarge is a body over Limits.Max; the proxy answers it with 413.
var ErrTooLarge = errors.New("request body larger than proxy_max_body_size")

// Limits bound one read of a request body.
type Limits struct {
	// Max caps the body in bytes; 0 is no limit.
	Max int64
	// Memory is how much of the body is held in memory; the rest goes to
	// a temporary file in TempDir.
	Memory int
	// TempDir holds the spilled bodies; "" is os.TempDir().
	TempDir string
}

// Buffer is a request body read in full: in memory up to Limits.Memory,
// beyond that in a temporary file that Close removes. Each reader of it
// gets its own Reader, so an abandoned upstream attempt still reading
// cannot disturb the next one.
type Buffer struct {
	mem    []byte
	file   *os.File // nil when the body fit in memory
	size   int64
	closed bool
}

// Read reads all of r, which announced length (-1 when unknown, as
// http.Request.ContentLength). It fails with ErrTooLarge past l.Max, before
// reading anything when length is already over it, with r's read error, or
// with a temporary file's error (an *os.PathError).
func Read(r io.Reader, length int64, l Limits) (*Buffer, error) {
	if l.Max > 0 && length > l.Max {
		return nil, ErrTooLarge
	}
	memMax := int64(l.Memory)
	if l.Max > 0 && l.Max < memMax {
		memMax = l.Max // a body past Max is refused before it needs a file
	}
	hint := int64(bytes.MinRead)
	if length > 0 && length <= memMax {
		hint += length // the whole body and EOF without growing
	}
	buf := bytes.NewBuffer(make([]byte, 0, hint))
	if _, err := buf.ReadFrom(io.LimitReader(r, memMax+1)); err != nil {
		return nil, err
	}
	b := &Buffer{mem: buf.Bytes(), size: int64(buf.Len())}
	if l.Max > 0 && b.size > l.Max {
		return nil, ErrTooLarge
	}
	if b.size <= memMax {
		return b, nil
	}
	f, err := os.CreateTemp(l.TempDir, "gantry-body-*")
	if err != nil {
		return nil, fmt.Errorf("spilling a request body beyond %d bytes to disk: %w", memMax, err)
	}
	b.file, b.mem = f, nil
	rest := r
	if l.Max > 0 {
		rest = io.LimitReader(r, l.Max+1-b.size)
	}
	if _, err = f.Write(buf.Bytes()); err == nil {
		var n int64
		n, err = io.Copy(onlyWriter{f}, rest)
		b.size += n
	}
	if err == nil && l.Max > 0 && b.size > l.Max {
		err = ErrTooLarge
	}
	if err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// FromBytes is a Buffer holding b in memory, as if Read had read it.
func FromBytes(b []byte) *Buffer { return &Buffer{mem: b, size: int64(len(b))} }

// onlyWriter hides the file's ReadFrom, so io.Copy reads the client body
// itself (through its deadline wrapper) rather than hand it to sendfile.
type onlyWriter struct{ io.Writer }

// Size is the body's length in bytes.
func (b *Buffer) Size() int64 { return b.size }

// Bytes returns the body when it is held in memory, and false when it
// was spilled to a file (read it with Reader).
func (b *Buffer) Bytes() ([]byte, bool) { return b.mem, b.file == nil }

// Reader returns a reader over the whole body.
func (b *Buffer) Reader() io.ReadCloser {
	if b.file != nil {
		return io.NopCloser(io.NewSectionReader(b.file, 0, b.size))
	}
	return io.NopCloser(bytes.NewReader(b.mem))
}

// GetBody is http.Request.GetBody: the Transport's own retries on a
// reused connection rewind the body with it.
func (b *Buffer) GetBody() (io.ReadCloser, error) { return b.Reader(), nil }

// Close removes the temporary file, if any; later calls do nothing. A
// transport goroutine still reading an abandoned attempt's body then gets
// an error, not a crash. Only the request's own goroutine calls Close.
func (b *Buffer) Close() {
	if b.file != nil && !b.closed {
		b.closed = true
		_ = b.file.Close()
		_ = os.Remove(b.file.Name())
	}
}

// Limited reads R, failing with ErrTooLarge once more than Max bytes of
// it were read (Max 0: no limit): the bound on a body read as a stream.
// It reads at most Max+1 bytes of R and hands the reader no more than Max.
type Limited struct {
	R   io.Reader
	Max int64
	n   int64 // bytes read from R
}

func (l *Limited) Read(p []byte) (int, error) {
	if l.Max <= 0 {
		return l.R.Read(p)
	}
	if l.n > l.Max {
		return 0, ErrTooLarge
	}
	if left := l.Max + 1 - l.n; int64(len(p)) > left {
		p = p[:left]
	}
	n, err := l.R.Read(p)
	l.n += int64(n)
	if over := l.n - l.Max; over > 0 {
		return n - int(over), ErrTooLarge
	}
	return n, err
}
