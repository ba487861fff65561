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

// moms holds the mutual informations (bits) and what the methods need beyond
// them: for the ~G-PID the reduced channel gains of the whitened problem, for
// I_dep the information I*(X;Y) of the conditionally independent model.
type moms struct {
	ix, iy, ixy float64
	// gx (rx×dm) and gy (ry×dm) satisfy gᵀg = F, the signal-to-noise matrix
	// of the source about the whitened target; rows with a numerically zero
	// eigenvalue of F are dropped, so rx, ry ≤ dm.
	gx, gy *mat.Dense
	// istar is I*(X;Y) in bits (wantDep only).
	istar float64
	// jittered reports whether any factorization needed a jitter.
	jittered bool
}

// What moments computes beyond the three informations.
const (
	wantGains = 1 << iota // moms.gx, moms.gy
	wantDep               // moms.istar
)

// moments computes I(M;X), I(M;Y), I(M;X,Y) from the covariance c ordered
// X, Y, M. One Cholesky factor U of c (with jitter τ) gives, from its
// leading blocks, log det C_{M|X,Y} = 2 Σ ln U_ii over the M rows and
// C_{M|X} = C_M − U_XMᵀ U_XM; a second factor of the [Y, M] block (same τ)
// gives log det C_{M|Y}. Then I(M;S) = ½ log₂ det C_M − ½ log₂ det C_{M|S}.
// want (wantGains, wantDep) selects the extras.
//
// I*(X;Y) is the X–Y information of the Gaussian with the same (M,X) and
// (M,Y) blocks in which X ⟂ Y | M. There X and Y are independent channels of
// M, so the posterior precision of the whitened target is I + F_X + F_Y with
// I + F_S = K_S K_Sᵀ, K_S = R_M R_S⁻¹ (see channelGain), and
//
//	I*(X;Y) = I(M;X) + I(M;Y) − I*(M;X,Y),  I*(M;X,Y) = ½ log₂ det(I + F_X + F_Y),
//
// all dm×dm: no (dx+dy)-sized matrix is formed.
func moments(c *mat.SymDense, dm, dx, dy int, want int) (moms, error) {
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

	rm, tm, err := gaussian.CholeskyInPlace(cm.RawSymmetric(), scratch)
	if err != nil {
		return moms{}, fmt.Errorf("pid: target covariance: %w", err)
	}
	ldM := gaussian.LogDetFactor(rm, 0, dm)
	rx, tx, err := gaussian.CholeskyInPlace(cmx.RawSymmetric(), scratch)
	if err != nil {
		return moms{}, fmt.Errorf("pid: covariance of M given X: %w", err)
	}
	ldMX := gaussian.LogDetFactor(rx, 0, dm)
	ldMXY := gaussian.LogDetFactor(ur, s, d)
	vr, ty, err := gaussian.CholeskyInPlace(cym.RawSymmetric(), scratch)
	if err != nil {
		return moms{}, fmt.Errorf("pid: covariance of [Y, M]: %w", err)
	}
	ldMY := gaussian.LogDetFactor(vr, dy, dy+dm)

	mo := moms{
		ix:       math.Max((ldM-ldMX)/(2*math.Ln2), 0),
		iy:       math.Max((ldM-ldMY)/(2*math.Ln2), 0),
		ixy:      math.Max((ldM-ldMXY)/(2*math.Ln2), 0),
		jittered: tau > 0 || tm > 0 || tx > 0 || ty > 0,
	}
	if want == 0 {
		return mo, nil
	}
	// C_{M|Y} = R_YᵀR_Y is the trailing block of the [Y, M] factor.
	ry := blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: dm, Stride: vr.Stride, Data: vr.Data[dy*vr.Stride+dy:]}
	kx, ky := channelGain(rm, rx), channelGain(rm, ry)
	if want&wantGains != 0 {
		mo.gx, mo.gy = reducedGain(kx), reducedGain(ky)
	}
	if want&wantDep != 0 {
		// P = K_X K_Xᵀ + K_Y K_Yᵀ − I = I + F_X + F_Y ≥ I.
		p := mat.NewSymDense(dm, nil)
		p.SymOuterK(1, kx)
		p.SymRankK(p, 1, ky)
		for i := 0; i < dm; i++ {
			p.SetSym(i, i, p.At(i, i)-1)
		}
		rp, _, err := gaussian.CholeskyInPlace(p.RawSymmetric(), scratch)
		if err != nil {
			return moms{}, fmt.Errorf("pid: posterior precision of the conditionally independent model: %w", err)
		}
		ldP := gaussian.LogDetFactor(rp, 0, dm)
		mo.istar = math.Max((2*ldM-ldMX-ldMY-ldP)/(2*math.Ln2), 0)
	}
	return mo, nil
}

// channelGain returns K = R_M R_S⁻¹ for C_M = R_MᵀR_M and C_{M|S} = R_SᵀR_S.
// K Kᵀ = I + F: the posterior precision of the whitened target M' = R_M⁻ᵀM
// given the source S, F = HᵀH being the signal-to-noise matrix of the
// whitened channel S' = H M' + N, N ~ N(0, I).
func channelGain(rm, rs blas64.Triangular) *mat.Dense {
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
	return &k
}

// reducedGain returns g (r×dm) with gᵀg = F, where I + F = K Kᵀ and K is
// the channel gain of channelGain. The ~G-PID union information depends on a
// source only through F (a sufficient statistic for M keeps every coupling
// reachable), so the optimisation runs over r×r couplings with
// r = rank F ≤ dm.
func reducedGain(k *mat.Dense) *mat.Dense {
	dm, _ := k.Dims()
	f := mat.NewSymDense(dm, nil)
	f.SymOuterK(1, k)
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
