// Package opkit holds the plumbing every custom gorgonia op of pidreg shares:
// the answers gorgonia asks of a pure op, the hash that keeps gorgonia's
// hash-consing from merging two nodes, readers of float64 matrix and scalar
// values, and a reused output buffer.
//
// gorgonia (v0.9.18) calls an op's Hashcode to decide whether two nodes are
// the same computation: nodes with equal op hashes and equal children are
// merged. An op whose WriteHash leaves out a parameter, or an op instance
// that holds per-node state (a cache, an output buffer) but hashes like
// another, is silently shared between nodes. Every op here therefore writes
// all of its parameters, and ops with state also write their own address.
//
// Values reach an op's Do as *tensor.Dense (possibly a view) or *gorgonia.F64.
// Matrix materialises views and returns the row-major data without copying
// a plain tensor; Scalar accepts an F64 or a one-element tensor. Both wrap
// the caller's own sentinel errors (Reader), so a package keeps testing its
// errors with errors.Is.
package opkit
