package cli

import (
	"fmt"
	"strings"

	"github.com/gantryhq/gantry/internal/settings"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// settingsFlags are the flags of every command that reads settings.
type settingsFlags struct {
	conf   string
	prefix string
	set    []string
}

func (f *settingsFlags) register(cmd *cobra.Command) { f.add(cmd.Flags()) }

// registerPersistent gives the flags to cmd and every subcommand.
func (f *settingsFlags) registerPersistent(cmd *cobra.Command) { f.add(cmd.PersistentFlags()) }

func (f *settingsFlags) add(fs *pflag.FlagSet) {
	fs.StringVarP(&f.conf, "conf", "c", "", "configuration file (default /etc/gantry/gantry.conf when it exists)")
	fs.StringVarP(&f.prefix, "prefix", "p", "", "prefix directory: node id, pid file, listeners.json (default ./gantry-data)")
	fs.StringArrayVar(&f.set, "set", nil, "override a setting, KEY=VALUE (repeatable); highest precedence")
}

// load reads the node settings with the flags on top.
func (f *settingsFlags) load(stdio IO) (*settings.Settings, error) {
	opts := settings.Options{ConfFile: f.conf, Environ: stdio.Environ}
	for _, kv := range f.set {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, &exitError{code: 2, err: fmt.Errorf("--set %q: write KEY=VALUE", kv)}
		}
		opts.Flags = append(opts.Flags, settings.Flag{Key: strings.TrimSpace(k), Value: v, Name: "--set " + strings.TrimSpace(k)})
	}
	if f.prefix != "" {
		opts.Flags = append(opts.Flags, settings.Flag{Key: "prefix", Value: f.prefix, Name: "-p"})
	}
	return settings.Load(opts)
}
