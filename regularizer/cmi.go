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
	if err := checkNodeMatrices("CMI", []string{"z", "m", "k"}, z, m, k); err != nil {
		return nil, err
	}
	scale, err := resolveScale("CMI", scale)
	if err != nil {
		return nil, err
	}
	n := z.Shape()[0]
	if !m.Shape().Eq(k.Shape()) || m.Shape()[0] != n || m.Shape()[1] != n {
		return nil, fmt.Errorf("%w: CMI: z is %v, m is %v, k is %v; want m and k %d×%d",
			ErrDimension, z.Shape(), m.Shape(), k.Shape(), n, n)
	}
	op := &lossOp{name: fmt.Sprintf("CMI(scale=%g)", scale), dims: []int{2, 2, 2}, impl: &cmiState{scale: scale}}
	return applyLoss("CMI", op, z, m, k)
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
//
// The forward pass copies z, and M and K as it sums their columns; the
// backward pass compares the values it is given with those copies in the
// same loop that reads them for the gradient, and recomputes the forward
// quantities if any differs. Every O(n²) loop runs in two parts (see inTwo).
type cmiState struct {
	scale float64

	valid     bool
	n, k      int
	z, mm, kk []float64 // inputs of the last forward pass

	l     []float64 // n×n, full symmetric κ(z)
	h     []float64 // n×n backward scratch
	dist  []float64 // packed squared distances of z
	work  []float64 // median scratch
	sums  []float64 // 6n: a, b, c, d, e, f
	part  []float64 // 12n: the column sums of each part
	rowH  []float64 // row sums of H: upper half, then the lower half of each part
	gam   []float64 // 4n: ∂value/∂(c, d, e, f)
	out   []float64 // the gradient, reused
	same  [2]bool   // per part of the backward: M and K equal the copies
	norms []float64

	sigma, s1, s2, s3 float64
	value             float64 // unfloored
}

func (s *cmiState) forward(in []G.Value) (float64, error) {
	n, k, z, m, kk, err := s.inputs(in)
	if err != nil {
		return 0, err
	}
	if err := s.compute(n, k, z, m, kk); err != nil {
		return 0, err
	}
	return math.Max(s.value, 0), nil
}

// inputs reads and checks the shapes of (z, M, K) and checks that z is
// finite (M and K are checked through their column sums in compute).
func (s *cmiState) inputs(in []G.Value) (n, k int, z, m, kk []float64, err error) {
	n, k, z, err = read.Matrix(in[0], "z")
	if err != nil {
		return
	}
	mr, mc, m, err := read.Matrix(in[1], "m")
	if err != nil {
		return
	}
	kr, kc, kk, err := read.Matrix(in[2], "k")
	if err != nil {
		return
	}
	if mr != n || mc != n || kr != n || kc != n {
		err = fmt.Errorf("%w: z is %d×%d, m is %d×%d, k is %d×%d", ErrDimension, n, k, mr, mc, kr, kc)
		return
	}
	if n < 2 {
		err = fmt.Errorf("%w: z has %d rows, need at least 2", ErrTooFewRows, n)
		return
	}
	err = checkFiniteSlice("z", z)
	return n, k, z, m, kk, err
}

// compute evaluates the CMI of z given M and K (shapes checked, z finite)
// and caches what the backward pass needs, with copies of the inputs.
func (s *cmiState) compute(n, k int, z, m, kk []float64) error {
	s.valid = false
	s.n, s.k = n, k
	s.z = grow(s.z, len(z))
	copy(s.z, z)
	s.mm = grow(s.mm, n*n)
	s.kk = grow(s.kk, n*n)
	s.l = grow(s.l, n*n)
	s.dist = grow(s.dist, n*(n-1)/2)
	s.work = grow(s.work, n*(n-1)/2)
	s.sums = grow(s.sums, 6*n)
	s.part = grow(s.part, 12*n)
	s.norms = grow(s.norms, n)

	syrkUpper(s.l, blas64.General{Rows: n, Cols: k, Stride: k, Data: s.z})
	packDist(s.dist, s.norms, s.l, n)
	med := medianSqrt(s.dist, s.work)
	if !(med > 0) {
		return fmt.Errorf("%w: median pairwise distance of the %d rows of z is 0", ErrDegenerate, n)
	}
	sigma := s.scale * med
	c := -1 / (2 * sigma * sigma)
	par := concurrent(n * (n - 1) / 2)
	inTwo(par, func(part int) {
		lo, hi := rowsOf(part, n)
		kernelRows(s.l, s.dist, n, lo, hi, c, nil, nil)
		mirrorRows(s.l, n, lo, hi) // reads only this part's rows
	})

	// Column sums, accumulated row by row for contiguous access, each half
	// of the rows into its own partial sums; the copies of M and K are
	// taken in the same loop.
	inTwo(par, func(part int) {
		ps := s.part[part*6*n : (part+1)*6*n]
		clear(ps)
		a, b, cc, d, e, f := ps[:n], ps[n:2*n], ps[2*n:3*n], ps[3*n:4*n], ps[4*n:5*n], ps[5*n:]
		for i := part * n / 2; i < (part+1)*n/2; i++ {
			mrow, krow, lrow := m[i*n:(i+1)*n], kk[i*n:(i+1)*n], s.l[i*n:(i+1)*n]
			copy(s.mm[i*n:(i+1)*n], mrow)
			copy(s.kk[i*n:(i+1)*n], krow)
			colSums(a, b, cc, d, e, f, mrow, krow, lrow)
		}
	})
	for i := range s.sums {
		s.sums[i] = s.part[i] + s.part[6*n+i]
	}
	a, b, cc, d, e, f := s.sums[:n], s.sums[n:2*n], s.sums[2*n:3*n], s.sums[3*n:4*n], s.sums[4*n:5*n], s.sums[5*n:]
	// A NaN or ±Inf in M or K makes its column's a_j or b_j non-finite
	// (K_ij·M_ij is NaN or infinite when either is); only then are the
	// matrices scanned, to name the entry.
	for j := 0; j < n; j++ {
		if math.IsNaN(a[j]-a[j]) || math.IsNaN(b[j]-b[j]) {
			if err := checkFiniteSlice("m", m); err != nil {
				return err
			}
			if err := checkFiniteSlice("k", kk); err != nil {
				return err
			}
			break // finite entries whose sums overflow: degenerate below
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

// colSums adds one row of M, K and L to the six column sums.
func colSums(a, b, c, d, e, f, mrow, krow, lrow []float64) {
	n := len(mrow)
	a, b, c, d, e, f, krow, lrow = a[:n], b[:n], c[:n], d[:n], e[:n], f[:n], krow[:n], lrow[:n]
	for j, M := range mrow {
		K, L := krow[j], lrow[j]
		KM := K * M
		a[j] += M
		b[j] += KM
		c[j] += L * M
		d[j] += L * KM
		e[j] += L
		f[j] += K * L
	}
}

func (s *cmiState) backward(in []G.Value, g float64) ([]float64, error) {
	n, k, z, m, kk, err := s.inputs(in)
	if err != nil {
		return nil, err
	}
	if !s.valid || n != s.n || k != s.k || !sameAs(s.z, z) {
		if err := s.compute(n, k, z, m, kk); err != nil {
			return nil, err
		}
	}
	s.out = grow(s.out, n*k)
	out := s.out
	if s.value <= 0 || g == 0 {
		clear(out)
		return out, nil
	}
	if !s.gradL(m, kk) {
		// M or K differ from the forward pass's: recompute, then the
		// copies are the current values.
		if err := s.compute(n, k, z, m, kk); err != nil {
			return nil, err
		}
		if s.value <= 0 {
			clear(out)
			return out, nil
		}
		s.gradL(m, kk)
	}
	Z := blas64.General{Rows: n, Cols: k, Stride: k, Data: s.z}
	O := blas64.General{Rows: n, Cols: k, Stride: k, Data: out}
	H := blas64.General{Rows: n, Cols: n, Stride: n, Data: s.h}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, H, Z, 0, O) // Gemm beats gonum's unblocked Dsymm
	fac := g / (s.sigma * s.sigma)
	for i := 0; i < n; i++ {
		zi, oi := s.z[i*k:(i+1)*k], out[i*k:(i+1)*k]
		ri := s.rowH[i] + s.rowH[n+i] + s.rowH[2*n+i]
		for j, v := range zi {
			oi[j] = fac * (oi[j] - ri*v)
		}
	}
	return out, nil
}

// gradL fills s.h with H = (G + Gᵀ)∘L (zero diagonal), G_ij = ∂value/∂L_ij,
// and s.rowH with the parts of its row sums, from the current M and K. It
// reports false, leaving s.h undefined, if M or K differ from the copies
// of the forward pass.
func (s *cmiState) gradL(m, kk []float64) bool {
	n := s.n
	s.h = grow(s.h, n*n)
	s.rowH = grow(s.rowH, 3*n)
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
	par := concurrent(n * (n - 1) / 2)
	// G_ij = gc_j M_ij + gd_j K_ij M_ij + ge_j + gf_j K_ij, rows in halves,
	// comparing M and K with the copies bit for bit on the way.
	inTwo(par, func(part int) {
		var diff uint64
		for i := part * n / 2; i < (part+1)*n/2; i++ {
			diff |= gradRow(s.h[i*n:(i+1)*n], m[i*n:(i+1)*n], kk[i*n:(i+1)*n],
				s.mm[i*n:(i+1)*n], s.kk[i*n:(i+1)*n], gc, gd, ge, gf)
		}
		s.same[part] = diff == 0
	})
	if !s.same[0] || !s.same[1] {
		return false
	}
	// H = (G + Gᵀ)∘L in the upper triangle (zero diagonal), with the row
	// sums: rowH[i] = Σ_{j>i} H_ij, and per part Σ_{i<j} H_ij over the
	// part's rows i into rowH[n(1+part) + j].
	up := s.rowH[:n]
	inTwo(par, func(part int) {
		lo, hi := rowsOf(part, n)
		col := s.rowH[n*(1+part) : n*(2+part)]
		clear(col)
		for i := lo; i < hi; i++ {
			hrow, lrow := s.h[i*n:(i+1)*n], s.l[i*n:(i+1)*n]
			hrow[i] = 0
			acc := 0.0
			for j := i + 1; j < n; j++ {
				v := (hrow[j] + s.h[j*n+i]) * lrow[j]
				hrow[j] = v
				acc += v
				col[j] += v
			}
			up[i] = acc
		}
		// The mirror writes the lower triangle in this part's columns,
		// which only this part has read.
		mirrorRows(s.h, n, lo, hi)
	})
	return true
}

// gradRow sets one row of G from the rows of M and K and returns the OR of
// the bitwise differences between them and their cached copies.
func gradRow(h, m, kk, mc, kc, gc, gd, ge, gf []float64) uint64 {
	n := len(h)
	m, kk, mc, kc, gc, gd, ge, gf = m[:n], kk[:n], mc[:n], kc[:n], gc[:n], gd[:n], ge[:n], gf[:n]
	var diff uint64
	for j, M := range m {
		K := kk[j]
		diff |= math.Float64bits(M) ^ math.Float64bits(mc[j]) | math.Float64bits(K) ^ math.Float64bits(kc[j])
		h[j] = (gc[j]+gd[j]*K)*M + ge[j] + gf[j]*K
	}
	return diff
}
