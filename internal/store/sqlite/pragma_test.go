package sqlite

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
)

// TestConnectionSettings checks what every connection must have: WAL (so
// readers never block the writer), enforced foreign keys, a busy timeout
// (so a second process waits instead of failing), and a single writer.
func TestConnectionSettings(t *testing.T) {
	d, err := openDriver(t.Context(), filepath.Join(t.TempDir(), "gantry.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tests := []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	}
	for _, tc := range tests {
		t.Run(tc.pragma, func(t *testing.T) {
			for name, db := range map[string]*sql.DB{"writer": d.writer, "reader": d.reader} {
				var got string
				if err := db.QueryRow("PRAGMA " + tc.pragma).Scan(&got); err != nil || got != tc.want {
					t.Fatalf("%s: PRAGMA %s = %q (%v), want %q", name, tc.pragma, got, err, tc.want)
				}
			}
		})
	}
	if n := d.writer.Stats().MaxOpenConnections; n != 1 {
		t.Fatalf("writer allows %d connections, want 1", n)
	}
}

func TestNewFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gantry.db")
	s, err := Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range []string{path, path + "-wal"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if mode := st.Mode().Perm(); mode&0o077 != 0 {
			t.Fatalf("%s has mode %v: others can read private keys and credentials", filepath.Base(p), mode)
		}
	}
}
