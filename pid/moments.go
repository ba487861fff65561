package pid

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
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
	// its strictly lower triangle and diag keeping the original entries
	// (gaussian.CholeskyInPlace), read back by block.
	diag := make([]float64, d)
	ur, tau, err := gaussian.CholeskyInPlace(c.RawSymmetric(), diag)
	if err != nil {
		if errors.Is(err, gaussian.ErrNotFinite) {
			err = alsoIs{err, ErrNotFinite}
		}
		return moms{}, fmt.Errorf("pid: joint covariance (%d×%d): %w", d, d, err)
	}
	s := dx + dy // first row of the M block

	// C_{M|X} = C_M − AᵀA with A = U[0:dx, s:d], copied before C_M is
	// factorized in place. diag is free again: it is the scratch of the
	// small factorizations below.
	cm := block(c, diag, s, d, tau)
	cmx := mat.NewSymDense(dm, nil)
	cmx.CopySym(cm)
	if dx > 0 {
		a := blas64.General{Rows: dx, Cols: dm, Stride: ur.Stride, Data: ur.Data[s:]}
		blas64.Syrk(blas.Trans, -1, a, 1, cmx.RawSymmetric())
	}
	// [Y, M] block with the same jitter.
	cym := block(c, diag, dx, d, tau)
	scratch := diag[:dy+dm]

	rm, _, err := gaussian.CholeskyInPlace(cm.RawSymmetric(), scratch)
	if err != nil {
		return moms{}, fmt.Errorf("pid: target covariance: %w", err)
	}
	ldM := gaussian.LogDetFactor(rm, 0, dm)
	rx, _, err := gaussian.CholeskyInPlace(cmx.RawSymmetric(), scratch)
	if err != nil {
		return moms{}, fmt.Errorf("pid: covariance of M given X: %w", err)
	}
	ldMX := gaussian.LogDetFactor(rx, 0, dm)
	ldMXY := gaussian.LogDetFactor(ur, s, d)
	vr, _, err := gaussian.CholeskyInPlace(cym.RawSymmetric(), scratch)
	if err != nil {
		return moms{}, fmt.Errorf("pid: covariance of [Y, M]: %w", err)
	}
	ldMY := gaussian.LogDetFactor(vr, dy, dy+dm)

	mo := moms{
		ix:  math.Max((ldM-ldMX)/(2*math.Ln2), 0),
		iy:  math.Max((ldM-ldMY)/(2*math.Ln2), 0),
		ixy: math.Max((ldM-ldMXY)/(2*math.Ln2), 0),
	}
	if gains {
		// C_{M|Y} = R_YᵀR_Y is the trailing block of the [Y, M] factor.
		ry := blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: dm, Stride: vr.Stride, Data: vr.Data[dy*vr.Stride+dy:]}
		mo.gx = reducedGain(rm, rx)
		mo.gy = reducedGain(rm, ry)
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
func reducedGain(rm, rs blas64.Triangular) *mat.Dense {
	dm := rm.N
	// K = R_M (its upper triangle; the storage below it holds other data).
	var k mat.Dense
	k.ReuseAs(dm, dm)
	for i := 0; i < dm; i++ {
		for j := i; j < dm; j++ {
			k.Set(i, j, rm.Data[i*rm.Stride+j])
		}
	}
	// K R_S = R_M.
	blas64.Trsm(blas.Right, blas.NoTrans, 1, rs, k.RawMatrix())
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

// block returns the principal block [lo, hi) of the matrix c factorized by
// gaussian.CholeskyInPlace, read from its pristine lower triangle, with tau
// added to the diagonal; diag is the original diagonal saved by that call.
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
