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
// The returned slice is the impl's own buffer (its length that of input 0),
// rewritten by the next call: the gradient op's value for one run.
type lossImpl interface {
	forward(in []G.Value) (float64, error)
	backward(in []G.Value, g float64) ([]float64, error)
}

// multiImpl is a lossImpl differentiable with respect to several inputs:
// backwardWRT returns the gradient with respect to input i, as backward does
// for input 0, in a buffer of its own for each i (the gradient nodes are
// distinct values of one run).
type multiImpl interface {
	lossImpl
	backwardWRT(in []G.Value, g float64, i int) ([]float64, error)
}

// lossOp is a custom gorgonia op with scalar output. dims[i] is the number
// of dimensions of input i (0 = scalar). It is differentiable with respect to
// the inputs marked in diff (nil: input 0 only; an impl with more than input
// 0 differentiable is a multiImpl); its SymDiff applies one lossGradOp per
// differentiable input, all sharing the impl.
//
// The op holds mutable state (the impl's cache), so a graph that uses it
// must be run by one goroutine at a time, as every gorgonia graph must.
type lossOp struct {
	opkit.Pure
	name string // includes every parameter, so equal names mean equal ops
	dims []int
	diff []bool
	impl lossImpl
}

// differentiable reports whether input i gets a gradient.
func (o *lossOp) differentiable(i int) bool {
	if o.diff == nil {
		return i == 0
	}
	return i < len(o.diff) && o.diff[i]
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

// DiffWRT marks the differentiable inputs.
func (o *lossOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for i := range d {
		d[i] = o.differentiable(i)
	}
	return d
}

// SymDiff returns, for each differentiable input i, the node
// lossGradOp_i(inputs..., grad); nil for the other inputs.
func (o *lossOp) SymDiff(in G.Nodes, _ *G.Node, grad *G.Node) (G.Nodes, error) {
	if len(in) != len(o.dims) {
		return nil, fmt.Errorf("%w: %s: SymDiff got %d inputs, want %d", ErrDimension, o.name, len(in), len(o.dims))
	}
	args := make(G.Nodes, 0, len(in)+1)
	args = append(args, in...)
	args = append(args, grad)
	out := make(G.Nodes, len(in))
	for i := range in {
		if !o.differentiable(i) {
			continue
		}
		d, err := G.ApplyOp(&lossGradOp{fwd: o, wrt: i}, args...)
		if err != nil {
			return nil, fmt.Errorf("%s: building the gradient node of input %d: %w", o.name, i, err)
		}
		out[i] = d
	}
	return out, nil
}

// lossGradOp computes ∂loss/∂input_wrt · g from (inputs..., g). It is not
// itself differentiable (no second derivatives). Its value is the impl's
// gradient buffer behind a reused header.
type lossGradOp struct {
	opkit.Pure
	fwd *lossOp
	wrt int
	hdr opkit.Header
}

func (o *lossGradOp) Arity() int { return len(o.fwd.dims) + 1 }

func (o *lossGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, 0, len(o.fwd.dims)+2)
	for _, d := range o.fwd.dims {
		ts = append(ts, typeOfDims(d, a))
	}
	ts = append(ts, a, typeOfDims(o.fwd.dims[o.wrt], a))
	return hm.NewFnType(ts...)
}

func (o *lossGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) <= o.wrt {
		return nil, fmt.Errorf("%w: %s: %d input shapes", ErrDimension, o, len(ds))
	}
	s, ok := ds[o.wrt].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("%w: %s: input %d has no shape", ErrDimension, o, o.wrt)
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
	var grad []float64
	if mi, ok := o.fwd.impl.(multiImpl); ok {
		grad, err = mi.backwardWRT(vs[:len(vs)-1], g, o.wrt)
	} else if o.wrt == 0 {
		grad, err = o.fwd.impl.backward(vs[:len(vs)-1], g)
	} else {
		err = fmt.Errorf("%w: no gradient with respect to input %d", ErrDimension, o.wrt)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o, err)
	}
	s := vs[o.wrt].Shape()
	if len(s) != 2 || s[0]*s[1] != len(grad) {
		return nil, fmt.Errorf("%w: %s: %d gradient values for input shape %v", ErrDimension, o, len(grad), s)
	}
	return o.hdr.Matrix(s[0], s[1], grad), nil
}

// WriteHash includes the op's address: it owns a header, so two gradient
// nodes must never be merged onto one op.
func (o *lossGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "pidreg/regularizer.%s.grad%d{%p}", o.fwd.name, o.wrt, o)
}
func (o *lossGradOp) Hashcode() uint32 { return opkit.Hash(o) }
func (o *lossGradOp) String() string {
	if o.wrt == 0 {
		return o.fwd.name + "Grad"
	}
	return fmt.Sprintf("%sGrad%d", o.fwd.name, o.wrt)
}

// checkNodeMatrices checks that every node is a non-nil float64 matrix;
// names[i] labels node i in errors, fn the constructor.
func checkNodeMatrices(fn string, names []string, nodes ...*G.Node) error {
	for i, n := range nodes {
		if n == nil {
			return fmt.Errorf("%w: %s: nil node %s", ErrDimension, fn, names[i])
		}
		if err := checkNodeMatrix(fn+": "+names[i], n); err != nil {
			return err
		}
	}
	return nil
}

// applyLoss applies op to the inputs, naming fn in the error.
func applyLoss(fn string, op *lossOp, in ...*G.Node) (*G.Node, error) {
	out, err := G.ApplyOp(op, in...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	return out, nil
}

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
