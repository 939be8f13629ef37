// Package cluster is Gantry's hybrid mode: a control plane (subpackage cp)
// pushes configuration to data planes (subpackage dp) over one gRPC stream
// per data plane, on mutual TLS (clustertls). Both ends share the wire
// encoding (wire) and the generated protocol (clusterpb).
//
// This package holds only documentation and the in-process tests that run a
// real control plane and real data planes on loopback; the end-to-end tests
// with the built binary live in test/hybrid. docs/hybrid.md is the user's
// guide.
package cluster
