package regularizer

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
)

// CMI returns a scalar node holding the closed-form conditional
// Cauchy–Schwarz estimate of I(Z; X_other | X_cond) (the method's CMI term; Yu, Li,
// Løkse, Jenssen & Príncipe) from three n×n Gram matrices: m = κ(X_cond) and
// k = κ(X_other) (input nodes, e.g. from [Gram]) and L = κ(Z), computed
// inside the op from z (n×d) with bandwidth σ_L = scale · median_{i<j} ‖z_i − z_j‖
// (scale 0 means 1). With column sums over i for every j,
//
//	a_j = Σ_i M_ij,  b_j = Σ_i (K∘M)_ij,  c_j = Σ_i (L∘M)_ij,
//	d_j = Σ_i (K∘L∘M)_ij,  e_j = Σ_i L_ij,  f_j = Σ_i (K∘L)_ij,
//
//	CMI = −2 log Σ_j a_j b_j c_j + log Σ_j d_j e_j² + log Σ_j f_j² c_j² / d_j,
//
// floored at 0. The node is differentiable with respect to z only; σ_L is
// treated as a constant (no gradient through the median, which involves at
// most four rows of z). With G_ij = ∂CMI/∂L_ij and H = (G + Gᵀ)∘L,
//
//	∂CMI/∂z = (1/σ_L²) (H z − diag(H 1) z).
//
// M and K are read as general matrices (column sums), so they need not be
// symmetric, but every d_j must be positive (true for Gram matrices, whose
// diagonals are 1).
func CMI(z, m, k *G.Node, scale float64) (*G.Node, error) {
	if z == nil || m == nil || k == nil {
		return nil, fmt.Errorf("%w: CMI: nil node", ErrDimension)
	}
	scale, err := resolveScale("CMI", scale)
	if err != nil {
		return nil, err
	}
	for _, c := range []struct {
		what string
		n    *G.Node
	}{{"CMI: z", z}, {"CMI: m", m}, {"CMI: k", k}} {
		if err := checkNodeMatrix(c.what, c.n); err != nil {
			return nil, err
		}
	}
	n := z.Shape()[0]
	if !m.Shape().Eq(k.Shape()) || m.Shape()[0] != n || m.Shape()[1] != n {
		return nil, fmt.Errorf("%w: CMI: z is %v, m is %v, k is %v; want m and k %d×%d",
			ErrDimension, z.Shape(), m.Shape(), k.Shape(), n, n)
	}
	op := &lossOp{name: fmt.Sprintf("CMI(scale=%g)", scale), dims: []int{2, 2, 2}, impl: &cmiState{scale: scale}}
	out, err := G.ApplyOp(op, z, m, k)
	if err != nil {
		return nil, fmt.Errorf("CMI: %w", err)
	}
	return out, nil
}

// CMIValue computes the same quantity as [CMI] on gonum data: z is n×d, m and
// k are n×n row-major Gram matrices. It is a direct implementation (explicit
// distances, sorted median), independent of the op's BLAS code.
func CMIValue(z mat.Matrix, m, k []float64, scale float64) (float64, error) {
	zg, err := checkedRaw("CMIValue: z", z, 2)
	if err != nil {
		return 0, err
	}
	scale, err = resolveScale("CMIValue", scale)
	if err != nil {
		return 0, err
	}
	n := zg.Rows
	if len(m) != n*n || len(k) != n*n {
		return 0, fmt.Errorf("%w: CMIValue: z has %d rows, len(m) = %d, len(k) = %d, want %d",
			ErrDimension, n, len(m), len(k), n*n)
	}
	if err := checkFiniteSlice("CMIValue: m", m); err != nil {
		return 0, err
	}
	if err := checkFiniteSlice("CMIValue: k", k); err != nil {
		return 0, err
	}
	d2 := make([]float64, n*n)
	dists := make([]float64, 0, n*(n-1)/2)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			d2[i*n+j] = sqDistRows(zg, i, zg, j)
			if j > i {
				dists = append(dists, math.Sqrt(d2[i*n+j]))
			}
		}
	}
	med := medianSorted(dists)
	if !(med > 0) {
		return 0, fmt.Errorf("%w: CMIValue: median pairwise distance of z is 0", ErrDegenerate)
	}
	sigma := scale * med
	l := make([]float64, n*n)
	for i, v := range d2 {
		l[i] = math.Exp(-v / (2 * sigma * sigma))
	}
	v, err := cmiFromGrams(m, k, l, n)
	if err != nil {
		return 0, fmt.Errorf("CMIValue: %w", err)
	}
	return math.Max(v, 0), nil
}

// cmiFromGrams evaluates the unfloored closed form from the three Gram
// matrices, one column j at a time.
func cmiFromGrams(m, k, l []float64, n int) (float64, error) {
	var s1, s2, s3 float64
	for j := 0; j < n; j++ {
		var a, b, c, d, e, f float64
		for i := 0; i < n; i++ {
			M, K, L := m[i*n+j], k[i*n+j], l[i*n+j]
			a += M
			b += K * M
			c += L * M
			d += K * L * M
			e += L
			f += K * L
		}
		if !(d > 0) {
			return 0, fmt.Errorf("%w: column %d: Σ_i (K∘L∘M)_ij = %v, want > 0", ErrDegenerate, j, d)
		}
		s1 += a * b * c
		s2 += d * e * e
		s3 += f * f * c * c / d
	}
	if !(s1 > 0 && s2 > 0 && s3 > 0) {
		return 0, fmt.Errorf("%w: kernel sums %v, %v, %v, want > 0", ErrDegenerate, s1, s2, s3)
	}
	return -2*math.Log(s1) + math.Log(s2) + math.Log(s3), nil
}

// cmiState is the numerical core of CMI with a cache for the backward pass.
type cmiState struct {
	scale float64

	valid     bool
	n, k      int
	z, mm, kk []float64 // inputs of the last forward pass

	l      []float64 // n×n, full symmetric κ(z)
	h      []float64 // n×n backward scratch
	sums   []float64 // 6n: a, b, c, d, e, f
	norms  []float64
	rowH   []float64
	gam    []float64 // 4n: ∂value/∂(c, d, e, f)
	medBuf []float64

	sigma, s1, s2, s3 float64
	value             float64 // unfloored
}

func (s *cmiState) forward(in []G.Value) (float64, error) {
	if err := s.load(in); err != nil {
		return 0, err
	}
	if err := s.compute(); err != nil {
		return 0, err
	}
	return math.Max(s.value, 0), nil
}

func (s *cmiState) load(in []G.Value) error {
	n, k, z, err := read.Matrix(in[0], "z")
	if err != nil {
		return err
	}
	mr, mc, m, err := read.Matrix(in[1], "m")
	if err != nil {
		return err
	}
	kr, kc, kk, err := read.Matrix(in[2], "k")
	if err != nil {
		return err
	}
	if mr != n || mc != n || kr != n || kc != n {
		return fmt.Errorf("%w: z is %d×%d, m is %d×%d, k is %d×%d", ErrDimension, n, k, mr, mc, kr, kc)
	}
	if n < 2 {
		return fmt.Errorf("%w: z has %d rows, need at least 2", ErrTooFewRows, n)
	}
	for _, c := range []struct {
		what string
		v    []float64
	}{{"z", z}, {"m", m}, {"k", kk}} {
		if err := checkFiniteSlice(c.what, c.v); err != nil {
			return err
		}
	}
	s.valid = false
	s.n, s.k = n, k
	s.z = grow(s.z, len(z))
	copy(s.z, z)
	s.mm = grow(s.mm, len(m))
	copy(s.mm, m)
	s.kk = grow(s.kk, len(kk))
	copy(s.kk, kk)
	return nil
}

func (s *cmiState) compute() error {
	n, k := s.n, s.k
	s.l = grow(s.l, n*n)
	s.sums = grow(s.sums, 6*n)
	s.norms = grow(s.norms, n)
	s.medBuf = grow(s.medBuf, n*(n-1)/2)
	Z := blas64.General{Rows: n, Cols: k, Stride: k, Data: s.z}

	sqDistUpper(s.l, s.norms, Z)
	gatherUpper(s.medBuf, s.l, n)
	med := medianSqrt(s.medBuf)
	if !(med > 0) {
		return fmt.Errorf("%w: median pairwise distance of the %d rows of z is 0", ErrDegenerate, n)
	}
	sigma := s.scale * med
	c := -1 / (2 * sigma * sigma)
	for i := 0; i < n; i++ {
		row := s.l[i*n : (i+1)*n]
		row[i] = 1
		for j := i + 1; j < n; j++ {
			row[j] = math.Exp(c * row[j])
		}
	}
	mirrorUpper(s.l, n)

	// Column sums, accumulated row by row for contiguous access.
	for i := range s.sums {
		s.sums[i] = 0
	}
	a, b, cc, d, e, f := s.sums[:n], s.sums[n:2*n], s.sums[2*n:3*n], s.sums[3*n:4*n], s.sums[4*n:5*n], s.sums[5*n:]
	for i := 0; i < n; i++ {
		mrow, krow, lrow := s.mm[i*n:(i+1)*n], s.kk[i*n:(i+1)*n], s.l[i*n:(i+1)*n]
		for j, M := range mrow {
			K, L := krow[j], lrow[j]
			KM := K * M
			a[j] += M
			b[j] += KM
			cc[j] += L * M
			d[j] += L * KM
			e[j] += L
			f[j] += K * L
		}
	}
	var s1, s2, s3 float64
	for j := 0; j < n; j++ {
		if !(d[j] > 0) {
			return fmt.Errorf("%w: column %d: Σ_i (K∘L∘M)_ij = %v, want > 0", ErrDegenerate, j, d[j])
		}
		s1 += a[j] * b[j] * cc[j]
		s2 += d[j] * e[j] * e[j]
		s3 += f[j] * f[j] * cc[j] * cc[j] / d[j]
	}
	if !(s1 > 0 && s2 > 0 && s3 > 0) || math.IsInf(s1+s2+s3, 0) {
		return fmt.Errorf("%w: kernel sums %v, %v, %v, want finite and > 0", ErrDegenerate, s1, s2, s3)
	}
	s.sigma, s.s1, s.s2, s.s3 = sigma, s1, s2, s3
	s.value = -2*math.Log(s1) + math.Log(s2) + math.Log(s3)
	s.valid = true
	return nil
}

func (s *cmiState) backward(in []G.Value, g float64) ([]float64, error) {
	if err := s.refresh(in); err != nil {
		return nil, err
	}
	n, k := s.n, s.k
	out := make([]float64, n*k)
	if s.value <= 0 || g == 0 {
		return out, nil
	}
	s.h = grow(s.h, n*n)
	s.rowH = grow(s.rowH, n)
	a, b, c, d, e, f := s.sums[:n], s.sums[n:2*n], s.sums[2*n:3*n], s.sums[3*n:4*n], s.sums[4*n:5*n], s.sums[5*n:]

	// γ: derivatives of the value with respect to the column sums c, d, e, f
	// (a and b do not depend on L).
	s.gam = grow(s.gam, 4*n)
	gc, gd, ge, gf := s.gam[:n], s.gam[n:2*n], s.gam[2*n:3*n], s.gam[3*n:]
	for j := 0; j < n; j++ {
		r := f[j] * c[j] / d[j] // f c / d
		gc[j] = -2*a[j]*b[j]/s.s1 + 2*f[j]*r/s.s3
		gd[j] = e[j]*e[j]/s.s2 - r*r/s.s3
		ge[j] = 2 * d[j] * e[j] / s.s2
		gf[j] = 2 * r * c[j] / s.s3
	}
	// G_ij = ∂value/∂L_ij = gc_j M_ij + gd_j K_ij M_ij + ge_j + gf_j K_ij.
	for i := 0; i < n; i++ {
		mrow, krow, hrow := s.mm[i*n:(i+1)*n], s.kk[i*n:(i+1)*n], s.h[i*n:(i+1)*n]
		for j, M := range mrow {
			K := krow[j]
			hrow[j] = (gc[j]+gd[j]*K)*M + ge[j] + gf[j]*K
		}
	}
	// H = (G + Gᵀ)∘L in the upper triangle (zero diagonal), and its row sums.
	for i := range s.rowH {
		s.rowH[i] = 0
	}
	for i := 0; i < n; i++ {
		hrow, lrow := s.h[i*n:(i+1)*n], s.l[i*n:(i+1)*n]
		hrow[i] = 0
		acc := 0.0
		for j := i + 1; j < n; j++ {
			v := (hrow[j] + s.h[j*n+i]) * lrow[j]
			hrow[j] = v
			acc += v
			s.rowH[j] += v
		}
		s.rowH[i] += acc
	}
	mirrorUpper(s.h, n)
	Z := blas64.General{Rows: n, Cols: k, Stride: k, Data: s.z}
	O := blas64.General{Rows: n, Cols: k, Stride: k, Data: out}
	H := blas64.General{Rows: n, Cols: n, Stride: n, Data: s.h}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, H, Z, 0, O) // Gemm beats gonum's unblocked Dsymm
	fac := g / (s.sigma * s.sigma)
	for i := 0; i < n; i++ {
		zi, oi := s.z[i*k:(i+1)*k], out[i*k:(i+1)*k]
		ri := s.rowH[i]
		for j, v := range zi {
			oi[j] = fac * (oi[j] - ri*v)
		}
	}
	return out, nil
}

func (s *cmiState) refresh(in []G.Value) error {
	if s.valid {
		n, k, z, err := read.Matrix(in[0], "z")
		if err != nil {
			return err
		}
		_, _, m, err := read.Matrix(in[1], "m")
		if err != nil {
			return err
		}
		_, _, kk, err := read.Matrix(in[2], "k")
		if err != nil {
			return err
		}
		if n == s.n && k == s.k && sameAs(s.z, z) && sameAs(s.mm, m) && sameAs(s.kk, kk) {
			return nil
		}
	}
	if err := s.load(in); err != nil {
		return err
	}
	return s.compute()
}
