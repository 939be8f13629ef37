package proxy

import (
	"bufio"
	"fmt"
	"net/http"
	"net/textproto"

	"golang.org/x/net/http/httpguts"
)

// writeRequest writes a body-less request the way http.Transport does,
// minus Request.Write's per-request formatting, header sorting and
// transfer bookkeeping. Like Transport it refuses header fields that are
// not valid HTTP (CR, LF, NUL in a value; a bad name) rather than
// sending them, so both paths answer such a request with 502; and it
// sends "Content-Length: 0" for PUT, as Request.Write does (servers
// answer a PUT without a length with 411). Anything out of the ordinary (a body,
// CONNECT, a non-ASCII or unusual Host, control bytes in the URI) is left
// to Request.Write.
func writeRequest(bw *bufio.Writer, req *http.Request) error {
	if err := validHeader(req.Header); err != nil {
		return err
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	ruri := req.URL.RequestURI()
	if req.Body != nil || req.ContentLength != 0 || req.Close || len(req.TransferEncoding) > 0 ||
		req.Method == http.MethodConnect || !plainHost(host) || hasCTL(ruri) {
		return req.Write(bw)
	}
	bw.WriteString(req.Method)
	bw.WriteByte(' ')
	bw.WriteString(ruri)
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(host)
	bw.WriteString("\r\n")
	for k, vs := range req.Header {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
			continue
		case "User-Agent":
			vs = vs[:min(len(vs), 1)] // Request.Write sends the first only
		}
		for _, v := range vs {
			if k == "User-Agent" && v == "" {
				continue
			}
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(textproto.TrimString(v))
			bw.WriteString("\r\n")
		}
	}
	if req.Method == http.MethodPut {
		bw.WriteString("Content-Length: 0\r\n") // as Request.Write: servers expect a length for PUT
	}
	_, err := bw.WriteString("\r\n")
	return err
}

// validHeader is http.Transport's check of the fields it sends.
func validHeader(h http.Header) error {
	for k, vs := range h {
		if !httpguts.ValidHeaderFieldName(k) {
			return fmt.Errorf("upstream request: invalid header field name %q", k)
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				return fmt.Errorf("upstream request: invalid header field value for %q", k)
			}
		}
	}
	return nil
}

// plainHost reports whether host can be sent as is: printable ASCII,
// valid as a Host header, without an IPv6 zone (which Request.Write
// strips).
func plainHost(host string) bool {
	for i := 0; i < len(host); i++ {
		if c := host[i]; c <= ' ' || c >= 0x7f || c == '%' {
			return false
		}
	}
	return httpguts.ValidHostHeader(host)
}

func hasCTL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return true
		}
	}
	return false
}
