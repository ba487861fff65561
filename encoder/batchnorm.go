package encoder

import (
	"fmt"
	"hash"
	"math"
	"runtime"

	"github.com/chewxy/hm"
	"github.com/pidreg/pidreg/internal/opkit"
	"github.com/pidreg/pidreg/internal/par"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// batchNormOp is training-mode BatchNorm with its affine part fused in, for a
// (n × c) input H and (1 × c) scale γ and shift β, optionally followed by the
// ReLU and the dropout mask of a hidden layer:
//
//	μ_c  = (1/n) Σ_s H_sc,          S_c = Σ_s (H_sc − μ_c)²,
//	α_c  = 1/√(S_c/n + ε),          x̂_sc = H_sc·α_c − μ_c·α_c,
//	B_sc = γ_c·x̂_sc + β_c,          Y = B,  or  Y = max(B, 0)  or  Y = max(B, 0) ⊙ M,
//
// and, on every run, the running statistics in the PyTorch convention with
// the unbiased batch variance,
//
//	mean_c ← m·μ_c + (1−m)·mean_c,   var_c ← m·S_c/(n−1) + (1−m)·var_c.
//
// It performs gorgonia's BatchNormOp followed by BroadcastHadamardProd(γ, ·),
// BroadcastAdd(·, β), Rectify and HadamardProd(·, M) operation for operation
// (same summation orders, same rounding), in row-major loops over one output
// buffer instead of a goroutine per channel, a clone of the input, two
// materialised broadcasts, a 0/1 comparison tensor and two more passes; the
// tests compare both on the same batches.
//
// Its gradients, for the upstream gradient G of Y, Ĝ = G ⊙ M ⊙ 1[B ≥ 0]
// (the ReLU derivative at 0 is 1, as Rectify's; Ĝ = G without the ReLU) and
// g = Ĝ ⊙ γ (Ioffe & Szegedy 2015, as gorgonia's batchnormDiffOp computes
// them),
//
//	∂/∂H_sc = α_c·(g_sc − (H_sc − μ_c)·k_c − (1/n) Σ_s g_sc),  k_c = α_c² (1/n) Σ_s (H_sc − μ_c)·g_sc,
//	∂/∂γ_c  = Σ_s Ĝ_sc·x̂_sc,        ∂/∂β_c = Σ_s Ĝ_sc,
//
// are computed together by one gradient op (two passes over the rows: the
// column sums with ∂/∂γ and ∂/∂β, then ∂/∂H); the ∂/∂γ and ∂/∂β nodes take
// the ∂/∂H node as their input, so they run after it and return what it
// computed. The gradient op reads μ and α saved by this run's forward pass
// (the forward node always runs first: G depends on Y).
//
// Every loop runs over the columns in two fixed halves, on two goroutines
// for large inputs; a column's sums are accumulated in the same row order
// either way, so the results do not depend on it.
//
// T is the element type of H, γ, β, the mask and the output: float64, or
// float32 in a Float32 stack, whose batch statistics are float32 too while
// the running statistics are kept in float64 (the row kernels of T, rowsOf).
//
// Unlike gorgonia's op it has no inference mode and does not reset its
// running statistics when a machine is created: the graph is for training,
// and inference runs on a Snapshot (Weights.Forward). The op holds mutable
// state, so its graph must be run by one goroutine at a time, as every
// gorgonia graph must.
type batchNormOp[T opkit.Elem] struct {
	opkit.Pure
	name          string
	c             int
	momentum, eps float64
	relu          bool // Y = max(B, 0) (⊙ M when the node has a mask input)
	hasMask       bool // set by batchNormNode
	// running statistics, initially 0 and 1, in float64 whatever T
	runMean, runVar []float64
	// this run's batch statistics, saved for the gradient op
	mean, alpha, shift []T
	rows               *rowKernels[T]
	out                opkit.BufferOf[T]
	label              labels
}

func newBatchNormOp[T opkit.Elem](name string, c int, momentum, eps float64, relu bool) *batchNormOp[T] {
	op := &batchNormOp[T]{
		name: name, c: c, momentum: momentum, eps: eps, relu: relu,
		runMean: make([]float64, c), runVar: filled(c, 1),
		mean: make([]T, c), alpha: make([]T, c), shift: make([]T, c), rows: rowsOf[T](),
	}
	return op
}

// parallelCells is the least number of entries for which the column halves
// of the BatchNorm loops run on two goroutines.
const parallelCells = 8192

// halves calls f(lo, hi) for the two column halves of an n×c matrix, on two
// goroutines (par.Run) when it is large and GOMAXPROCS > 1. Weights.Forward
// uses it for the row halves of its output.
func halves(n, c int, f func(lo, hi int)) {
	h := c / 2
	if n*c < parallelCells || h == 0 || runtime.GOMAXPROCS(0) < 2 {
		f(0, h)
		f(h, c)
		return
	}
	par.Run(2, func(part int) {
		if part == 0 {
			f(0, h)
		} else {
			f(h, c)
		}
	})
}

// batchNormNode returns the node of op on h, γ and β, and the dropout mask
// (a node of h's shape, or nil) when op has the ReLU; op must not be used
// for another node.
func batchNormNode[T opkit.Elem](op *batchNormOp[T], h, gamma, beta, mask *G.Node) (*G.Node, error) {
	hs, gs, bs := h.Shape(), gamma.Shape(), beta.Shape()
	if len(hs) != 2 || hs[1] != op.c || hs[0] < 2 || !gs.Eq(tensor.Shape{1, op.c}) || !bs.Eq(tensor.Shape{1, op.c}) {
		return nil, fmt.Errorf("%w: BatchNorm %s: H %v, γ %v, β %v, want (n ≥ 2, %d), (1, %d), (1, %d)",
			ErrShape, op.name, hs, gs, bs, op.c, op.c, op.c)
	}
	if mask == nil {
		return G.ApplyOp(op, h, gamma, beta)
	}
	if !op.relu || !mask.Shape().Eq(hs) {
		return nil, fmt.Errorf("%w: BatchNorm %s: dropout mask %v for H %v (ReLU %v)", ErrShape, op.name, mask.Shape(), hs, op.relu)
	}
	op.hasMask = true
	return G.ApplyOp(op, h, gamma, beta, mask)
}

func (op *batchNormOp[T]) Arity() int {
	if op.hasMask {
		return 4
	}
	return 3
}
func (op *batchNormOp[T]) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, op.Arity()+1)
	for i := range ts {
		ts[i] = opkit.MatrixType(a)
	}
	return hm.NewFnType(ts...)
}
func (op *batchNormOp[T]) InferShape(ns ...G.DimSizer) (tensor.Shape, error) {
	s, err := read.MatrixShape(op.String(), 0, ns)
	if err != nil {
		return nil, err
	}
	return s.Clone(), nil
}

// vector returns the data of a (1 × c) value.
func (op *batchNormOp[T]) vector(v G.Value, what string) ([]T, error) {
	r, c, d, err := opkit.MatrixOf[T](read, v, op.label.of(op, what))
	if err != nil {
		return nil, err
	}
	if r != 1 || c != op.c {
		return nil, fmt.Errorf("%w: %s: %s is %d×%d, want 1×%d", ErrShape, op, what, r, c, op.c)
	}
	return d, nil
}

// input returns the (n × c) data of H (or of another n × c input).
func (op *batchNormOp[T]) input(v G.Value, what string) (int, []T, error) {
	n, c, d, err := opkit.MatrixOf[T](read, v, op.label.of(op, what))
	if err != nil {
		return 0, nil, err
	}
	if c != op.c || n < 2 {
		return 0, nil, fmt.Errorf("%w: %s: %s is %d×%d, want n×%d with n ≥ 2", ErrShape, op, what, n, c, op.c)
	}
	return n, d, nil
}

// inputs reads H, γ, β and the mask (nil without one) from the first
// Arity() values of vs.
func (op *batchNormOp[T]) inputs(vs []G.Value) (n int, h, gamma, beta, mask []T, err error) {
	if n, h, err = op.input(vs[0], "H"); err != nil {
		return
	}
	if gamma, err = op.vector(vs[1], "γ"); err != nil {
		return
	}
	if beta, err = op.vector(vs[2], "β"); err != nil {
		return
	}
	if op.hasMask {
		var nm int
		if nm, mask, err = op.input(vs[3], "mask"); err == nil && nm != n {
			err = fmt.Errorf("%w: %s: H has %d rows, the mask %d", ErrShape, op, n, nm)
		}
	}
	return
}

func (op *batchNormOp[T]) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != op.Arity() {
		return nil, fmt.Errorf("%w: %s: %d inputs, want %d", ErrShape, op, len(vs), op.Arity())
	}
	n, h, gamma, beta, mask, err := op.inputs(vs)
	if err != nil {
		return nil, err
	}
	c, k := op.c, op.rows
	y := op.out.Get(n * c)
	halves(n, c, func(lo, hi int) {
		mean, ss := op.mean[lo:hi], op.alpha[lo:hi] // op.alpha holds S_c until α is computed
		clear(mean)
		clear(ss)
		for s := 0; s < n; s++ {
			k.addRow(mean, h[s*c+lo:s*c+hi])
		}
		for j := range mean {
			mean[j] /= T(n)
		}
		for s := 0; s < n; s++ {
			k.addSqDevRow(ss, h[s*c+lo:s*c+hi], mean)
		}
		m := op.momentum
		alpha, shift := op.alpha[lo:hi], op.shift[lo:hi]
		runMean, runVar := op.runMean[lo:hi], op.runVar[lo:hi]
		for j := range mean {
			runMean[j] = float64(m*float64(mean[j])) + float64((1-m)*runMean[j])
			runVar[j] = float64(m*float64(ss[j]/T(n-1))) + float64((1-m)*runVar[j])
			alpha[j] = T(1 / math.Sqrt(float64(ss[j]/T(n))+op.eps))
			shift[j] = -(mean[j] * alpha[j])
		}
		g, b := gamma[lo:hi], beta[lo:hi]
		for s := 0; s < n; s++ {
			yr, hr := y[s*c+lo:s*c+hi], h[s*c+lo:s*c+hi]
			switch {
			case mask != nil:
				k.bnReluMaskRow(yr, hr, mask[s*c+lo:s*c+hi], alpha, shift, g, b)
			case op.relu:
				k.bnReluRow(yr, hr, alpha, shift, g, b)
			default:
				k.bnRow(yr, hr, alpha, shift, g, b)
			}
		}
	})
	return op.out.Matrix(n, c), nil
}

// running returns the running mean and variance, which the op updates in
// place on every run.
func (op *batchNormOp[T]) running() (mean, vars []float64) { return op.runMean, op.runVar }

func (op *batchNormOp[T]) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "pidreg.batchnorm{%s,%v,%v,%v,%v,%p}", op.name, op.momentum, op.eps, op.relu, op.hasMask, op)
}
func (op *batchNormOp[T]) Hashcode() uint32 { return opkit.Hash(op) }
func (op *batchNormOp[T]) String() string {
	switch {
	case op.hasMask:
		return "BatchNormReLUMask{" + op.name + "}"
	case op.relu:
		return "BatchNormReLU{" + op.name + "}"
	}
	return "BatchNorm{" + op.name + "}"
}
func (op *batchNormOp[T]) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for i := 0; i < n && i < 3; i++ {
		d[i] = true // H, γ, β; the mask is a constant
	}
	return d
}

// SymDiff returns the nodes ∂/∂H, ∂/∂γ and ∂/∂β (nil for the mask).
func (op *batchNormOp[T]) SymDiff(in G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("%w: %s gradient: %d inputs, want %d", ErrShape, op, len(in), op.Arity())
	}
	gop := &batchNormGradOp[T]{fwd: op}
	dh, err := G.ApplyOp(gop, append(append(G.Nodes{}, in...), grad)...)
	if err != nil {
		return nil, fmt.Errorf("%s: ∂/∂H node: %w", op, err)
	}
	dg, err := G.ApplyOp(&batchNormPartOp[T]{grad: gop, beta: false}, dh)
	if err != nil {
		return nil, fmt.Errorf("%s: ∂/∂γ node: %w", op, err)
	}
	db, err := G.ApplyOp(&batchNormPartOp[T]{grad: gop, beta: true}, dh)
	if err != nil {
		return nil, fmt.Errorf("%s: ∂/∂β node: %w", op, err)
	}
	out := make(G.Nodes, len(in))
	out[0], out[1], out[2] = dh, dg, db
	return out, nil
}

// batchNormGradOp maps (H, γ, β, [M,] G) to ∂/∂H of a batchNormOp and
// computes ∂/∂γ and ∂/∂β on the way, for its batchNormPartOp nodes, using
// the batch statistics the forward pass saved in this run. It is not
// differentiable itself.
type batchNormGradOp[T opkit.Elem] struct {
	opkit.Leaf
	fwd *batchNormOp[T]
	out opkit.BufferOf[T]
	// per-channel sums: Σ g, Σ (H − μ)·g, ∂/∂γ, ∂/∂β
	sum, dot, dgamma, dbeta []T
	run                     bool // dgamma and dbeta hold a result
}

func (op *batchNormGradOp[T]) Arity() int { return op.fwd.Arity() + 1 }
func (op *batchNormGradOp[T]) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, op.Arity()+1)
	for i := range ts {
		ts[i] = opkit.MatrixType(a)
	}
	return hm.NewFnType(ts...)
}
func (op *batchNormGradOp[T]) InferShape(ns ...G.DimSizer) (tensor.Shape, error) {
	s, err := read.MatrixShape(op.String(), 0, ns)
	if err != nil {
		return nil, err
	}
	return s.Clone(), nil
}

func (op *batchNormGradOp[T]) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != op.Arity() {
		return nil, fmt.Errorf("%w: %s: %d inputs, want %d", ErrShape, op, len(vs), op.Arity())
	}
	f := op.fwd
	n, h, gamma, beta, mask, err := f.inputs(vs)
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
	c, k := f.c, f.rows
	if cap(op.sum) < c {
		op.sum, op.dot = make([]T, c), make([]T, c)
		op.dgamma, op.dbeta = make([]T, c), make([]T, c)
	}
	dh := op.out.Get(n * c)
	halves(n, c, func(lo, hi int) {
		mean, alpha, shift := f.mean[lo:hi], f.alpha[lo:hi], f.shift[lo:hi]
		gam, bet := gamma[lo:hi], beta[lo:hi]
		sum, dot, dg, db := op.sum[lo:hi], op.dot[lo:hi], op.dgamma[lo:hi], op.dbeta[lo:hi]
		clear(sum)
		clear(dot)
		clear(dg)
		clear(db)
		// Pass 1: Ĝ into dh, and the column sums.
		for s := 0; s < n; s++ {
			hr, gr, d := h[s*c+lo:s*c+hi], g[s*c+lo:s*c+hi], dh[s*c+lo:s*c+hi]
			switch {
			case mask != nil:
				k.bnBackReluMaskRow(d, mask[s*c+lo:s*c+hi], dg, db, sum, dot, gr, hr, alpha, shift, gam, bet, mean)
			case f.relu:
				k.bnBackReluRow(d, dg, db, sum, dot, gr, hr, alpha, shift, gam, bet, mean)
			default:
				k.bnBackRow(dg, db, sum, dot, gr, hr, alpha, shift, gam, bet, mean)
			}
		}
		// k_c and the mean gradient, overwriting the sums
		for j := range sum {
			dot[j] = T(dot[j]*alpha[j]*alpha[j]) / T(n)
			sum[j] /= T(n)
		}
		// Pass 2: ∂/∂H from Ĝ (in dh) or G.
		for s := 0; s < n; s++ {
			gr := g[s*c+lo : s*c+hi]
			if f.relu {
				gr = dh[s*c+lo : s*c+hi]
			}
			k.bnGradRow(dh[s*c+lo:s*c+hi], h[s*c+lo:s*c+hi], gr, gam, mean, dot, sum, alpha)
		}
	})
	op.run = true
	return op.out.Matrix(n, c), nil
}

func (op *batchNormGradOp[T]) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "pidreg.batchnormGrad{%s,%p}", op.fwd.name, op)
}
func (op *batchNormGradOp[T]) Hashcode() uint32 { return opkit.Hash(op) }
func (op *batchNormGradOp[T]) String() string   { return "BatchNormGradH{" + op.fwd.name + "}" }

// batchNormPartOp returns ∂/∂γ (or ∂/∂β) computed by the batchNormGradOp
// whose node is its only input (which makes it run after that op). It is
// not differentiable itself.
type batchNormPartOp[T opkit.Elem] struct {
	opkit.Leaf
	grad *batchNormGradOp[T]
	beta bool
	hdr  opkit.HeaderOf[T]
}

func (op *batchNormPartOp[T]) Arity() int { return 1 }
func (op *batchNormPartOp[T]) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(opkit.MatrixType(a), opkit.MatrixType(a))
}
func (op *batchNormPartOp[T]) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{1, op.grad.fwd.c}, nil
}

func (op *batchNormPartOp[T]) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 || !op.grad.run {
		return nil, fmt.Errorf("%w: %s: %d inputs, or no ∂/∂H computed yet", ErrShape, op, len(vs))
	}
	d := op.grad.dgamma
	if op.beta {
		d = op.grad.dbeta
	}
	return op.hdr.Matrix(1, op.grad.fwd.c, d), nil
}

func (op *batchNormPartOp[T]) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "pidreg.batchnormGradPart{%s,%v,%p}", op.grad.fwd.name, op.beta, op)
}
func (op *batchNormPartOp[T]) Hashcode() uint32 { return opkit.Hash(op) }
func (op *batchNormPartOp[T]) String() string {
	if op.beta {
		return "BatchNormGradβ{" + op.grad.fwd.name + "}"
	}
	return "BatchNormGradγ{" + op.grad.fwd.name + "}"
}

// labels caches the "op: what" strings that name op inputs in errors, so
// that reading an input does not build a string on every run.
type labels map[string]string

func (l *labels) of(op fmt.Stringer, what string) string {
	if s, ok := (*l)[what]; ok {
		return s
	}
	if *l == nil {
		*l = labels{}
	}
	s := op.String() + ": " + what
	(*l)[what] = s
	return s
}
