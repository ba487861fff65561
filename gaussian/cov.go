package gaussian

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// Sentinel errors. Functions wrap them with context; test with errors.Is.
var (
	// ErrNotPositiveDefinite: a matrix stayed indefinite after the largest
	// jitter Factorize tries, or has a non-positive mean diagonal.
	ErrNotPositiveDefinite = errors.New("gaussian: matrix is not positive definite")
	// ErrDimension: sizes or index lists do not fit together.
	ErrDimension = errors.New("gaussian: dimension mismatch")
	// ErrTooFewRows: not enough samples for the requested statistic.
	ErrTooFewRows = errors.New("gaussian: too few rows")
	// ErrNotFinite: the input holds NaN or ±Inf.
	ErrNotFinite = errors.New("gaussian: non-finite value")
)

// Jitter schedule of Factorize: the first jitter is JitterStart times the
// mean diagonal, each retry multiplies it by JitterGrowth, and at most
// JitterTries jittered factorizations are attempted.
const (
	JitterStart  = 1e-6
	JitterGrowth = 10
	JitterTries  = 5
)

// Covariance returns the d×d sample covariance of the n×d matrix x (rows are
// samples), with the unbiased n−1 denominator:
//
//	C = (X − 1x̄ᵀ)ᵀ(X − 1x̄ᵀ) / (n − 1).
//
// The product is a single symmetric rank-k update (BLAS SYRK) of the centred
// data. Covariance never panics on data: when x has fewer than two rows or
// holds NaN/Inf every entry of the result is NaN (Factorize then rejects it);
// use CovarianceTo for an error instead. A matrix with no columns gives an
// empty SymDense.
func Covariance(x mat.Matrix) *mat.SymDense {
	_, d := x.Dims()
	if d == 0 {
		return &mat.SymDense{}
	}
	dst := mat.NewSymDense(d, nil)
	if err := CovarianceTo(dst, x); err != nil {
		raw := dst.RawSymmetric()
		for i := 0; i < d; i++ {
			row := raw.Data[i*raw.Stride : i*raw.Stride+d]
			for j := range row {
				row[j] = math.NaN()
			}
		}
	}
	return dst
}

// CovarianceTo stores the sample covariance of x (see Covariance) in dst.
// dst must be empty or d×d. It returns an error wrapping ErrTooFewRows when
// x has fewer than two rows, ErrNotFinite for NaN/Inf data and ErrDimension
// for a wrongly sized dst.
func CovarianceTo(dst *mat.SymDense, x mat.Matrix) error {
	n, d := x.Dims()
	if d == 0 {
		return fmt.Errorf("gaussian: covariance of a %d×%d matrix: no columns: %w", n, d, ErrDimension)
	}
	if n < 2 {
		return fmt.Errorf("gaussian: covariance needs at least 2 rows, have %d: %w", n, ErrTooFewRows)
	}
	if dst.IsEmpty() {
		dst.ReuseAsSym(d)
	} else if dst.SymmetricDim() != d {
		return fmt.Errorf("gaussian: covariance destination is %d×%d, data has %d columns: %w",
			dst.SymmetricDim(), dst.SymmetricDim(), d, ErrDimension)
	}
	// Variable-major layout: row j of xt is column j of x, so the product is
	// a NoTrans SYRK of contiguous rows (dot products), the fastest gonum path.
	xt := make([]float64, d*n)
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			v := x.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("gaussian: entry (%d,%d) is %v: %w", i, j, v, ErrNotFinite)
			}
			xt[j*n+i] = v
			mean[j] += v
		}
	}
	for j := 0; j < d; j++ {
		mu := mean[j] / float64(n)
		row := xt[j*n : (j+1)*n]
		for i := range row {
			row[i] -= mu
		}
	}
	a := blas64.General{Rows: d, Cols: n, Stride: n, Data: xt}
	blas64.Syrk(blas.NoTrans, 1/float64(n-1), a, 0, dst.RawSymmetric())
	return nil
}

// centreInto copies x (n×d) into the row-major buffer xc with the column
// means removed, and rejects non-finite values.
func centreInto(xc []float64, x mat.Matrix) error {
	n, d := x.Dims()
	mean := make([]float64, d)
	if rm, ok := x.(mat.RawMatrixer); ok {
		raw := rm.RawMatrix()
		for i := 0; i < n; i++ {
			copy(xc[i*d:(i+1)*d], raw.Data[i*raw.Stride:i*raw.Stride+d])
		}
	} else {
		for i := 0; i < n; i++ {
			for j := 0; j < d; j++ {
				xc[i*d+j] = x.At(i, j)
			}
		}
	}
	for i := 0; i < n; i++ {
		row := xc[i*d : (i+1)*d]
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("gaussian: entry (%d,%d) is %v: %w", i, j, v, ErrNotFinite)
			}
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for i := 0; i < n; i++ {
		row := xc[i*d : (i+1)*d]
		for j := range row {
			row[j] -= mean[j]
		}
	}
	return nil
}

// Factorize computes the Cholesky factorization of the symmetric matrix a.
// If a is not numerically positive definite it retries with a + τI for
// τ = JitterStart·s, JitterStart·JitterGrowth·s, … (at most JitterTries
// times), where s = tr(a)/d is the mean diagonal, so the jitter is unit-free:
// rescaling a rescales τ with it. It returns the factorization and the jitter
// τ that was added (0 when none was needed). When every attempt fails, or a
// holds NaN/Inf, or s ≤ 0, it returns an error wrapping ErrNotPositiveDefinite
// (ErrNotFinite for NaN/Inf).
func Factorize(a mat.Symmetric) (*mat.Cholesky, float64, error) {
	d := a.SymmetricDim()
	if d == 0 {
		return nil, 0, fmt.Errorf("gaussian: factorize an empty matrix: %w", ErrDimension)
	}
	var trace float64
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			v := a.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, 0, fmt.Errorf("gaussian: factorize: entry (%d,%d) is %v: %w", i, j, v, ErrNotFinite)
			}
		}
		trace += a.At(i, i)
	}
	var ch mat.Cholesky
	if ch.Factorize(a) {
		return &ch, 0, nil
	}
	s := trace / float64(d)
	if !(s > 0) {
		return nil, 0, fmt.Errorf("gaussian: factorize %d×%d matrix with mean diagonal %g: %w", d, d, s, ErrNotPositiveDefinite)
	}
	b := mat.NewSymDense(d, nil)
	tau := JitterStart * s
	for k := 0; k < JitterTries; k++ {
		b.CopySym(a)
		for i := 0; i < d; i++ {
			b.SetSym(i, i, b.At(i, i)+tau)
		}
		if ch.Factorize(b) {
			return &ch, tau, nil
		}
		tau *= JitterGrowth
	}
	return nil, 0, fmt.Errorf("gaussian: factorize %d×%d matrix: still indefinite with jitter %g: %w",
		d, d, tau/JitterGrowth, ErrNotPositiveDefinite)
}

// LogDet returns the natural logarithm of the determinant of the symmetric
// positive definite matrix a, ln det a = 2 Σ ln U_ii from its Cholesky factor
// U, using the jitter rule of Factorize.
func LogDet(a mat.Symmetric) (float64, error) {
	ch, _, err := Factorize(a)
	if err != nil {
		return 0, err
	}
	return ch.LogDet(), nil
}

// FactorizeUpper stores in dst the upper-triangular Cholesky factor U of
// a + τI = UᵀU, with the jitter τ chosen by the rule of Factorize, and
// returns τ. Unlike Factorize it skips the condition-number estimate and
// reuses dst (which must be empty or an upper d×d TriDense), so it is the
// cheap kernel for hot paths; log det(a + τI) = 2 Σ ln U_ii, and the leading
// k×k block of U is the factor of the leading k×k block of a + τI.
func FactorizeUpper(dst *mat.TriDense, a mat.Symmetric) (float64, error) {
	d := a.SymmetricDim()
	if d == 0 {
		return 0, fmt.Errorf("gaussian: factorize an empty matrix: %w", ErrDimension)
	}
	if dst.IsEmpty() {
		dst.ReuseAsTri(d, mat.Upper)
	} else if r, _ := dst.Triangle(); r != d {
		return 0, fmt.Errorf("gaussian: factor destination is %d×%d, matrix is %d×%d: %w", r, r, d, d, ErrDimension)
	} else if _, kind := dst.Triangle(); kind != mat.Upper {
		return 0, fmt.Errorf("gaussian: factor destination must be upper triangular: %w", ErrDimension)
	}
	raw := dst.RawTriangular()
	load := func(tau float64) {
		if sd, ok := a.(*mat.SymDense); ok {
			src := sd.RawSymmetric()
			if src.Uplo == blas.Upper {
				for i := 0; i < d; i++ {
					copy(raw.Data[i*raw.Stride+i:i*raw.Stride+d], src.Data[i*src.Stride+i:i*src.Stride+d])
					raw.Data[i*raw.Stride+i] += tau
				}
				return
			}
		}
		for i := 0; i < d; i++ {
			for j := i; j < d; j++ {
				raw.Data[i*raw.Stride+j] = a.At(i, j)
			}
			raw.Data[i*raw.Stride+i] += tau
		}
	}
	load(0)
	var trace float64
	for i := 0; i < d; i++ {
		row := raw.Data[i*raw.Stride+i : i*raw.Stride+d]
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fmt.Errorf("gaussian: factorize: entry (%d,%d) is %v: %w", i, i+j, v, ErrNotFinite)
			}
		}
		trace += row[0]
	}
	sym := blas64.Symmetric{N: d, Stride: raw.Stride, Data: raw.Data, Uplo: blas.Upper}
	if _, ok := lapack64.Potrf(sym); ok {
		return 0, nil
	}
	s := trace / float64(d)
	if !(s > 0) {
		return 0, fmt.Errorf("gaussian: factorize %d×%d matrix with mean diagonal %g: %w", d, d, s, ErrNotPositiveDefinite)
	}
	tau := JitterStart * s
	for k := 0; k < JitterTries; k++ {
		load(tau)
		if _, ok := lapack64.Potrf(sym); ok {
			return tau, nil
		}
		tau *= JitterGrowth
	}
	return 0, fmt.Errorf("gaussian: factorize %d×%d matrix: still indefinite with jitter %g: %w",
		d, d, tau/JitterGrowth, ErrNotPositiveDefinite)
}
