// Package opkit holds the plumbing every custom gorgonia op of pidreg shares:
// the answers gorgonia asks of a pure op, the hash that keeps gorgonia's
// hash-consing from merging two nodes, readers of float64 matrix and scalar
// values, and a reused output buffer with a reused tensor header.
//
// gorgonia (v0.9.18) calls an op's Hashcode to decide whether two nodes are
// the same computation: nodes with equal op hashes and equal children are
// merged. An op whose WriteHash leaves out a parameter, or an op instance
// that holds per-node state (a cache, an output buffer) but hashes like
// another, is silently shared between nodes. Every op here therefore writes
// all of its parameters, and ops with state also write their own address.
//
// Values reach an op's Do as *tensor.Dense (possibly a view) or *gorgonia.F64.
// Matrix materialises views and returns the row-major data of a plain
// tensor without copying or allocating; Scalar accepts an F64 or a
// one-element tensor. Both wrap the caller's own sentinel errors (Reader),
// so a package keeps testing its errors with errors.Is.
//
// An op's output goes back to gorgonia as a tensor header over the op's
// Buffer. A new header costs about 8 small allocations (tensor.New with its
// options and pooled shape slices); Header (and Buffer.Matrix) returns the
// previous run's header instead while nothing has changed it, which it
// checks on every run (see Header for why reuse is safe).
package opkit
