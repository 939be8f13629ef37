package settings

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DefaultConfFile is read when no -c flag is given and the file exists.
const DefaultConfFile = "/etc/gantry/gantry.conf"

// EnvPrefix starts every environment variable that sets a setting.
const EnvPrefix = "GANTRY_"

// Options says where Load looks for settings.
type Options struct {
	// ConfFile is the -c flag; it must exist when set.
	ConfFile string
	// DefaultConfFile is read when ConfFile is empty and it exists;
	// "" means DefaultConfFile. Tests point it at a missing path.
	DefaultConfFile string
	// Environ is the environment in os.Environ form; only GANTRY_* entries
	// naming a known setting are used, others are left to other tools.
	Environ []string
	// Flags are values from the command line, the highest precedence.
	Flags []Flag
}

// notSettings are GANTRY_* variables Gantry reads that are not settings.
var notSettings = map[string]bool{
	"GANTRY_TEST_CLUSTER_DP_VERSION": true, // dp.VersionOverrideEnv, tests only
}

// Flag is a setting given on the command line; Name is the flag as typed
// ("-p", "--set"), for error messages.
type Flag struct {
	Key, Value, Name string
}

// Load merges defaults, the conf file, the environment and flags, then
// validates every setting. The error, when not nil, is an Errors listing
// every problem, one line each.
func Load(opts Options) (*Settings, error) {
	table := settings()
	known := make(map[string]bool, len(table))
	raw := make(map[string]rawValue, len(table))
	for _, s := range table {
		known[s.key] = true
		raw[s.key] = rawValue{value: s.def, source: Source{Kind: SourceDefault}}
	}
	errs := readConfFile(opts, known, raw)
	var warnings []string
	for _, kv := range opts.Environ {
		name, value, ok := strings.Cut(kv, "=")
		key := strings.ToLower(strings.TrimPrefix(name, EnvPrefix))
		switch {
		case !ok || !strings.HasPrefix(name, EnvPrefix):
		case known[key]:
			raw[key] = rawValue{value: strings.TrimSpace(value), source: Source{Kind: SourceEnv, Name: name}}
		case !notSettings[name]:
			// Not an error: the variable may be another tool's.
			warnings = append(warnings, fmt.Sprintf("environment variable %s sets nothing: %s", name, unknownKey(key, known)))
		}
	}
	slices.Sort(warnings)
	for _, f := range opts.Flags {
		if !known[f.Key] {
			errs = append(errs, fmt.Errorf("flag %s: %s", f.Name, unknownKey(f.Key, known)))
			continue
		}
		raw[f.Key] = rawValue{value: strings.TrimSpace(f.Value), source: Source{Kind: SourceFlag, Name: f.Name}}
	}

	c := &Settings{values: map[string]string{}, sources: map[string]Source{}, Warnings: warnings}
	for _, s := range table {
		rv := raw[s.key]
		if rv.value == "" {
			// An empty value means "unset": the default applies.
			rv.value = s.def
		}
		c.values[s.key], c.sources[s.key] = rv.value, rv.source
		if err := s.apply(c, rv.value); err != nil {
			errs = append(errs, &SettingError{Key: s.key, Value: rv.value, Source: rv.source, Problem: err.Error()})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if err := c.finish(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.validate()...)
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// Default returns the built-in defaults with prefix set to dir: what a node
// gets with no conf file, environment or flags. Handy in tests.
func Default(prefix string) (*Settings, error) {
	return Load(Options{DefaultConfFile: filepath.Join(prefix, "no-such-gantry.conf"), Flags: []Flag{{Key: "prefix", Value: prefix, Name: "prefix"}}})
}

// readConfFile merges the conf file into raw.
func readConfFile(opts Options, known map[string]bool, raw map[string]rawValue) Errors {
	path := opts.ConfFile
	if path == "" {
		path = opts.DefaultConfFile
		if path == "" {
			path = DefaultConfFile
		}
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Errors{fmt.Errorf("cannot read configuration file: %w", err)}
	}
	values, errs := parseFile(path, data, known)
	for k, v := range values {
		raw[k] = v
	}
	return errs
}

// finish resolves values that depend on others: an absolute prefix, the
// default sqlite_path inside it, and the listeners a role does not use.
func (c *Settings) finish() error {
	abs, err := filepath.Abs(c.Prefix)
	if err != nil {
		return &SettingError{Key: "prefix", Value: c.Prefix, Source: c.SourceOf("prefix"), Problem: err.Error()}
	}
	c.Prefix = abs
	c.values["prefix"] = abs
	if c.SQLitePath == "" {
		c.SQLitePath = filepath.Join(abs, "gantry.db")
		c.values["sqlite_path"] = c.SQLitePath
	}
	switch c.Role {
	case RoleControlPlane:
		c.ProxyListen = nil
	case RoleDataPlane:
		c.AdminListen = nil
	}
	if c.Role != RoleControlPlane {
		c.ClusterListen = nil
	}
	if c.Role != RoleDataPlane {
		c.ClusterPeerListen = nil
	}
	return nil
}
