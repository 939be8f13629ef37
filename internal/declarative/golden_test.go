package declarative

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden parses each testdata/golden input and compares the result, the
// flat YAML export or the error report, with its .golden file.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/golden/*.*")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inputs {
		if strings.HasSuffix(in, ".golden") {
			continue
		}
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			cfg, err := Parse(data, Options{})
			if err != nil {
				got = []byte(err.Error() + "\n")
			} else {
				got = mustMarshal(t, cfg, "yaml")
			}
			golden := strings.TrimSuffix(in, filepath.Ext(in)) + filepath.Ext(in) + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Fatalf("%s differs from %s (run go test -update if the change is intended):\n%s", in, golden, got)
			}
		})
	}
}
