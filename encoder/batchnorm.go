package encoder

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/pidreg/pidreg/internal/opkit"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// batchNormOp is training-mode BatchNorm with its affine part fused in, for a
// (n × c) input H and (1 × c) scale γ and shift β:
//
//	μ_c  = (1/n) Σ_s H_sc,          S_c = Σ_s (H_sc − μ_c)²,
//	α_c  = 1/√(S_c/n + ε),          x̂_sc = H_sc·α_c − μ_c·α_c,
//	Y_sc = γ_c·x̂_sc + β_c,
//
// and, on every run, the running statistics in the PyTorch convention with
// the unbiased batch variance,
//
//	mean_c ← m·μ_c + (1−m)·mean_c,   var_c ← m·S_c/(n−1) + (1−m)·var_c.
//
// It performs gorgonia's BatchNormOp followed by BroadcastHadamardProd(γ, ·)
// and BroadcastAdd(·, β) operation for operation (same summation orders, same
// rounding), in row-major loops over one output buffer instead of a goroutine
// per channel, a clone of the input and two materialised broadcasts; the
// tests compare both on the same batches.
//
// Its gradients, for the upstream gradient G and g = G ⊙ γ (Ioffe & Szegedy
// 2015, as gorgonia's batchnormDiffOp computes them),
//
//	∂/∂H_sc = α_c·(g_sc − (H_sc − μ_c)·k_c − (1/n) Σ_s g_sc),  k_c = α_c² (1/n) Σ_s (H_sc − μ_c)·g_sc,
//	∂/∂γ_c  = Σ_s G_sc·x̂_sc,        ∂/∂β_c = Σ_s G_sc,
//
// are three gradient ops that read μ and α saved by this run's forward pass
// (the forward node always runs first: G depends on Y).
//
// Unlike gorgonia's op it has no inference mode and does not reset its
// running statistics when a machine is created: the graph is for training,
// and inference runs on a Snapshot (Weights.Forward). The op holds mutable
// state, so its graph must be run by one goroutine at a time, as every
// gorgonia graph must.
type batchNormOp struct {
	opkit.Pure
	name          string
	c             int
	momentum, eps float64
	// running statistics, initially 0 and 1
	runMean, runVar []float64
	// this run's batch statistics, saved for the gradient ops
	mean, alpha, shift []float64
	out                opkit.Buffer
}

func newBatchNormOp(name string, c int, momentum, eps float64) *batchNormOp {
	op := &batchNormOp{
		name: name, c: c, momentum: momentum, eps: eps,
		runMean: make([]float64, c), runVar: filled(c, 1),
		mean: make([]float64, c), alpha: make([]float64, c), shift: make([]float64, c),
	}
	return op
}

// batchNormNode returns the node γ ⊙ BN(h) + β of op; op must not be used for
// another node.
func batchNormNode(op *batchNormOp, h, gamma, beta *G.Node) (*G.Node, error) {
	hs, gs, bs := h.Shape(), gamma.Shape(), beta.Shape()
	if len(hs) != 2 || hs[1] != op.c || hs[0] < 2 || !gs.Eq(tensor.Shape{1, op.c}) || !bs.Eq(tensor.Shape{1, op.c}) {
		return nil, fmt.Errorf("%w: BatchNorm %s: H %v, γ %v, β %v, want (n ≥ 2, %d), (1, %d), (1, %d)",
			ErrShape, op.name, hs, gs, bs, op.c, op.c, op.c)
	}
	return G.ApplyOp(op, h, gamma, beta)
}

func (op *batchNormOp) Arity() int { return 3 }
func (op *batchNormOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(opkit.MatrixType(a), opkit.MatrixType(a), opkit.MatrixType(a), opkit.MatrixType(a))
}
func (op *batchNormOp) InferShape(ns ...G.DimSizer) (tensor.Shape, error) {
	s, err := read.MatrixShape(op.String(), 0, ns)
	if err != nil {
		return nil, err
	}
	return s.Clone(), nil
}

// vector returns the data of a (1 × c) value.
func (op *batchNormOp) vector(v G.Value, what string) ([]float64, error) {
	r, c, d, err := read.Matrix(v, op.String()+": "+what)
	if err != nil {
		return nil, err
	}
	if r != 1 || c != op.c {
		return nil, fmt.Errorf("%w: %s: %s is %d×%d, want 1×%d", ErrShape, op, what, r, c, op.c)
	}
	return d, nil
}

// input returns the (n × c) data of H.
func (op *batchNormOp) input(v G.Value, what string) (int, []float64, error) {
	n, c, d, err := read.Matrix(v, op.String()+": "+what)
	if err != nil {
		return 0, nil, err
	}
	if c != op.c || n < 2 {
		return 0, nil, fmt.Errorf("%w: %s: %s is %d×%d, want n×%d with n ≥ 2", ErrShape, op, what, n, c, op.c)
	}
	return n, d, nil
}

func (op *batchNormOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 3 {
		return nil, fmt.Errorf("%w: %s: %d inputs, want 3", ErrShape, op, len(vs))
	}
	n, h, err := op.input(vs[0], "H")
	if err != nil {
		return nil, err
	}
	gamma, err := op.vector(vs[1], "γ")
	if err != nil {
		return nil, err
	}
	beta, err := op.vector(vs[2], "β")
	if err != nil {
		return nil, err
	}
	c := op.c
	mean, ss := op.mean, op.alpha // op.alpha holds S_c until α is computed
	clear(mean)
	clear(ss)
	for s := 0; s < n; s++ {
		addRow(mean, h[s*c:s*c+c])
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for s := 0; s < n; s++ {
		addSqDevRow(ss, h[s*c:s*c+c], mean)
	}
	m := op.momentum
	for j := range mean {
		op.runMean[j] = float64(m*mean[j]) + float64((1-m)*op.runMean[j])
		op.runVar[j] = float64(m*(ss[j]/float64(n-1))) + float64((1-m)*op.runVar[j])
		op.alpha[j] = 1 / math.Sqrt(ss[j]/float64(n)+op.eps)
		op.shift[j] = -(mean[j] * op.alpha[j])
	}
	y := op.out.Get(n * c)
	alpha, shift := op.alpha, op.shift
	for s := 0; s < n; s++ {
		bnRow(y[s*c:s*c+c], h[s*c:s*c+c], alpha, shift, gamma, beta)
	}
	return opkit.MatrixValue(n, c, y), nil
}

func (op *batchNormOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "pidreg.batchnorm{%s,%v,%v,%p}", op.name, op.momentum, op.eps, op)
}
func (op *batchNormOp) Hashcode() uint32   { return opkit.Hash(op) }
func (op *batchNormOp) String() string     { return "BatchNorm{" + op.name + "}" }
func (op *batchNormOp) DiffWRT(int) []bool { return []bool{true, true, true} }

// SymDiff returns the nodes ∂/∂H, ∂/∂γ and ∂/∂β.
func (op *batchNormOp) SymDiff(in G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("%w: %s gradient: %d inputs, want 3", ErrShape, op, len(in))
	}
	h, gamma := in[0], in[1]
	dh, err := G.ApplyOp(&batchNormGradOp{fwd: op, wrtH: true}, h, gamma, grad)
	if err != nil {
		return nil, fmt.Errorf("%s: ∂/∂H node: %w", op, err)
	}
	dg, err := G.ApplyOp(&batchNormGradOp{fwd: op}, h, grad)
	if err != nil {
		return nil, fmt.Errorf("%s: ∂/∂γ node: %w", op, err)
	}
	db, err := G.ApplyOp(&linearGradOp{kind: gradB, name: op.name}, grad)
	if err != nil {
		return nil, fmt.Errorf("%s: ∂/∂β node: %w", op, err)
	}
	return G.Nodes{dh, dg, db}, nil
}

// batchNormGradOp is ∂/∂H (inputs H, γ, G; wrtH) or ∂/∂γ (inputs H, G) of
// a batchNormOp, using the batch statistics its forward pass saved in this
// run. It is not differentiable itself.
type batchNormGradOp struct {
	opkit.Leaf
	fwd  *batchNormOp
	wrtH bool
	out  opkit.Buffer
	// scratch for the per-channel sums of ∂/∂H
	sum, dot []float64
}

func (op *batchNormGradOp) Arity() int {
	if op.wrtH {
		return 3
	}
	return 2
}
func (op *batchNormGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	if op.wrtH {
		return hm.NewFnType(opkit.MatrixType(a), opkit.MatrixType(a), opkit.MatrixType(a), opkit.MatrixType(a))
	}
	return hm.NewFnType(opkit.MatrixType(a), opkit.MatrixType(a), opkit.MatrixType(a))
}
func (op *batchNormGradOp) InferShape(ns ...G.DimSizer) (tensor.Shape, error) {
	s, err := read.MatrixShape(op.String(), 0, ns)
	if err != nil {
		return nil, err
	}
	if op.wrtH {
		return s.Clone(), nil
	}
	return tensor.Shape{1, s[1]}, nil
}

func (op *batchNormGradOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != op.Arity() {
		return nil, fmt.Errorf("%w: %s: %d inputs, want %d", ErrShape, op, len(vs), op.Arity())
	}
	f := op.fwd
	n, h, err := f.input(vs[0], "H")
	if err != nil {
		return nil, err
	}
	n2, g, err := f.input(vs[len(vs)-1], "upstream gradient")
	if err != nil {
		return nil, err
	}
	if n2 != n {
		return nil, fmt.Errorf("%w: %s: H has %d rows, the gradient %d", ErrShape, op, n, n2)
	}
	c, mean, alpha, shift := f.c, f.mean, f.alpha, f.shift
	if !op.wrtH {
		// ∂/∂γ_c = Σ_s G_sc·x̂_sc
		dg := op.out.Get(c)
		clear(dg)
		for s := 0; s < n; s++ {
			bnGammaRow(dg, h[s*c:s*c+c], g[s*c:s*c+c], alpha, shift)
		}
		return opkit.MatrixValue(1, c, dg), nil
	}
	gamma, err := f.vector(vs[1], "γ")
	if err != nil {
		return nil, err
	}
	if cap(op.sum) < c {
		op.sum, op.dot = make([]float64, c), make([]float64, c)
	}
	sum, dot := op.sum[:c], op.dot[:c]
	clear(sum)
	clear(dot)
	for s := 0; s < n; s++ {
		bnSumsRow(sum, dot, h[s*c:s*c+c], g[s*c:s*c+c], gamma, mean)
	}
	// k_c and the mean gradient, overwriting the sums
	for j := range sum {
		dot[j] = float64(dot[j]*alpha[j]*alpha[j]) / float64(n)
		sum[j] /= float64(n)
	}
	dh := op.out.Get(n * c)
	for s := 0; s < n; s++ {
		bnGradRow(dh[s*c:s*c+c], h[s*c:s*c+c], g[s*c:s*c+c], gamma, mean, dot, sum, alpha)
	}
	return opkit.MatrixValue(n, c, dh), nil
}

func (op *batchNormGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "pidreg.batchnormGrad{%s,%v,%p}", op.fwd.name, op.wrtH, op)
}
func (op *batchNormGradOp) Hashcode() uint32 { return opkit.Hash(op) }
func (op *batchNormGradOp) String() string {
	if op.wrtH {
		return "BatchNormGradH{" + op.fwd.name + "}"
	}
	return "BatchNormGradγ{" + op.fwd.name + "}"
}

// Row kernels of the BatchNorm ops. Each reslices its arguments to the row
// length so that the compiler drops the bounds checks from the loop; the
// float64 conversions forbid fused multiply-adds, keeping gorgonia's
// rounding.

// addRow adds the row h to acc.
func addRow(acc, h []float64) {
	acc = acc[:len(h)]
	for j, v := range h {
		acc[j] += v
	}
}

// addSqDevRow adds (h − mean)² to acc.
func addSqDevRow(acc, h, mean []float64) {
	acc, mean = acc[:len(h)], mean[:len(h)]
	for j, v := range h {
		d := v - mean[j]
		acc[j] += float64(d * d)
	}
}

// bnRow sets y = γ·(h·α + shift) + β.
func bnRow(y, h, alpha, shift, gamma, beta []float64) {
	h, alpha, shift, gamma, beta = h[:len(y)], alpha[:len(y)], shift[:len(y)], gamma[:len(y)], beta[:len(y)]
	for j := range y {
		xh := float64(h[j]*alpha[j]) + shift[j]
		y[j] = float64(gamma[j]*xh) + beta[j]
	}
}

// bnGammaRow adds g·x̂ to acc, x̂ = h·α + shift.
func bnGammaRow(acc, h, g, alpha, shift []float64) {
	acc, g, alpha, shift = acc[:len(h)], g[:len(h)], alpha[:len(h)], shift[:len(h)]
	for j, v := range h {
		xh := float64(v*alpha[j]) + shift[j]
		acc[j] += float64(g[j] * xh)
	}
}

// bnSumsRow adds g·γ to sum and (h − mean)·g·γ to dot.
func bnSumsRow(sum, dot, h, g, gamma, mean []float64) {
	sum, dot, g, gamma, mean = sum[:len(h)], dot[:len(h)], g[:len(h)], gamma[:len(h)], mean[:len(h)]
	for j, v := range h {
		gj := g[j] * gamma[j]
		sum[j] += gj
		dot[j] += float64((v - mean[j]) * gj)
	}
}

// bnGradRow sets d = α·(g·γ − (h − mean)·k − gmean).
func bnGradRow(d, h, g, gamma, mean, k, gmean, alpha []float64) {
	h, g, gamma, mean, k, gmean, alpha = h[:len(d)], g[:len(d)], gamma[:len(d)], mean[:len(d)], k[:len(d)], gmean[:len(d)], alpha[:len(d)]
	for j := range d {
		gj := g[j] * gamma[j]
		t := float64((h[j] - mean[j]) * k[j])
		d[j] = float64((gj - t - gmean[j]) * alpha[j])
	}
}
