package regularizer

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/pidreg/pidreg/internal/opkit"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// lossImpl is the numerical core of a scalar loss: forward evaluates it and
// keeps what the backward pass needs; backward returns the gradient with
// respect to input 0 scaled by the upstream gradient g. backward receives
// the same input values as forward and must recompute when they changed.
type lossImpl interface {
	forward(in []G.Value) (float64, error)
	backward(in []G.Value, g float64) ([]float64, error)
}

// lossOp is a custom gorgonia op with scalar output. dims[i] is the number
// of dimensions of input i (0 = scalar). It is differentiable with respect to
// input 0 only; its SymDiff applies a lossGradOp that shares the impl.
//
// The op holds mutable state (the impl's cache), so a graph that uses it
// must be run by one goroutine at a time, as every gorgonia graph must.
type lossOp struct {
	opkit.Pure
	name string // includes every parameter, so equal names mean equal ops
	dims []int
	impl lossImpl
}

func (o *lossOp) Arity() int { return len(o.dims) }

func (o *lossOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, 0, len(o.dims)+1)
	for _, d := range o.dims {
		ts = append(ts, typeOfDims(d, a))
	}
	ts = append(ts, a)
	return hm.NewFnType(ts...)
}

func typeOfDims(d int, a hm.TypeVariable) hm.Type {
	if d == 0 {
		return a
	}
	return G.TensorType{Dims: d, Of: a}
}

func (o *lossOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return tensor.ScalarShape(), nil }

func (o *lossOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != len(o.dims) {
		return nil, fmt.Errorf("%w: %s: got %d inputs, want %d", ErrDimension, o.name, len(vs), len(o.dims))
	}
	v, err := o.impl.forward(vs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.name, err)
	}
	return G.NewF64(v), nil
}

func (o *lossOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "pidreg/regularizer.%s", o.name) }
func (o *lossOp) Hashcode() uint32      { return opkit.Hash(o) }
func (o *lossOp) String() string        { return o.name }

// DiffWRT: differentiable with respect to input 0 only.
func (o *lossOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	if n > 0 {
		d[0] = true
	}
	return d
}

// SymDiff returns, for input 0, the node lossGradOp(inputs..., grad); nil
// for the other inputs.
func (o *lossOp) SymDiff(in G.Nodes, _ *G.Node, grad *G.Node) (G.Nodes, error) {
	if len(in) != len(o.dims) {
		return nil, fmt.Errorf("%w: %s: SymDiff got %d inputs, want %d", ErrDimension, o.name, len(in), len(o.dims))
	}
	args := make(G.Nodes, 0, len(in)+1)
	args = append(args, in...)
	args = append(args, grad)
	d, err := G.ApplyOp(&lossGradOp{fwd: o}, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: building the gradient node: %w", o.name, err)
	}
	out := make(G.Nodes, len(in))
	out[0] = d
	return out, nil
}

// lossGradOp computes ∂loss/∂input0 · g from (inputs..., g). It is not itself
// differentiable (no second derivatives).
type lossGradOp struct {
	opkit.Pure
	fwd *lossOp
}

func (o *lossGradOp) Arity() int { return len(o.fwd.dims) + 1 }

func (o *lossGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, 0, len(o.fwd.dims)+2)
	for _, d := range o.fwd.dims {
		ts = append(ts, typeOfDims(d, a))
	}
	ts = append(ts, a, typeOfDims(o.fwd.dims[0], a))
	return hm.NewFnType(ts...)
}

func (o *lossGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) < 1 {
		return nil, fmt.Errorf("%w: %s: no input shapes", ErrDimension, o)
	}
	s, ok := ds[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("%w: %s: input 0 has no shape", ErrDimension, o)
	}
	return s.Clone(), nil
}

func (o *lossGradOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != o.Arity() {
		return nil, fmt.Errorf("%w: %s: got %d inputs, want %d", ErrDimension, o, len(vs), o.Arity())
	}
	g, err := read.Scalar(vs[len(vs)-1], "upstream gradient")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o, err)
	}
	grad, err := o.fwd.impl.backward(vs[:len(vs)-1], g)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o, err)
	}
	return tensor.New(tensor.WithShape(vs[0].Shape().Clone()...), tensor.WithBacking(grad)), nil
}

func (o *lossGradOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "pidreg/regularizer.%s.grad", o.fwd.name) }
func (o *lossGradOp) Hashcode() uint32      { return opkit.Hash(o) }
func (o *lossGradOp) String() string        { return o.fwd.name + "Grad" }

// read reads op values, reporting problems as ErrDimension or ErrDType.
var read = opkit.Reader{Shape: ErrDimension, Type: ErrDType}

// sameAs reports whether cached equals cur elementwise.
func sameAs(cached, cur []float64) bool {
	if len(cached) != len(cur) {
		return false
	}
	for i, v := range cur {
		if cached[i] != v {
			return false
		}
	}
	return true
}
