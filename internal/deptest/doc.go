// Package deptest holds one test that keeps Gantry's dependencies pointing
// one way (Tailscale's deptest idea): the model imports nothing of ours, the
// data plane never imports the control plane, plugins see only the plugin
// framework and the model, and test helpers stay out of shipped code.
//
// The rules live in one table in deptest_test.go so a reader can see the
// whole architecture at once; add a rule there rather than a deps test in a
// package. It has no code of its own.
package deptest
