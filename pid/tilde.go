package pid

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"

	"github.com/pidreg/pidreg/gaussian"
)

// Settings of the ~G-PID optimiser. Options has no fields for them (its
// zero value must stay meaningful), so they are fixed here and documented.
const (
	// TildeMaxIter caps the projected-gradient iterations of each start.
	TildeMaxIter = 500
	// TildeTol stops a start when the projected gradient
	// ‖P(Σ − ∇f(Σ)) − Σ‖_F (f in nats) falls below it, or when 10 successive
	// accepted steps lower f by less than TildeTol·(1+|f|) in total.
	TildeTol = 1e-10
	// tildeReg is ε in S = (1+ε)I − ΣΣᵀ, which keeps the objective finite on
	// the boundary ‖Σ‖₂ = 1. The reference uses 1e-7; that biases I∪ down by
	// up to ~1e-7 bit and breaks the X↔Y symmetry at that level, while 1e-10
	// keeps both effects near 1e-10 (TestSwapSourcesSwapsUniques).
	tildeReg = 1e-10
)

// tildeProblem is the ~G-PID union-information problem on whitened,
// dimension-reduced channels X' = G_X M + N_X, Y' = G_Y M + N_Y with
// Cov(M) = I, Cov(N_X) = I, Cov(N_Y) = I and free cross-covariance
// Σ = Cov(N_X, N_Y), ‖Σ‖₂ ≤ 1:
//
//	f(Σ) = ½ ln det(I + G_YᵀG_Y + DᵀS⁻¹D),  S = (1+ε)I − ΣΣᵀ,  D = G_X − ΣG_Y,
//	∇f(Σ) = S⁻¹D P⁻¹ (DᵀS⁻¹Σ − G_Yᵀ),  P = I + G_YᵀG_Y + DᵀS⁻¹D.
//
// f is I(M; X', Y') in nats for the coupling Σ (given Y', X' − ΣY' is an
// independent channel with gain D and noise covariance S).
type tildeProblem struct {
	gx, gy     *mat.Dense
	rx, ry, dm int
	base       *mat.SymDense // I + G_YᵀG_Y
}

func newTildeProblem(gx, gy *mat.Dense) *tildeProblem {
	rx, dm := gx.Dims()
	ry, _ := gy.Dims()
	base := mat.NewSymDense(dm, nil)
	base.SymOuterK(1, gy.T())
	for i := 0; i < dm; i++ {
		base.SetSym(i, i, base.At(i, i)+1)
	}
	return &tildeProblem{gx: gx, gy: gy, rx: rx, ry: ry, dm: dm, base: base}
}

// eval returns f(sig) in nats and, if grad is non-nil, stores ∇f there. It
// returns +Inf when S is not positive definite (outside the ball).
func (p *tildeProblem) eval(sig, grad *mat.Dense) float64 {
	s := mat.NewSymDense(p.rx, nil)
	s.SymOuterK(-1, sig)
	for i := 0; i < p.rx; i++ {
		s.SetSym(i, i, s.At(i, i)+1+tildeReg)
	}
	var cs chol
	if !cs.factorize(s) {
		return math.Inf(1)
	}
	var dd mat.Dense
	dd.Mul(sig, p.gy)
	dd.Sub(p.gx, &dd)
	var t mat.Dense
	cs.solveTo(&t, &dd)
	var dt mat.Dense
	dt.Mul(dd.T(), &t)
	pm := mat.NewSymDense(p.dm, nil)
	for i := 0; i < p.dm; i++ {
		for j := i; j < p.dm; j++ {
			pm.SetSym(i, j, p.base.At(i, j)+0.5*(dt.At(i, j)+dt.At(j, i)))
		}
	}
	var cp chol
	if !cp.factorize(pm) {
		return math.Inf(1)
	}
	f := 0.5 * cp.logDet()
	if grad != nil {
		var r mat.Dense
		r.Mul(t.T(), sig) // dm×ry
		r.Sub(&r, p.gy.T())
		var w mat.Dense
		cp.solveTo(&w, &r)
		grad.Mul(&t, &w)
	}
	return f
}

// isCondWarning reports whether err is only gonum's ill-conditioning
// warning, after which the solution is still returned.
func isCondWarning(err error) bool {
	_, ok := err.(mat.Condition)
	return ok
}

// project stores in dst the nearest point (Frobenius norm) of the spectral
// ball ‖Σ‖₂ ≤ 1 to sig: singular values above 1 are clipped to 1.
func (p *tildeProblem) project(dst, sig *mat.Dense) {
	if p.rx == 1 || p.ry == 1 {
		nrm := mat.Norm(sig, 2)
		dst.CloneFrom(sig)
		if nrm > 1 {
			dst.Scale(1/nrm, dst)
		}
		return
	}
	if mat.Norm(sig, 2) <= 1 { // Frobenius norm bounds the spectral norm
		dst.CloneFrom(sig)
		return
	}
	var svd mat.SVD
	if !svd.Factorize(sig, mat.SVDThin) {
		dst.CloneFrom(sig)
		return
	}
	vals := svd.Values(nil)
	if vals[0] <= 1 {
		dst.CloneFrom(sig)
		return
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	for k := range vals {
		vals[k] = math.Min(vals[k], 1)
	}
	u.Apply(func(_, j int, x float64) float64 { return x * vals[j] }, &u)
	dst.Mul(&u, v.T())
}

// minimize runs spectral projected gradient descent (Barzilai–Borwein step
// lengths with an Armijo backtracking line search along the projected arc;
// Birgin, Martínez & Raydan 2000, SIAM J. Optim. 10(4), 1196–1211) from x0,
// and returns the final (lowest, the iteration is monotone) objective in
// nats and its argument.
func (p *tildeProblem) minimize(x0 *mat.Dense, maxIter int, tol float64) (float64, *mat.Dense) {
	x := mat.NewDense(p.rx, p.ry, nil)
	p.project(x, x0)
	g := mat.NewDense(p.rx, p.ry, nil)
	f := p.eval(x, g)
	if math.IsInf(f, 1) {
		return f, x
	}
	var trial, d mat.Dense
	xn := mat.NewDense(p.rx, p.ry, nil)
	gn := mat.NewDense(p.rx, p.ry, nil)
	alpha := 1.0
	stall, stallSum := 0, 0.0
	for it := 0; it < maxIter; it++ {
		trial.Scale(-alpha, g)
		trial.Add(x, &trial)
		p.project(&d, &trial)
		d.Sub(&d, x)
		// ‖P(x − αg) − x‖ grows with α and ‖P(x − αg) − x‖/α shrinks, so
		// ‖P(x − g) − x‖ ≤ ‖d‖/min(α, 1): a bound on the projected gradient
		// without a second projection.
		if mat.Norm(&d, 2)/math.Min(alpha, 1) < tol {
			break
		}
		gd := inner(g, &d)
		if !(gd < 0) {
			break
		}
		lambda := 1.0
		fn := math.Inf(1)
		for ls := 0; ls < 60; ls++ {
			xn.Scale(lambda, &d)
			xn.Add(x, xn)
			fn = p.eval(xn, gn)
			if fn <= f+1e-4*lambda*gd {
				break
			}
			lambda *= 0.5
		}
		if !(fn <= f+1e-4*lambda*gd) {
			break
		}
		// Barzilai–Borwein step from s = xn − x, y = gn − g.
		var s, y mat.Dense
		s.Sub(xn, x)
		y.Sub(gn, g)
		ss := inner(&s, &s)
		sy := inner(&s, &y)
		if sy > 0 {
			alpha = math.Min(math.Max(ss/sy, 1e-10), 1e10)
		} else {
			alpha = 1e4
		}
		stallSum += f - fn
		stall++
		if stall == 10 {
			if stallSum < tol*(1+math.Abs(fn)) {
				x.Copy(xn)
				f = fn
				break
			}
			stall, stallSum = 0, 0
		}
		x.Copy(xn)
		g.Copy(gn)
		f = fn
	}
	return f, x
}

// tildeUnion returns the ~G-PID union information in bits: the minimum of f
// over the spectral ball, taken as the best of three starts — the projection
// of G_X G_Y⁺ (the reference's start), the projection of (G_Y G_X⁺)ᵀ (its
// mirror) and Σ = 0. It returns 0 when a source carries no information
// (gx or gy nil); the caller then clips I∪ to max(I_X, I_Y), which is exact.
func tildeUnion(gx, gy *mat.Dense, maxIter int, tol float64) float64 {
	if gx == nil || gy == nil {
		return 0
	}
	p := newTildeProblem(gx, gy)
	best := math.Inf(1)
	for _, s0 := range starts(p, gx, gy) {
		f, _ := p.minimize(s0, maxIter, tol)
		if f < best {
			best = f
		}
	}
	return best / math.Ln2
}

// starts returns the three starting points of tildeUnion.
func starts(p *tildeProblem, gx, gy *mat.Dense) []*mat.Dense {
	return []*mat.Dense{
		mulPinv(gx, gy),
		transpose(mulPinv(gy, gx)),
		mat.NewDense(p.rx, p.ry, nil),
	}
}

// mulPinv returns a b⁺ for b with full row rank: b⁺ = bᵀ(b bᵀ)⁻¹.
func mulPinv(a, b *mat.Dense) *mat.Dense {
	rb, _ := b.Dims()
	ra, _ := a.Dims()
	bbt := mat.NewSymDense(rb, nil)
	bbt.SymOuterK(1, b)
	var abt mat.Dense
	abt.Mul(a, b.T()) // ra×rb
	var ch mat.Cholesky
	out := mat.NewDense(ra, rb, nil)
	if !ch.Factorize(bbt) {
		return out
	}
	// out = abt (bbᵀ)⁻¹  ⇔  (bbᵀ) outᵀ = abtᵀ.
	var ot mat.Dense
	if err := ch.SolveTo(&ot, abt.T()); err != nil && !isCondWarning(err) {
		return out
	}
	out.Copy(ot.T())
	return out
}

func transpose(a *mat.Dense) *mat.Dense {
	var t mat.Dense
	t.CloneFrom(a.T())
	return &t
}

// inner returns the Frobenius inner product Σ_ij a_ij b_ij.
func inner(a, b *mat.Dense) float64 {
	r, c := a.Dims()
	var s float64
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			s += a.At(i, j) * b.At(i, j)
		}
	}
	return s
}

// chol is a bare Cholesky factorization A = UᵀU for the small matrices of
// the optimiser: unlike mat.Cholesky it skips the condition estimate, which
// would dominate the cost at these sizes.
type chol struct{ u blas64.Triangular }

func (c *chol) factorize(a *mat.SymDense) bool {
	n := a.SymmetricDim()
	src := a.RawSymmetric()
	data := make([]float64, n*n)
	for i := 0; i < n; i++ {
		copy(data[i*n+i:(i+1)*n], src.Data[i*src.Stride+i:i*src.Stride+n])
	}
	t, ok := lapack64.Potrf(blas64.Symmetric{N: n, Stride: n, Data: data, Uplo: blas.Upper})
	c.u = t
	return ok
}

func (c *chol) logDet() float64 { return gaussian.LogDetFactor(c.u, 0, c.u.N) }

// solveTo stores A⁻¹B in dst: Uᵀ Y = B, then U X = Y.
func (c *chol) solveTo(dst *mat.Dense, b mat.Matrix) {
	dst.CloneFrom(b)
	raw := dst.RawMatrix()
	blas64.Trsm(blas.Left, blas.Trans, 1, c.u, raw)
	blas64.Trsm(blas.Left, blas.NoTrans, 1, c.u, raw)
}
