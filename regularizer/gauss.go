package regularizer

import (
	"fmt"
	"math"
	"math/bits"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pidreg/pidreg/gaussian"
)

// GaussRidge is the relative ridge of the whitening covariance in
// [Gaussianity]: C_ε = C + GaussRidge·Diag(C). Being proportional to the
// diagonal, it keeps the loss exactly invariant to column scaling.
const GaussRidge = 1e-6

// Gaussianity returns a scalar node weight·(−log W), where W is the
// Shapiro–Francia statistic of the whitened, flattened rows of the n×p matrix
// F = [target, latents…] (the column blocks side by side; target may be nil):
//
//	F_c = F − 1 f̄ᵀ,  C = F_cᵀF_c/(n−1),  C_ε = C + ε·Diag(C) = UᵀU (Cholesky, ε = GaussRidge),
//	Y = F_c U⁻¹ (Cholesky whitening: cov(Y) ≈ I),   z = vec(Y), N = n·p,
//	W = (Σ_i a_i z_(i))² / Σ_i (z_i − z̄)²,  a = m/‖m‖,  m_i = Φ⁻¹((i − 3/8)/(N + 1/4)),
//
// with z_(i) the sorted entries and m the Blom scores. 0 < W ≤ 1, so the loss
// is ≥ 0, and close to 0 for Gaussian data. The blocks are separate inputs
// of one op (the trainer passes ỹ and Z₁, …, Z_M) rather than one
// concatenated node, so that nothing is copied or sliced in the graph.
// weight is a scalar input node (finite, ≥ 0) read at every run: when it is
// 0 the op skips all work and returns 0 with zero gradients, so a trainer
// can switch the loss off without rebuilding the graph.
//
// Because the ridge is proportional to Diag(C), scaling column j of F by
// s_j > 0 scales U's column j by s_j and leaves Y unchanged: per-column
// z-scoring of the inputs is irrelevant. The whitening is the Cholesky one
// (equivalently, Y = √(n−1)·Q from the thin QR F_c = QR with R = √(n−1)·U), so
// it depends on the column order (the first column is only centred and
// scaled). It needs n > p.
//
// The node is differentiable with respect to each latent (not the target;
// sorting is a fixed permutation locally): its gradient nodes, one per
// latent, return the latent's block of columns of F̄. With Ȳ = ∂(−log W)/∂Y
// (entrywise −2a_rank/S + 2(z−z̄)/D, S = Σ a_i z_(i), D = Σ(z−z̄)²), the
// backward pass is
//
//	F̄_c = Ȳ U⁻ᵀ + (2/(n−1)) F_c (C̄ + ε Diag(C̄)),
//	C̄ = sym(U⁻¹ Φ(U Ūᵀ) U⁻ᵀ),  Ū = triu(−Yᵀ Ȳ U⁻ᵀ),
//
// (Φ: lower triangle with halved diagonal; Murray 2016 for the Cholesky
// step), then F̄ = F̄_c minus its column means. It is computed once per run,
// by the first gradient node, for all blocks.
func Gaussianity(weight, target *G.Node, latents ...*G.Node) (*G.Node, error) {
	if weight == nil {
		return nil, fmt.Errorf("%w: Gaussianity: nil weight", ErrDimension)
	}
	if len(latents) == 0 {
		return nil, fmt.Errorf("%w: Gaussianity: no latent", ErrDimension)
	}
	blocks := make(G.Nodes, 0, 1+len(latents))
	if target != nil {
		blocks = append(blocks, target)
	}
	blocks = append(blocks, latents...)
	p := 0
	for i, b := range blocks {
		if b == nil {
			return nil, fmt.Errorf("%w: Gaussianity: nil latent", ErrDimension)
		}
		what := fmt.Sprintf("Gaussianity: block %d", i)
		if err := checkNodeMatrix(what, b); err != nil {
			return nil, err
		}
		if s := b.Shape(); s[0] != blocks[0].Shape()[0] {
			return nil, fmt.Errorf("%w: %s has %d rows, block 0 %d", ErrDimension, what, s[0], blocks[0].Shape()[0])
		}
		p += b.Shape()[1]
	}
	if !weight.IsScalar() {
		return nil, fmt.Errorf("%w: Gaussianity: weight has shape %v, want a scalar", ErrDimension, weight.Shape())
	}
	if dt := weight.Dtype(); dt != tensor.Float64 {
		return nil, fmt.Errorf("%w: Gaussianity: weight has dtype %v", ErrDType, dt)
	}
	if n := blocks[0].Shape()[0]; n <= p {
		return nil, fmt.Errorf("%w: Gaussianity: F is %d×%d, need more rows than columns", ErrTooFewRows, n, p)
	}
	dims := make([]int, len(blocks)+1) // the blocks, then the scalar weight
	diff := make([]bool, len(blocks)+1)
	for i := range blocks {
		dims[i] = 2
		diff[i] = target == nil || i > 0
	}
	op := &lossOp{name: fmt.Sprintf("Gaussianity(ridge=%g)", GaussRidge), dims: dims, diff: diff, impl: &gaussState{}}
	out, err := G.ApplyOp(op, append(blocks, weight)...)
	if err != nil {
		return nil, fmt.Errorf("Gaussianity: %w", err)
	}
	return out, nil
}

// GaussianityValue returns −log W for f (n×p) as defined in [Gaussianity]
// (weight 1). It is a direct implementation on gonum's mat.Cholesky and
// gaussian.ShapiroFrancia, independent of the op's BLAS/LAPACK code.
func GaussianityValue(f mat.Matrix) (float64, error) {
	fg, err := checkedRaw("GaussianityValue: f", f, 3)
	if err != nil {
		return 0, err
	}
	n, p := fg.Rows, fg.Cols
	if n <= p {
		return 0, fmt.Errorf("%w: GaussianityValue: f is %d×%d, need more rows than columns", ErrTooFewRows, n, p)
	}
	fc := mat.NewDense(n, p, nil)
	means := make([]float64, p)
	for j := 0; j < p; j++ {
		mean := 0.0
		for i := 0; i < n; i++ {
			mean += fg.Data[i*fg.Stride+j]
		}
		mean /= float64(n)
		means[j] = mean
		for i := 0; i < n; i++ {
			fc.Set(i, j, fg.Data[i*fg.Stride+j]-mean)
		}
	}
	c := mat.NewSymDense(p, nil)
	c.SymOuterK(1/float64(n-1), fc.T())
	for j := 0; j < p; j++ {
		if constantColumn(c.At(j, j), means[j]) {
			return 0, fmt.Errorf("%w: GaussianityValue: column %d of f is constant", ErrDegenerate, j)
		}
		c.SetSym(j, j, c.At(j, j)*(1+GaussRidge))
	}
	var ch mat.Cholesky
	if !ch.Factorize(c) {
		return 0, fmt.Errorf("%w: GaussianityValue: covariance is not positive definite (a constant column?)", ErrDegenerate)
	}
	var u mat.TriDense
	ch.UTo(&u)
	// Y = F_c U⁻¹, computed as Yᵀ = U⁻ᵀ F_cᵀ.
	var y mat.Dense
	if err := y.Solve(u.T(), fc.T()); err != nil {
		return 0, fmt.Errorf("%w: GaussianityValue: whitening: %v", ErrDegenerate, err)
	}
	z := make([]float64, 0, n*p)
	for i := 0; i < n; i++ {
		for j := 0; j < p; j++ {
			z = append(z, y.At(j, i)) // y holds Yᵀ
		}
	}
	w := gaussian.ShapiroFrancia(z)
	if !(w > 0) {
		return 0, fmt.Errorf("%w: GaussianityValue: Shapiro–Francia W = %v", ErrDegenerate, w)
	}
	return -math.Log(w), nil
}

// constantColumn reports whether a column with this variance and mean is
// constant up to the rounding of its centring (|x − x̄| ≲ 64·ε·|x̄|).
func constantColumn(variance, mean float64) bool {
	tol := 64 * 0x1p-52 * math.Abs(mean)
	return !(variance > tol*tol)
}

// gaussState is the numerical core of Gaussianity with a cache for the
// backward pass.
type gaussState struct {
	valid bool
	n, p  int
	cols  []int     // columns of each input block
	f     []float64 // input of the last forward pass, the blocks side by side (n×p)

	fc   []float64 // n×p centred
	u    []float64 // p×p Cholesky factor U (upper, zero lower triangle)
	ui   []float64 // p×p U⁻¹ (upper, zero lower triangle)
	y    []float64 // n×p whitened
	idx  []int32   // positions in y of the sorted entries: y[idx[0]] ≤ y[idx[1]] ≤ …
	keys []uint64  // radix-sort scratch (2N)
	blom []float64 // N normalised Blom scores
	yb   []float64 // n×p backward scratch
	pp   []float64 // p×p backward scratch
	cb   []float64 // p×p backward scratch

	s, d, mean float64 // S = Σ a_i z_(i), D = Σ (z−z̄)², z̄
	loss       float64 // −log W

	// The gradient of the last backward pass, F̄ (n×p) for the upstream
	// gradient gw, and each block's columns of it (or zeros) in a buffer
	// of its own.
	full      []float64
	gw        float64
	gradValid bool
	outs      [][]float64
}

// The inputs are the blocks of F, then the scalar weight.
func (s *gaussState) forward(in []G.Value) (float64, error) {
	w, err := weightOf(in[len(in)-1])
	if err != nil {
		return 0, err
	}
	if w == 0 {
		return 0, nil
	}
	if err := s.load(in[:len(in)-1]); err != nil {
		return 0, err
	}
	if err := s.compute(); err != nil {
		return 0, err
	}
	return w * s.loss, nil
}

func weightOf(v G.Value) (float64, error) {
	w, err := read.Scalar(v, "weight")
	if err != nil {
		return 0, err
	}
	if !(w >= 0) || math.IsInf(w, 1) {
		return 0, fmt.Errorf("%w: weight = %v, want finite and ≥ 0", ErrParameter, w)
	}
	return w, nil
}

// load copies the blocks side by side into s.f.
func (s *gaussState) load(blocks []G.Value) error {
	n, p := 0, 0
	s.cols = s.cols[:0]
	for i, v := range blocks {
		r, c, _, err := read.Matrix(v, "F block")
		if err != nil {
			return err
		}
		if i > 0 && r != n {
			return fmt.Errorf("%w: F block %d has %d rows, block 0 %d", ErrDimension, i, r, n)
		}
		n, p = r, p+c
		s.cols = append(s.cols, c)
	}
	if n <= p || n < 3 {
		return fmt.Errorf("%w: F is %d×%d, need more rows than columns (and at least 3)", ErrTooFewRows, n, p)
	}
	s.valid, s.gradValid = false, false
	s.n, s.p = n, p
	s.f = grow(s.f, n*p)
	off := 0
	for i, v := range blocks {
		_, c, b, _ := read.Matrix(v, "F block")
		if err := checkFiniteSlice("F block", b); err != nil {
			return fmt.Errorf("block %d: %w", i, err)
		}
		for r := 0; r < n; r++ {
			copy(s.f[r*p+off:r*p+off+c], b[r*c:(r+1)*c])
		}
		off += c
	}
	return nil
}

// sameInput reports whether the blocks are those of the last load.
func (s *gaussState) sameInput(blocks []G.Value) bool {
	if !s.valid || len(blocks) != len(s.cols) {
		return false
	}
	off := 0
	for i, v := range blocks {
		r, c, b, err := read.Matrix(v, "F block")
		if err != nil || r != s.n || c != s.cols[i] {
			return false
		}
		for k := 0; k < r; k++ {
			if !sameAs(s.f[k*s.p+off:k*s.p+off+c], b[k*c:(k+1)*c]) {
				return false
			}
		}
		off += c
	}
	return true
}

func (s *gaussState) compute() error {
	n, p := s.n, s.p
	nn := n * p
	s.fc = grow(s.fc, nn)
	s.y = grow(s.y, nn)
	s.u = grow(s.u, p*p)
	if len(s.blom) != nn {
		s.blom = grow(s.blom, nn)
		gaussian.ShapiroFranciaWeights(s.blom)
	}
	if cap(s.idx) < nn {
		s.idx = make([]int32, nn)
		s.keys = make([]uint64, 2*nn)
	}
	s.idx, s.keys = s.idx[:nn], s.keys[:2*nn]

	// Centre.
	copy(s.fc, s.f)
	s.pp = grow(s.pp, p*p)
	mu := s.pp[:p]
	for j := range mu {
		mu[j] = 0
	}
	for i := 0; i < n; i++ {
		for j, v := range s.fc[i*p : (i+1)*p] {
			mu[j] += v
		}
	}
	for j := range mu {
		mu[j] /= float64(n)
	}
	for i := 0; i < n; i++ {
		row := s.fc[i*p : (i+1)*p]
		for j := range row {
			row[j] -= mu[j]
		}
	}
	// C_ε = F_cᵀF_c/(n−1) + ε Diag, Cholesky in place.
	Fc := blas64.General{Rows: n, Cols: p, Stride: p, Data: s.fc}
	C := blas64.Symmetric{Uplo: blas.Upper, N: p, Stride: p, Data: s.u}
	blas64.Syrk(blas.Trans, 1/float64(n-1), Fc, 0, C)
	for j := 0; j < p; j++ {
		if constantColumn(s.u[j*p+j], mu[j]) {
			return fmt.Errorf("%w: column %d of f is constant", ErrDegenerate, j)
		}
		s.u[j*p+j] *= 1 + GaussRidge
	}
	_, ok := lapack64.Potrf(C)
	if !ok {
		return fmt.Errorf("%w: covariance of f is not positive definite even with ridge %g", ErrDegenerate, GaussRidge)
	}
	for i := 1; i < p; i++ { // zero the strict lower triangle for the GEMMs
		for j := 0; j < i; j++ {
			s.u[i*p+j] = 0
		}
	}
	// U⁻¹ explicitly: p is small, and Gemm with it is much faster than
	// gonum's unblocked Dtrsm on the n×p blocks.
	s.ui = grow(s.ui, p*p)
	copy(s.ui, s.u)
	if !lapack64.Trtri(blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: p, Stride: p, Data: s.ui}) {
		return fmt.Errorf("%w: Cholesky factor of the covariance of f is singular", ErrDegenerate)
	}
	// Y = F_c U⁻¹.
	Ui := blas64.General{Rows: p, Cols: p, Stride: p, Data: s.ui}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, Fc, Ui, 0, blas64.General{Rows: n, Cols: p, Stride: p, Data: s.y})

	// Shapiro–Francia on the flattened Y.
	mean := 0.0
	for _, v := range s.y {
		mean += v
	}
	mean /= float64(nn)
	argsort(s.idx, s.y, s.keys)
	var num, den float64
	for r, i := range s.idx {
		v := s.y[i]
		num += s.blom[r] * v
		dv := v - mean
		den += dv * dv
	}
	if !(den > 0) || num == 0 {
		return fmt.Errorf("%w: Shapiro–Francia numerator %v, denominator %v", ErrDegenerate, num, den)
	}
	s.s, s.d, s.mean = num, den, mean
	s.loss = -math.Log(num * num / den) // one log of a ratio near 1: no cancellation
	s.valid = true
	return nil
}

func (s *gaussState) backward(in []G.Value, g float64) ([]float64, error) {
	return s.backwardWRT(in, g, 0)
}

// backwardWRT returns block i's columns of F̄·g·w, computing F̄ when the
// inputs or g·w changed since the last call.
func (s *gaussState) backwardWRT(in []G.Value, g float64, i int) ([]float64, error) {
	blocks := in[:len(in)-1]
	w, err := weightOf(in[len(in)-1])
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= len(blocks) {
		return nil, fmt.Errorf("%w: gradient of block %d of %d", ErrDimension, i, len(blocks))
	}
	r, c, _, err := read.Matrix(blocks[i], "F block")
	if err != nil {
		return nil, err
	}
	for len(s.outs) < len(blocks) {
		s.outs = append(s.outs, nil)
	}
	out := grow(s.outs[i], r*c)
	s.outs[i] = out
	if w == 0 || g == 0 {
		clear(out)
		return out, nil
	}
	if !s.sameInput(blocks) {
		if err := s.load(blocks); err != nil {
			return nil, err
		}
		if err := s.compute(); err != nil {
			return nil, err
		}
	}
	if !s.gradValid || s.gw != g*w {
		s.gradient(g * w)
	}
	off := 0
	for _, cb := range s.cols[:i] {
		off += cb
	}
	for k := 0; k < r; k++ {
		copy(out[k*c:(k+1)*c], s.full[k*s.p+off:k*s.p+off+c])
	}
	return out, nil
}

// gradient writes F̄·gw into s.full.
func (s *gaussState) gradient(gw float64) {
	n, p := s.n, s.p
	s.full = grow(s.full, n*p)
	out := s.full
	// Ȳ = ∂(−log W)/∂Y · g·w.
	s.yb = grow(s.yb, n*p)
	for r, i := range s.idx {
		s.yb[i] = gw * (-2*s.blom[r]/s.s + 2*(s.y[i]-s.mean)/s.d)
	}
	Yb := blas64.General{Rows: n, Cols: p, Stride: p, Data: s.yb}
	Ug := blas64.General{Rows: p, Cols: p, Stride: p, Data: s.u}
	Ui := blas64.General{Rows: p, Cols: p, Stride: p, Data: s.ui}
	// B1 = Ȳ U⁻ᵀ, written to out.
	O := blas64.General{Rows: n, Cols: p, Stride: p, Data: out}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, Yb, Ui, 0, O)
	// Ū = −Yᵀ B1, kept upper triangular.
	s.pp = grow(s.pp, p*p)
	s.cb = grow(s.cb, p*p)
	Ub := blas64.General{Rows: p, Cols: p, Stride: p, Data: s.pp}
	blas64.Gemm(blas.Trans, blas.NoTrans, -1, blas64.General{Rows: n, Cols: p, Stride: p, Data: s.y}, O, 0, Ub)
	for i := 1; i < p; i++ {
		for j := 0; j < i; j++ {
			s.pp[i*p+j] = 0
		}
	}
	// X = U Ūᵀ; P = Φ(X) (lower triangle, halved diagonal), in cb.
	X := blas64.General{Rows: p, Cols: p, Stride: p, Data: s.cb}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, Ug, Ub, 0, X)
	for i := 0; i < p; i++ {
		s.cb[i*p+i] *= 0.5
		for j := i + 1; j < p; j++ {
			s.cb[i*p+j] = 0
		}
	}
	// C̄ = U⁻¹ P U⁻ᵀ (via pp), then its symmetric part plus the ridge term.
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, Ui, X, 0, Ub)
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, Ub, Ui, 0, X)
	for i := 0; i < p; i++ {
		s.cb[i*p+i] *= 1 + GaussRidge
		for j := i + 1; j < p; j++ {
			v := 0.5 * (s.cb[i*p+j] + s.cb[j*p+i])
			s.cb[i*p+j] = v
			s.cb[j*p+i] = v
		}
	}
	// F̄_c = B1 + (2/(n−1)) F_c C̄.
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 2/float64(n-1), blas64.General{Rows: n, Cols: p, Stride: p, Data: s.fc}, X, 1, O)
	// F̄ = F̄_c minus its column means.
	mu := s.pp[:p]
	for j := range mu {
		mu[j] = 0
	}
	for i := 0; i < n; i++ {
		for j, v := range out[i*p : (i+1)*p] {
			mu[j] += v
		}
	}
	for i := 0; i < n; i++ {
		row := out[i*p : (i+1)*p]
		for j := range row {
			row[j] -= mu[j] / float64(n)
		}
	}
	s.gw, s.gradValid = gw, true
}

// argsort writes into idx the permutation that sorts v ascending
// (v[idx[0]] ≤ v[idx[1]] ≤ …), equal values in index order and −0 before
// +0, with keys (length 2·len(v)) as scratch; v must hold no NaN. The
// bucket sort serves values spread evenly over their range, the radix sort
// the others; both give the same order, bit for bit.
func argsort(idx []int32, v []float64, keys []uint64) {
	if bucketSort(idx, v, keys) {
		return
	}
	radixSort(idx, v, keys)
}

// maxBucket is the most values bucketSort puts in one bucket before it
// gives the sort to radixSort: a bucket is sorted by insertion.
const maxBucket = 48

// bucketSort is argsort for values spread evenly enough over their range,
// as the whitened latents are: it deals the indices, in increasing order,
// into len(v) buckets of equal width between the least and the largest
// value, and sorts each bucket by insertion on (orderKey, index). The
// bucket of x, ⌊(x − min)·s⌋, is a composition of correctly rounded
// monotone operations, so a smaller value never lands in a later bucket,
// and the result is the order radixSort gives, bit for bit (TestArgsort
// compares them). It returns false, having written nothing to idx, when a
// bucket would hold more than maxBucket values (an outlier stretches the
// range) or the values are not all finite. 32 768 near-normal values take
// 0.50–0.62 ms instead of the radix sort's 1.18 (BenchmarkArgsort).
func bucketSort(idx []int32, v []float64, keys []uint64) bool {
	nn := len(v)
	if nn < 2 {
		return false
	}
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	width := hi - lo
	if !(width > 0) || math.IsInf(width, 0) {
		return false
	}
	sc := float64(nn-1) / width
	count, sorted := keys[:nn], keys[nn:2*nn]
	clear(count)
	for _, x := range v {
		count[int((x-lo)*sc)]++
	}
	var sum uint64
	for b, c := range count {
		if c > maxBucket {
			return false
		}
		count[b] = sum
		sum += c
	}
	for i, x := range v {
		b := int((x - lo) * sc)
		p := count[b]
		idx[p], sorted[p] = int32(i), orderKey(x)
		count[b]++
	}
	// count[b] is now the end of bucket b; insertion-sort each bucket on
	// the keys, moving the indices with them.
	start := 0
	for _, end := range count {
		e := int(end)
		for i := start + 1; i < e; i++ {
			k, ix := sorted[i], idx[i]
			j := i
			for ; j > start && sorted[j-1] > k; j-- {
				sorted[j], idx[j] = sorted[j-1], idx[j-1]
			}
			sorted[j], idx[j] = k, ix
		}
		start = e
	}
	return true
}

// radixSort is argsort by an LSD radix sort, for any values. Each value
// becomes an order-preserving 64-bit key (orderKey) whose low b =
// bits.Len(len(v)−1) bits are replaced by the value's index, and the sort,
// with 11-bit digits, orders the keys on their upper 64 − b bits (five
// passes for up to 2¹⁷ values; a pass is skipped when every key has the
// same digit). It is stable, so keys that agree in those bits stay in index
// order; a final pass puts each such run, which is almost always a single
// key, in the order of the full keys. One array of 8-byte keys, rather
// than keys and 4-byte indices, cuts the memory traffic of the passes by a
// third: 1.34 → 1.18 ms for 256 × 128 values (BenchmarkArgsort, medians of
// three).
func radixSort(idx []int32, v []float64, keys []uint64) {
	const digit, buckets = 11, 1 << 11
	nn := len(v)
	if nn == 0 {
		return
	}
	ib := uint(bits.Len(uint(nn - 1)))
	low := uint64(1)<<ib - 1
	passes := (64 - int(ib) + digit - 1) / digit
	ka, kb := keys[:nn], keys[nn:2*nn]
	var hist [6][buckets]int32
	for i, x := range v {
		k := orderKey(x)&^low | uint64(i)
		ka[i] = k
		for d := range passes {
			hist[d][(k>>(ib+uint(d*digit)))&(buckets-1)]++
		}
	}
	for d := range passes {
		h := &hist[d]
		shift := ib + uint(d*digit)
		if h[(ka[0]>>shift)&(buckets-1)] == int32(nn) {
			continue // every key has the same digit
		}
		var sum int32
		for j := range h {
			c := h[j]
			h[j] = sum
			sum += c
		}
		for _, k := range ka {
			j := (k >> shift) & (buckets - 1)
			kb[h[j]] = k
			h[j]++
		}
		ka, kb = kb, ka
	}
	for r := 0; r < nn; {
		e := r + 1
		for e < nn && ka[e]&^low == ka[r]&^low {
			e++
		}
		if e-r > 1 { // insertion sort of the run by the full keys
			for i := r + 1; i < e; i++ {
				k := ka[i]
				full := orderKey(v[k&low])
				j := i
				for ; j > r && orderKey(v[ka[j-1]&low]) > full; j-- {
					ka[j] = ka[j-1]
				}
				ka[j] = k
			}
		}
		for ; r < e; r++ {
			idx[r] = int32(ka[r] & low)
		}
	}
}

// orderKey maps a float64 that is not NaN to a uint64 in the same order
// (−0 just below +0): the sign bit set for positive values, every bit
// flipped for negative ones.
func orderKey(x float64) uint64 {
	b := math.Float64bits(x)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}
