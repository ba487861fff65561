//go:build openblas && cgo

package pidreg

// #cgo LDFLAGS: -lopenblas
import "C"

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// With the build tag openblas, every matrix product of the process (gonum's
// mat, our regularisers and PID, and gorgonia's graph) runs on OpenBLAS
// through gonum's netlib binding. Building it needs cgo and Debian's
// libopenblas-dev; see BENCHMARKS.md for what it buys. The BLAS choice is
// process-wide by nature (blas64.Use, gorgonia.Use), so it is made once,
// here, at start-up.
func init() {
	blas64.Use(netlib.Implementation{})
	G.Use(netlib.Implementation{})
}

const blasName = "openblas"
