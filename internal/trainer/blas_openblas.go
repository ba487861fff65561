//go:build openblas && cgo

package trainer

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// gorgonia's own tensor ops go through its BLAS variable: point it at
// OpenBLAS, as the root package does for blas64.
func init() { G.Use(netlib.Implementation{}) }
