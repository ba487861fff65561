package gemm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation is gonum's pure-Go BLAS with Dgemm, Sgemm, Dsyrk and
// Ssyrk replaced by the packed, register-blocked products of this package.
// Install it process-wide with
//
//	blas64.Use(gemm.Implementation{})
//	blas32.Use(gemm.Implementation{})
//
// Arguments are checked as gonum checks them, and bad ones panic with
// gonum's messages: any call whose arguments gonum would refuse is handed
// to gonum, which panics.
//
// The zero value shares large products between up to GOMAXPROCS
// goroutines. The result does not depend on the number (see the package
// documentation), but on a machine whose cores are busy with other work
// sharing can cost more than it saves: MaxThreads bounds it.
type Implementation struct {
	gonum.Implementation

	// MaxThreads is the most goroutines one product runs on; 0 means
	// GOMAXPROCS. Products too small to gain stay on one.
	MaxThreads int
}

var (
	_ blas.Float64 = Implementation{}
	_ blas.Float32 = Implementation{}
)

// Dgemm computes C = alpha·op(A)·op(B) + beta·C for row-major C (m×n),
// op(A) (m×k) and op(B) (k×n), op(X) being X or Xᵀ as tA and tB say. With
// beta = 0, C is not read (NaNs in it are overwritten).
func (impl Implementation) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	kern := defaultKernelD()
	if kern == nil || !gemmOK(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc) || m == 0 || n == 0 || alpha == 0 || k == 0 {
		impl.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	p := newGemm(kern, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	run(&p, p.threads(impl.MaxThreads))
}

// Sgemm is Dgemm in float32.
func (impl Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	kern := defaultKernelS()
	if kern == nil || !gemmOK(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc) || m == 0 || n == 0 || alpha == 0 || k == 0 {
		impl.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	p := newGemm(kern, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	run(&p, p.threads(impl.MaxThreads))
}

// Dsyrk computes the ul triangle of the symmetric n×n C = alpha·A·Aᵀ +
// beta·C (tA = NoTrans, A n×k) or C = alpha·Aᵀ·A + beta·C (tA = Trans, A
// k×n). The other triangle of C is neither read nor written.
func (impl Implementation) Dsyrk(ul blas.Uplo, tA blas.Transpose, n, k int, alpha float64, a []float64, lda int, beta float64, c []float64, ldc int) {
	kern := defaultKernelD()
	if kern == nil || !syrkOK(ul, tA, n, k, len(a), lda, len(c), ldc) || n == 0 || alpha == 0 || k == 0 {
		impl.Implementation.Dsyrk(ul, tA, n, k, alpha, a, lda, beta, c, ldc)
		return
	}
	p := newSyrk(kern, ul, tA, n, k, alpha, a, lda, beta, c, ldc)
	run(&p, p.threads(impl.MaxThreads))
}

// Ssyrk is Dsyrk in float32.
func (impl Implementation) Ssyrk(ul blas.Uplo, tA blas.Transpose, n, k int, alpha float32, a []float32, lda int, beta float32, c []float32, ldc int) {
	kern := defaultKernelS()
	if kern == nil || !syrkOK(ul, tA, n, k, len(a), lda, len(c), ldc) || n == 0 || alpha == 0 || k == 0 {
		impl.Implementation.Ssyrk(ul, tA, n, k, alpha, a, lda, beta, c, ldc)
		return
	}
	p := newSyrk(kern, ul, tA, n, k, alpha, a, lda, beta, c, ldc)
	run(&p, p.threads(impl.MaxThreads))
}

func isTrans(t blas.Transpose) bool { return t == blas.Trans || t == blas.ConjTrans }

func validTrans(t blas.Transpose) bool { return t == blas.NoTrans || isTrans(t) }

// gemmOK reports whether gonum's Dgemm accepts the arguments (it panics on
// all others).
func gemmOK(tA, tB blas.Transpose, m, n, k, la, lda, lb, ldb, lc, ldc int) bool {
	if !validTrans(tA) || !validTrans(tB) || m < 0 || n < 0 || k < 0 || ldc < max(1, n) {
		return false
	}
	ar, ac := m, k
	if isTrans(tA) {
		ar, ac = k, m
	}
	br, bc := k, n
	if isTrans(tB) {
		br, bc = n, k
	}
	if lda < max(1, ac) || ldb < max(1, bc) {
		return false
	}
	if m == 0 || n == 0 {
		return true
	}
	return la >= (ar-1)*lda+ac && lb >= (br-1)*ldb+bc && lc >= (m-1)*ldc+n
}

// syrkOK reports whether gonum's Dsyrk accepts the arguments.
func syrkOK(ul blas.Uplo, tA blas.Transpose, n, k, la, lda, lc, ldc int) bool {
	if (ul != blas.Upper && ul != blas.Lower) || !validTrans(tA) || n < 0 || k < 0 || ldc < max(1, n) {
		return false
	}
	ar, ac := n, k
	if isTrans(tA) {
		ar, ac = k, n
	}
	if lda < max(1, ac) {
		return false
	}
	if n == 0 {
		return true
	}
	return la >= (ar-1)*lda+ac && lc >= (n-1)*ldc+n
}

func newGemm[T float32 | float64](kern *kernel[T], tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) product[T] {
	return product[T]{
		kern: kern, transA: isTrans(tA), transB: isTrans(tB), m: m, n: n, k: k,
		alpha: alpha, beta: beta, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
	}
}

// newSyrk is the product op(A)·op(A)ᵀ over one triangle: B is A read the
// other way.
func newSyrk[T float32 | float64](kern *kernel[T], ul blas.Uplo, tA blas.Transpose, n, k int, alpha T, a []T, lda int, beta T, c []T, ldc int) product[T] {
	tri := upper
	if ul == blas.Lower {
		tri = lower
	}
	return product[T]{
		kern: kern, transA: isTrans(tA), transB: !isTrans(tA), m: n, n: n, k: k,
		alpha: alpha, beta: beta, a: a, lda: lda, b: a, ldb: lda, c: c, ldc: ldc, tri: tri,
	}
}

// Kernel names the float64 kernel products run on, on this CPU: "avx2-6x8"
// (the AVX2+FMA assembly), "go4x4" (the portable Go kernel, off amd64), or
// "gonum" (amd64 without AVX2 and FMA, where products stay with gonum).
func Kernel() string {
	if k := defaultKernelD(); k != nil {
		return k.name
	}
	return "gonum"
}
