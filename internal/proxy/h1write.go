package proxy

import (
	"bufio"
	"net/http"
	"net/textproto"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// newlineToSpace keeps a header value on its line, as net/http does.
var newlineToSpace = strings.NewReplacer("\r", " ", "\n", " ")

// writeRequest writes a body-less request the way Request.Write does,
// minus its per-request formatting, header sorting and transfer
// bookkeeping. Anything out of the ordinary (a body, CONNECT, a
// non-ASCII or unusual Host, control bytes in the URI) is left to
// Request.Write.
func writeRequest(bw *bufio.Writer, req *http.Request) error {
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
		if !httpguts.ValidHeaderFieldName(k) {
			continue
		}
		for _, v := range vs {
			if k == "User-Agent" && v == "" {
				continue
			}
			if strings.ContainsAny(v, "\r\n") {
				v = newlineToSpace.Replace(v)
			}
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(textproto.TrimString(v))
			bw.WriteString("\r\n")
		}
	}
	_, err := bw.WriteString("\r\n")
	return err
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
