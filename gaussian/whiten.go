package gaussian

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Whiten stores in dst (empty or n×d) the centred, Cholesky-whitened data
//
//	W = (X − 1x̄ᵀ) U⁻¹,  where C = UᵀU is the sample covariance of x,
//
// so that the sample covariance of W (n−1 denominator) is the identity.
// The factor uses the jitter rule of Factorize, so for rank-deficient x the
// covariance of W is the identity only up to that jitter. Errors wrap
// ErrTooFewRows, ErrNotFinite, ErrDimension or ErrNotPositiveDefinite.
func Whiten(dst *mat.Dense, x mat.Matrix) error {
	n, d := x.Dims()
	if d == 0 {
		return fmt.Errorf("gaussian: whiten a matrix with no columns: %w", ErrDimension)
	}
	if n < 2 {
		return fmt.Errorf("gaussian: whiten needs at least 2 rows, have %d: %w", n, ErrTooFewRows)
	}
	if dst.IsEmpty() {
		dst.ReuseAs(n, d)
	} else if r, c := dst.Dims(); r != n || c != d {
		return fmt.Errorf("gaussian: whiten destination is %d×%d, data is %d×%d: %w", r, c, n, d, ErrDimension)
	}
	xc := make([]float64, n*d)
	if err := centreInto(xc, x); err != nil {
		return fmt.Errorf("gaussian: whiten: %w", err)
	}
	a := blas64.General{Rows: n, Cols: d, Stride: d, Data: xc}
	c := mat.NewSymDense(d, nil)
	blas64.Syrk(blas.Trans, 1/float64(n-1), a, 0, c.RawSymmetric())
	u, _, err := CholeskyInPlace(c.RawSymmetric(), nil)
	if err != nil {
		return fmt.Errorf("gaussian: whiten: %w", err)
	}
	// Solve W U = Xc for W.
	blas64.Trsm(blas.Right, blas.NoTrans, 1, u, a)
	raw := dst.RawMatrix()
	for i := 0; i < n; i++ {
		copy(raw.Data[i*raw.Stride:i*raw.Stride+d], xc[i*d:(i+1)*d])
	}
	return nil
}

// InvSqrt returns the symmetric inverse square root A^{-1/2} = V Λ^{-1/2} Vᵀ
// of the symmetric positive definite matrix a = V Λ Vᵀ, the whitening
// transform used by the ~G-PID. Eigenvalues λ ≤ 1e-14·λ_max are treated
// as numerically zero: the jitter rule of Factorize (τ = 1e-6·s growing ×10
// at most 5 times, s the mean diagonal) is applied to the spectrum until the
// smallest eigenvalue clears that threshold; otherwise the error wraps
// ErrNotPositiveDefinite. NaN/Inf entries give ErrNotFinite.
func InvSqrt(a mat.Symmetric) (*mat.SymDense, error) {
	d := a.SymmetricDim()
	if d == 0 {
		return nil, fmt.Errorf("gaussian: inverse square root of an empty matrix: %w", ErrDimension)
	}
	var trace float64
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			if v := a.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("gaussian: inverse square root: entry (%d,%d) is %v: %w", i, j, v, ErrNotFinite)
			}
		}
		trace += a.At(i, i)
	}
	var eig mat.EigenSym
	if !eig.Factorize(a, true) {
		return nil, fmt.Errorf("gaussian: inverse square root: eigendecomposition failed: %w", ErrNotPositiveDefinite)
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	lmin, lmax := vals[0], vals[len(vals)-1] // ascending
	ok := func(tau float64) bool { return lmin+tau > 1e-14*(lmax+tau) && lmax+tau > 0 }
	tau := 0.0
	if !ok(0) {
		var err error
		if tau, err = jitter(trace/float64(d), ok); err != nil {
			return nil, fmt.Errorf("gaussian: inverse square root: smallest eigenvalue %g: %w", lmin, err)
		}
	}
	out := mat.NewSymDense(d, nil)
	col := make([]float64, d)
	for k, l := range vals {
		w := 1 / math.Sqrt(l+tau)
		for i := 0; i < d; i++ {
			col[i] = vecs.At(i, k) * math.Sqrt(w)
		}
		out.SymRankOne(out, 1, mat.NewVecDense(d, col))
	}
	return out, nil
}
