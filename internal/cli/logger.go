package cli

import (
	"io"
	"log/slog"
	"strings"

	"github.com/gantryhq/gantry/internal/settings"
)

// newLogger logs text lines at the log_level setting, naming levels the way
// Kong's (nginx's) log_level does: NOTICE between INFO and WARN, CRIT above ERROR.
func newLogger(w io.Writer, s *settings.Settings) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: s.LogLevel,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key != slog.LevelKey || len(groups) != 0 {
				return a
			}
			if lvl, ok := a.Value.Any().(slog.Level); ok {
				if name, ok := settings.LevelName(lvl); ok {
					a.Value = slog.StringValue(strings.ToUpper(name))
				}
			}
			return a
		},
	}))
}
