//go:build openblas && cgo

package gemm

import (
	"testing"

	"gonum.org/v1/netlib/blas/netlib"

	_ "github.com/pidreg/pidreg/internal/gemm/openblas" // links OpenBLAS
)

// OpenBLAS through gonum's netlib binding: go test -tags openblas, with
// OPENBLAS_NUM_THREADS=1 for one thread.
func BenchmarkDgemmOpenBLAS(b *testing.B) { benchGemm(b, netlib.Implementation{}.Dgemm) }
func BenchmarkSgemmOpenBLAS(b *testing.B) { benchGemm(b, netlib.Implementation{}.Sgemm) }
func BenchmarkDsyrkOpenBLAS(b *testing.B) { benchSyrk(b, netlib.Implementation{}.Dsyrk) }

func init() {
	contendersD = append(contendersD, contender[float64]{"openblas", netlib.Implementation{}.Dgemm})
	contendersS = append(contendersS, contender[float32]{"openblas", netlib.Implementation{}.Sgemm})
	syrkOpenBLAS = netlib.Implementation{}.Dsyrk
}
