package node_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/node"
	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/settings"
	"github.com/gantryhq/gantry/internal/testutil"
)

// cpSettings are control-plane settings with cluster_listen on port 0 (the
// certificate values are only checked for presence by config).
func cpSettings(t *testing.T) *settings.Settings {
	return nodeSettings(t,
		settings.Flag{Key: "role", Value: "control_plane"},
		settings.Flag{Key: "database", Value: "sqlite"},
		settings.Flag{Key: "cluster_listen", Value: "127.0.0.1:0"},
		settings.Flag{Key: "cluster_cert", Value: "unused"},
		settings.Flag{Key: "cluster_cert_key", Value: "unused"})
}

func TestClusterHook(t *testing.T) {
	t.Parallel()
	stopped := make(chan struct{})
	hook := func(n *testNode, lns []node.Listener) (func(context.Context) error, error) {
		if len(lns) != 1 {
			return nil, errors.New("want one cluster listener")
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "cluster "+n.ID()) })}
		return func(ctx context.Context) error {
			go func() { <-ctx.Done(); srv.Close() }()
			err := srv.Serve(lns[0])
			close(stopped)
			return err
		}, nil
	}
	extra := func() map[string]any { return map[string]any{"config_version": 7} }
	n := runNode(t, setup{settings: cpSettings(t), cluster: hook, extra: extra})

	ls := n.Listeners()
	if len(ls.Proxy) != 0 || len(ls.Cluster) != 1 || strings.HasSuffix(ls.Cluster[0].Address, ":0") {
		t.Fatalf("control plane listeners = %+v, want no proxy and one bound cluster listener", ls)
	}
	if code, body := testutil.Get(t, ls.Cluster[0].URL()+"/"); code != 200 || body != "cluster "+n.ID() {
		t.Fatalf("cluster listener answered %d %q", code, body)
	}
	if _, body := testutil.Get(t, ls.Status[0].URL()+"/status"); !strings.Contains(body, `"config_version":7`) || !strings.Contains(body, `"role":"control_plane"`) {
		t.Fatalf("/status = %s, want the extra field and the role", body)
	}
	if err := n.stop(); err != nil {
		t.Fatalf("Run = %v after stop", err)
	}
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("the cluster work was not stopped with the node")
	}
}

func TestClusterFailureStopsNode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		hook clusterHook
		want string
	}{
		{name: "cannot start", want: "cannot start hybrid mode: bad cert",
			hook: func(*testNode, []node.Listener) (func(context.Context) error, error) {
				return nil, errors.New("bad cert")
			}},
		{name: "fails while running", want: "store gone",
			hook: func(*testNode, []node.Listener) (func(context.Context) error, error) {
				return func(context.Context) error { return errors.New("store gone") }, nil
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := newNode(setup{settings: cpSettings(t), cluster: tt.hook})
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- n.Run(t.Context()) }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("Run = %v, want %q", err, tt.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("node kept running after its cluster work failed")
			}
		})
	}
}

// TestApplyValidatedKeepsTheGivenHash: a checked configuration (an
// entity.Valid, as a data plane's agent hands one) applied through the
// pipeline is served under its own hash.
func TestApplyValidatedKeepsTheGivenHash(t *testing.T) {
	t.Parallel()
	up := upstream(t, "dp")
	n := runNode(t, setup{settings: nodeSettings(t)})
	cfg := oneRoute(up.URL)
	v, err := cfg.Check(entity.Checks{})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.pipe.Apply(t.Context(), pipeline.Update{Config: v, Source: "test"}); err != nil {
		t.Fatal(err)
	}
	if hash := n.hash(); hash != cfg.Hash() {
		t.Fatalf("hash after ApplyValidated = %q, want %q", hash, cfg.Hash())
	}
	if code, body := testutil.Get(t, n.Listeners().Proxy[0].URL()+"/"); code != 200 || body != "dp" {
		t.Fatalf("proxy after ApplyValidated = %d %q", code, body)
	}
}
