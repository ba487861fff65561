package encoder

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pidreg/pidreg/internal/opkit"
)

// This file holds the fused custom ops that MLP.Forward wires instead of
// gorgonia's generic ones:
//
//	linear(X, W, b)     = X·W + 1·b                     (one Gemm, then a row add)
//	reluMask(H, M)      = max(H, 0) ⊙ M                 (one loop)
//	reluMask(H)         = max(H, 0)                     (one loop, no dropout)
//
// and their gradient ops
//
//	∂/∂X = G·Wᵀ,  ∂/∂W = Xᵀ·G,  ∂/∂b = 1ᵀ·G            (Gemm with transpose flags, column sums)
//	∂/∂H = G ⊙ M ⊙ 1[H ≥ 0]                            (one loop)
//
// for an upstream gradient G, each generic over its element type T (float64,
// or float32 in a Float32 stack, whose products go through blas32; gemm).
// gorgonia's own formulation of the same block
// (Mul, BroadcastAdd, Rectify, HadamardProd) allocates and copies more than
// it computes: BroadcastAdd materialises b repeated B times, the elementwise
// products clone their first operand, the matrix-product gradients transpose
// into copies, ReLU builds a 0/1 comparison tensor and multiplies by it, and
// the gradients of the comparison and of the dropout mask are computed
// although nothing consumes them. The fused ops compute exactly the same
// numbers (the ReLU derivative at 0 is 1, as gorgonia's Gte-based Rectify;
// the tests compare both formulations on the same batch).
//
// # Buffer reuse
//
// Every op node owns one output buffer, allocated on its first run and
// rewritten in place on every later run, and returns it through the
// buffer's tensor header (opkit.Buffer.Matrix): the previous run's header
// when nothing has changed it, a new one when a downstream op reshaped,
// transposed or pooled it, so no downstream change to the header can alter
// what the next run returns. This is safe with gorgonia's TapeMachine because
//
//   - an op instance belongs to exactly one node: the constructors create a
//     new instance per node and WriteHash includes the instance's address, so
//     gorgonia's hash-consing never merges two nodes onto one op;
//   - the tape executes each node once per run, in topological order, so the
//     buffer is written once per run, before any consumer of that run reads it;
//   - within a run the machine may hand the buffer to a later instruction once
//     the node's last consumer has run (register reuse, in-place "unsafe"
//     ops): that happens after every read of the node's value in the run, and
//     the next write is the next run's, when that later value is dead too;
//   - values that outlive a run are not aliased: gradients are accumulated
//     into the learnables' own dual-value tensors (an Add into them), never
//     bound to these buffers.
//
// As for any intermediate node of a TapeMachine, n.Value() read after RunAll
// may show another node's data (register reuse); copy values out during the
// run (a tap) when they are needed afterwards.

// ---------------------------------------------------------------- linear

// linearOp is Y = X·W + 1·b for X (n × in), W (in × out) and b (1 × out):
// one Gemm into the output buffer, then b added to every row (the same
// order of operations as Weights.Forward, so the two agree bit for bit).
type linearOp[T opkit.Elem] struct {
	opkit.Pure
	name string
	out  opkit.BufferOf[T]
}

// linearNode returns the node X·W + 1·b; name labels the op in errors.
func linearNode[T opkit.Elem](x, w, b *G.Node, name string) (*G.Node, error) {
	xs, ws, bs := x.Shape(), w.Shape(), b.Shape()
	if len(xs) != 2 || len(ws) != 2 || len(bs) != 2 || xs[1] != ws[0] || bs[0] != 1 || bs[1] != ws[1] {
		return nil, fmt.Errorf("%w: linear %s: X %v, W %v, b %v, want (n,in), (in,out), (1,out)", ErrShape, name, xs, ws, bs)
	}
	return G.ApplyOp(&linearOp[T]{name: name}, x, w, b)
}

func (op *linearOp[T]) Arity() int { return 3 }
func (op *linearOp[T]) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(opkit.MatrixType(a), opkit.MatrixType(a), opkit.MatrixType(a), opkit.MatrixType(a))
}
func (op *linearOp[T]) InferShape(ns ...G.DimSizer) (tensor.Shape, error) {
	xs, err := read.MatrixShape(op.String(), 0, ns)
	if err != nil {
		return nil, err
	}
	ws, err := read.MatrixShape(op.String(), 1, ns)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{xs[0], ws[1]}, nil
}

func (op *linearOp[T]) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 3 {
		return nil, fmt.Errorf("%w: %s: %d inputs, want 3", ErrShape, op, len(vs))
	}
	n, in, x, err := opkit.MatrixOf[T](read, vs[0], op.String()+": X")
	if err != nil {
		return nil, err
	}
	in2, out, w, err := opkit.MatrixOf[T](read, vs[1], op.String()+": W")
	if err != nil {
		return nil, err
	}
	br, bc, b, err := opkit.MatrixOf[T](read, vs[2], op.String()+": b")
	if err != nil {
		return nil, err
	}
	if in2 != in || br != 1 || bc != out {
		return nil, fmt.Errorf("%w: %s: X %d×%d, W %d×%d, b %d×%d", ErrShape, op, n, in, in2, out, br, bc)
	}
	y := op.out.Get(n * out)
	gemm(blas.NoTrans, blas.NoTrans, n, in, x, in, out, w, n, out, y)
	for r := 0; r < n; r++ {
		row := y[r*out : (r+1)*out]
		for j, bj := range b {
			row[j] += bj
		}
	}
	return op.out.Matrix(n, out), nil
}

func (op *linearOp[T]) WriteHash(h hash.Hash) { fmt.Fprintf(h, "pidreg.linear{%s,%p}", op.name, op) }
func (op *linearOp[T]) Hashcode() uint32      { return opkit.Hash(op) }
func (op *linearOp[T]) String() string        { return "Linear{" + op.name + "}" }
func (op *linearOp[T]) DiffWRT(int) []bool    { return []bool{true, true, true} }

// SymDiff returns the nodes G·Wᵀ, Xᵀ·G and 1ᵀ·G for the upstream gradient G.
func (op *linearOp[T]) SymDiff(in G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("%w: %s gradient: %d inputs, want 3", ErrShape, op, len(in))
	}
	x, w := in[0], in[1]
	dxOp := &linearGradOp[T]{kind: gradX, name: op.name, x: x}
	dx, err := G.ApplyOp(dxOp, grad, w)
	if err != nil {
		return nil, fmt.Errorf("%s: ∂/∂X node: %w", op, err)
	}
	dxOp.self = dx
	dw, err := G.ApplyOp(&linearGradOp[T]{kind: gradW, name: op.name}, x, grad)
	if err != nil {
		return nil, fmt.Errorf("%s: ∂/∂W node: %w", op, err)
	}
	db, err := G.ApplyOp(&linearGradOp[T]{kind: gradB, name: op.name}, grad)
	if err != nil {
		return nil, fmt.Errorf("%s: ∂/∂b node: %w", op, err)
	}
	return G.Nodes{dx, dw, db}, nil
}

type gradKind int

const (
	gradX gradKind = iota // (G, W) → G·Wᵀ
	gradW                 // (X, G) → Xᵀ·G
	gradB                 // (G) → 1ᵀ·G, also the ∂/∂β of batchNormOp
)

// linearGradOp is one of the three partial derivatives of linearOp. It is
// not differentiable itself.
//
// The ∂/∂X node is built for every linear node, as gorgonia asks SymDiff for
// all differentiable inputs, but it is dead when X is a data input nobody
// differentiates with respect to (the first layer of a trained encoder):
// then no node consumes it and it is not X's derivative. gorgonia's machine
// runs dead nodes all the same, so the op checks on every run and skips the
// n·in·out multiply-adds of a dead node, returning its buffer unchanged (a
// matrix of the right shape whose contents nothing reads).
type linearGradOp[T opkit.Elem] struct {
	opkit.Leaf
	kind gradKind
	name string
	x    *G.Node // gradX: the input X whose derivative this node computes
	self *G.Node // gradX: this op's node
	out  opkit.BufferOf[T]
}

func (op *linearGradOp[T]) Arity() int {
	if op.kind == gradB {
		return 1
	}
	return 2
}
func (op *linearGradOp[T]) Type() hm.Type {
	a := hm.TypeVariable('a')
	if op.kind == gradB {
		return hm.NewFnType(opkit.MatrixType(a), opkit.MatrixType(a))
	}
	return hm.NewFnType(opkit.MatrixType(a), opkit.MatrixType(a), opkit.MatrixType(a))
}
func (op *linearGradOp[T]) InferShape(ns ...G.DimSizer) (tensor.Shape, error) {
	s0, err := read.MatrixShape(op.String(), 0, ns)
	if err != nil {
		return nil, err
	}
	if op.kind == gradB {
		return tensor.Shape{1, s0[1]}, nil
	}
	s1, err := read.MatrixShape(op.String(), 1, ns)
	if err != nil {
		return nil, err
	}
	if op.kind == gradX {
		return tensor.Shape{s0[0], s1[0]}, nil // (n,out)·(in,out)ᵀ
	}
	return tensor.Shape{s0[1], s1[1]}, nil // (n,in)ᵀ·(n,out)
}

// live reports whether the ∂/∂X node's value can be read: it has a consumer
// in the graph or it is X's derivative (bound to X's gradient).
func (op *linearGradOp[T]) live() bool {
	if op.self == nil || op.x == nil {
		return true
	}
	if op.x.Deriv() == op.self {
		return true
	}
	return op.self.Graph().To(op.self.ID()).Len() > 0
}

func (op *linearGradOp[T]) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != op.Arity() {
		return nil, fmt.Errorf("%w: %s: %d inputs, want %d", ErrShape, op, len(vs), op.Arity())
	}
	switch op.kind {
	case gradX:
		n, out, g, err := opkit.MatrixOf[T](read, vs[0], op.String()+": upstream gradient")
		if err != nil {
			return nil, err
		}
		in, out2, w, err := opkit.MatrixOf[T](read, vs[1], op.String()+": W")
		if err != nil {
			return nil, err
		}
		if out2 != out {
			return nil, fmt.Errorf("%w: %s: gradient %d×%d, W %d×%d", ErrShape, op, n, out, in, out2)
		}
		dx := op.out.Get(n * in)
		if !op.live() {
			return op.out.Matrix(n, in), nil
		}
		gemm(blas.NoTrans, blas.Trans, n, out, g, in, out, w, n, in, dx)
		return op.out.Matrix(n, in), nil
	case gradW:
		n, in, x, err := opkit.MatrixOf[T](read, vs[0], op.String()+": X")
		if err != nil {
			return nil, err
		}
		n2, out, g, err := opkit.MatrixOf[T](read, vs[1], op.String()+": upstream gradient")
		if err != nil {
			return nil, err
		}
		if n2 != n {
			return nil, fmt.Errorf("%w: %s: X %d×%d, gradient %d×%d", ErrShape, op, n, in, n2, out)
		}
		dw := op.out.Get(in * out)
		// dW = Xᵀ·G: the transpose is a packing order of the kernel, not a copy.
		gemm(blas.Trans, blas.NoTrans, n, in, x, n, out, g, in, out, dw)
		return op.out.Matrix(in, out), nil
	default:
		n, out, g, err := opkit.MatrixOf[T](read, vs[0], op.String()+": upstream gradient")
		if err != nil {
			return nil, err
		}
		db := op.out.Get(out)
		copy(db, g[:out])
		for r := 1; r < n; r++ {
			for j, v := range g[r*out : (r+1)*out] {
				db[j] += v
			}
		}
		return op.out.Matrix(1, out), nil
	}
}

func (op *linearGradOp[T]) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "pidreg.linearGrad%d{%s,%p}", op.kind, op.name, op)
}
func (op *linearGradOp[T]) Hashcode() uint32 { return opkit.Hash(op) }
func (op *linearGradOp[T]) String() string {
	return [...]string{"LinearGradX{", "LinearGradW{", "ColSum{"}[op.kind] + op.name + "}"
}

// ---------------------------------------------------------------- ReLU ⊙ mask

// reluMaskOp is Y = max(H, 0) ⊙ M with M a non-differentiable dropout mask
// node of H's shape, or Y = max(H, 0) without a mask. A NaN in H stays NaN.
type reluMaskOp[T opkit.Elem] struct {
	opkit.Pure
	name    string
	hasMask bool
	out     opkit.BufferOf[T]
}

// reluMaskNode returns max(h, 0) ⊙ mask, or max(h, 0) when mask is nil.
func reluMaskNode[T opkit.Elem](h, mask *G.Node, name string) (*G.Node, error) {
	if mask == nil {
		return G.ApplyOp(&reluMaskOp[T]{name: name}, h)
	}
	if !h.Shape().Eq(mask.Shape()) {
		return nil, fmt.Errorf("%w: ReLU⊙mask %s: input %v, mask %v", ErrShape, name, h.Shape(), mask.Shape())
	}
	return G.ApplyOp(&reluMaskOp[T]{name: name, hasMask: true}, h, mask)
}

func (op *reluMaskOp[T]) Arity() int {
	if op.hasMask {
		return 2
	}
	return 1
}
func (op *reluMaskOp[T]) Type() hm.Type {
	a := hm.TypeVariable('a')
	if op.hasMask {
		return hm.NewFnType(opkit.MatrixType(a), opkit.MatrixType(a), opkit.MatrixType(a))
	}
	return hm.NewFnType(opkit.MatrixType(a), opkit.MatrixType(a))
}
func (op *reluMaskOp[T]) InferShape(ns ...G.DimSizer) (tensor.Shape, error) {
	s, err := read.MatrixShape(op.String(), 0, ns)
	if err != nil {
		return nil, err
	}
	return s.Clone(), nil
}

// inputs returns H and the mask (nil without one) of a reluMask or
// reluMaskGrad call, checking that they have one shape.
func (op *reluMaskOp[T]) inputs(vs []G.Value, what string) (r, c int, h, m []T, err error) {
	if r, c, h, err = opkit.MatrixOf[T](read, vs[0], what+": H"); err != nil {
		return 0, 0, nil, nil, err
	}
	if !op.hasMask {
		return r, c, h, nil, nil
	}
	r2, c2, m, err := opkit.MatrixOf[T](read, vs[1], what+": mask")
	if err != nil {
		return 0, 0, nil, nil, err
	}
	if r2 != r || c2 != c {
		return 0, 0, nil, nil, fmt.Errorf("%w: %s: H %d×%d, mask %d×%d", ErrShape, what, r, c, r2, c2)
	}
	return r, c, h, m, nil
}

func (op *reluMaskOp[T]) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != op.Arity() {
		return nil, fmt.Errorf("%w: %s: %d inputs, want %d", ErrShape, op, len(vs), op.Arity())
	}
	r, c, h, m, err := op.inputs(vs, op.String())
	if err != nil {
		return nil, err
	}
	// The builtin max is branch-free (a branch on the sign of H mispredicts
	// half the time and made this loop 5× slower), keeps NaN and maps −0 to 0.
	y := op.out.Get(len(h))
	if m == nil {
		for i, v := range h {
			y[i] = max(v, 0)
		}
	} else {
		m = m[:len(h)]
		for i, v := range h {
			y[i] = max(v, 0) * m[i]
		}
	}
	return op.out.Matrix(r, c), nil
}

func (op *reluMaskOp[T]) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "pidreg.reluMask{%s,%v,%p}", op.name, op.hasMask, op)
}
func (op *reluMaskOp[T]) Hashcode() uint32 { return opkit.Hash(op) }
func (op *reluMaskOp[T]) String() string {
	if op.hasMask {
		return "ReLUMask{" + op.name + "}"
	}
	return "ReLU{" + op.name + "}"
}
func (op *reluMaskOp[T]) DiffWRT(n int) []bool {
	d := make([]bool, n)
	if n > 0 {
		d[0] = true // the mask is a constant
	}
	return d
}

// SymDiff returns G ⊙ M ⊙ 1[H ≥ 0] for H (nil for the mask).
func (op *reluMaskOp[T]) SymDiff(in G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("%w: %s gradient: %d inputs, want %d", ErrShape, op, len(in), op.Arity())
	}
	args := append(append(G.Nodes{}, in...), grad)
	d, err := G.ApplyOp(&reluMaskGradOp[T]{fwd: op}, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: gradient node: %w", op, err)
	}
	out := make(G.Nodes, len(in))
	out[0] = d
	return out, nil
}

// reluMaskGradOp maps (H, [M,] G) to G ⊙ M ⊙ 1[H ≥ 0]. It is not
// differentiable itself.
type reluMaskGradOp[T opkit.Elem] struct {
	opkit.Leaf
	fwd *reluMaskOp[T]
	out opkit.BufferOf[T]
}

func (op *reluMaskGradOp[T]) Arity() int { return op.fwd.Arity() + 1 }
func (op *reluMaskGradOp[T]) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, op.Arity()+1)
	for i := range ts {
		ts[i] = opkit.MatrixType(a)
	}
	return hm.NewFnType(ts...)
}
func (op *reluMaskGradOp[T]) InferShape(ns ...G.DimSizer) (tensor.Shape, error) {
	s, err := read.MatrixShape(op.String(), 0, ns)
	if err != nil {
		return nil, err
	}
	return s.Clone(), nil
}

func (op *reluMaskGradOp[T]) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != op.Arity() {
		return nil, fmt.Errorf("%w: %s: %d inputs, want %d", ErrShape, op, len(vs), op.Arity())
	}
	r, c, h, m, err := op.fwd.inputs(vs, op.String())
	if err != nil {
		return nil, err
	}
	r2, c2, g, err := opkit.MatrixOf[T](read, vs[len(vs)-1], op.String()+": upstream gradient")
	if err != nil {
		return nil, err
	}
	if r2 != r || c2 != c {
		return nil, fmt.Errorf("%w: %s: H %d×%d, gradient %d×%d", ErrShape, op, r, c, r2, c2)
	}
	// G ⊙ M times the 0/1 indicator of H ≥ 0, as gorgonia's Rectify
	// multiplies by its Gte mask; b2f compiles to a flag set, not a branch.
	d := op.out.Get(len(h))
	g = g[:len(h)]
	if m == nil {
		for i, v := range h {
			d[i] = g[i] * T(b2f(v >= 0))
		}
	} else {
		m = m[:len(h)]
		for i, v := range h {
			d[i] = g[i] * m[i] * T(b2f(v >= 0))
		}
	}
	return op.out.Matrix(r, c), nil
}

func (op *reluMaskGradOp[T]) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "pidreg.reluMaskGrad{%s,%v,%p}", op.fwd.name, op.fwd.hasMask, op)
}
func (op *reluMaskGradOp[T]) Hashcode() uint32 { return opkit.Hash(op) }
func (op *reluMaskGradOp[T]) String() string   { return op.fwd.String() + "Grad" }

// gemm sets C = op(A)·op(B) for the row-major (ar × ac) A, (br × bc) B and
// (cr × cc) C, through blas64.Gemm for float64 and blas32.Gemm for float32
// (the transposes are BLAS flags, not copies).
func gemm[T opkit.Elem](tA, tB blas.Transpose, ar, ac int, a []T, br, bc int, b []T, cr, cc int, c []T) {
	switch a := any(a).(type) {
	case []float64:
		blas64.Gemm(tA, tB, 1,
			blas64.General{Rows: ar, Cols: ac, Stride: ac, Data: a},
			blas64.General{Rows: br, Cols: bc, Stride: bc, Data: any(b).([]float64)},
			0, blas64.General{Rows: cr, Cols: cc, Stride: cc, Data: any(c).([]float64)})
	case []float32:
		blas32.Gemm(tA, tB, 1,
			blas32.General{Rows: ar, Cols: ac, Stride: ac, Data: a},
			blas32.General{Rows: br, Cols: bc, Stride: bc, Data: any(b).([]float32)},
			0, blas32.General{Rows: cr, Cols: cc, Stride: cc, Data: any(c).([]float32)})
	}
}

// b2f returns 1 for true and 0 for false without a branch (the compiler
// turns the conditional assignment into SETcc).
func b2f(b bool) float64 {
	var k uint64
	if b {
		k = 1
	}
	return float64(k)
}
