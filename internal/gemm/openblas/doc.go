// Package openblas links OpenBLAS (Debian's libopenblas-dev) into a binary
// built with the openblas tag and cgo, for gonum's netlib binding; without
// the tag it is empty. Package gemm's benchmarks import it to time
// OpenBLAS beside their kernels; it is separate because a package with Go
// assembly cannot use cgo.
package openblas
