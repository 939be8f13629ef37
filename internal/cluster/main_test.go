package cluster_test

import (
	"context"
	"os"
	"testing"

	"github.com/gantryhq/gantry/internal/store"
	"github.com/gantryhq/gantry/internal/store/pgtest"
	"github.com/gantryhq/gantry/internal/store/postgres"
)

// pg is a real PostgreSQL server for the tests of control planes sharing
// one database.
var pg *pgtest.Server

const pgTemplate = "gantry_cluster_template"

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m, &pg, func(s *pgtest.Server) error {
		return s.CreateTemplate(context.Background(), pgTemplate, func(db string) error {
			mig, err := postgres.Migrations(pgConfig(s, db))
			if err != nil {
				return err
			}
			defer mig.Close()
			_, err = mig.Bootstrap(context.Background())
			return err
		})
	}))
}

func pgConfig(s *pgtest.Server, db string) postgres.Config {
	return postgres.Config{Host: s.Host, Port: s.Port, User: s.User, Database: db}
}

// sharedDatabase returns two stores on one new PostgreSQL database, as two
// control planes sharing it would have.
func sharedDatabase(t *testing.T) (store.Store, store.Store) {
	t.Helper()
	cfg := pgConfig(pg, pg.NewDatabaseFrom(t, pgTemplate))
	open := func() store.Store {
		st, err := postgres.Open(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	return open(), open()
}
