package engine

import (
	"context"
	"fmt"

	"github.com/gantryhq/gantry/internal/balancer"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// The Admin API's upstream health endpoints (GET /upstreams/{u}/health,
// POST …/targets/{t}/healthy|unhealthy) read and mark this node's running
// balancers through these methods, so a traditional node answers with the
// same rows as the status listener's read-only endpoints.

// runningUpstream returns the upstream with that id in the running
// snapshot, or nil.
func (e *Engine) runningUpstream(upstreamID string) *snapshot.Upstream {
	s := e.p.Current()
	if s == nil {
		return nil
	}
	return s.Upstream(upstreamID)
}

// UpstreamHealth reports the health of an upstream's targets and of the
// upstream as a whole. An upstream the running configuration does not hold
// yet (a write not applied yet) has no targets and health checks off.
func (e *Engine) UpstreamHealth(_ context.Context, upstreamID string) (any, string, error) {
	u := e.runningUpstream(upstreamID)
	if u == nil {
		return []healthRow{}, balancer.HealthchecksOff, nil
	}
	overall := balancer.HealthchecksOff
	if u.Balancer != nil {
		overall = u.Balancer.UpstreamHealth()
	}
	return healthRows(u), overall, nil
}

// SetTargetHealth marks a target (address "" = all its addresses) healthy
// or unhealthy on this node's balancer, as Kong's POST …/healthy does.
func (e *Engine) SetTargetHealth(_ context.Context, upstreamID, target, address string, healthy bool) error {
	u := e.runningUpstream(upstreamID)
	if u == nil || u.Balancer == nil {
		return fmt.Errorf("the upstream is not running on this node yet; retry in a moment")
	}
	return u.Balancer.SetHealth(target, address, healthy)
}
