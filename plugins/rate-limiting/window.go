package ratelimiting

import (
	"net/http"
	"time"
)

// period is a rate-limiting window kind.
type period uint8

const (
	second period = iota
	minute
	hour
	day
	month
	year
	numPeriods
)

var periodNames = [numPeriods]string{"second", "minute", "hour", "day", "month", "year"}

// Header names, prepared once: X-RateLimit-Limit-Minute and so on.
var (
	limitHeaders     [numPeriods]string
	remainingHeaders [numPeriods]string
	rlLimit          = http.CanonicalHeaderKey("RateLimit-Limit")
	rlRemaining      = http.CanonicalHeaderKey("RateLimit-Remaining")
	rlReset          = http.CanonicalHeaderKey("RateLimit-Reset")
)

func init() {
	for p, n := range periodNames {
		title := string(n[0]-'a'+'A') + n[1:]
		// Canonical form up front: http.Header.Set would allocate it per request.
		limitHeaders[p] = http.CanonicalHeaderKey("X-RateLimit-Limit-" + title)
		remainingHeaders[p] = http.CanonicalHeaderKey("X-RateLimit-Remaining-" + title)
	}
}

func (p period) name() string { return periodNames[p] }

// seconds is Kong's nominal window length, used for RateLimit-Reset and
// Retry-After (a month is 30 days, a year 365, as in Kong).
func (p period) seconds() int64 {
	return [numPeriods]int64{1, 60, 3600, 86400, 2592000, 31536000}[p]
}

// start returns the Unix second at which the window holding now began,
// in UTC: calendar months and years, as Kong counts them.
func (p period) start(now time.Time) int64 {
	s := now.Unix()
	switch p {
	case month:
		u := now.UTC()
		return time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC).Unix()
	case year:
		return time.Date(now.UTC().Year(), 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	}
	return s - s%p.seconds()
}

// end returns the Unix second at which the window holding now ends.
func (p period) end(now time.Time) int64 {
	u := now.UTC()
	switch p {
	case month:
		return time.Date(u.Year(), u.Month()+1, 1, 0, 0, 0, 0, time.UTC).Unix()
	case year:
		return time.Date(u.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	}
	return p.start(now) + p.seconds()
}

// limit is one configured window.
type limit struct {
	period period
	max    int64
}
