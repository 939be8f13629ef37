// Command gantry is the Gantry API gateway: one binary for every role.
package main

import "github.com/gantryhq/gantry/internal/cli"

func main() { cli.Main() }
