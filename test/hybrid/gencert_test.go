package hybrid

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestGenCertDays: `gantry hybrid gen_cert --days N` makes a certificate
// valid for N days (3 years without it).
func TestGenCertDays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		days float64
	}{
		{"default", nil, 3 * 365},
		{"--days 10", []string{"--days", "10"}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			crt, key := filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key")
			args := append(append([]string{"hybrid", "gen_cert"}, tt.args...), crt, key)
			if out, err := gantry(t, args...); err != nil {
				t.Fatalf("gen_cert: %v\n%s", err, out)
			}
			data, err := os.ReadFile(crt)
			if err != nil {
				t.Fatal(err)
			}
			block, _ := pem.Decode(data)
			if block == nil {
				t.Fatalf("%s holds no PEM block", crt)
			}
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if days := time.Until(cert.NotAfter).Hours() / 24; days < tt.days-1 || days > tt.days+1 {
				t.Fatalf("certificate valid for %.1f more days, want %.0f", days, tt.days)
			}
		})
	}
}
