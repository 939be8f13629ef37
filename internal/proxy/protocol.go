package proxy

import (
	"net/http"
	"strings"
)

// refuseProtocol answers, as Kong does, a request whose scheme or kind
// the matched route does not take, and reports whether it did:
//   - gRPC routes: a gRPC request over HTTP/1 gets 426 (use HTTP/2), a
//     non-gRPC request 415, a plain-text gRPC request on a grpcs-only
//     route a gRPC error (status 1).
//   - https-only routes: a plain-text request gets the route's
//     https_redirect_status_code, 426 with a JSON message and Upgrade
//     headers, or a 301/302/307/308 redirect to the https URL.
func refuseProtocol(w http.ResponseWriter, r *http.Request, st *reqState) bool {
	rp := st.route.Protocols
	h := w.Header()
	if (rp.GRPC || rp.GRPCS) && !rp.HTTP && !rp.HTTPS {
		isGRPC := grpcRequest(r)
		switch {
		case isGRPC && r.ProtoMajor != 2:
			h.Set("Connection", "Upgrade")
			h.Set("Upgrade", "HTTP/2")
			writeError(w, st, http.StatusUpgradeRequired, msgUseHTTP2)
		case !isGRPC:
			writeError(w, st, http.StatusUnsupportedMediaType, msgNotGRPC)
		case rp.GRPCS && !rp.GRPC && st.scheme != "https":
			h.Set("Content-Type", "application/grpc")
			h.Set("Grpc-Status", "1")
			h.Set("Grpc-Message", msgGRPCNeedsTLS)
			st.status, st.responded = http.StatusOK, true
			w.WriteHeader(http.StatusOK)
		default:
			return false
		}
		return true
	}
	if !rp.HTTPS || rp.HTTP || st.scheme == "https" {
		return false
	}
	switch code := st.route.Route.HTTPSRedirectStatusCode; code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		h.Set("Location", "https://"+st.host+r.URL.RequestURI())
		h.Set("Content-Length", "0")
		st.status, st.responded = code, true
		w.WriteHeader(code)
	default:
		h.Set("Connection", "Upgrade")
		h.Set("Upgrade", "TLS/1.2, HTTP/1.1")
		writeError(w, st, http.StatusUpgradeRequired, msgUseHTTPS)
	}
	return true
}

// grpcRequest reports whether r is a gRPC call, by its Content-Type as
// Kong tells them apart.
func grpcRequest(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc")
}
