package gemm

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

func random(rng *rand.Rand, r, c, stride int) blas64.General {
	g := blas64.General{Rows: r, Cols: c, Stride: stride, Data: make([]float64, (r-1)*stride+c)}
	for i := range g.Data {
		g.Data[i] = rng.NormFloat64()
	}
	return g
}

// TestTNMatchesGemm checks TN against BLAS's own transposed product, bit for
// bit, on the training step's shapes, odd sizes, strided operands and α ≠ 1.
func TestTNMatchesGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var work []float64
	for _, s := range []struct {
		k, m, n, extra int
		alpha          float64
	}{
		{256, 81, 256, 0, 1}, {256, 256, 128, 0, 1}, {256, 128, 1, 0, 1},
		{256, 129, 129, 0, -1}, {7, 3, 5, 2, 0.5}, {1, 4, 2, 1, 1}, {300, 70, 33, 5, -2},
	} {
		a := random(rng, s.k, s.m, s.m+s.extra)
		b := random(rng, s.k, s.n, s.n+s.extra)
		want := blas64.General{Rows: s.m, Cols: s.n, Stride: s.n, Data: make([]float64, s.m*s.n)}
		blas64.Gemm(blas.Trans, blas.NoTrans, s.alpha, a, b, 0, want)
		got := blas64.General{Rows: s.m, Cols: s.n, Stride: s.n, Data: make([]float64, s.m*s.n)}
		for i := range got.Data {
			got.Data[i] = math.NaN() // TN overwrites c
		}
		TN(s.alpha, a, b, got, &work)
		for i, w := range want.Data {
			if got.Data[i] != w {
				t.Fatalf("k=%d m=%d n=%d α=%g: entry %d = %v, Gemm gives %v", s.k, s.m, s.n, s.alpha, i, got.Data[i], w)
			}
		}
	}
}

// TestTNWithImplementation checks that with Implementation installed TN is
// its transposed product, bit for bit.
func TestTNWithImplementation(t *testing.T) {
	defer blas64.Use(blas64.Implementation())
	blas64.Use(Implementation{})
	rng := rand.New(rand.NewPCG(5, 6))
	a, b := random(rng, 256, 86, 86), random(rng, 256, 64, 64)
	want := make([]float64, 86*64)
	Implementation{}.Dgemm(blas.Trans, blas.NoTrans, 86, 64, 256, -0.5, a.Data, a.Stride, b.Data, b.Stride, 0, want, 64)
	got := blas64.General{Rows: 86, Cols: 64, Stride: 64, Data: make([]float64, 86*64)}
	var work []float64
	TN(-0.5, a, b, got, &work)
	for i, w := range want {
		if got.Data[i] != w {
			t.Fatalf("entry %d = %v, Implementation gives %v", i, got.Data[i], w)
		}
	}
}

// The weight gradient of a 256→128 layer at batch 256.
func BenchmarkTN(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, g := random(rng, 256, 256, 256), random(rng, 256, 128, 128)
	c := blas64.General{Rows: 256, Cols: 128, Stride: 128, Data: make([]float64, 256*128)}
	var work []float64
	b.ReportAllocs()
	for b.Loop() {
		TN(1, x, g, c, &work)
	}
}

// The same product through blas64.Gemm with a transposed first operand.
func BenchmarkGemmTransNot(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, g := random(rng, 256, 256, 256), random(rng, 256, 128, 128)
	c := blas64.General{Rows: 256, Cols: 128, Stride: 128, Data: make([]float64, 256*128)}
	b.ReportAllocs()
	for b.Loop() {
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, x, g, 0, c)
	}
}
