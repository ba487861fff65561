package regularizer

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pidreg/pidreg/internal/opkit"
)

// MSE returns the scalar node of the mean squared error of pred against y
// (both n × d float64 matrices),
//
//	MSE = (1/(n·d)) Σ_ij (ŷ_ij − y_ij)²,   ∂MSE/∂ŷ = 2(ŷ − y)/(n·d),
//
// as one op with one gradient op (for pred; y gets none) instead of
// gorgonia's Mean(Square(Sub(pred, y))) and the dozen nodes of its
// gradient. The sum runs over the entries in row-major order; the gradient
// is written into a buffer the op reuses on every run.
func MSE(pred, y *G.Node) (*G.Node, error) {
	if err := checkNodeMatrices("MSE", []string{"pred", "y"}, pred, y); err != nil {
		return nil, err
	}
	if !pred.Shape().Eq(y.Shape()) {
		return nil, fmt.Errorf("%w: MSE: pred %v, y %v", ErrDimension, pred.Shape(), y.Shape())
	}
	return applyLoss("MSE", &lossOp{name: "MSE", dims: []int{2, 2}, impl: &mseState{}}, pred, y)
}

// mseState is the core of MSE: it needs no cache (the backward pass reads
// the inputs again), only the gradient buffer.
type mseState struct {
	out []float64
}

func (s *mseState) inputs(in []G.Value) (pred, y []float64, err error) {
	n, d, pred, err := read.Matrix(in[0], "pred")
	if err != nil {
		return nil, nil, err
	}
	n2, d2, y, err := read.Matrix(in[1], "y")
	if err != nil {
		return nil, nil, err
	}
	if n2 != n || d2 != d || n*d == 0 {
		return nil, nil, fmt.Errorf("%w: pred is %d×%d, y %d×%d", ErrDimension, n, d, n2, d2)
	}
	return pred, y, nil
}

func (s *mseState) forward(in []G.Value) (float64, error) {
	pred, y, err := s.inputs(in)
	if err != nil {
		return 0, err
	}
	sum := 0.0
	for i, v := range pred {
		e := v - y[i]
		sum += float64(e * e) // the conversion forbids a fused multiply-add
	}
	return sum / float64(len(pred)), nil
}

func (s *mseState) backward(in []G.Value, g float64) ([]float64, error) {
	pred, y, err := s.inputs(in)
	if err != nil {
		return nil, err
	}
	s.out = grow(s.out, len(pred))
	c := 2 * g / float64(len(pred))
	y = y[:len(pred)]
	for i, v := range pred {
		s.out[i] = c * (v - y[i])
	}
	return s.out, nil
}

// WeightedSum returns the scalar node Σ_t w_t·term_t of scalar float64
// nodes, accumulated left to right ((w_0·t_0 + w_1·t_1) + w_2·t_2 …; a weight
// of 1 multiplies exactly), as one op; the gradient of term t is the scalar
// w_t·g, one small op per term. It replaces a chain of gorgonia Mul and Add
// nodes and their gradients. The weights are constants of the graph:
// finite, and one per term.
func WeightedSum(weights []float64, terms ...*G.Node) (*G.Node, error) {
	if len(terms) == 0 || len(weights) != len(terms) {
		return nil, fmt.Errorf("%w: WeightedSum: %d weights for %d terms", ErrDimension, len(weights), len(terms))
	}
	for i, t := range terms {
		if t == nil || !t.IsScalar() || t.Dtype() != tensor.Float64 {
			return nil, fmt.Errorf("%w: WeightedSum: term %d is not a float64 scalar node", ErrDimension, i)
		}
	}
	for i, w := range weights {
		if w-w != 0 {
			return nil, fmt.Errorf("%w: WeightedSum: weight %d is %v", ErrParameter, i, w)
		}
	}
	op := &sumOp{w: append([]float64(nil), weights...)}
	out, err := G.ApplyOp(op, terms...)
	if err != nil {
		return nil, fmt.Errorf("WeightedSum: %w", err)
	}
	return out, nil
}

// sumOp is Σ_t w_t·x_t over its scalar inputs.
type sumOp struct {
	opkit.Pure
	w []float64
}

func (o *sumOp) Arity() int { return len(o.w) }

func (o *sumOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, len(o.w)+1)
	for i := range ts {
		ts[i] = a
	}
	return hm.NewFnType(ts...)
}

func (o *sumOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return tensor.ScalarShape(), nil }

func (o *sumOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != len(o.w) {
		return nil, fmt.Errorf("%w: %s: %d inputs", ErrDimension, o, len(vs))
	}
	var sum float64
	for i, v := range vs {
		x, err := read.Scalar(v, "term")
		if err != nil {
			return nil, fmt.Errorf("%s: term %d: %w", o, i, err)
		}
		if i == 0 {
			sum = o.w[0] * x
		} else {
			sum += float64(o.w[i] * x) // no fused multiply-add: each product rounds
		}
	}
	return G.NewF64(sum), nil
}

// WriteHash writes every weight.
func (o *sumOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "pidreg/regularizer.%v", o) }
func (o *sumOp) Hashcode() uint32      { return opkit.Hash(o) }
func (o *sumOp) String() string        { return fmt.Sprintf("WeightedSum%v", o.w) }

// DiffWRT: every term is differentiable.
func (o *sumOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for i := range d {
		d[i] = true
	}
	return d
}

// SymDiff returns w_t·grad for term t.
func (o *sumOp) SymDiff(in G.Nodes, _ *G.Node, grad *G.Node) (G.Nodes, error) {
	if len(in) != len(o.w) {
		return nil, fmt.Errorf("%w: %s: SymDiff got %d inputs", ErrDimension, o, len(in))
	}
	out := make(G.Nodes, len(in))
	for i := range in {
		d, err := G.ApplyOp(scaleOp{w: o.w[i]}, grad)
		if err != nil {
			return nil, fmt.Errorf("%s: gradient of term %d: %w", o, i, err)
		}
		out[i] = d
	}
	return out, nil
}

// scaleOp is w·g for a scalar g: the gradient of one term of a sumOp.
type scaleOp struct {
	opkit.Leaf
	w float64
}

func (o scaleOp) Arity() int { return 1 }
func (o scaleOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}
func (o scaleOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return tensor.ScalarShape(), nil }
func (o scaleOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, fmt.Errorf("%w: %s: %d inputs", ErrDimension, o, len(vs))
	}
	g, err := read.Scalar(vs[0], "upstream gradient")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o, err)
	}
	return G.NewF64(o.w * g), nil
}
func (o scaleOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "pidreg/regularizer.%v", o) }
func (o scaleOp) Hashcode() uint32      { return opkit.Hash(o) }
func (o scaleOp) String() string        { return fmt.Sprintf("Scale{%v}", o.w) }
