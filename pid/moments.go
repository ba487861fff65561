package pid

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/gaussian"
)

// moms holds the mutual informations (bits) and, for the ~G-PID, the reduced
// channel gains of the whitened problem.
type moms struct {
	ix, iy, ixy float64
	// gx (rx×dm) and gy (ry×dm) satisfy gᵀg = F, the signal-to-noise matrix
	// of the source about the whitened target; rows with a numerically zero
	// eigenvalue of F are dropped, so rx, ry ≤ dm.
	gx, gy *mat.Dense
}

// moments computes I(M;X), I(M;Y), I(M;X,Y) from the covariance c ordered
// X, Y, M. One Cholesky factor U of c (with jitter τ) gives, from its
// leading blocks, log det C_{M|X,Y} = 2 Σ ln U_ii over the M rows and
// C_{M|X} = C_M − U_XMᵀ U_XM; a second factor of the [Y, M] block (same τ)
// gives log det C_{M|Y}. Then I(M;S) = ½ log₂ det C_M − ½ log₂ det C_{M|S}.
func moments(c *mat.SymDense, dm, dx, dy int, gains bool) (moms, error) {
	d := dm + dx + dy
	// c is owned by the caller's decomposition: it is factorized in place,
	// its strictly lower triangle keeping a pristine copy (factorInPlace).
	ur, tau, diag, err := factorInPlace(c)
	if err != nil {
		return moms{}, fmt.Errorf("pid: joint covariance (%d×%d): %w", d, d, err)
	}
	s := dx + dy // first row of the M block

	cm := block(c, diag, s, d, tau)
	var rm mat.TriDense
	if _, err := gaussian.FactorizeUpper(&rm, cm); err != nil {
		return moms{}, fmt.Errorf("pid: target covariance: %w", err)
	}
	ldM := 2 * sumLogDiag(rm.RawTriangular(), 0, dm)

	// C_{M|X} = C_M − AᵀA with A = U[0:dx, s:d].
	cmx := mat.NewSymDense(dm, nil)
	cmx.CopySym(cm)
	if dx > 0 {
		a := blas64.General{Rows: dx, Cols: dm, Stride: ur.Stride, Data: ur.Data[s:]}
		blas64.Syrk(blas.Trans, -1, a, 1, cmx.RawSymmetric())
	}
	var rx mat.TriDense
	if _, err := gaussian.FactorizeUpper(&rx, cmx); err != nil {
		return moms{}, fmt.Errorf("pid: covariance of M given X: %w", err)
	}
	ldMX := 2 * sumLogDiag(rx.RawTriangular(), 0, dm)
	ldMXY := 2 * sumLogDiag(ur, s, d)

	// [Y, M] block with the same jitter.
	var v mat.TriDense
	if _, err := gaussian.FactorizeUpper(&v, block(c, diag, dx, d, tau)); err != nil {
		return moms{}, fmt.Errorf("pid: covariance of [Y, M]: %w", err)
	}
	vr := v.RawTriangular()
	ldMY := 2 * sumLogDiag(vr, dy, dy+dm)

	mo := moms{
		ix:  math.Max((ldM-ldMX)/(2*math.Ln2), 0),
		iy:  math.Max((ldM-ldMY)/(2*math.Ln2), 0),
		ixy: math.Max((ldM-ldMXY)/(2*math.Ln2), 0),
	}
	if gains {
		// C_{M|Y} = R_YᵀR_Y is the trailing block of the [Y, M] factor.
		ry := mat.NewTriDense(dm, mat.Upper, nil)
		for i := 0; i < dm; i++ {
			for j := i; j < dm; j++ {
				ry.SetTri(i, j, vr.Data[(dy+i)*vr.Stride+dy+j])
			}
		}
		mo.gx = reducedGain(&rm, &rx)
		mo.gy = reducedGain(&rm, ry)
	}
	return mo, nil
}

// reducedGain returns g (r×dm) with gᵀg = F, where I + F = K Kᵀ,
// K = R_M R_S⁻¹, C_M = R_MᵀR_M and C_{M|S} = R_SᵀR_S. I + F is the posterior
// precision of the whitened target M' = R_M⁻ᵀM given the source S, so F is
// the signal-to-noise matrix HᵀH of the whitened channel S' = H M' + N,
// N ~ N(0, I). The ~G-PID union information depends on a source only through
// F (a sufficient statistic for M keeps every coupling reachable), so the
// optimisation runs over r×r couplings with r = rank F ≤ dm.
func reducedGain(rm, rs *mat.TriDense) *mat.Dense {
	dm, _ := rm.Triangle()
	var k mat.Dense
	k.CloneFrom(rm)
	// K R_S = R_M.
	blas64.Trsm(blas.Right, blas.NoTrans, 1, rs.RawTriangular(), k.RawMatrix())
	f := mat.NewSymDense(dm, nil)
	f.SymOuterK(1, &k)
	for i := 0; i < dm; i++ {
		f.SetSym(i, i, f.At(i, i)-1)
	}
	var eig mat.EigenSym
	if !eig.Factorize(f, true) {
		return nil
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	lmax := vals[len(vals)-1]
	var keep []int
	for i, l := range vals {
		if l > 1e-12*math.Max(1, lmax) {
			keep = append(keep, i)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	g := mat.NewDense(len(keep), dm, nil)
	for r, i := range keep {
		sq := math.Sqrt(vals[i])
		for j := 0; j < dm; j++ {
			g.Set(r, j, sq*vecs.At(j, i))
		}
	}
	return g
}

// factorInPlace overwrites the upper triangle of c with the Cholesky factor
// U of c + τI = UᵀU, τ chosen by the jitter rule of gaussian.Factorize
// (gaussian.JitterStart times the mean diagonal, grown by
// gaussian.JitterGrowth at most gaussian.JitterTries times). Before
// factorizing it copies the upper triangle into the unused strictly lower
// triangle of the backing array, which the upper-triangular LAPACK routine
// never touches: that copy restarts failed attempts and lets block read the
// original entries afterwards, with no extra d×d allocation.
func factorInPlace(c *mat.SymDense) (blas64.Triangular, float64, []float64, error) {
	raw := c.RawSymmetric()
	n, st := raw.N, raw.Stride
	var trace float64
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := raw.Data[i*st+j]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return blas64.Triangular{}, 0, nil, fmt.Errorf("entry (%d,%d) is %v: %w", i, j, v, ErrNotFinite)
			}
			raw.Data[j*st+i] = v
		}
		trace += raw.Data[i*st+i]
	}
	diag := make([]float64, n)
	for i := range diag {
		diag[i] = raw.Data[i*st+i]
	}
	sym := blas64.Symmetric{N: n, Stride: st, Data: raw.Data, Uplo: blas.Upper}
	restore := func(tau float64) {
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				raw.Data[i*st+j] = raw.Data[j*st+i]
			}
			raw.Data[i*st+i] = diag[i] + tau
		}
	}
	t, ok := lapack64.Potrf(sym)
	if ok {
		return t, 0, diag, nil
	}
	s := trace / float64(n)
	if !(s > 0) {
		return t, 0, nil, fmt.Errorf("mean diagonal %g: %w", s, gaussian.ErrNotPositiveDefinite)
	}
	tau := gaussian.JitterStart * s
	for k := 0; k < gaussian.JitterTries; k++ {
		restore(tau)
		if t, ok = lapack64.Potrf(sym); ok {
			return t, tau, diag, nil
		}
		tau *= gaussian.JitterGrowth
	}
	return t, 0, nil, fmt.Errorf("still indefinite with jitter %g: %w", tau/gaussian.JitterGrowth, gaussian.ErrNotPositiveDefinite)
}

// block returns the principal block [lo, hi) of the matrix c factorized by
// factorInPlace, read from its pristine lower triangle, with tau added to
// the diagonal; diag is the original diagonal returned by factorInPlace.
func block(c *mat.SymDense, diag []float64, lo, hi int, tau float64) *mat.SymDense {
	n := hi - lo
	b := mat.NewSymDense(n, nil)
	src := c.RawSymmetric()
	dst := b.RawSymmetric()
	for i := 0; i < n; i++ {
		dst.Data[i*dst.Stride+i] = diag[lo+i] + tau
		for j := i + 1; j < n; j++ {
			dst.Data[i*dst.Stride+j] = src.Data[(lo+j)*src.Stride+lo+i]
		}
	}
	return b
}

// sumLogDiag returns Σ_{i∈[lo,hi)} ln T_ii.
func sumLogDiag(t blas64.Triangular, lo, hi int) float64 {
	var s float64
	for i := lo; i < hi; i++ {
		s += math.Log(t.Data[i*t.Stride+i])
	}
	return s
}
