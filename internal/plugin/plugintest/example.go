package plugintest

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
)

// Example reads the plugin entity from the first ```json block of a
// plugin's README (the "Example" section), so the documented example is the
// one the tests run. The plugin gets a fresh id and is global.
func Example(t testing.TB, readme string) *entity.Plugin {
	t.Helper()
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatalf("plugintest: %v", err)
	}
	_, rest, ok := strings.Cut(string(b), "```json\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatalf("plugintest: %s has no ```json example block", readme)
	}
	p := entity.NewPlugin()
	if err := json.Unmarshal([]byte(block), p); err != nil {
		t.Fatalf("plugintest: %s example: %v", readme, err)
	}
	p.ID = uuid.NewString()
	return p
}
