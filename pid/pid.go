package pid

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"

	"github.com/pidreg/pidreg/gaussian"
)

// Sentinel errors; the errors returned by this package wrap them (and, for
// numerical failures, gaussian.ErrNotPositiveDefinite). Test with errors.Is.
var (
	// ErrDimension: block sizes do not match the covariance, a block is
	// empty, or m, x, y have different numbers of rows.
	ErrDimension = errors.New("pid: dimension mismatch")
	// ErrTooFewRows: fewer than 2 rows, or Debias with N ≤ dm+dx+dy.
	ErrTooFewRows = errors.New("pid: too few rows")
	// ErrNotFinite: NaN or ±Inf in the input.
	ErrNotFinite = errors.New("pid: non-finite value")
	// ErrMethod: unknown Method, or "closed" asked for a vector target.
	ErrMethod = errors.New("pid: invalid method")
	// ErrSingular: method "dep" on a covariance that is singular to working
	// precision (it would need the Cholesky jitter). Errors wrapping it also
	// wrap gaussian.ErrNotPositiveDefinite.
	ErrSingular = errors.New("pid: singular covariance")
)

// alsoIs makes an error of package gaussian match one of this package's
// sentinels under errors.Is as well, without changing its text.
type alsoIs struct {
	error
	target error
}

func (e alsoIs) Is(target error) bool { return target == e.target }
func (e alsoIs) Unwrap() error        { return e.error }

// Method names accepted in Options.Method and reported in Result.Method.
const (
	MethodAuto   = "auto"
	MethodClosed = "closed"
	MethodTilde  = "tilde"
	MethodMMI    = "mmi"
	MethodDep    = "dep"
)

// Decompose computes the PID of the information that X and Y carry about M
// from their joint covariance cov, whose variables are ordered M (dm), X (dx),
// Y (dy). Only the covariance matters: the result is invariant under
// invertible affine maps of each block. cov must be positive definite up to
// the jitter rule of gaussian.Factorize (1e-6 times the mean diagonal, grown
// ×10 at most 5 times); linearly dependent variables are therefore handled by
// that jitter. A *mat.SymDense is symmetric by construction, so no symmetry
// tolerance is involved.
//
// opt.Method selects the union information I∪ (see the package doc):
// "closed" (dm = 1 only) and "mmi" use max(I_X, I_Y); "tilde" minimises over
// Gaussian couplings; "dep" takes the redundancy
// max(I*(X;Y), I_X + I_Y − I_XY) of Kay & Ince (2018) and refuses a
// covariance that needs the jitter (ErrSingular); "auto" or "" means
// "closed" when dm = 1 and "tilde" otherwise. With opt.Debias, opt.N (the
// number of rows cov was estimated from) must exceed dm+dx+dy.
//
// Errors wrap ErrDimension, ErrNotFinite, ErrTooFewRows, ErrMethod,
// ErrSingular or gaussian.ErrNotPositiveDefinite.
func Decompose(cov *mat.SymDense, dm, dx, dy int, opt Options) (Result, error) {
	if cov == nil || cov.IsEmpty() {
		return Result{}, fmt.Errorf("pid: covariance is empty: %w", ErrDimension)
	}
	d := cov.SymmetricDim()
	if dm < 1 || dx < 1 || dy < 1 {
		return Result{}, fmt.Errorf("pid: block sizes dm=%d, dx=%d, dy=%d must all be ≥ 1: %w", dm, dx, dy, ErrDimension)
	}
	if dm+dx+dy != d {
		return Result{}, fmt.Errorf("pid: block sizes dm+dx+dy = %d+%d+%d = %d do not match the %d×%d covariance: %w",
			dm, dx, dy, dm+dx+dy, d, d, ErrDimension)
	}
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			if v := cov.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return Result{}, fmt.Errorf("pid: covariance entry (%d,%d) is %v: %w", i, j, v, ErrNotFinite)
			}
		}
	}
	method, err := resolveMethod(opt.Method, dm)
	if err != nil {
		return Result{}, err
	}
	if opt.Debias {
		if err := checkDebiasRows(opt.N, dm, dx, dy); err != nil {
			return Result{}, err
		}
	}
	// Reorder M, X, Y → X, Y, M for the factorization (see moments).
	perm := make([]int, 0, d)
	for i := dm; i < d; i++ {
		perm = append(perm, i)
	}
	for i := 0; i < dm; i++ {
		perm = append(perm, i)
	}
	c := mat.NewSymDense(d, nil)
	for i, p := range perm {
		for j := i; j < d; j++ {
			c.SetSym(i, j, cov.At(p, perm[j]))
		}
	}
	return decompose(c, dm, dx, dy, method, opt)
}

// resolveMethod maps Options.Method to a concrete method for a dm-dimensional target.
func resolveMethod(m string, dm int) (string, error) {
	switch m {
	case "", MethodAuto:
		if dm == 1 {
			return MethodClosed, nil
		}
		return MethodTilde, nil
	case MethodClosed:
		if dm != 1 {
			return "", fmt.Errorf("pid: method %q is exact only for a scalar target, have dm=%d (use %q or %q): %w",
				m, dm, MethodTilde, MethodMMI, ErrMethod)
		}
		return m, nil
	case MethodTilde, MethodMMI, MethodDep:
		return m, nil
	}
	return "", fmt.Errorf("pid: unknown method %q (want auto, closed, tilde, mmi or dep): %w", m, ErrMethod)
}

// decompose runs the PID on the covariance c ordered X, Y, M. dx or dy may
// be 0 (a source with no usable column, see FromSamples); dm ≥ 1.
func decompose(c *mat.SymDense, dm, dx, dy int, method string, opt Options) (Result, error) {
	want := 0
	switch method {
	case MethodTilde:
		want = wantGains
	case MethodDep:
		want = wantDep
	}
	mo, err := moments(c, dm, dx, dy, want)
	if err != nil {
		return Result{}, err
	}
	if method == MethodDep && mo.jittered {
		return Result{}, fmt.Errorf("pid: method %q: the covariance is singular to working precision (collinear variables?) "+
			"and I_dep's maximum-entropy models need a density: %w (%w)", MethodDep, ErrSingular, gaussian.ErrNotPositiveDefinite)
	}
	ix, iy, ixy := mo.ix, mo.iy, mo.ixy
	ixy = math.Max(ixy, math.Max(ix, iy))
	rawIXY := ixy
	if opt.Debias {
		bias := func(du, dv int) float64 { return opt.biasTimes() * MIBias(opt.N, du, dv) }
		ix = math.Max(ix-bias(dm, dx), 0)
		iy = math.Max(iy-bias(dm, dy), 0)
		ixy = math.Max(ixy-bias(dm, dx+dy), 0)
		ixy = math.Max(ixy, math.Max(ix, iy))
	}
	var union float64
	switch method {
	case MethodClosed, MethodMMI:
		union = math.Max(ix, iy)
	case MethodTilde:
		union = tildeUnion(mo.gx, mo.gy, TildeMaxIter, TildeTol)
		if opt.Debias {
			// The bias of I∪ is unknown; like the reference implementation,
			// assume it is the same fraction of I∪ as of I(M;X,Y).
			if rawIXY > 0 {
				union *= ixy / rawIXY
			} else {
				union = 0
			}
		}
	case MethodDep:
		// R = max(I*(X;Y), I(M;X) + I(M;Y) − I(M;X,Y)); I* is not corrected.
		union = ix + iy - math.Max(mo.istar, ix+iy-ixy)
	}
	return atoms(ix, iy, ixy, union, method), nil
}

// atoms forms the PID from the mutual informations and the union information,
// clipping I∪ into [max(I_X, I_Y), min(I_X+I_Y, I_XY)] so every atom is ≥ 0.
// It expects ixy ≥ max(ix, iy).
func atoms(ix, iy, ixy, union float64, method string) Result {
	lo := math.Max(ix, iy)
	hi := math.Min(ix+iy, ixy)
	union = math.Min(math.Max(union, lo), hi)
	return Result{
		MIX: ix, MIY: iy, MIXY: ixy,
		UniqueX:    union - iy,
		UniqueY:    union - ix,
		Redundancy: (ix + iy) - union,
		Synergy:    ixy - union,
		Method:     method,
	}
}

// checkDebiasRows verifies that the bias formula is defined.
func checkDebiasRows(n, dm, dx, dy int) error {
	if n <= dm+dx+dy {
		return fmt.Errorf("pid: bias correction needs N > dm+dx+dy = %d rows, have N=%d: %w", dm+dx+dy, n, ErrTooFewRows)
	}
	return nil
}

// MIBias returns the exact bias, in bits, of the plug-in Gaussian mutual
// information Î(U;V) between a du- and a dv-dimensional block, computed from
// the sample covariance S of n rows centred on their own mean:
//
//	E[Î(U;V)] − I(U;V) = [τ(du) + τ(dv) − τ(du+dv)] / (2 ln 2),
//	τ(d) = Σ_{k=1..d} ψ((n−k)/2),
//
// ψ being the digamma function. Derivation: (n−1)S of a d-dimensional block
// is Wishart with n−1 degrees of freedom and scale Σ, so
// E[ln det S] = ln det Σ + τ(d) + d ln(2/(n−1)) (Muirhead 1982, Aspects of
// Multivariate Statistical Theory, Thm 3.2.15), and the d ln(2/(n−1))
// terms cancel in Î = ½[ln det S_U + ln det S_V − ln det S_UV]/ln 2. The
// bias does not depend on the true covariance. It is ≥ 0 and, for large n,
// ≈ du·dv/(2n ln 2). Since τ(du+dv) − τ(du) sums ψ over k = du+1..du+dv, the
// bias is Σ_{k=1..dv} [ψ((n−k)/2) − ψ((n−du−k)/2)] / (2 ln 2); for du = 1 it is
// [ψ((n−1)/2) − ψ((n−1−dv)/2)] / (2 ln 2).
//
// Earlier versions used the known-mean form Σ_j ln(1 − j/n) (Cai, Liang &
// Zhou 2015, J. Multivariate Anal. 137, 161–172), which counts n instead of
// n − 1 degrees of freedom and underestimates the bias at small n (at n = 12,
// du = 1, dv = 6 it gives 0.569 bit against the exact 0.655; see
// TestMIBiasMonteCarlo).
//
// ψ is gonum's mathext.Digamma, accurate to about 5·10⁻¹¹ absolute; so is
// the bias. It needs n > du + dv (the sample covariance of the union block is
// then non-singular almost surely) and du, dv ≥ 0; otherwise it returns NaN.
// An empty block (du or dv = 0) carries no information and no bias: 0.
func MIBias(n, du, dv int) float64 {
	if du < 0 || dv < 0 || n <= du+dv {
		return math.NaN()
	}
	if du > dv {
		du, dv = dv, du // the sum below has du terms
	}
	var s float64
	for k := 1; k <= du; k++ {
		s += mathext.Digamma(float64(n-k)/2) - mathext.Digamma(float64(n-dv-k)/2)
	}
	return s / (2 * math.Ln2)
}
