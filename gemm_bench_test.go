package pidreg

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/pidreg/pidreg/internal/gemm"
)

// stepLayers are the (in, out) sizes of every Linear layer of the default
// model on Superconductivity: two encoders and the head.
var stepLayers = [][2]int{
	{81, 256}, {256, 128}, {128, 64}, // physics encoder
	{86, 256}, {256, 128}, {128, 64}, // elements encoder
	{64, 256}, {256, 128}, {128, 1}, // head
}

// The matrix products of one training step at batch 256 in pure Go, in
// float64 (what the graph runs) and in float32 (the option issue 3 asks to
// measure): per layer the forward product X·W, the weight gradient Xᵀ·dY
// and, except for the encoders' first layers, the input gradient dY·Wᵀ.
// They bound what a float32 graph could save on the matrix products.
// Sub-benchmark gonum is gonum's BLAS with Xᵀ·dY from a transposed copy of
// X (as gemm.TN computes it with gonum); gemm is internal/gemm's packed
// kernels, which read Xᵀ in place (run with -cpu 1,2 for its threads).
func BenchmarkStepGemm64(b *testing.B) { benchStepGemms[float64](b) }
func BenchmarkStepGemm32(b *testing.B) { benchStepGemms[float32](b) }

// stepBLAS is what the step benchmarks need of a BLAS.
type stepBLAS interface {
	blas.Float64
	blas.Float32
}

func benchStepGemms[T float32 | float64](b *testing.B) {
	b.Run("gonum", func(b *testing.B) { benchStepGemm[T](b, gonum.Implementation{}, true) })
	b.Run("gemm", func(b *testing.B) { benchStepGemm[T](b, gemm.Implementation{}, false) })
}

// benchStepGemm runs the step's products on impl, the weight gradient
// through a transposed copy of X if copyXt.
func benchStepGemm[T float32 | float64](b *testing.B, impl stepBLAS, copyXt bool) {
	const n = 256
	rng := rand.New(rand.NewPCG(1, 1))
	fill := func(k int) []T {
		s := make([]T, k)
		for i := range s {
			s[i] = T(rng.NormFloat64())
		}
		return s
	}
	type bufs struct{ x, xt, w, y, dy, dw, dx []T }
	ls := make([]bufs, len(stepLayers))
	for i, l := range stepLayers {
		ls[i] = bufs{fill(n * l[0]), make([]T, n*l[0]), fill(l[0] * l[1]), make([]T, n*l[1]), fill(n * l[1]), make([]T, l[0]*l[1]), make([]T, n*l[0])}
	}
	gemm := func(tA, tB blas.Transpose, m, nn, k int, a []T, lda int, bb []T, ldb int, c []T, ldc int) {
		switch a := any(a).(type) {
		case []float64:
			impl.Dgemm(tA, tB, m, nn, k, 1, a, lda, any(bb).([]float64), ldb, 0, any(c).([]float64), ldc)
		case []float32:
			impl.Sgemm(tA, tB, m, nn, k, 1, a, lda, any(bb).([]float32), ldb, 0, any(c).([]float32), ldc)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for i, l := range stepLayers {
			in, out, s := l[0], l[1], ls[i]
			gemm(blas.NoTrans, blas.NoTrans, n, out, in, s.x, in, s.w, out, s.y, out) // Y = X·W
			if copyXt {
				for r := range n {
					for c := range in {
						s.xt[c*n+r] = s.x[r*in+c]
					}
				}
				gemm(blas.NoTrans, blas.NoTrans, in, out, n, s.xt, n, s.dy, out, s.dw, out) // dW = Xᵀ·dY
			} else {
				gemm(blas.Trans, blas.NoTrans, in, out, n, s.x, in, s.dy, out, s.dw, out) // dW = Xᵀ·dY
			}
			if i%3 != 0 || i == 6 {
				gemm(blas.NoTrans, blas.Trans, n, in, out, s.dy, out, s.w, out, s.dx, in) // dX = dY·Wᵀ
			}
		}
	}
}
