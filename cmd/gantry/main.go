// Command gantry is the Gantry API gateway: one binary for every role.
package main

import (
	"github.com/gantryhq/gantry/internal/cli"
	_ "github.com/gantryhq/gantry/plugins/all" // every bundled plugin registers itself
)

func main() { cli.Main() }
