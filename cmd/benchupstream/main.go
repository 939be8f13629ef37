// Command benchupstream is the upstream of `make bench` and of the README's
// walk-through: a minimal HTTP server answering every request with a small
// fixed body, so the benchmark measures the proxies, not the upstream.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:0", "address to listen on (port 0 picks a free port)")
	size := flag.Int("size", 64, "response body size in bytes")
	text := flag.String("text", "", "answer this text (and a newline) instead of -size bytes")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchupstream:", err)
		os.Exit(1)
	}
	// The bound address on stdout lets the bench script find a random port.
	fmt.Println(ln.Addr().String())
	body := make([]byte, *size)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	if *text != "" {
		body = []byte(*text + "\n")
	}
	length := strconv.Itoa(len(body))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", length)
		_, _ = w.Write(body)
	})
	if err := http.Serve(ln, h); err != nil {
		fmt.Fprintln(os.Stderr, "benchupstream:", err)
		os.Exit(1)
	}
}
