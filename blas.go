//go:build !(openblas && cgo)

package pidreg

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/pidreg/pidreg/internal/gemm"
)

// Without the openblas build tag every matrix product of the process —
// gonum's mat (covariances, Cholesky), the PID, the regularisers and the
// encoders' fused ops — runs on internal/gemm: pure Go, no cgo, with AVX2 +
// FMA kernels where the CPU has them (chosen at run time) and gonum's own
// code elsewhere. The BLAS choice is process-wide by nature (blas64.Use),
// so it is made once, here, at start-up; see BENCHMARKS.md for what it buys.
func init() {
	blas64.Use(gemm.Implementation{})
	blas32.Use(gemm.Implementation{})
}

// blasName is what BLAS reports: the kernel internal/gemm runs on.
var blasName = "gemm/" + gemm.Kernel()
