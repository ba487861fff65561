package regularizer

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// CSDivergence returns a scalar node holding the Cauchy–Schwarz divergence
// between the rows of r (n×k, the encoder output) and the rows of q (m×k; the
// trainer refills it with N(0, I) draws each step, usually m = n):
//
//	CS = log mean_{a,b} κ(R_a,R_b) + log mean_{a,b} κ(q_a,q_b) − 2 log mean_{a,b} κ(R_a,q_b),
//	κ(u,v) = exp(−‖u − v‖²/(2σ²)),   σ = median_{a<b} ‖R_a − R_b‖,
//
// floored at 0 (the means include the diagonal). The node is differentiable
// with respect to r only. σ is recomputed from r at every evaluation and
// treated as a constant: no gradient flows through the median. (The median is
// the distance of one pair of rows, or the mean of two, so the omitted term
// touches at most four rows of r.) Sums are taken in log-sum-exp form, so a
// far-away r gives a large finite value instead of +Inf.
//
// Gradient (σ fixed; W = κ(R,R)/Σκ(R,R), V = κ(R,q)/Σκ(R,q), row sums w, v):
//
//	∂CS/∂R = (2/σ²) [ W R − V q + diag(v − w) R ]   (0 where the floor is active).
//
// r and q must be float64 matrices with the same number of columns, n ≥ 2,
// m ≥ 1. Bad values make the machine's Run return an error wrapping
// ErrNonFinite, ErrDimension, ErrTooFewRows or ErrDegenerate.
func CSDivergence(r, q *G.Node) (*G.Node, error) {
	if err := checkNodeMatrices("CSDivergence", []string{"r", "q"}, r, q); err != nil {
		return nil, err
	}
	if r.Shape()[1] != q.Shape()[1] {
		return nil, fmt.Errorf("%w: CSDivergence: r is %v, q is %v: column counts differ", ErrDimension, r.Shape(), q.Shape())
	}
	return applyLoss("CSDivergence", &lossOp{name: "CSDivergence", dims: []int{2, 2}, impl: &csState{}}, r, q)
}

// CSDivergenceValue computes the same quantity as [CSDivergence] directly on
// gonum matrices (a straightforward O(n²k) implementation, independent of the
// op's BLAS code, used by tests and by validation).
func CSDivergenceValue(r, q mat.Matrix) (float64, error) {
	rg, err := checkedRaw("CSDivergenceValue: r", r, 2)
	if err != nil {
		return 0, err
	}
	qg, err := checkedRaw("CSDivergenceValue: q", q, 1)
	if err != nil {
		return 0, err
	}
	if rg.Cols != qg.Cols {
		return 0, fmt.Errorf("%w: CSDivergenceValue: r has %d columns, q has %d", ErrDimension, rg.Cols, qg.Cols)
	}
	n := rg.Rows
	dists := make([]float64, 0, n*(n-1)/2)
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			dists = append(dists, math.Sqrt(sqDistRows(rg, a, rg, b)))
		}
	}
	sigma := medianSorted(dists)
	if !(sigma > 0) {
		return 0, fmt.Errorf("%w: CSDivergenceValue: median pairwise distance of r is 0", ErrDegenerate)
	}
	cs := logMeanKernel(rg, rg, sigma) + logMeanKernel(qg, qg, sigma) - 2*logMeanKernel(rg, qg, sigma)
	return math.Max(cs, 0), nil
}

// logMeanKernel returns log mean_{a,b} exp(−‖x_a − y_b‖²/(2σ²)) in
// log-sum-exp form.
func logMeanKernel(x, y blas64.General, sigma float64) float64 {
	e := make([]float64, 0, x.Rows*y.Rows)
	mx := math.Inf(-1)
	for a := 0; a < x.Rows; a++ {
		for b := 0; b < y.Rows; b++ {
			v := -sqDistRows(x, a, y, b) / (2 * sigma * sigma)
			e = append(e, v)
			mx = math.Max(mx, v)
		}
	}
	s := 0.0
	for _, v := range e {
		s += math.Exp(v - mx)
	}
	return mx + math.Log(s/float64(len(e)))
}

func sqDistRows(x blas64.General, a int, y blas64.General, b int) float64 {
	s := 0.0
	xa := x.Data[a*x.Stride : a*x.Stride+x.Cols]
	yb := y.Data[b*y.Stride : b*y.Stride+y.Cols]
	for j, v := range xa {
		d := v - yb[j]
		s += d * d
	}
	return s
}

// medianSorted returns the median of v (sorting v).
func medianSorted(v []float64) float64 {
	sort.Float64s(v)
	m := len(v)
	if m == 0 {
		return 0
	}
	if m%2 == 1 {
		return v[m/2]
	}
	return (v[m/2-1] + v[m/2]) / 2
}

// checkNodeMatrix checks at graph-build time that a node is a float64 matrix.
func checkNodeMatrix(what string, n *G.Node) error {
	if s := n.Shape(); len(s) != 2 {
		return fmt.Errorf("%w: %s has shape %v, want a matrix", ErrDimension, what, s)
	}
	if dt := n.Dtype(); dt != tensor.Float64 {
		return fmt.Errorf("%w: %s has dtype %v", ErrDType, what, dt)
	}
	return nil
}

// csState is the numerical core of CSDivergence; it caches the forward
// quantities for the backward pass together with copies of the inputs they
// came from.
//
// One evaluation is two phases, each in two parts of equal work that run
// concurrently for large inputs (see inTwo; the arithmetic is the same
// either way):
//
//	prepare   R: Syrk, packed distances, median σ  | q: Syrk, packed distances;
//	                                               |    R qᵀ, distances to q, their minimum
//	kernels   κ(R,R) and its row sums;             | κ(q,q) and its sum;
//	          κ(R,q) rows [0, n/2)                 | κ(R,q) rows [n/2, n)
//
// The second phase needs σ from the first part and the minimum distance from
// the second.
type csState struct {
	valid   bool
	n, m, k int
	r, q    []float64 // inputs of the last forward pass (row-major)

	kRR    []float64 // n×n: κ(R_a,R_b), full symmetric
	kRq    []float64 // n×m: exp(c·d_ab − c·d_min), d = ‖R_a−q_b‖²
	gqq    []float64 // m×m Syrk scratch
	dRR    []float64 // packed distances of R
	dqq    []float64 // packed distances of q
	work   []float64 // median scratch
	upA    []float64 // Σ_{b>a} κ(R_a,R_b)
	colA   []float64 // Σ_{b<a} κ(R_b,R_a)
	rowA   []float64 // row sums of κ(R,R)
	rowC   []float64 // row sums of kRq
	normR  []float64
	normQ  []float64
	out    []float64 // the gradient, reused (as encoder's op buffers)
	sumQQ  float64   // Σ_{a<b} κ(q_a,q_b), from part 1
	minRq  float64   // min_ab d_ab
	sigma  float64
	sA, sC float64
	cs     float64 // unfloored value
}

func (s *csState) forward(in []G.Value) (float64, error) {
	if err := s.load(in); err != nil {
		return 0, err
	}
	if err := s.compute(); err != nil {
		return 0, err
	}
	return math.Max(s.cs, 0), nil
}

// load validates the inputs and copies them into s.r, s.q.
func (s *csState) load(in []G.Value) error {
	n, k, r, err := read.Matrix(in[0], "r")
	if err != nil {
		return err
	}
	m, kq, q, err := read.Matrix(in[1], "q")
	if err != nil {
		return err
	}
	if k != kq {
		return fmt.Errorf("%w: r is %d×%d, q is %d×%d", ErrDimension, n, k, m, kq)
	}
	if n < 2 {
		return fmt.Errorf("%w: r has %d rows, need at least 2", ErrTooFewRows, n)
	}
	if m < 1 {
		return fmt.Errorf("%w: q has no rows", ErrTooFewRows)
	}
	if err := checkFiniteSlice("r", r); err != nil {
		return err
	}
	if err := checkFiniteSlice("q", q); err != nil {
		return err
	}
	s.valid = false
	s.n, s.m, s.k = n, m, k
	s.r = grow(s.r, len(r))
	copy(s.r, r)
	s.q = grow(s.q, len(q))
	copy(s.q, q)
	return nil
}

func (s *csState) compute() error {
	n, m := s.n, s.m
	pn, pm := n*(n-1)/2, m*(m-1)/2
	s.kRR = grow(s.kRR, n*n)
	s.kRq = grow(s.kRq, n*m)
	s.gqq = grow(s.gqq, m*m)
	s.dRR = grow(s.dRR, pn)
	s.dqq = grow(s.dqq, pm)
	s.work = grow(s.work, pn)
	s.upA = grow(s.upA, n)
	s.colA = grow(s.colA, n)
	s.rowA = grow(s.rowA, n)
	s.rowC = grow(s.rowC, n)
	s.normR = grow(s.normR, n)
	s.normQ = grow(s.normQ, m)

	// Two phases of two parts, on two goroutines for large batches: the
	// distances of r and of q, then the kernels, which need both.
	two := concurrent(pn + pm + n*m)
	var sigma float64
	inTwo(two, func(part int) {
		if part == 0 {
			sigma = s.prepareR()
		} else {
			s.minRq = s.prepareQ()
		}
	})
	if !(sigma > 0) {
		return fmt.Errorf("%w: median pairwise distance of the %d rows of r is 0", ErrDegenerate, n)
	}
	c := -1 / (2 * sigma * sigma)
	inTwo(two, func(part int) { s.kernels(part, c) })
	mirror(s.kRR, n)

	// Reductions in a fixed order.
	sA, sC := 0.0, 0.0
	for i := range s.rowA {
		s.rowA[i] = 1 + s.upA[i] + s.colA[i]
		sA += s.rowA[i]
		sC += s.rowC[i]
	}
	sB := float64(m) + 2*s.sumQQ

	fn, fm := float64(n), float64(m)
	emax := c * s.minRq
	logA := math.Log(sA) - 2*math.Log(fn)
	logB := math.Log(sB) - 2*math.Log(fm)
	logC := emax + math.Log(sC) - math.Log(fn*fm)
	s.sigma, s.sA, s.sC = sigma, sA, sC
	s.cs = logA + logB - 2*logC
	if math.IsNaN(s.cs) || math.IsInf(s.cs, 0) {
		return fmt.Errorf("%w: CS divergence is %v (σ = %v)", ErrDegenerate, s.cs, sigma)
	}
	s.valid = true
	return nil
}

// prepareR computes the packed distances of R and returns σ, their median.
func (s *csState) prepareR() float64 {
	R := blas64.General{Rows: s.n, Cols: s.k, Stride: s.k, Data: s.r}
	syrkUpper(s.kRR, R)
	packDist(s.dRR, nil, s.kRR, s.n)
	return medianSqrt(s.dRR, s.work)
}

// prepareQ computes the packed distances of q, the distances d_ab of R to
// q in kRq, and returns their minimum.
func (s *csState) prepareQ() float64 {
	n, m, k := s.n, s.m, s.k
	R := blas64.General{Rows: n, Cols: k, Stride: k, Data: s.r}
	Q := blas64.General{Rows: m, Cols: k, Stride: k, Data: s.q}
	syrkUpper(s.gqq, Q)
	packDist(s.dqq, s.normQ, s.gqq, m)
	for i := range s.normR {
		acc := 0.0
		for _, v := range s.r[i*k : (i+1)*k] {
			acc += v * v
		}
		s.normR[i] = acc
	}
	blas64.Gemm(blas.NoTrans, blas.Trans, -2, R, Q, 0, blas64.General{Rows: n, Cols: m, Stride: m, Data: s.kRq})
	dmin := math.Inf(1)
	for i := 0; i < n; i++ {
		ni := s.normR[i]
		row := s.kRq[i*m : (i+1)*m]
		for j, v := range row {
			d := max(ni+s.normQ[j]+v, 0)
			row[j] = d
			dmin = min(dmin, d)
		}
	}
	return dmin
}

// kernels runs one part of the second phase with c = −1/(2σ²): part 0
// κ(R,R) with its row sums, part 1 the sum of κ(q,q); each half of the rows
// of κ(R,q) with their sums.
func (s *csState) kernels(part int, c float64) {
	n, m := s.n, s.m
	if part == 0 {
		clear(s.colA)
		kernelRows(s.kRR, s.dRR, n, 0, n, c, s.upA, s.colA)
	} else {
		// κ(q,q): only its sum is needed; each row's exponentials go to
		// the (now free) q Syrk scratch.
		sum := 0.0
		for i := 0; i < m; i++ {
			row := s.gqq[:m-1-i]
			expAffine(row, s.dqq[packedRow(i, m):], c, 0)
			acc := 0.0
			for _, v := range row {
				acc += v
			}
			sum += acc
		}
		s.sumQQ = sum
	}
	// κ(R,q) in shifted form: exp(c·d − c·d_min) ≤ 1.
	b := -(c * s.minRq)
	for i := part * n / 2; i < (part+1)*n/2; i++ {
		row := s.kRq[i*m : (i+1)*m]
		expAffine(row, row, c, b)
		acc := 0.0
		for _, v := range row {
			acc += v
		}
		s.rowC[i] = acc
	}
}

func (s *csState) backward(in []G.Value, g float64) ([]float64, error) {
	if err := s.refresh(in); err != nil {
		return nil, err
	}
	n, m, k := s.n, s.m, s.k
	s.out = grow(s.out, n*k)
	out := s.out
	if s.cs <= 0 || g == 0 {
		clear(out)
		return out, nil
	}
	R := blas64.General{Rows: n, Cols: k, Stride: k, Data: s.r}
	Q := blas64.General{Rows: m, Cols: k, Stride: k, Data: s.q}
	O := blas64.General{Rows: n, Cols: k, Stride: k, Data: out}
	KRR := blas64.General{Rows: n, Cols: n, Stride: n, Data: s.kRR}
	KRq := blas64.General{Rows: n, Cols: m, Stride: m, Data: s.kRq}
	// Gemm beats Symm here (gonum's Dsymm is not blocked).
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1/s.sA, KRR, R, 0, O)
	blas64.Gemm(blas.NoTrans, blas.NoTrans, -1/s.sC, KRq, Q, 1, O)
	f := 2 * g / (s.sigma * s.sigma)
	for i := 0; i < n; i++ {
		coef := s.rowC[i]/s.sC - s.rowA[i]/s.sA
		ri := s.r[i*k : (i+1)*k]
		oi := out[i*k : (i+1)*k]
		for j, v := range ri {
			oi[j] = f * (oi[j] + coef*v)
		}
	}
	return out, nil
}

// refresh recomputes the forward quantities unless the cache already holds
// them for exactly these input values (the usual case: the tape machine runs
// the backward op right after the forward op on the same values).
func (s *csState) refresh(in []G.Value) error {
	if s.valid {
		n, k, r, err := read.Matrix(in[0], "r")
		if err != nil {
			return err
		}
		m, _, q, err := read.Matrix(in[1], "q")
		if err != nil {
			return err
		}
		if n == s.n && k == s.k && m == s.m && sameAs(s.r, r) && sameAs(s.q, q) {
			return nil
		}
	}
	if err := s.load(in); err != nil {
		return err
	}
	return s.compute()
}
