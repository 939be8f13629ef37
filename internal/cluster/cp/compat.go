package cp

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Sync statuses shown in /clustering/data-planes, with Kong's spelling so
// Kong's clients understand them.
const (
	StatusUnknown                   = "unknown"
	StatusNormal                    = "normal"
	StatusVersionIncompatible       = "kong_version_incompatible"
	StatusPluginSetIncompatible     = "plugin_set_incompatible"
	StatusPluginVersionIncompatible = "plugin_version_incompatible"
)

// semver is the major and minor of a version string; the patch level
// never matters for compatibility.
type semver struct{ major, minor int }

func parseSemver(v string) (semver, error) {
	v = strings.TrimPrefix(v, "v")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return semver{}, fmt.Errorf("version %q is not major.minor[.patch]", v)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil || major < 0 || minor < 0 {
		return semver{}, fmt.Errorf("version %q is not major.minor[.patch]", v)
	}
	return semver{major, minor}, nil
}

// compatible reports whether a DP at dp may be served by a CP at cp: same
// major, and a minor no newer than the CP's.
func compatible(cp, dp semver) bool { return cp.major == dp.major && dp.minor <= cp.minor }

// checkVersion applies the version rule to a DP's Gantry version; the
// error gives both versions.
func checkVersion(cpVersion, dpVersion string) error {
	c, err := parseSemver(cpVersion)
	if err != nil {
		return fmt.Errorf("control plane: %w", err)
	}
	d, err := parseSemver(dpVersion)
	if err != nil {
		return fmt.Errorf("data plane version %q cannot be compared with control plane version %s: %w", dpVersion, cpVersion, err)
	}
	if !compatible(c, d) {
		return fmt.Errorf("data plane version %s is incompatible with control plane version %s (same major version and a minor no newer than the control plane's are required)", dpVersion, cpVersion)
	}
	return nil
}

// pluginProblem is the first plugin rule a DP breaks for a config using
// plugins, or nil.
type pluginProblem struct {
	status    string
	plugin    string
	cpVersion string
	dpVersion string
}

func (p *pluginProblem) String() string {
	if p.status == StatusPluginSetIncompatible {
		return fmt.Sprintf("plugin %s (version %s on the control plane) is configured but missing on the data plane", p.plugin, p.cpVersion)
	}
	return fmt.Sprintf("plugin %s is version %s on the data plane, incompatible with version %s on the control plane", p.plugin, p.dpVersion, p.cpVersion)
}

// checkPlugins applies the plugin rules to the plugins configured (used,
// sorted) against the CP's and the DP's plugin versions.
func checkPlugins(used []string, cpPlugins, dpPlugins map[string]string) *pluginProblem {
	for _, name := range used {
		cv, known := cpPlugins[name]
		dv, has := dpPlugins[name]
		if !has {
			return &pluginProblem{status: StatusPluginSetIncompatible, plugin: name, cpVersion: orUnknown(cv)}
		}
		if !known {
			continue
		}
		c, err1 := parseSemver(cv)
		d, err2 := parseSemver(dv)
		if err1 != nil || err2 != nil || !compatible(c, d) {
			return &pluginProblem{status: StatusPluginVersionIncompatible, plugin: name, cpVersion: cv, dpVersion: dv}
		}
	}
	return nil
}

func orUnknown(v string) string {
	if v == "" {
		return "unknown"
	}
	return v
}

// usedPlugins lists the distinct plugin names of a config, sorted.
func usedPlugins(names []string) []string {
	slices.Sort(names)
	return slices.Compact(names)
}
