//go:build openblas && cgo

package pidreg

// #cgo LDFLAGS: -lopenblas
import "C"

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// With the build tag openblas, every matrix product of the process (gonum's
// mat, our regularisers, PID and fused ops; internal/trainer points
// gorgonia's own ops there too) runs on OpenBLAS through gonum's netlib
// binding. Building it needs cgo and Debian's libopenblas-dev; see
// BENCHMARKS.md for what it buys. The BLAS choice is process-wide by nature
// (blas64.Use), so it is made once, here, at start-up.
func init() {
	blas64.Use(netlib.Implementation{})
}

var blasName = "openblas"
