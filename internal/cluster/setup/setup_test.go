package setup

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/config"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/store/sqlite"
)

func settings(t *testing.T, kv ...string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	flags := []config.Flag{{Key: "prefix", Value: dir, Name: "-p"}}
	for i := 0; i < len(kv); i += 2 {
		flags = append(flags, config.Flag{Key: kv[i], Value: kv[i+1], Name: "--set"})
	}
	s, err := config.Load(config.Options{DefaultConfFile: filepath.Join(dir, "none.conf"), Flags: flags})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSettingsErrorsStopStartUp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	crt, key := filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key")
	if err := clustertls.GenCert(crt, key, 10, time.Now()); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reg := plugin.Bundled(nil)
	tests := []struct {
		name string
		kv   []string
		want string
	}{
		{"missing certificate", []string{"cluster_cert", filepath.Join(dir, "nope.crt"), "cluster_cert_key", key}, "nope.crt: no such file"},
		{"cluster port in use", []string{"cluster_cert", crt, "cluster_cert_key", key, "cluster_listen", busy.Addr().String()}, "cluster_listen: cannot listen on " + busy.Addr().String()},
		{"pki mode", []string{"cluster_cert", crt, "cluster_cert_key", key, "cluster_mtls", "pki", "cluster_ca_cert", crt}, "cluster_mtls = pki is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings(t, append([]string{"role", "control_plane"}, tt.kv...)...)
			_, lns, err := ControlPlane(context.Background(), s, st, reg, nil)
			for _, ln := range lns {
				ln.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
	t.Run("data plane", func(t *testing.T) {
		s := settings(t, "role", "data_plane", "database", "off", "cluster_cert", crt, "cluster_cert_key", key, "cluster_dp_labels", "region:eu")
		a, err := DataPlane(s, "00000000-0000-4000-8000-000000000001", reg, func(context.Context, *entity.Config, string) error { return nil }, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		if st := a.Status(); st.Source != "empty" {
			t.Fatalf("source = %q, want empty (no cache, no declarative_config)", st.Source)
		}
	})
}
