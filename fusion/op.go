package fusion

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pidreg/pidreg/internal/opkit"
)

// fuseOp is the fusion of Layer (weights a vector of NumTerms(m)) and
// MaskedLayer (weights a rows × NumTerms(m) matrix, per row) as one
// gorgonia op: inputs (w, Z_0, …, Z_{m−1}), output
//
//	z = Σ_t w_t · term_t,   term_i = Z_i,  term_ij = Z_i ⊙ Z_j,
//
// entry by entry with the operations of FuseLatents in its order (each
// product, then each weighted term added left to right in term order), so
// z equals FuseLatents bit for bit. It replaces the slices, products,
// scalings and sums of gorgonia nodes that built the same z (and their
// gradients, among them the unused ones of the weights): one output buffer
// reused on every run instead of a tensor per node.
//
// The weights get no gradient; latent i gets one from its own fuseGradOp,
//
//	∂z/∂Z_i · G = w_i·G + Σ_{t = (i,j) or (j,i)} (w_t·G) ⊙ Z_j,
//
// accumulated in term order. The op owns its buffer, so it belongs to one
// node (WriteHash includes its address) and a graph using it must be run by
// one goroutine at a time.
type fuseOp struct {
	opkit.Pure
	m, nt  int
	masked bool
	terms  [][]int
	out    opkit.Buffer
	zs     [][]float64 // the latents' data of the current run (scratch)
}

func newFuseOp(m int, masked bool) *fuseOp {
	return &fuseOp{m: m, nt: NumTerms(m), masked: masked, terms: Terms(m), zs: make([][]float64, m)}
}

// read reads op values, reporting problems as ErrShape.
var read = opkit.Reader{Shape: ErrShape}

func (op *fuseOp) Arity() int { return op.m + 1 }

func (op *fuseOp) weightDims() int {
	if op.masked {
		return 2
	}
	return 1
}

func (op *fuseOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, 0, op.m+2)
	ts = append(ts, G.TensorType{Dims: op.weightDims(), Of: a})
	for range op.m + 1 {
		ts = append(ts, opkit.MatrixType(a))
	}
	return hm.NewFnType(ts...)
}

func (op *fuseOp) InferShape(ns ...G.DimSizer) (tensor.Shape, error) {
	s, err := read.MatrixShape(op.String(), 1, ns)
	if err != nil {
		return nil, err
	}
	return s.Clone(), nil
}

// inputs reads the weights and the latents of vs (w, Z_0, …, Z_{m−1}, …):
// the weights as a slice of NumTerms per row (stride 0 when shared by all
// rows), the latents as row-major r × c slices.
func (op *fuseOp) inputs(vs []G.Value, zs [][]float64) (w []float64, stride, r, c int, err error) {
	if len(vs) < op.m+1 {
		return nil, 0, 0, 0, fmt.Errorf("%w: %s: %d inputs, want %d", ErrShape, op, len(vs), op.m+1)
	}
	for i := range op.m {
		ri, ci, z, err := read.Matrix(vs[1+i], "latent")
		if err != nil {
			return nil, 0, 0, 0, fmt.Errorf("%s: latent %d: %w", op, i, err)
		}
		if i == 0 {
			r, c = ri, ci
		} else if ri != r || ci != c {
			return nil, 0, 0, 0, fmt.Errorf("%w: %s: latent %d is %d×%d, latent 0 %d×%d", ErrShape, op, i, ri, ci, r, c)
		}
		zs[i] = z
	}
	if op.masked {
		wr, wc, d, err := read.Matrix(vs[0], "weights")
		if err != nil {
			return nil, 0, 0, 0, fmt.Errorf("%s: %w", op, err)
		}
		if wr != r || wc != op.nt {
			return nil, 0, 0, 0, fmt.Errorf("%w: %s: %d×%d weights for %d rows and %d terms", ErrShape, op, wr, wc, r, op.nt)
		}
		return d, op.nt, r, c, nil
	}
	d, err := vectorOf(vs[0])
	if err != nil {
		return nil, 0, 0, 0, fmt.Errorf("%s: %w", op, err)
	}
	if len(d) != op.nt {
		return nil, 0, 0, 0, fmt.Errorf("%w: %s: %d weights for %d terms", ErrShape, op, len(d), op.nt)
	}
	return d, 0, r, c, nil
}

// vectorOf returns the data of a float64 vector value without copying.
func vectorOf(v G.Value) ([]float64, error) {
	t, ok := v.(*tensor.Dense)
	if !ok || t.Dtype() != tensor.Float64 || t.Shape().Dims() != 1 || t.RequiresIterator() || t.IsMaterializable() {
		return nil, fmt.Errorf("%w: weights are a %T, want a plain float64 vector", ErrShape, v)
	}
	return t.Float64s()[:t.Shape()[0]], nil
}

func (op *fuseOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != op.m+1 {
		return nil, fmt.Errorf("%w: %s: %d inputs, want %d", ErrShape, op, len(vs), op.m+1)
	}
	w, stride, r, c, err := op.inputs(vs, op.zs)
	if err != nil {
		return nil, err
	}
	zs := op.zs
	out := op.out.Get(r * c)
	for row := 0; row < r; row++ {
		wr := w[row*stride : row*stride+op.nt]
		dst := out[row*c : (row+1)*c]
		base := row * c
		for e := range dst {
			// The conversions forbid fused multiply-adds: every product
			// rounds, as in FuseLatents and the graph it replaces.
			z := wr[0] * zs[0][base+e]
			for t := 1; t < len(op.terms); t++ {
				src := op.terms[t]
				v := zs[src[0]][base+e]
				if len(src) == 2 {
					v = float64(v * zs[src[1]][base+e])
				}
				z += float64(wr[t] * v)
			}
			dst[e] = z
		}
	}
	return op.out.Matrix(r, c), nil
}

func (op *fuseOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "pidreg/fusion.fuse{m=%d,masked=%v,%p}", op.m, op.masked, op)
}
func (op *fuseOp) Hashcode() uint32 { return opkit.Hash(op) }
func (op *fuseOp) String() string {
	if op.masked {
		return fmt.Sprintf("MaskedFuse%d", op.m)
	}
	return fmt.Sprintf("Fuse%d", op.m)
}

// DiffWRT: the latents, not the weights.
func (op *fuseOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for i := 1; i < n; i++ {
		d[i] = true
	}
	return d
}

// SymDiff returns one fuseGradOp node per latent and nil for the weights.
func (op *fuseOp) SymDiff(in G.Nodes, _ *G.Node, grad *G.Node) (G.Nodes, error) {
	if len(in) != op.m+1 {
		return nil, fmt.Errorf("%w: %s: SymDiff got %d inputs, want %d", ErrShape, op, len(in), op.m+1)
	}
	args := append(append(G.Nodes{}, in...), grad)
	out := make(G.Nodes, len(in))
	for i := range op.m {
		g := &fuseGradOp{fwd: op, i: i, zs: make([][]float64, op.m)}
		for t, src := range op.terms {
			switch {
			case len(src) == 1 && src[0] == i:
				g.self = t
			case len(src) == 2 && src[0] == i:
				g.pairs, g.others = append(g.pairs, t), append(g.others, src[1])
			case len(src) == 2 && src[1] == i:
				g.pairs, g.others = append(g.pairs, t), append(g.others, src[0])
			}
		}
		n, err := G.ApplyOp(g, args...)
		if err != nil {
			return nil, fmt.Errorf("%s: gradient of latent %d: %w", op, i, err)
		}
		out[1+i] = n
	}
	return out, nil
}

// fuseGradOp is ∂z/∂Z_i · G from (w, Z_0, …, Z_{m−1}, G).
type fuseGradOp struct {
	opkit.Leaf
	fwd    *fuseOp
	i      int
	self   int   // the term of Z_i alone
	pairs  []int // the product terms with Z_i, in term order,
	others []int // and the other latent of each
	out    opkit.Buffer
	zs     [][]float64 // scratch, as fuseOp's
}

func (op *fuseGradOp) Arity() int { return op.fwd.m + 2 }

func (op *fuseGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, 0, op.fwd.m+3)
	ts = append(ts, G.TensorType{Dims: op.fwd.weightDims(), Of: a})
	for range op.fwd.m + 2 {
		ts = append(ts, opkit.MatrixType(a))
	}
	return hm.NewFnType(ts...)
}

func (op *fuseGradOp) InferShape(ns ...G.DimSizer) (tensor.Shape, error) {
	s, err := read.MatrixShape(op.String(), 1+op.i, ns)
	if err != nil {
		return nil, err
	}
	return s.Clone(), nil
}

func (op *fuseGradOp) Do(vs ...G.Value) (G.Value, error) {
	m := op.fwd.m
	if len(vs) != m+2 {
		return nil, fmt.Errorf("%w: %s: %d inputs, want %d", ErrShape, op, len(vs), m+2)
	}
	w, stride, r, c, err := op.fwd.inputs(vs, op.zs)
	if err != nil {
		return nil, err
	}
	gr, gc, g, err := read.Matrix(vs[m+1], "upstream gradient")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if gr != r || gc != c {
		return nil, fmt.Errorf("%w: %s: gradient %d×%d for latents %d×%d", ErrShape, op, gr, gc, r, c)
	}
	zs, nt := op.zs, op.fwd.nt
	out := op.out.Get(r * c)
	for row := 0; row < r; row++ {
		wr := w[row*stride : row*stride+nt]
		base := row * c
		for e := base; e < base+c; e++ {
			d := wr[op.self] * g[e]
			for k, t := range op.pairs {
				d += float64(float64(wr[t]*g[e]) * zs[op.others[k]][e])
			}
			out[e] = d
		}
	}
	return op.out.Matrix(r, c), nil
}

func (op *fuseGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "pidreg/fusion.fuseGrad{%d,%p}", op.i, op)
}
func (op *fuseGradOp) Hashcode() uint32 { return opkit.Hash(op) }
func (op *fuseGradOp) String() string   { return fmt.Sprintf("%sGrad%d", op.fwd, op.i) }
