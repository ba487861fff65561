package gemm

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// FuzzDgemm checks Implementation.Dgemm and the product on every kernel
// this CPU runs, on 1 and 2 goroutines, against the naive triple loop over
// shapes up to 80×80 with depth up to 300 (beyond one kc block), both
// transposes, strides and scalars.
func FuzzDgemm(f *testing.F) {
	f.Add(uint8(6), uint8(8), uint16(5), false, false, 1.0, 0.0, uint8(0), uint64(1))
	f.Add(uint8(13), uint8(17), uint16(257), true, false, -0.5, 2.0, uint8(0x21), uint64(2))
	f.Add(uint8(1), uint8(1), uint16(1), true, true, 3.0, 1.0, uint8(0x3f), uint64(3))
	f.Add(uint8(73), uint8(9), uint16(300), false, true, 1.0, -1.0, uint8(0x12), uint64(4))
	f.Add(uint8(0), uint8(4), uint16(3), false, false, 1.0, 0.5, uint8(0), uint64(5))
	f.Fuzz(func(t *testing.T, m, n uint8, k uint16, tA, tB bool, alpha, beta float64, pads uint8, seed uint64) {
		g := gemmCase{
			tA: blas.NoTrans, tB: blas.NoTrans,
			m: int(m) % 81, n: int(n) % 81, k: int(k) % 301,
			padA: int(pads & 3), padB: int(pads >> 2 & 3), padC: int(pads >> 4 & 3),
			alpha: scalar(alpha), beta: scalar(beta),
		}
		if tA {
			g.tA = blas.Trans
		}
		if tB {
			g.tB = blas.Trans
		}
		rng := rand.New(rand.NewPCG(seed, 0))
		a, lda, b, ldb, c0, ldc := data[float64](rng, g)
		want, scale := naive(tA, tB, full, g.m, g.n, g.k, g.alpha, a, lda, b, ldb, g.beta, c0, ldc)
		c := append([]float64(nil), c0...)
		Implementation{}.Dgemm(g.tA, g.tB, g.m, g.n, g.k, g.alpha, a, lda, b, ldb, g.beta, c, ldc)
		compare(t, g.String(), c, want, scale)
		if g.m == 0 || g.n == 0 || g.k == 0 || g.alpha == 0 {
			return
		}
		for _, kern := range kernels[float64]() {
			for threads := 1; threads <= 2; threads++ {
				c := append([]float64(nil), c0...)
				p := newGemm(kern, g.tA, g.tB, g.m, g.n, g.k, g.alpha, a, lda, b, ldb, g.beta, c, ldc)
				run(&p, threads)
				compare(t, kern.name+" "+g.String(), c, want, scale)
			}
		}
	})
}

// scalar keeps a fuzzed α or β finite and moderate (the error bound is
// relative to it); 0 and 1, which take their own paths, stay as they are.
func scalar(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1e3 {
		return 0.5
	}
	return x
}
