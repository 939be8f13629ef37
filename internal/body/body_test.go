package body_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/gantryhq/gantry/internal/body"
)

// source is a client body: data, or an endless stream of bytes when data
// is nil. It counts what was read from it.
type source struct {
	r    io.Reader
	read int64
}

func newSource(data []byte) *source {
	if data == nil {
		return &source{r: endless{}}
	}
	return &source{r: bytes.NewReader(data)}
}

func (s *source) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.read += int64(n)
	return n, err
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func random(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func files(t *testing.T, dir string) int {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// TestRead: a body within Max arrives intact, in memory up to Memory and
// in a file beyond; a longer one fails with ErrTooLarge having read no
// more than Max+1 bytes of the client.
func TestRead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		size     int   // -1: an endless body
		length   int64 // announced length; -1 unknown
		max      int64
		memory   int
		tooLarge bool
		inMemory bool
	}{
		{name: "small body, no limit", size: 100, length: 100, memory: 1024, inMemory: true},
		{name: "body of exactly Memory stays in memory", size: 1024, length: -1, memory: 1024, inMemory: true},
		{name: "body over Memory spills", size: 1025, length: -1, memory: 1024},
		{name: "large body spills, no limit", size: 3 << 20, length: 3 << 20, memory: 64 << 10},
		{name: "body of exactly Max", size: 1024, length: -1, max: 1024, memory: 4096, inMemory: true},
		{name: "spilled body within Max", size: 8192, length: -1, max: 10000, memory: 4096},
		{name: "unknown length over Max, Max under Memory", size: -1, length: -1, max: 1024, memory: 1 << 20, tooLarge: true},
		{name: "unknown length over Max, Max over Memory", size: -1, length: -1, max: 64 << 10, memory: 4096, tooLarge: true},
		{name: "announced length over Max", size: 2048, length: 2048, max: 1024, memory: 4096, tooLarge: true},
		{name: "understated length over Max", size: 2048, length: 100, max: 1024, memory: 4096, tooLarge: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var want []byte
			if tt.size >= 0 {
				want = random(t, tt.size)
			}
			src := newSource(want)
			b, err := body.Read(src, tt.length, body.Limits{Max: tt.max, Memory: tt.memory, TempDir: dir})
			if tt.tooLarge {
				if !errors.Is(err, body.ErrTooLarge) {
					t.Fatalf("err = %v, want ErrTooLarge", err)
				}
				if src.read > tt.max+1 {
					t.Errorf("read %d bytes of the client body, want at most Max+1 = %d", src.read, tt.max+1)
				}
				if n := files(t, dir); n != 0 {
					t.Errorf("%d temporary files left after a refused body", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if b.Size() != int64(len(want)) {
				t.Errorf("Size = %d, want %d", b.Size(), len(want))
			}
			mem, inMemory := b.Bytes()
			if inMemory != tt.inMemory {
				t.Errorf("in memory = %v, want %v", inMemory, tt.inMemory)
			}
			if inMemory && !bytes.Equal(mem, want) {
				t.Error("Bytes differ from the body sent")
			}
			if n := files(t, dir); n != map[bool]int{true: 0, false: 1}[tt.inMemory] {
				t.Errorf("%d temporary files while the body is held", n)
			}
			for i := range 2 { // every reader gets the whole body
				got, err := io.ReadAll(b.Reader())
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("reader %d: %d bytes, %v; want the %d bytes sent", i, len(got), err, len(want))
				}
			}
			b.Close()
			b.Close()
			if n := files(t, dir); n != 0 {
				t.Errorf("%d temporary files left after Close", n)
			}
		})
	}
}

// TestReadClientError: the client's read error is the result, not a
// short body.
func TestReadClientError(t *testing.T) {
	t.Parallel()
	broken := errors.New("connection reset")
	for _, size := range []int{10, 10000} {
		r := io.MultiReader(bytes.NewReader(make([]byte, size)), errReader{broken})
		if _, err := body.Read(r, -1, body.Limits{Memory: 4096, TempDir: t.TempDir()}); !errors.Is(err, broken) {
			t.Errorf("%d bytes then an error: err = %v, want %v", size, err, broken)
		}
	}
}

type errReader struct{ err error }

// TestFromBytes: a body a plugin set is held as given, in memory, and
// every reader gets it whole.
func TestFromBytes(t *testing.T) {
	t.Parallel()
	want := random(t, 5000)
	b := body.FromBytes(want)
	defer b.Close()
	if mem, ok := b.Bytes(); !ok || !bytes.Equal(mem, want) || b.Size() != int64(len(want)) {
		t.Errorf("Bytes = %d bytes, in memory %v, Size %d; want the %d bytes given, in memory", len(mem), ok, b.Size(), len(want))
	}
	for i := range 2 {
		if got, err := io.ReadAll(b.Reader()); err != nil || !bytes.Equal(got, want) {
			t.Errorf("reader %d: %d bytes, %v; want the %d bytes given", i, len(got), err, len(want))
		}
	}
}

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestLimited: a stream is passed on up to Max bytes, then fails with
// ErrTooLarge, and is never read past Max+1.
func TestLimited(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		size     int // -1: endless
		max      int64
		tooLarge bool
	}{
		{"no limit", 100000, 0, false},
		{"under Max", 1000, 1024, false},
		{"exactly Max", 1024, 1024, false},
		{"one byte over Max", 1025, 1024, true},
		{"endless", -1, 1024, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var want []byte
			if tt.size >= 0 {
				want = random(t, tt.size)
			}
			src := newSource(want)
			got, err := io.ReadAll(&body.Limited{R: src, Max: tt.max})
			if tt.tooLarge {
				if !errors.Is(err, body.ErrTooLarge) {
					t.Fatalf("err = %v, want ErrTooLarge", err)
				}
				if int64(len(got)) != tt.max || src.read > tt.max+1 {
					t.Errorf("passed on %d bytes, read %d; want Max = %d passed on and at most Max+1 read", len(got), src.read, tt.max)
				}
				return
			}
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%d bytes, %v; want the %d bytes sent", len(got), err, len(want))
			}
		})
	}
}
