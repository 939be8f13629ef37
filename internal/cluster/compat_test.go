package cluster_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/cp"
	"github.com/gantryhq/gantry/internal/cluster/dp"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/testutil"
)

func TestVersionRules(t *testing.T) {
	t.Parallel()
	cert := newCert(t)
	c := startCP(t, newStore(t), cert) // CP is 1.4.2
	tests := []struct {
		name, version string
		accepted      bool
	}{
		{"same minor, newer patch", "1.4.9", true},
		{"older minor", "1.2.0", true},
		{"newer minor", "1.5.0", false},
		{"other major", "2.0.0", false},
		{"older major", "0.9.0", false},
		{"not a version", "banana", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := startDP(t, []string{c.addr}, cert, func(o *dp.Options) { o.Version = tt.version })
			testutil.Eventually(t, "a row for the data plane", 5*time.Second, func() bool {
				r, ok := row(c, d.id)
				return ok && r.SyncStatus != cp.StatusUnknown
			})
			r, _ := row(c, d.id)
			if tt.accepted {
				if r.SyncStatus != cp.StatusNormal {
					t.Fatalf("sync_status = %s (%s), want normal", r.SyncStatus, r.SyncDetail)
				}
				return
			}
			if r.SyncStatus != cp.StatusVersionIncompatible {
				t.Fatalf("sync_status = %s, want %s", r.SyncStatus, cp.StatusVersionIncompatible)
			}
			testutil.Eventually(t, "the data plane logs the refusal", 5*time.Second, func() bool {
				return strings.Contains(d.logs.String(), "refused this data plane")
			})
			for _, v := range []string{tt.version, "1.4.2"} {
				if !strings.Contains(d.logs.String(), v) || !strings.Contains(r.SyncDetail, v) {
					t.Errorf("refusal does not give version %s: DP log %q, CP detail %q", v, d.logs.String(), r.SyncDetail)
				}
			}
		})
	}
}

func TestPluginRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		plugins map[string]string
		status  string
	}{
		{"plugin present, same version", map[string]string{"cors": "1.2.0"}, cp.StatusNormal},
		{"plugin present, older minor", map[string]string{"cors": "1.0.3"}, cp.StatusNormal},
		{"plugin missing", map[string]string{"key-auth": "1.1.0"}, cp.StatusPluginSetIncompatible},
		{"plugin newer minor", map[string]string{"cors": "1.3.0"}, cp.StatusPluginVersionIncompatible},
		{"plugin other major", map[string]string{"cors": "2.0.0"}, cp.StatusPluginVersionIncompatible},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cert := newCert(t)
			c := startCP(t, newStore(t), cert)
			addServiceRoute(t, c.store, "echo", "/echo")
			p := entity.NewPlugin()
			p.Name, p.Config = "cors", map[string]any{"origins": []any{"*"}}
			if err := c.store.Insert(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			c.synced(t)
			d := startDP(t, []string{c.addr}, cert, withPlugins(tt.plugins))
			testutil.Eventually(t, "a status for the data plane", 5*time.Second, func() bool {
				r, ok := row(c, d.id)
				return ok && r.SyncStatus != cp.StatusUnknown
			})
			r, _ := row(c, d.id)
			if r.SyncStatus != tt.status {
				t.Fatalf("sync_status = %s (%s), want %s", r.SyncStatus, r.SyncDetail, tt.status)
			}
			_, hash := c.Current()
			if tt.status == cp.StatusNormal {
				testutil.Eventually(t, "config pushed", 5*time.Second, func() bool { return d.hash() == hash })
				return
			}
			time.Sleep(600 * time.Millisecond) // several heartbeats and retry ticks
			if d.hash() == hash {
				t.Fatal("the configuration was pushed to an incompatible data plane")
			}
			if n := c.logs.count("configuration not pushed to data plane"); n != 1 {
				t.Fatalf("CP logged %d warnings, want exactly one:\n%s", n, c.logs)
			}
			log := c.logs.String()
			for _, want := range []string{d.id, "cors", "1.2.0"} {
				if !strings.Contains(log, want) {
					t.Errorf("warning does not name %q:\n%s", want, log)
				}
			}
		})
	}
}
