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
// data (see CentredCovariance). Covariance never panics on data: when x has
// fewer than two rows or holds NaN/Inf every entry of the result is NaN
// (Factorize then rejects it); use CovarianceTo for an error instead. A
// matrix with no columns gives an empty SymDense.
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
	if !dst.IsEmpty() && dst.SymmetricDim() != d {
		return fmt.Errorf("gaussian: covariance destination is %d×%d, data has %d columns: %w",
			dst.SymmetricDim(), dst.SymmetricDim(), d, ErrDimension)
	}
	// Variable-major layout: row j of xt is column j of x, so the product is
	// a NoTrans SYRK of contiguous rows (dot products), the fastest gonum path.
	xt := make([]float64, d*n)
	for j := 0; j < d; j++ {
		if _, err := CentreColumn(xt[j*n:(j+1)*n], x, j); err != nil {
			return fmt.Errorf("gaussian: covariance: %w", err)
		}
	}
	return CentredCovariance(dst, blas64.General{Rows: d, Cols: n, Stride: n, Data: xt})
}

// CentreColumn copies column j of the n-row matrix a into v (length n),
// subtracts the column mean x̄ = (Σ_i a_ij)/n, and reports whether the column
// is constant (all n entries equal; v is centred all the same). It is the
// loading step of CovarianceTo, exported so that callers which assemble
// their own variable-major buffer (package pid drops constant columns) centre
// the data the same way, bit for bit. It returns an error wrapping
// ErrNotFinite for NaN/Inf (v is then partly written) and ErrDimension when
// len(v) is not the number of rows or j is out of range.
func CentreColumn(v []float64, a mat.Matrix, j int) (constant bool, err error) {
	n, c := a.Dims()
	if len(v) != n || j < 0 || j >= c {
		return false, fmt.Errorf("gaussian: column %d of a %d×%d matrix into %d values: %w", j, n, c, len(v), ErrDimension)
	}
	if rm, ok := a.(mat.RawMatrixer); ok {
		raw := rm.RawMatrix()
		for i := range v {
			v[i] = raw.Data[i*raw.Stride+j]
		}
	} else {
		for i := range v {
			v[i] = a.At(i, j)
		}
	}
	constant = true
	var mean float64
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false, fmt.Errorf("entry (%d,%d) is %v: %w", i, j, x, ErrNotFinite)
		}
		if x != v[0] {
			constant = false
		}
		mean += x
	}
	mean /= float64(n)
	for i := range v {
		v[i] -= mean
	}
	return constant, nil
}

// CentredCovariance stores in dst the sample covariance
//
//	C = Z Zᵀ / (n − 1)
//
// of d centred variables held in the rows of the d×n matrix z (variable-major:
// row j holds the n centred samples of variable j, as CentreColumn writes
// them). It is one symmetric rank-n update (BLAS SYRK, NoTrans: every entry
// is a dot product of two contiguous rows). dst must be empty or d×d; n must
// be at least 2 (ErrTooFewRows). It is the covariance kernel of both
// CovarianceTo and package pid.
func CentredCovariance(dst *mat.SymDense, z blas64.General) error {
	d, n := z.Rows, z.Cols
	if d == 0 {
		return fmt.Errorf("gaussian: covariance of no variables: %w", ErrDimension)
	}
	if n < 2 {
		return fmt.Errorf("gaussian: covariance needs at least 2 samples, have %d: %w", n, ErrTooFewRows)
	}
	if dst.IsEmpty() {
		dst.ReuseAsSym(d)
	} else if dst.SymmetricDim() != d {
		return fmt.Errorf("gaussian: covariance destination is %d×%d, data has %d variables: %w",
			dst.SymmetricDim(), dst.SymmetricDim(), d, ErrDimension)
	}
	blas64.Syrk(blas.NoTrans, 1/float64(n-1), z, 0, dst.RawSymmetric())
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
// (ErrNotFinite for NaN/Inf). The factor is computed by CholeskyInPlace; the
// condition number the mat.Cholesky carries is gonum's estimate from the
// factor (mat.Cholesky.SetFromU), an upper bound.
func Factorize(a mat.Symmetric) (*mat.Cholesky, float64, error) {
	var u mat.TriDense
	tau, err := FactorizeUpper(&u, a)
	if err != nil {
		return nil, 0, err
	}
	var ch mat.Cholesky
	ch.SetFromU(&u)
	return &ch, tau, nil
}

// LogDet returns the natural logarithm of the determinant of the symmetric
// positive definite matrix a, ln det a = 2 Σ ln U_ii from its Cholesky factor
// U, using the jitter rule of Factorize.
func LogDet(a mat.Symmetric) (float64, error) {
	var u mat.TriDense
	if _, err := FactorizeUpper(&u, a); err != nil {
		return 0, err
	}
	return LogDetFactor(u.RawTriangular(), 0, a.SymmetricDim()), nil
}

// FactorizeUpper stores in dst the upper-triangular Cholesky factor U of
// a + τI = UᵀU, with the jitter τ chosen by the rule of Factorize, and
// returns τ. Unlike Factorize it skips the condition-number estimate and
// reuses dst (which must be empty or an upper d×d TriDense); log det(a + τI)
// = LogDetFactor(U, 0, d), and the leading k×k block of U is the factor of
// the leading k×k block of a + τI. It copies a into dst and calls
// CholeskyInPlace; the strictly lower triangle of dst is zero on return.
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
	if sd, ok := a.(*mat.SymDense); ok && sd.RawSymmetric().Uplo == blas.Upper {
		src := sd.RawSymmetric()
		for i := 0; i < d; i++ {
			copy(raw.Data[i*raw.Stride+i:i*raw.Stride+d], src.Data[i*src.Stride+i:i*src.Stride+d])
		}
	} else {
		for i := 0; i < d; i++ {
			for j := i; j < d; j++ {
				raw.Data[i*raw.Stride+j] = a.At(i, j)
			}
		}
	}
	_, tau, err := CholeskyInPlace(blas64.Symmetric{N: d, Stride: raw.Stride, Data: raw.Data, Uplo: blas.Upper}, nil)
	for i := 1; i < d; i++ { // clear the backup CholeskyInPlace kept there
		clear(raw.Data[i*raw.Stride : i*raw.Stride+i])
	}
	return tau, err
}

// CholeskyInPlace is the jittered Cholesky factorization of the module: it
// overwrites the upper triangle of the symmetric matrix a (which must be
// stored in its upper triangle) with the factor U of a + τI = UᵀU and
// returns U as a view of a's storage, together with τ. τ is 0 when a plain
// Cholesky succeeds; otherwise the rule of Factorize applies (τ = JitterStart
// times the mean diagonal, grown by JitterGrowth, at most JitterTries
// attempts), and when every attempt fails, or the mean diagonal is not
// positive, the error wraps ErrNotPositiveDefinite. NaN/Inf entries give
// ErrNotFinite before any work.
//
// It needs no storage beyond a's own: before the first attempt it copies the
// strictly upper triangle into the strictly lower triangle of the backing
// array (element (j,i) receives a_ij for i < j), which neither an upper
// blas64.Symmetric nor LAPACK's upper Cholesky ever reads, and the diagonal
// into diag. These restart a failed attempt, and stay valid on return, so a
// caller can read the original matrix after factorizing it: off-diagonal
// entries from the lower triangle, the diagonal from diag. diag must have
// length ≥ a.N, or be nil (a vector is then allocated); ErrDimension
// otherwise, or when a is empty or lower-stored.
func CholeskyInPlace(a blas64.Symmetric, diag []float64) (blas64.Triangular, float64, error) {
	n, st := a.N, a.Stride
	if n == 0 {
		return blas64.Triangular{}, 0, fmt.Errorf("gaussian: factorize an empty matrix: %w", ErrDimension)
	}
	if a.Uplo != blas.Upper {
		return blas64.Triangular{}, 0, fmt.Errorf("gaussian: in-place factorization needs upper storage: %w", ErrDimension)
	}
	if diag == nil {
		diag = make([]float64, n)
	} else if len(diag) < n {
		return blas64.Triangular{}, 0, fmt.Errorf("gaussian: diagonal buffer has %d entries for a %d×%d matrix: %w", len(diag), n, n, ErrDimension)
	}
	var trace float64
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := a.Data[i*st+j]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return blas64.Triangular{}, 0, fmt.Errorf("gaussian: factorize: entry (%d,%d) is %v: %w", i, j, v, ErrNotFinite)
			}
			a.Data[j*st+i] = v
		}
		diag[i] = a.Data[i*st+i]
		trace += diag[i]
	}
	t, ok := lapack64.Potrf(a)
	if ok {
		return t, 0, nil
	}
	tau, err := jitter(trace/float64(n), func(tau float64) bool {
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				a.Data[i*st+j] = a.Data[j*st+i]
			}
			a.Data[i*st+i] = diag[i] + tau
		}
		t, ok = lapack64.Potrf(a)
		return ok
	})
	if err != nil {
		return t, 0, fmt.Errorf("gaussian: factorize %d×%d matrix: %w", n, n, err)
	}
	return t, tau, nil
}

// jitter runs the jitter schedule shared by CholeskyInPlace and InvSqrt: it
// calls try(τ) for τ = JitterStart·s, JitterStart·JitterGrowth·s, … (at
// most JitterTries values) and returns the first τ for which try succeeds.
// s is the mean diagonal of the matrix; s ≤ 0 (or NaN) fails at once.
func jitter(s float64, try func(tau float64) bool) (float64, error) {
	if !(s > 0) {
		return 0, fmt.Errorf("mean diagonal %g: %w", s, ErrNotPositiveDefinite)
	}
	tau := JitterStart * s
	for k := 0; k < JitterTries; k++ {
		if try(tau) {
			return tau, nil
		}
		tau *= JitterGrowth
	}
	return 0, fmt.Errorf("still indefinite with jitter %g: %w", tau/JitterGrowth, ErrNotPositiveDefinite)
}

// LogDetFactor returns 2 Σ_{lo ≤ i < hi} ln U_ii for the upper-triangular
// Cholesky factor U of C = UᵀU. With lo = 0 it is ln det C[:hi,:hi]; in
// general it is the log-determinant of the Schur complement of C[:lo,:lo] in
// C[:hi,:hi], i.e. of the conditional covariance of variables lo..hi−1 given
// variables 0..lo−1 (the identity behind MutualInfo). It does not check its
// arguments: 0 ≤ lo ≤ hi ≤ U.N.
func LogDetFactor(u blas64.Triangular, lo, hi int) float64 {
	var s float64
	for i := lo; i < hi; i++ {
		s += math.Log(u.Data[i*u.Stride+i])
	}
	return 2 * s
}
