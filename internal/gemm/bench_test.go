package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// stepShapes are the products of a training step at batch 256 (m×k by
// k×n, with the first operand transposed for the weight gradients).
var stepShapes = []struct {
	name    string
	tA, tB  blas.Transpose
	m, n, k int
}{
	{"XW_256x86x256", blas.NoTrans, blas.NoTrans, 256, 256, 86},
	{"XW_256x256x128", blas.NoTrans, blas.NoTrans, 256, 128, 256},
	{"XW_256x128x64", blas.NoTrans, blas.NoTrans, 256, 64, 128},
	{"XW_256x64x256", blas.NoTrans, blas.NoTrans, 256, 256, 64},
	{"XtdY_86x256x256", blas.Trans, blas.NoTrans, 86, 256, 256},
	{"XtdY_256x128x256", blas.Trans, blas.NoTrans, 256, 128, 256},
	{"XtdY_128x64x256", blas.Trans, blas.NoTrans, 128, 64, 256},
	{"XtdY_64x256x256", blas.Trans, blas.NoTrans, 64, 256, 256},
	{"dYWt_256x256x128", blas.NoTrans, blas.Trans, 256, 256, 128},
	{"dYWt_256x128x64", blas.NoTrans, blas.Trans, 256, 128, 64},
	{"dYWt_256x64x256", blas.NoTrans, blas.Trans, 256, 64, 256},
}

// benchDgemm times one implementation on the step shapes and reports
// GFLOP/s (2mnk flops per product).
func benchDgemm(b *testing.B, impl blas.Float64) {
	for _, s := range stepShapes {
		b.Run(s.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			g := gemmCase{tA: s.tA, tB: s.tB, m: s.m, n: s.n, k: s.k, alpha: 1, beta: 0}
			a, lda, bb, ldb, c, ldc := data[float64](rng, g)
			b.ReportAllocs()
			for b.Loop() {
				impl.Dgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, ldc)
			}
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GFLOP/s")
		})
	}
}

func BenchmarkDgemm(b *testing.B)      { benchDgemm(b, Implementation{}) }
func BenchmarkDgemmGonum(b *testing.B) { benchDgemm(b, gonum.Implementation{}) }

var _ = fmt.Sprint
