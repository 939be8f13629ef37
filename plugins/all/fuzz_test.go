package all_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// FuzzPluginConfig feeds arbitrary JSON configs to every bundled plugin's
// validation and, when valid, to BuildChains: bad input must become field
// errors, never a panic. Seeds are the README examples.
func FuzzPluginConfig(f *testing.F) {
	readmes, _ := filepath.Glob("../*/README.md")
	for _, r := range readmes {
		b, err := os.ReadFile(r)
		if err != nil {
			f.Fatal(err)
		}
		if _, rest, ok := strings.Cut(string(b), "```json\n"); ok {
			block, _, _ := strings.Cut(rest, "```")
			f.Add(block)
		}
	}
	f.Add(`{"name":"rate-limiting","config":{"minute":1e300,"limit_by":"header","header_name":""}}`)
	f.Add(`{"name":"cors","config":{"origins":["(((("],"max_age":-1}}`)
	reg := plugin.Bundled(nil)
	names := reg.Names()
	f.Fuzz(func(t *testing.T, doc string) {
		var raw struct {
			Name   string         `json:"name"`
			Config map[string]any `json:"config"`
		}
		if json.Unmarshal([]byte(doc), &raw) != nil {
			return
		}
		for _, name := range names {
			p := entity.NewPlugin()
			p.ID, p.Name, p.Config = "p1", name, raw.Config
			if reg.Validate(p) != nil {
				continue
			}
			cfg := &entity.Config{Plugins: []*entity.Plugin{p}}
			if _, err := reg.BuildChains(cfg); err != nil && !strings.Contains(err.Error(), name) {
				t.Errorf("%s: build error does not name the plugin: %v", name, err)
			}
		}
	})
}
