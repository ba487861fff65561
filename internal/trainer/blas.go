//go:build !(openblas && cgo)

package trainer

import (
	G "gorgonia.org/gorgonia"

	"github.com/pidreg/pidreg/internal/gemm"
)

// gorgonia's own tensor ops go through its BLAS variable, not blas64's:
// point it at the same kernels as the rest of the process (see the root
// package's blas.go).
func init() { G.Use(gemm.Implementation{}) }
