package proxy

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// fastPath reports whether r can be proxied by serveFast: a body-less
// request the upstream HTTP/1.1 fast path takes.
func fastPath(r *http.Request, up *upstream) bool {
	return r.ContentLength == 0 && (r.Body == nil || r.Body == http.NoBody) && h1Takes(up, r)
}

// h1Takes reports whether up's HTTP/1.1 pool can send req, given it has
// no body: a plain-http service, an idempotent method (replayable on a
// stale keep-alive connection) and no upgrade, which needs
// httputil.ReverseProxy. Both serveFast's choice and the forwarder's
// choice of transport go by it.
func h1Takes(up *upstream, req *http.Request) bool {
	return up.h1 != nil && idempotent(req.Method) && len(req.Header["Upgrade"]) == 0
}

// serveFast is httputil.ReverseProxy's ServeHTTP cut down to what
// fastPath lets through, with the outbound request kept in st: no request
// clone, context or trace per request, and hop-by-hop headers dropped
// while copying rather than looked up one by one afterwards. Its
// behaviour (headers, 1xx, trailers, flushing, errors) is
// ReverseProxy's; the tests run through both.
func (p *Proxy) serveFast(w http.ResponseWriter, r *http.Request, st *reqState) {
	out := &st.out
	*out = *r
	st.outURL = *r.URL
	out.URL = &st.outURL
	out.URL.RawQuery = cleanQueryParams(out.URL.RawQuery)
	out.Body, out.ContentLength, out.Close, out.RequestURI = nil, 0, false, ""
	out.Header = make(http.Header, len(r.Header)+8)
	copyRequestHeader(out.Header, r.Header)
	rewriteOut(r, out, st)

	st.w = w
	res, err := p.forward.roundTrip(out, st)
	st.w = nil
	if err != nil {
		p.upstreamError(w, r, st, err)
		return
	}
	if res.StatusCode == http.StatusSwitchingProtocols {
		res.Body.Close()
		p.upstreamError(w, r, st, errors.New("upstream switched protocols without being asked to"))
		return
	}
	removeHopByHop(res.Header)
	if err := p.respond(res, st); err != nil {
		res.Body.Close()
		p.upstreamError(w, r, st, err)
		return
	}
	h := w.Header()
	for k, vv := range res.Header {
		if len(h[k]) == 0 {
			h[k] = vv // nothing changes res.Header from here on: share, don't copy
		} else {
			h[k] = append(h[k], vv...)
		}
	}
	noSniff(h)
	announced := len(res.Trailer)
	if announced > 0 {
		keys := make([]string, 0, announced)
		for k := range res.Trailer {
			keys = append(keys, k)
		}
		h.Add("Trailer", strings.Join(keys, ", "))
	}
	w.WriteHeader(res.StatusCode)
	if err := p.copyBody(w, res, st); err != nil {
		res.Body.Close()
		panic(http.ErrAbortHandler) // the status went out: all that is left is to cut the response
	}
	res.Body.Close() // fills res.Trailer
	if len(res.Trailer) > 0 {
		_ = http.NewResponseController(w).Flush() // chunked, so the trailers can follow
	}
	if len(res.Trailer) == announced {
		for k, vv := range res.Trailer {
			h[k] = append(h[k], vv...)
		}
		return
	}
	for k, vv := range res.Trailer {
		for _, v := range vv {
			h.Add(http.TrailerPrefix+k, v)
		}
	}
}

// copyBody sends the response body, flushing each write when the route
// does not buffer, the length is unknown or it is an event stream (as
// ReverseProxy does).
func (p *Proxy) copyBody(w http.ResponseWriter, res *http.Response, st *reqState) error {
	flush := !st.route.Route.ResponseBuffering || res.ContentLength == -1 || eventStream(res.Header.Get("Content-Type"))
	rc := http.NewResponseController(w)
	if flush {
		_ = rc.Flush()
	}
	buf := p.buffers.Get()
	defer p.buffers.Put(buf)
	for {
		n, rerr := res.Body.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
			if flush {
				_ = rc.Flush()
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

func eventStream(contentType string) bool {
	if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(contentType)), "text/event-stream") {
		return false
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "text/event-stream"
}

// noSniff keeps net/http from adding a Content-Type the upstream did not
// send (it sniffs the first body bytes otherwise): clients see what the
// upstream said, as behind Kong, on both paths. A nil value suppresses
// the field.
func noSniff(h http.Header) {
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil
	}
}
