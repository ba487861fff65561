package gemm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// TN sets c = α·aᵀ·b for a (k×m), b (k×n) and c (m×n), overwriting c. work
// is a buffer TN may grow and reuse across calls (it holds aᵀ with gonum's
// BLAS). Shapes are the caller's responsibility, as with blas64.Gemm, which
// panics on a mismatch.
//
// gonum's Dgemm with a transposed first operand walks A down its columns,
// and on the project's shared 2-core VM that kernel was the one most hurt
// when the host was busy: a 256×256ᵀ by 256×128 product took 1.9–8.1 ms
// against 1.5–1.8 ms for the same product from a materialised Aᵀ, measured
// back to back. Both forms accumulate every entry over the rows of A in the
// same order, so with gonum's BLAS TN transposes a into work first, with
// the same result bit for bit. With any other implementation installed in
// blas64 (OpenBLAS, or this package's Implementation, whose packing reads
// Aᵀ in place at no cost) the product is passed through unchanged, so TN
// is then just blas64.Gemm(blas.Trans, blas.NoTrans, …).
func TN(alpha float64, a, b, c blas64.General, work *[]float64) {
	if _, pure := blas64.Implementation().(gonum.Implementation); !pure {
		blas64.Gemm(blas.Trans, blas.NoTrans, alpha, a, b, 0, c)
		return
	}
	k, m := a.Rows, a.Cols
	if cap(*work) < k*m {
		*work = make([]float64, k*m)
	}
	t := (*work)[:k*m]
	for r := 0; r < k; r++ {
		for col, v := range a.Data[r*a.Stride : r*a.Stride+m] {
			t[col*k+r] = v
		}
	}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, alpha, blas64.General{Rows: m, Cols: k, Stride: k, Data: t}, b, 0, c)
}
