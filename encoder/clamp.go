package encoder

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/pidreg/pidreg/internal/opkit"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// clampOp is the differentiable clamp y = min(max(x, lo), hi) applied
// elementwise to a float64 scalar or tensor.
//
// gorgonia v0.9.18 declares a clampOp of its own, but its Do returns nil and
// it has no derivative, so it cannot be used. The derivative here follows the
// convention of torch.clamp: ∂y/∂x = 1 where lo ≤ x ≤ hi (boundaries
// included) and 0 outside.
type clampOp struct {
	opkit.Pure
	lo, hi float64
}

// clampMaskOp computes the derivative of clampOp: 1 where lo ≤ x ≤ hi, else 0.
// It is itself treated as a constant (no second derivative is needed).
type clampMaskOp struct {
	opkit.Pure
	lo, hi float64
}

// clampNode returns the node clamp(x, lo, hi).
func clampNode(x *G.Node, lo, hi float64) (*G.Node, error) {
	return G.ApplyOp(clampOp{lo: lo, hi: hi}, x)
}

func (op clampOp) apply(v float64) float64 {
	switch {
	case v < op.lo:
		return op.lo
	case v > op.hi:
		return op.hi
	}
	return v
}

func (op clampMaskOp) apply(v float64) float64 {
	if v >= op.lo && v <= op.hi {
		return 1
	}
	return 0
}

// mapF64 applies f to a float64 scalar or dense tensor value and returns a new value.
func mapF64(name string, v G.Value, f func(float64) float64) (G.Value, error) {
	switch t := v.(type) {
	case *G.F64:
		return G.NewF64(f(float64(*t))), nil
	case *tensor.Dense:
		src, ok := t.Data().([]float64)
		if !ok {
			return nil, fmt.Errorf("encoder: %s: dtype %v, want float64", name, t.Dtype())
		}
		dst := make([]float64, len(src))
		for i, x := range src {
			dst[i] = f(x)
		}
		return tensor.New(tensor.WithShape(t.Shape().Clone()...), tensor.WithBacking(dst)), nil
	default:
		return nil, fmt.Errorf("encoder: %s: unsupported value type %T (float64 only)", name, v)
	}
}

func (op clampOp) Arity() int { return 1 }
func (op clampOp) Type() hm.Type {
	return hm.NewFnType(hm.TypeVariable('a'), hm.TypeVariable('a'))
}
func (op clampOp) InferShape(ns ...G.DimSizer) (tensor.Shape, error) {
	if len(ns) != 1 {
		return nil, fmt.Errorf("encoder: clamp: %d inputs, want 1", len(ns))
	}
	s, ok := ns[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("encoder: clamp: input shape of type %T", ns[0])
	}
	return s.Clone(), nil
}
func (op clampOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, fmt.Errorf("encoder: clamp: %d inputs, want 1", len(vs))
	}
	return mapF64("clamp", vs[0], op.apply)
}
func (op clampOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "pidreg.clamp{%v,%v}", op.lo, op.hi) }
func (op clampOp) Hashcode() uint32      { return opkit.Hash(op) }
func (op clampOp) String() string        { return fmt.Sprintf("Clamp{%g,%g}", op.lo, op.hi) }
func (op clampOp) DiffWRT(int) []bool    { return []bool{true} }

// SymDiff returns grad ⊙ 1[lo ≤ x ≤ hi].
func (op clampOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("encoder: clamp gradient: %d inputs, want 1", len(in))
	}
	mask, err := G.ApplyOp(clampMaskOp(op), in[0])
	if err != nil {
		return nil, fmt.Errorf("encoder: clamp gradient mask: %w", err)
	}
	var d *G.Node
	if in[0].IsScalar() {
		d, err = G.Mul(grad, mask)
	} else {
		d, err = G.HadamardProd(grad, mask)
	}
	if err != nil {
		return nil, fmt.Errorf("encoder: clamp gradient: %w", err)
	}
	return G.Nodes{d}, nil
}

func (op clampMaskOp) Arity() int { return 1 }
func (op clampMaskOp) Type() hm.Type {
	return hm.NewFnType(hm.TypeVariable('a'), hm.TypeVariable('a'))
}
func (op clampMaskOp) InferShape(ns ...G.DimSizer) (tensor.Shape, error) {
	return clampOp(op).InferShape(ns...)
}
func (op clampMaskOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, fmt.Errorf("encoder: clamp mask: %d inputs, want 1", len(vs))
	}
	return mapF64("clamp mask", vs[0], op.apply)
}
func (op clampMaskOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "pidreg.clampmask{%v,%v}", op.lo, op.hi) }
func (op clampMaskOp) Hashcode() uint32      { return opkit.Hash(op) }
func (op clampMaskOp) String() string        { return fmt.Sprintf("ClampMask{%g,%g}", op.lo, op.hi) }
func (op clampMaskOp) DiffWRT(int) []bool    { return []bool{false} }
func (op clampMaskOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("encoder: the clamp mask is piecewise constant and has no derivative")
}

// read reads op values, reporting problems as ErrShape (dtype: ErrConfig).
var read = opkit.Reader{Shape: ErrShape, Type: ErrConfig}
