package dp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/pipeline/pipelinetest"
	"github.com/gantryhq/gantry/internal/testutil"
)

// TestLostConnectionSaysWhatIsServed: a data plane that cannot reach its
// control plane says it serves its last configuration when it has one,
// and that it has none yet (every request 404) when it has not.
func TestLostConnectionSaysWhatIsServed(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		routes int
		want   string
	}{
		{"no configuration", 0, "has no configuration yet (every request gets 404)"},
		{"a configuration", 20, "serving the last configuration"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs testutil.Buffer
			a := testAgentWith(t, t.TempDir(), func(o *Options) {
				o.ControlPlanes = []string{testutil.ClosedAddr(t)}
				o.Timing = Timing{BackoffMin: 20 * time.Millisecond, BackoffMax: 40 * time.Millisecond}
				logTo(&logs)(o)
			})
			if tt.routes > 0 {
				pushChain(t, a, tt.routes, 0)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			pipe, _ := pipelinetest.Pipeline()
			_ = a.Run(ctx, pipe)
			if out := logs.String(); !strings.Contains(out, tt.want) {
				t.Fatalf("the log does not say %q:\n%s", tt.want, out)
			}
		})
	}
}

// TestPointedAtAnotherPort: a data plane whose cluster_control_plane is a
// plain HTTP server (the CP's Admin API, say) says what it probably is.
func TestPointedAtAnotherPort(t *testing.T) {
	t.Parallel()
	admin := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(admin.Close)
	var logs testutil.Buffer
	a := testAgentWith(t, t.TempDir(), func(o *Options) {
		o.ControlPlanes = []string{admin.Listener.Addr().String()}
		o.Timing = Timing{BackoffMin: 20 * time.Millisecond, BackoffMax: 40 * time.Millisecond}
		logTo(&logs)(o)
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	pipe, _ := pipelinetest.Pipeline()
	_ = a.Run(ctx, pipe)
	if out := logs.String(); !strings.Contains(out, "is cluster_control_plane the control plane's cluster_listen") {
		t.Fatalf("the log does not say the address is probably not the cluster port:\n%s", out)
	}
}
