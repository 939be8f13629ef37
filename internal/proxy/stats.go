package proxy

import (
	"net"
	"net/http"
	"sync/atomic"
)

// Stats are the proxy's counters since start, for /status and /metrics.
type Stats struct {
	// TotalRequests counts every request the proxy answered.
	TotalRequests int64
	// ByClass counts answers per status class: index 1 is 1xx ... 5 is
	// 5xx; index 0 counts requests that ended without a status (client
	// gone before the response, aborted upstream responses).
	ByClass [6]int64
	// ConnectionsActive is the number of open client connections.
	ConnectionsActive int64
	// ConnectionsAccepted counts client connections ever accepted.
	ConnectionsAccepted int64
}

type counters struct {
	requests atomic.Int64
	byClass  [6]atomic.Int64
	active   atomic.Int64
	accepted atomic.Int64
}

func (c *counters) request(status int) {
	c.requests.Add(1)
	class := status / 100
	if class < 1 || class > 5 {
		class = 0
	}
	c.byClass[class].Add(1)
}

// connState is every server's ConnState hook.
func (c *counters) connState(_ net.Conn, s http.ConnState) {
	switch s {
	case http.StateNew:
		c.active.Add(1)
		c.accepted.Add(1)
	case http.StateHijacked, http.StateClosed:
		c.active.Add(-1)
	}
}

// Stats returns a copy of the counters.
func (p *Proxy) Stats() Stats {
	s := Stats{
		TotalRequests:       p.stats.requests.Load(),
		ConnectionsActive:   p.stats.active.Load(),
		ConnectionsAccepted: p.stats.accepted.Load(),
	}
	for i := range s.ByClass {
		s.ByClass[i] = p.stats.byClass[i].Load()
	}
	return s
}
