package node

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/config"
)

// cpSettings are control-plane settings with cluster_listen on port 0 (the
// certificate values are only checked for presence by config).
func cpSettings(t *testing.T) *config.Config {
	return settings(t,
		config.Flag{Key: "role", Value: "control_plane"},
		config.Flag{Key: "database", Value: "sqlite"},
		config.Flag{Key: "cluster_listen", Value: "127.0.0.1:0"},
		config.Flag{Key: "cluster_cert", Value: "unused"},
		config.Flag{Key: "cluster_cert_key", Value: "unused"})
}

func TestClusterHook(t *testing.T) {
	t.Parallel()
	stopped := make(chan struct{})
	hook := func(n *Node, lns []net.Listener) (func(context.Context) error, error) {
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
	n, stop := runNode(t, Options{Settings: cpSettings(t), Source: EmptySource{}, Cluster: hook, StatusExtra: extra})

	ls := n.Listeners()
	if len(ls.Proxy) != 0 || len(ls.Cluster) != 1 || strings.HasSuffix(ls.Cluster[0].Address, ":0") {
		t.Fatalf("control plane listeners = %+v, want no proxy and one bound cluster listener", ls)
	}
	if code, body := get(t, ls.Cluster[0].URL()+"/"); code != 200 || body != "cluster "+n.ID() {
		t.Fatalf("cluster listener answered %d %q", code, body)
	}
	if _, body := get(t, ls.Status[0].URL()+"/status"); !strings.Contains(body, `"config_version":7`) || !strings.Contains(body, `"role":"control_plane"`) {
		t.Fatalf("/status = %s, want the extra field and the role", body)
	}
	if err := stop(); err != nil {
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
		hook func(*Node, []net.Listener) (func(context.Context) error, error)
		want string
	}{
		{name: "cannot start", want: "cannot start hybrid mode: bad cert",
			hook: func(*Node, []net.Listener) (func(context.Context) error, error) { return nil, errors.New("bad cert") }},
		{name: "fails while running", want: "store gone",
			hook: func(*Node, []net.Listener) (func(context.Context) error, error) {
				return func(context.Context) error { return errors.New("store gone") }, nil
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := New(Options{Settings: cpSettings(t), Source: EmptySource{}, Cluster: tt.hook})
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

func TestApplyValidatedKeepsTheGivenHash(t *testing.T) {
	t.Parallel()
	up := upstream(t, "dp")
	n, _ := runNode(t, Options{Settings: settings(t)})
	cfg := oneRoute(up.URL)
	if err := n.ApplyValidated(t.Context(), cfg, cfg.Digest()); err != nil {
		t.Fatal(err)
	}
	if _, hash := n.Current(); hash != cfg.Hash() {
		t.Fatalf("hash after ApplyValidated = %q, want %q", hash, cfg.Hash())
	}
	if code, body := get(t, n.Listeners().Proxy[0].URL()+"/"); code != 200 || body != "dp" {
		t.Fatalf("proxy after ApplyValidated = %d %q", code, body)
	}
}
