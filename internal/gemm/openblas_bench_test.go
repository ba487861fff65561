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
